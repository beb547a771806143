package switchtec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/internal/crc"
	"github.com/chassisd/chassisd/interposer"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
)

// step is one expected transaction of a scripted bus and its answer.
type step struct {
	w, r []byte
	err  error
}

// scriptBus is an i2c.Bus that expects exactly the scripted transactions,
// in order, at address 0x20.
type scriptBus struct {
	t     *testing.T
	steps []step
	i     int
}

func (b *scriptBus) String() string                  { return "i2c-test" }
func (b *scriptBus) SetSpeed(physic.Frequency) error { return nil }
func (b *scriptBus) Tx(addr uint16, w, r []byte) error {
	b.t.Helper()
	if b.i >= len(b.steps) {
		b.t.Errorf("unexpected transaction %d: write % X, read %d", b.i, w, len(r))
		return fmt.Errorf("script over: %w", board.ErrNACK)
	}
	s := b.steps[b.i]
	b.i++
	if addr != 0x20 {
		b.t.Errorf("transaction %d to %#x", b.i-1, addr)
	}
	if !bytes.Equal(w, s.w) {
		b.t.Errorf("transaction %d wrote % X\n                  want % X", b.i-1, w, s.w)
	}
	if len(r) != len(s.r) {
		b.t.Errorf("transaction %d reads %d bytes, script answers %d", b.i-1, len(r), len(s.r))
	}
	copy(r, s.r)
	return s.err
}

func (b *scriptBus) done() {
	b.t.Helper()
	if b.i != len(b.steps) {
		b.t.Errorf("%d of %d scripted transactions happened", b.i, len(b.steps))
	}
}

func direct(bus i2c.Bus) interposer.Runner {
	return func(ctx context.Context, fn func(i2c.Bus) error) error { return fn(bus) }
}

func hx(s string) []byte {
	var b []byte
	for _, f := range strings.Fields(s) {
		var v byte
		fmt.Sscanf(f, "%02X", &v)
		b = append(b, v)
	}
	return b
}

// e9 builds the request and a correct answer for a GAS read at 0x20; the PEC
// is computed here (the golden ones are spelled out in the tests).
func e9(off uint32, data []byte, twiStatus byte) step {
	w := gasReadRequest(off, len(data))
	r := append([]byte{byte(len(data))}, data...)
	r = append(r, twiStatus)
	r = append(r, crc.PEC(crc.PEC(crc.PEC(crc.PEC(0, 0x40), w...), 0x41), r...))
	return step{w: w, r: r}
}

func e2(tag, status byte) step {
	return step{w: []byte{0xE2}, r: []byte{tag, status, crc.PEC(0, 0x40, 0xE2, 0x41, tag, status)}}
}

func mrpcStatus(status, ret uint32) []byte {
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, status), ret)
}

var capStep = step{w: []byte{0xE0}, r: hx("80 92")} // golden: facts sheet "cap response"

// TestGoldenBind checks the facts sheet's Switchtec @0x20 "bind 0/2/5"
// transaction byte for byte, with the answers the sheet gives.
func TestGoldenBind(t *testing.T) {
	bus := &scriptBus{t: t, steps: []step{
		capStep,
		{w: hx("EA 09 01 00 00 00 00 00 00 02 05 1B")}, // golden payload write
		{w: []byte{0xE2}, r: hx("01 00 78")},           // PEC over 40 E2 41 01 00 (by hand)
		{w: hx("EA 09 02 00 00 08 00 0C 00 7C 00 58")}, // golden command write
		{w: []byte{0xE2}, r: hx("02 00 47")},           // golden status response
		// E9 05 00000804 08 -> [08][status 2][ret 0][twi ok], PEC over 40 E9
		// 05 00 00 08 04 08 41 08 02 00 00 00 00 00 00 00 00 = 32 (by hand).
		{w: hx("E9 05 00 00 08 04 08"), r: hx("08 02 00 00 00 00 00 00 00 00 32")},
	}}
	s := New(direct(bus), 0x20)
	s.SetPolling(0, time.Second)
	if err := s.Bind(context.Background(), interposer.Binding{Partition: 0, Logical: 2, Phys: 5}); err != nil {
		t.Fatal(err)
	}
	bus.done()
}

// TestUnbindFrames: [01 unbind][part 0][log 2][option 2] under tag 1, PEC
// over 40 EA 09 01 00 00 00 00 01 00 02 02 = 18 (by hand).
func TestUnbindFrames(t *testing.T) {
	bus := &scriptBus{t: t, steps: []step{
		capStep,
		{w: hx("EA 09 01 00 00 00 00 01 00 02 02 18")},
		e2(1, 0),
		{w: hx("EA 09 02 00 00 08 00 0C 00 7C 00 58")},
		e2(2, 0),
		e9(0x804, mrpcStatus(1, 0), 0), // still running
		e9(0x804, mrpcStatus(2, 0), 0),
	}}
	s := New(direct(bus), 0x20)
	s.SetPolling(0, time.Second)
	if err := s.Unbind(context.Background(), 0, 2); err != nil {
		t.Fatal(err)
	}
	bus.done()
}

