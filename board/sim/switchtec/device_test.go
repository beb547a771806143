package switchtec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/chassisd/chassisd/board"
)

func hex(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		var v byte
		for _, c := range s[i : i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			case c >= 'A' && c <= 'F':
				v |= byte(c - 'A' + 10)
			default:
				t.Fatalf("bad hex %q", s)
			}
		}
		b = append(b, v)
		i += 2
	}
	return b
}

// TestGoldenBind feeds the facts sheet's Switchtec @0x20 "bind 0/2/5"
// frames and checks the answers byte for byte.
func TestGoldenBind(t *testing.T) {
	d := New(testConfig())
	r := make([]byte, 2)
	if err := d.Transfer([]byte{0xE0}, r); err != nil || !bytes.Equal(r, hex(t, "80 92")) {
		t.Fatalf("capability answer % X, %v; want 80 92", r, err)
	}
	// Payload [00 bind][part 0][log 2][phys 5] at 0x0000, tag 1.
	if err := d.Transfer(hex(t, "EA 09 01 00 00 00 00 00 00 02 05 1B"), nil); err != nil {
		t.Fatal(err)
	}
	// E2 after tag 1: PEC over 40 E2 41 01 00 = 78 (hand computed with
	// CRC-8/0x07, same routine that gives F4 for "123456789").
	r = make([]byte, 3)
	if err := d.Transfer([]byte{0xE2}, r); err != nil || !bytes.Equal(r, hex(t, "01 00 78")) {
		t.Fatalf("status after payload % X, %v", r, err)
	}
	// Command 0x0C | 0x1F<<18 = 0x007C000C, little endian, at 0x0800, tag 2.
	if err := d.Transfer(hex(t, "EA 09 02 00 00 08 00 0C 00 7C 00 58"), nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Transfer([]byte{0xE2}, r); err != nil || !bytes.Equal(r, hex(t, "02 00 47")) {
		t.Fatalf("status after command % X, %v; want 02 00 47", r, err)
	}
	// Status and return value: E9 05 00000804 08 answered [08][02 00 00 00]
	// [00 00 00 00][00] and PEC over 40 E9 05 00 00 08 04 08 41 and those
	// ten bytes = 32.
	r = make([]byte, 11)
	if err := d.Transfer(hex(t, "E9 05 00 00 08 04 08"), r); err != nil ||
		!bytes.Equal(r, hex(t, "08 02 00 00 00 00 00 00 00 00 32")) {
		t.Fatalf("status read % X, %v", r, err)
	}
	want := []Binding{{0, 2, 5}, {1, 1, 2}}
	if got := d.Bindings(); !reflect.DeepEqual(got, want) {
		t.Errorf("bindings %v, want %v", got, want)
	}
}

func TestFramesRefused(t *testing.T) {
	tests := []struct {
		name string
		w    []byte
	}{
		{"no command", nil},
		{"unknown command", []byte{0xE8}},
		{"E0 with data", []byte{0xE0, 0}},
		{"E2 with data", []byte{0xE2, 1}},
		{"E9 short", []byte{0xE9, 5, 0, 0, 8}},
		{"E9 bad count", []byte{0xE9, 4, 0, 0, 8, 4, 4}},
		{"E9 too long a read", []byte{0xE9, 5, 0, 0, 8, 4, 28}},
		{"EA bad PEC", hex(t, "EA 09 01 00 00 00 00 00 00 02 05 1C")},
		{"EA count disagrees", hex(t, "EA 0A 01 00 00 00 00 00 00 02 05 1B")},
		{"EA no data room", []byte{0xEA}},
		{"EA count below 5", []byte{0xEA, 4, 1, 0, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := New(testConfig())
			err := d.Transfer(tc.w, make([]byte, 3))
			if !errors.Is(err, board.ErrNACK) {
				t.Fatalf("error %v, want a NACK", err)
			}
			if d.lastTag != 0 || d.gas.mrpc[0] != 0 || d.gas.mrpc[3] != 0 {
				t.Errorf("refused frame changed the switch")
			}
		})
	}
}

func TestFailNextWrites(t *testing.T) {
	d := New(testConfig())
	d.FailNextWrites(1)
	frame := hex(t, "EA 09 01 00 00 00 00 00 00 02 05 1B")
	if err := d.Transfer(frame, nil); !errors.Is(err, board.ErrNACK) {
		t.Fatalf("first write: %v, want a NACK", err)
	}
	if d.gas.mrpc[3] != 0 || d.lastTag != 0 {
		t.Fatal("NACKed write landed")
	}
	if err := d.Transfer(frame, nil); err != nil {
		t.Fatalf("second write: %v", err)
	}
	if d.gas.mrpc[3] != 5 {
		t.Error("second write did not land")
	}
}

func TestCorruptNextReads(t *testing.T) {
	d := New(testConfig())
	d.CorruptNextReads(1)
	r := make([]byte, 2)
	d.Transfer([]byte{0xE0}, r)
	if r[1] == 0x92 {
		t.Error("PEC not corrupted")
	}
	d.Transfer([]byte{0xE0}, r)
	if r[1] != 0x92 {
		t.Errorf("second answer % X", r)
	}
}

func TestReadPastAnswerIsIdleBus(t *testing.T) {
	d := New(testConfig())
	r := make([]byte, 4)
	d.Transfer([]byte{0xE0}, r)
	if !bytes.Equal(r, []byte{0x80, 0x92, 0xFF, 0xFF}) {
		t.Errorf("answer % X", r)
	}
}

func TestRegisters(t *testing.T) {
	cfg := testConfig()
	cfg.DeviceID, cfg.FirmwareVersion = 0x4036, 0x04500123
	m := &master{t: t, d: New(cfg)}
	if got := m.read(0x1007, 2); !bytes.Equal(got, []byte{2, 0}) {
		t.Errorf("partition count/id % x", got)
	}
	if got := m.read(0x2000, 12); !bytes.Equal(got, []byte{0x36, 0x40, 0, 0, 0, 0, 0, 0, 0x23, 0x01, 0x50, 0x04}) {
		t.Errorf("sys info % x", got)
	}
}

func TestPing(t *testing.T) {
	for _, tc := range []struct {
		gen    int
		status uint32
		ret    uint32
		info   uint32
	}{
		{4, 2, 0, 0x0003},
		{5, 2, 0, 0x1003},
		{3, 0xFF, codeCommandInvalid, 0},
	} {
		cfg := testConfig()
		cfg.Generation = tc.gen
		m := &master{t: t, d: New(cfg)}
		st, ret, out := m.mrpc(0x100, []byte{0x78, 0x56, 0x34, 0x12}, 8)
		if st != tc.status || ret != tc.ret {
			t.Errorf("Gen%d: status %#x ret %#x", tc.gen, st, ret)
			continue
		}
		if tc.ret == 0 && (binary.LittleEndian.Uint32(out) != tc.info || binary.LittleEndian.Uint32(out[4:]) != ^uint32(0x12345678)) {
			t.Errorf("Gen%d: ping answer % x", tc.gen, out)
		}
	}
}

func TestBusyPollsAndCommandWhileBusy(t *testing.T) {
	cfg := testConfig()
	cfg.BusyPolls = 2
	m := &master{t: t, d: New(cfg)}
	m.write(0, []byte{0, 0, 1, 3})
	if st := m.write(0x800, []byte{0x0C, 0, 0x7C, 0}); st != 0 {
		t.Fatalf("command status %#x", st)
	}
	// A second command while the first runs is refused with 0x20.
	if st := m.write(0x800, []byte{0x0C, 0, 0x7C, 0}); st != 0x20 {
		t.Errorf("second command status %#x, want 0x20", st)
	}
	var seen []uint32
	for range 3 {
		seen = append(seen, binary.LittleEndian.Uint32(m.read(0x804, 4)))
	}
	if !reflect.DeepEqual(seen, []uint32{1, 1, 2}) {
		t.Errorf("status sequence %v, want [1 1 2]", seen)
	}
}

func TestLinkStatusRecords(t *testing.T) {
	m := &master{t: t, d: New(testConfig())}
	m.mrpc(0x0C, []byte{0, 0, 2, 5}, 0)
	m.d.SetLink(3, false)
	st, ret, out := m.mrpc(0x1C, make([]byte, 8), 52*12)
	if st != 2 || ret != 0 {
		t.Fatalf("LNKSTAT status %#x ret %#x", st, ret)
	}
	want := [][]byte{
		// phys part log stk cfgw negw usp link ltssm(LE) rev lane
		hex(t, "00 00 00 00 04 04 01 84 03 01 00 00"), // host 0, x4 16 GT/s, L0
		hex(t, "02 01 01 02 04 04 00 84 03 01 00 00"), // saved binding 1/1
		hex(t, "03 FF FF 03 04 00 00 04 00 01 00 00"), // link down, Detect
		hex(t, "05 00 02 05 04 04 00 84 03 01 00 00"), // bound 0/2
		hex(t, "06 FF FF 06 02 02 00 83 03 01 00 00"), // x2 at 8 GT/s
		hex(t, "07 FF FF 07 04 04 00 84 03 01 00 00"),
		hex(t, "08 01 00 10 04 04 01 84 03 01 00 00"), // host 1: stack 1 port 0
	}
	for i, w := range want {
		if got := out[i*12 : i*12+12]; !bytes.Equal(got, w) {
			t.Errorf("record %d: % X, want % X", i, got, w)
		}
	}
	if rest := out[len(want)*12:]; !bytes.Equal(rest, bytes.Repeat([]byte{0xFF}, len(rest))) {
		t.Error("unused records are not all FF")
	}
	// A bitmap selects ports.
	_, _, out = m.mrpc(0x1C, binary.LittleEndian.AppendUint64(nil, 1<<5|1<<8), 24)
	if out[0] != 5 || out[12] != 8 {
		t.Errorf("bitmap 5,8 gave ports %d,%d", out[0], out[12])
	}
}

func TestBindInfo(t *testing.T) {
	m := &master{t: t, d: New(testConfig())}
	_, _, out := m.mrpc(0x0C, []byte{2, 0xFF, 0, 0}, 24)
	want := hex(t, "05 00 00 00 02 01 01 10 03 FF FF 00 05 FF FF 00 06 FF FF 00 07 FF FF 00")
	if !bytes.Equal(out, want) {
		t.Errorf("all ports: % X\nwant        % X", out, want)
	}
	_, _, out = m.mrpc(0x0C, []byte{2, 2, 0, 0}, 8)
	if !bytes.Equal(out, hex(t, "01 00 00 00 02 01 01 10")) {
		t.Errorf("port 2: % X", out)
	}
	m.d.CorruptNextReadback()
	_, _, out = m.mrpc(0x0C, []byte{2, 2, 0, 0}, 8)
	if !bytes.Equal(out, hex(t, "01 00 00 00 02 FF FF 00")) {
		t.Errorf("corrupted read-back of bound port 2: % X", out)
	}
	_, _, out = m.mrpc(0x0C, []byte{2, 3, 0, 0}, 8)
	if !bytes.Equal(out, hex(t, "01 00 00 00 03 FF FF 00")) {
		t.Errorf("corruption lasted: % X", out)
	}
}

// TestMRPCErrors drives every return code the emulation produces by itself.
func TestMRPCErrors(t *testing.T) {
	tests := []struct {
		name    string
		cmd     uint32
		payload []byte
		link3Up bool
		code    uint32
	}{
		{"bind phys bound", 0x0C, []byte{0, 0, 3, 2}, true, codePhysPortBound},
		{"bind logical bound", 0x0C, []byte{0, 1, 1, 3}, true, codeLogicalPortBound},
		{"bind no partition", 0x0C, []byte{0, 2, 1, 3}, true, codeNoPartition},
		{"bind no phys", 0x0C, []byte{0, 0, 1, 4}, true, codeNoPhysPort},
		{"bind disabled", 0x0C, []byte{0, 0, 1, 7}, true, codePhysPortDisabled},
		{"bind logical 0", 0x0C, []byte{0, 0, 0, 3}, true, codeNoLogicalPort},
		{"bind logical too big", 0x0C, []byte{0, 0, 6, 3}, true, codeNoLogicalPort},
		{"bind upstream", 0x0C, []byte{0, 0, 1, 8}, true, codeTargetIsUpstream},
		{"bad sub-command", 0x0C, []byte{3, 0, 0, 0}, true, codeBadSubcommand},
		{"unbind link active", 0x0C, []byte{1, 1, 1, 0}, true, codeLinkActive},
		{"unbind not bound", 0x0C, []byte{1, 0, 1, 2}, true, codeLogicalNotBound},
		{"unbind bad option", 0x0C, []byte{1, 1, 1, 3}, true, codeBadUnbindOption},
		{"unbind no partition", 0x0C, []byte{1, 5, 1, 2}, true, codeNoPartition},
		{"unbind no logical", 0x0C, []byte{1, 0, 9, 2}, true, codeNoLogicalPort},
		{"info no phys", 0x0C, []byte{2, 4, 0, 0}, true, codeNoPhysPort},
		{"info upstream", 0x0C, []byte{2, 0, 0, 0}, true, codeTargetIsUpstream},
		{"unknown command", 0x55, nil, true, codeCommandInvalid},
		{"pmon bad sub-command", 0x07, []byte{7, 0, 0, 1}, true, codeSubcommandInvalid},
		{"pmon bad stack", 0x07, []byte{2, 8, 0, 1, 0}, true, codeParameterInvalid},
		{"pmon too many counters", 0x07, []byte{2, 0, 60, 5, 0}, true, codeParameterInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &master{t: t, d: New(testConfig())}
			st, ret, _ := m.mrpc(tc.cmd, tc.payload, 0)
			if st != 0xFF || ret != tc.code {
				t.Errorf("status %#x ret %#x, want 0xff %#x", st, ret, tc.code)
			}
		})
	}
	// Unbind with option 0 works once the link is down; option 2 always.
	m := &master{t: t, d: New(testConfig())}
	m.d.SetLink(2, false)
	if st, ret, _ := m.mrpc(0x0C, []byte{1, 1, 1, 0}, 0); st != 2 || ret != 0 {
		t.Errorf("unbind with link down: %#x %#x", st, ret)
	}
	// Without the PAX field the command is not for this switch.
	m.write(0, []byte{2, 0xFF, 0, 0})
	m.write(0x800, []byte{0x0C, 0, 0, 0})
	if b := m.read(0x804, 8); binary.LittleEndian.Uint32(b) != 0xFF || binary.LittleEndian.Uint32(b[4:]) != codeCommandInvalid {
		t.Errorf("command without PAX id: % x", b)
	}
	m.d.FailNextMRPC(0x07, 0x0D)
	for _, code := range []uint32{0x07, 0x0D, 0} {
		if st, ret, _ := m.mrpc(0x0C, []byte{2, 0xFF, 0, 0}, 0); ret != code || (code == 0) != (st == 2) {
			t.Errorf("injected %#x: status %#x ret %#x", code, st, ret)
		}
	}
}

