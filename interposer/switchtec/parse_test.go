package switchtec

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/chassisd/chassisd/interposer"
)

func TestParseLinkStatus(t *testing.T) {
	unused := bytes.Repeat([]byte{0xFF}, 12)
	recs := [][]byte{
		// phys part log stk cfgw negw usp link ltssm rev lane
		hx("08 01 00 10 04 04 01 84 03 01 00 00"), // host 1, stack 1 port 0, x4 16 GT/s, L0
		unused,
		hx("05 00 02 05 04 02 00 83 03 01 00 00"), // drive bound 0/2, x2 of x4, 8 GT/s
		hx("03 FF FF 03 04 00 00 04 00 01 00 00"), // down; stale rate ignored
		hx("06 FF FF 06 02 02 00 85 04 02 00 00"), // Recovery at 32 GT/s
		hx("07 FF FF 97 04 04 00 84 03 01 00 00"), // stack 9: unused slot
		hx("09 FF FF 11 04 04 00 87 0B 00 00 00"), // unknown rate, unknown LTSSM
	}
	got, err := parseLinkStatus(bytes.Join(recs, nil))
	if err != nil {
		t.Fatal(err)
	}
	var ports []interposer.Port
	for _, r := range got {
		ports = append(ports, r.port(4))
	}
	want := []interposer.Port{
		{Phys: 3, Role: interposer.Downstream, Partition: -1, LTSSM: "Detect", MaxWidth: 4, MaxSpeedGTs: 16},
		{Phys: 5, Role: interposer.Downstream, Partition: -1, LinkUp: true, LTSSM: "L0", Width: 2, MaxWidth: 4, SpeedGTs: 8, MaxSpeedGTs: 16},
		{Phys: 6, Role: interposer.Downstream, Partition: -1, LinkUp: true, LTSSM: "Recovery", Width: 2, MaxWidth: 2, SpeedGTs: 32, MaxSpeedGTs: 16},
		{Phys: 8, Role: interposer.Upstream, Partition: 1, LinkUp: true, LTSSM: "L0", Width: 4, MaxWidth: 4, SpeedGTs: 16, MaxSpeedGTs: 16},
		{Phys: 9, Role: interposer.Downstream, Partition: -1, LinkUp: true, LTSSM: "unknown (0x000b)", Width: 4, MaxWidth: 4, MaxSpeedGTs: 16},
	}
	if !reflect.DeepEqual(ports, want) {
		t.Errorf("ports\n%+v\nwant\n%+v", ports, want)
	}
	if got[3].stack != 0x10 {
		t.Errorf("stack byte of port 8: %#x", got[3].stack)
	}
	for name, b := range map[string][]byte{
		"ragged":    make([]byte, 13),
		"duplicate": append(append([]byte(nil), recs[0]...), recs[0]...),
	} {
		if _, err := parseLinkStatus(b); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestParseBindInfo(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []interposer.Binding
		err  error
	}{
		{"empty table", hx("00 00 00 00"), []interposer.Binding{}, nil},
		{"bound and free", hx("03 00 00 00 05 00 02 10 02 01 01 10 03 FF FF 00"),
			[]interposer.Binding{{Partition: 0, Logical: 2, Phys: 5}, {Partition: 1, Logical: 1, Phys: 2}}, nil},
		{"failed bind is not bound", hx("01 00 00 00 05 00 02 11"), []interposer.Binding{}, nil},
		{"in progress", hx("01 00 00 00 05 00 02 12"), nil, ErrBindInProgress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := parseBindInfo(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := bindings(e)
			if !errors.Is(err, tc.err) || (tc.err == nil && !reflect.DeepEqual(got, tc.want)) {
				t.Errorf("%v, %v; want %v, %v", got, err, tc.want, tc.err)
			}
		})
	}
	for name, b := range map[string][]byte{
		"short header":      hx("01 00 00"),
		"count past data":   hx("02 00 00 00 05 00 02 10"),
		"count over 48":     append([]byte{49, 0, 0, 0}, make([]byte, 49*4)...),
		"bound to nothing":  hx("01 00 00 00 05 FF 02 10"),
		"unknown state":     hx("01 00 00 00 05 00 02 13"),
		"bound to no log":   hx("01 00 00 00 05 00 FF 10"),
		"unknown top state": hx("01 00 00 00 05 00 02 20"),
	} {
		e, err := parseBindInfo(b)
		if err == nil {
			var bs []interposer.Binding
			bs, err = bindings(e)
			if name == "unknown top state" && err == nil && len(bs) == 0 {
				continue // b7:4 other than 1 reads as unbound
			}
		}
		if err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestParsePing(t *testing.T) {
	x := uint32(0x12345678)
	echo := []byte{0x87, 0xA9, 0xCB, 0xED} // ^x, little endian
	tests := []struct {
		info string
		gen  int
		ok   bool
	}{
		{"03 00 00 00", 4, true},
		{"03 10 00 00", 5, true},
		{"03 21 00 00", 6, true}, // revision in b11:8 ignored
		{"02 00 00 00", 0, false},
		{"03 30 00 00", 0, false},
	}
	for _, tc := range tests {
		gen, err := parsePing(x, append(hx(tc.info), echo...))
		if (err == nil) != tc.ok || gen != tc.gen {
			t.Errorf("info %s: gen %d, %v", tc.info, gen, err)
		}
	}
	if _, err := parsePing(x, append(hx("03 00 00 00"), 0, 0, 0, 0)); err == nil {
		t.Error("wrong echo accepted")
	}
}

func TestFirmwareString(t *testing.T) {
	for v, want := range map[uint32]string{0x04700021: "4.70 B021", 0x03091234: "3.09 B1234", 0x10050002: "10.05 B002"} {
		if got := FirmwareString(v); got != want {
			t.Errorf("%#x: %q, want %q", v, got, want)
		}
	}
}

func TestMRPCError(t *testing.T) {
	e := error(&MRPCError{Command: mrpcPortPartP2P, Code: CodePhysPortBound})
	wrapped := fmt.Errorf("bind: %w", e)
	if !errors.Is(wrapped, &MRPCError{Command: mrpcPortPartP2P, Code: CodePhysPortBound}) {
		t.Error("errors.Is misses the same command and code")
	}
	if errors.Is(wrapped, &MRPCError{Command: mrpcPortPartP2P, Code: CodeLogicalPortBound}) {
		t.Error("errors.Is matches another code")
	}
	for _, tc := range []struct {
		e    MRPCError
		want string
	}{
		{MRPCError{mrpcPortPartP2P, CodePhysPortBound}, "MRPC PORTPARTP2P: physical port already bound (code 0x1)"},
		{MRPCError{mrpcPortPartP2P, CodeBindCheckFailed}, "MRPC PORTPARTP2P: bind check failed (code 0xd)"},
		{MRPCError{mrpcLnkStat, CodePhysPortBound}, "MRPC LNKSTAT: error (code 0x1)"},
		{MRPCError{mrpcPing, CodeCommandInvalid}, "MRPC TWI_PING: invalid command (code 0x64005)"},
		{MRPCError{0x41, 0x123}, "MRPC 0x41: error (code 0x123)"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
	for code := CodePhysPortBound; code <= CodeBindCheckFailed; code++ {
		if n := (&MRPCError{mrpcPortPartP2P, code}).Name(); n == "" || strings.Contains(n, "error") {
			t.Errorf("code %#x has no name", code)
		}
	}
}

func TestCounterSetupBytes(t *testing.T) {
	// Port 5 of its stack: bad TLP is type bit 13, so the mask is
	// 1<<13<<8 | 1<<5 = 0x00200020, little endian 20 00 20 00, then
	// ingress 00 and threshold 00000000.
	got := counterSetup(5)
	if !bytes.Equal(got[:9], hx("20 00 20 00 00 00 00 00 00")) || len(got) != 45 {
		t.Errorf("% X", got)
	}
	// Replay rollover, bit 11: 1<<11<<8 | 1<<5 = 0x00080020.
	if !bytes.Equal(got[36:45], hx("20 00 08 00 00 00 00 00 00")) {
		t.Errorf("last counter % X", got[36:])
	}
}