// TestWriteRetries: a payload write whose status stays busy is written again
// under the next tag; a damaged status answer is read again; the command
// write is never repeated.
func TestWriteRetries(t *testing.T) {
	busy := make([]step, statusAttempts)
	for i := range busy {
		busy[i] = e2(1, 0x01) // right tag, not done
	}
	steps := []step{capStep, {w: gasWriteFrame(0x20, 1, 0, []byte{0, 0, 2, 5})}}
	steps = append(steps, busy...)
	steps = append(steps,
		step{w: gasWriteFrame(0x20, 2, 0, []byte{0, 0, 2, 5})},
		step{w: []byte{0xE2}, r: []byte{2, 0, 0x00}}, // bad PEC
		e2(1, 0), // stale tag
		e2(2, 0),
		step{w: gasWriteFrame(0x20, 3, 0x800, []byte{0x0C, 0, 0x7C, 0})},
		e2(3, 0x20), // MRPC engine refuses: no second command write
	)
	bus := &scriptBus{t: t, steps: steps}
	s := New(direct(bus), 0x20)
	s.statusDelay = 0
	s.SetPolling(0, time.Second)
	err := s.Bind(context.Background(), interposer.Binding{Partition: 0, Logical: 2, Phys: 5})
	if err == nil || !strings.Contains(err.Error(), "MRPC engine busy") || !strings.Contains(err.Error(), "0x0800") {
		t.Errorf("error %v", err)
	}
	bus.done()
}

func TestCapability(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []step
		want  error
	}{
		{"not enhanced", []step{{w: []byte{0xE0}, r: []byte{0x00, crc.PEC(0, 0x40, 0xE0, 0x41, 0)}}}, ErrNotEnhanced},
		{"PEC bad thrice", []step{{w: []byte{0xE0}, r: hx("80 93")}, {w: []byte{0xE0}, r: hx("80 93")}, {w: []byte{0xE0}, r: hx("80 93")}}, ErrPEC},
		{"NACK", []step{{w: []byte{0xE0}, r: make([]byte, 2), err: board.ErrNACK}}, board.ErrNACK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bus := &scriptBus{t: t, steps: tc.steps}
			s := New(direct(bus), 0x20)
			_, err := s.Bindings(context.Background())
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			bus.done()
		})
	}
}

// TestReadPEC: a GAS read whose PEC is wrong is retried, and after three bad
// answers fails with ErrPEC; its data is never used.
func TestReadPEC(t *testing.T) {
	bad := e9(0x804, mrpcStatus(2, 0), 0)
	bad.r = append([]byte(nil), bad.r...)
	bad.r[len(bad.r)-1] ^= 1
	bus := &scriptBus{t: t, steps: []step{
		capStep,
		{w: gasWriteFrame(0x20, 1, 0, []byte{2, 0xFF, 0, 0})}, e2(1, 0),
		{w: gasWriteFrame(0x20, 2, 0x800, []byte{0x0C, 0, 0x7C, 0})}, e2(2, 0),
		bad, bad, bad,
	}}
	s := New(direct(bus), 0x20)
	s.SetPolling(0, time.Second)
	_, err := s.Bindings(context.Background())
	if !errors.Is(err, ErrPEC) || !strings.Contains(err.Error(), "GAS read 0x0804") || !strings.Contains(err.Error(), "switchtec 0x20") {
		t.Errorf("error %v", err)
	}
	bus.done()
}

func TestParseGASRead(t *testing.T) {
	w := hx("E9 05 00 00 08 04 08")
	good := hx("08 02 00 00 00 00 00 00 00 00 32")
	data, st, err := parseGASRead(0x20, w, good)
	if err != nil || st != 0 || !bytes.Equal(data, mrpcStatus(2, 0)) {
		t.Fatalf("% x %#x %v", data, st, err)
	}
	for i := range good {
		bad := append([]byte(nil), good...)
		bad[i] ^= 0x10
		if _, _, err := parseGASRead(0x20, w, bad); !errors.Is(err, ErrPEC) {
			t.Errorf("byte %d flipped: %v", i, err)
		}
	}
	if _, _, err := parseGASRead(0x21, w, good); !errors.Is(err, ErrPEC) {
		t.Error("PEC does not cover the address")
	}
	if _, _, err := parseGASRead(0x20, w, good[:10]); err == nil {
		t.Error("short answer accepted")
	}
}

func TestTagsCycle(t *testing.T) {
	var tag byte = 253
	tw := &twi{tag: &tag}
	var got []byte
	for range 4 {
		got = append(got, tw.nextTag())
	}
	if !bytes.Equal(got, []byte{254, 255, 1, 2}) {
		t.Errorf("tags %v", got)
	}
}