func TestEventCounters(t *testing.T) {
	m := &master{t: t, d: New(testConfig())}
	m.d.InjectErrors(5, 7) // before setup: not counted
	// Counter 25 counts bad TLPs (bit 13) and counter 26 receiver errors
	// (bit 14) on port 5 of stack 0; counter 27 counts bad TLPs on port 8
	// (stack 1 port 0) but lives in stack 0, so it sees nothing.
	setup := []byte{0, 0, 25, 3}
	for _, e := range []struct {
		mask uint32
	}{{1<<13<<8 | 1<<5}, {1<<14<<8 | 1<<5}, {1<<13<<8 | 1<<0}} {
		setup = binary.LittleEndian.AppendUint32(setup, e.mask)
		setup = append(setup, 0)
		setup = binary.LittleEndian.AppendUint32(setup, 0)
	}
	if st, _, _ := m.mrpc(0x07, setup, 0); st != 2 {
		t.Fatalf("setup status %#x", st)
	}
	m.d.InjectErrors(5, 3)
	m.d.InjectEvent(5, EventBadDLLP, 4)
	m.d.InjectEvent(8, EventBadTLP, 9)
	_, _, out := m.mrpc(0x07, []byte{2, 0, 25, 3, 1}, 24)
	if got := []uint32{binary.LittleEndian.Uint32(out), binary.LittleEndian.Uint32(out[8:]), binary.LittleEndian.Uint32(out[16:])}; !reflect.DeepEqual(got, []uint32{3, 3, 0}) {
		t.Errorf("counts %v, want [3 3 0]", got)
	}
	// Read with clear: the next read starts from zero.
	_, _, out = m.mrpc(0x07, []byte{2, 0, 25, 1, 0}, 8)
	if binary.LittleEndian.Uint32(out) != 0 {
		t.Errorf("after clear: %d", binary.LittleEndian.Uint32(out))
	}
	_, _, out = m.mrpc(0x07, []byte{3, 0, 25, 1}, 9)
	if !bytes.Equal(out, setup[4:13]) {
		t.Errorf("setup read back % x", out)
	}
	if err := m.d.InjectEvent(4, EventBadTLP, 1); err == nil {
		t.Error("event on a missing port accepted")
	}
}

func TestReset(t *testing.T) {
	cfg := testConfig()
	cfg.BusyPolls = 5
	m := &master{t: t, d: New(cfg)}
	m.d.bind(0, 2, 5)
	m.write(0, []byte{0, 0, 1, 3})
	m.write(0x800, []byte{0x0C, 0, 0x7C, 0})
	m.d.Reset()
	if got := m.d.Bindings(); !reflect.DeepEqual(got, []Binding{{1, 1, 2}}) {
		t.Errorf("after reset %v, want only the saved binding", got)
	}
	if st := binary.LittleEndian.Uint32(m.read(0x804, 4)); st != 0 {
		t.Errorf("status after reset %#x, want idle", st)
	}
	r := make([]byte, 3)
	m.d.Transfer([]byte{0xE2}, r)
	if r[0] != 0 {
		t.Errorf("write tag survived reset: % x", r)
	}
}

func TestValidate(t *testing.T) {
	if err := testConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(*Config){
		func(c *Config) { c.Generation = 6 },
		func(c *Config) { c.Drives[0].Phys = 0 },
		func(c *Config) { c.Drives[0].Phys = 48 },
		func(c *Config) { c.Drives[0].Width = 0 },
		func(c *Config) { c.Drives[0].SpeedGTs = 32 },
		func(c *Config) { c.Drives[0].SpeedGTs = 7 },
		func(c *Config) { c.Bindings = append(c.Bindings, Binding{0, 1, 2}) },
		func(c *Config) { c.Bindings = []Binding{{0, 1, 8}} },
	}
	for i, f := range bad {
		c := testConfig()
		c.Drives = append([]Port(nil), c.Drives...)
		f(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("case %d: accepted", i)
		}
		New(c) // never panics
	}
}

// TestConcurrentUse: the simulator's control calls race with bus traffic.
func TestConcurrentUse(t *testing.T) {
	d := New(testConfig())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			d.SetLink(5, i%2 == 0)
			d.InjectErrors(5, 1)
			d.Bindings()
			d.CorruptNextReadback()
		}
	}()
	m := &master{t: t, d: d}
	for range 50 {
		m.mrpc(0x1C, make([]byte, 8), 24)
	}
	<-done
}
