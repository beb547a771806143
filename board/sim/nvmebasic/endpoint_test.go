package nvmebasic

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/chassisd/chassisd/board"
)

var testID = Identity{VendorID: 0x8086, SerialNumber: "PHLF0123456789AB"}

// goldenStatus is the status block of a healthy drive at 35 °C with 3 % of
// its life used, read at command 0 from 0x6A (hardware-facts.md: PEC over
// D4 00 D5 06 BB FF 23 03 00 00 = 35).
var goldenStatus = []byte{0x06, 0xBB, 0xFF, 0x23, 0x03, 0x00, 0x00, 0x35}

// newGolden returns the drive goldenStatus describes.
func newGolden() *Endpoint {
	e := New(0x6A, testID)
	e.SetPercentLifeUsed(3)
	return e
}

var allWarnings = Warnings{SpareLow: true, TemperatureHigh: true,
	ReliabilityDegraded: true, ReadOnly: true, VolatileBackupFailed: true}

func read(t *testing.T, e *Endpoint, w []byte, n int) []byte {
	t.Helper()
	r := make([]byte, n)
	if err := e.Transfer(w, r); err != nil {
		t.Fatalf("Transfer(% x, %d): %v", w, n, err)
	}
	return r
}

// pec is a bitwise CRC-8 (poly 0x07), independent of internal/crc.
func pec(data ...byte) byte {
	var c byte
	for _, b := range data {
		c ^= b
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ 0x07
			} else {
				c <<= 1
			}
		}
	}
	return c
}

func TestGoldenStatus(t *testing.T) {
	e := newGolden()
	if got := read(t, e, []byte{0}, 8); !bytes.Equal(got, goldenStatus) {
		t.Errorf("status block % x, want % x", got, goldenStatus)
	}
	// New's own defaults: 0 % used.
	got := read(t, New(0x6A, testID), []byte{0}, 8)
	if want := pec(0xD4, 0x00, 0xD5, 0x06, 0xBB, 0xFF, 0x23, 0x00, 0x00, 0x00); !bytes.Equal(got, []byte{0x06, 0xBB, 0xFF, 0x23, 0x00, 0x00, 0x00, want}) {
		t.Errorf("New status block % x", got)
	}
}

func TestStructureLayout(t *testing.T) {
	e := newGolden()
	s := read(t, e, []byte{0}, 256)
	if !bytes.Equal(s[:8], goldenStatus) {
		t.Errorf("status block % x, want % x", s[:8], goldenStatus)
	}
	wantID := append([]byte{0x16, 0x80, 0x86}, []byte("PHLF0123456789AB    ")...)
	if !bytes.Equal(s[8:31], wantID) {
		t.Errorf("identification block % x, want % x", s[8:31], wantID)
	}
	want := pec(append([]byte{0xD4, 0x08, 0xD5}, wantID...)...)
	if s[31] != want {
		t.Errorf("identification PEC %#02x, want %#02x", s[31], want)
	}
	if !bytes.Equal(s[32:], make([]byte, 224)) {
		t.Errorf("vendor area not zero: % x", s[32:])
	}
}

// The PECs cover the endpoint's own address.
func TestPECCoversAddress(t *testing.T) {
	e := New(0x6B, testID)
	s := read(t, e, []byte{0}, 32)
	if want := pec(append([]byte{0xD6, 0x00, 0xD7}, s[:7]...)...); s[7] != want {
		t.Errorf("status PEC at 0x6b %#02x, want %#02x", s[7], want)
	}
	if want := pec(append([]byte{0xD6, 0x08, 0xD7}, s[8:31]...)...); s[31] != want {
		t.Errorf("identification PEC at 0x6b %#02x, want %#02x", s[31], want)
	}
}

// Random Read Byte / Read Word, as facebook/openbmc reads the structure.
func TestRandomAccess(t *testing.T) {
	e := New(0x6A, testID)
	if got := read(t, e, []byte{1}, 1); got[0] != 0xBB {
		t.Errorf("SFLGS %#02x, want bb", got[0])
	}
	if got := read(t, e, []byte{3}, 1); got[0] != 0x23 {
		t.Errorf("CTemp %#02x, want 23", got[0])
	}
	// A Read Word at 9 returns the VID bytes in structure order (MSB
	// first), which an SMBus word read takes as LE: the byte swap.
	if got := read(t, e, []byte{9}, 2); !bytes.Equal(got, []byte{0x80, 0x86}) {
		t.Errorf("word at 9: % x, want 80 86", got)
	}
	if got := read(t, e, []byte{0x0B}, 4); string(got) != "PHLF" {
		t.Errorf("serial bytes at 0x0b: %q", got)
	}
}

func TestReadContinuesAndWraps(t *testing.T) {
	e := New(0x6A, testID)
	read(t, e, []byte{2}, 1)
	if got := read(t, e, nil, 2); !bytes.Equal(got, []byte{0x23, 0x00}) {
		t.Errorf("read-only after offset 2+1: % x, want 23 00", got)
	}
	// A Send Byte sets the offset too.
	if err := e.Transfer([]byte{9}, nil); err != nil {
		t.Fatal(err)
	}
	if got := read(t, e, nil, 2); !bytes.Equal(got, []byte{0x80, 0x86}) {
		t.Errorf("read-only after Send Byte 9: % x", got)
	}
	if got := read(t, e, []byte{0xFE}, 4); !bytes.Equal(got, []byte{0, 0, 0x06, 0xBB}) {
		t.Errorf("read across the end: % x, want 00 00 06 bb", got)
	}
	if got := read(t, e, nil, 1); got[0] != 0xFF {
		t.Errorf("read-only after the wrap: %#02x, want SWARN ff", got[0])
	}
}

func TestArbitrationBit(t *testing.T) {
	e := New(0x6A, testID)
	if err := e.Transfer([]byte{0xFF}, nil); err != nil {
		t.Fatal(err)
	}
	s := read(t, e, []byte{0}, 8)
	if s[1] != 0x3B {
		t.Errorf("SFLGS after Send Byte ff: %#02x, want 3b", s[1])
	}
	if want := pec(append([]byte{0xD4, 0x00, 0xD5}, s[:7]...)...); s[7] != want {
		t.Errorf("PEC %#02x does not cover the cleared bit (want %#02x)", s[7], want)
	}
	if s := read(t, e, []byte{1}, 1); s[0] != 0xBB {
		t.Errorf("SFLGS after a completed read: %#02x, want bb", s[0])
	}
}

func TestSetTemperature(t *testing.T) {
	tests := []struct {
		c    int
		want byte
	}{
		{35, 0x23}, {0, 0x00}, {126, 0x7E}, {127, 0x7F}, {500, 0x7F},
		{-1, 0xFF}, {-59, 0xC5}, {-60, 0xC4}, {-100, 0xC4},
	}
	e := New(0x6A, testID)
	for _, tt := range tests {
		e.SetTemperature(tt.c)
		if got := read(t, e, []byte{3}, 1); got[0] != tt.want {
			t.Errorf("SetTemperature(%d): CTemp %#02x, want %#02x", tt.c, got[0], tt.want)
		}
	}
	for _, code := range []byte{0x80, 0x81, 0x90} {
		e.SetTemperatureCode(code)
		if got := read(t, e, []byte{3}, 1); got[0] != code {
			t.Errorf("SetTemperatureCode(%#02x): CTemp %#02x", code, got[0])
		}
	}
}

func TestSetPercentLifeUsed(t *testing.T) {
	e := New(0x6A, testID)
	for in, want := range map[int]byte{-5: 0, 0: 0, 42: 42, 100: 100, 255: 255, 300: 255} {
		e.SetPercentLifeUsed(in)
		if got := read(t, e, []byte{4}, 1); got[0] != want {
			t.Errorf("SetPercentLifeUsed(%d): PDLU %d, want %d", in, got[0], want)
		}
	}
}

func TestFlagsAndWarnings(t *testing.T) {
	tests := []struct {
		name         string
		set          func(e *Endpoint)
		sflgs, swarn byte
	}{
		{"healthy", func(e *Endpoint) {}, 0xBB, 0xFF},
		{"not ready", func(e *Endpoint) { e.SetReady(false) }, 0xFB, 0xFF},
		{"not functional", func(e *Endpoint) { e.SetFunctional(false) }, 0x9B, 0xFF},
		{"spare", func(e *Endpoint) { e.SetWarnings(Warnings{SpareLow: true}) }, 0xBB, 0xFE},
		{"temperature", func(e *Endpoint) { e.SetWarnings(Warnings{TemperatureHigh: true}) }, 0xBB, 0xFD},
		{"reliability", func(e *Endpoint) { e.SetWarnings(Warnings{ReliabilityDegraded: true}) }, 0xBB, 0xFB},
		{"read-only", func(e *Endpoint) { e.SetWarnings(Warnings{ReadOnly: true}) }, 0xBB, 0xF7},
		{"volatile backup", func(e *Endpoint) { e.SetWarnings(Warnings{VolatileBackupFailed: true}) }, 0xBB, 0xEF},
		{"all", func(e *Endpoint) {
			e.SetWarnings(allWarnings)
		}, 0xBB, 0xE0},
		{"ready again", func(e *Endpoint) { e.SetReady(false); e.SetReady(true) }, 0xBB, 0xFF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(0x6A, testID)
			tt.set(e)
			s := read(t, e, []byte{0}, 8)
			if s[1] != tt.sflgs || s[2] != tt.swarn {
				t.Errorf("SFLGS %#02x SWARN %#02x, want %#02x %#02x", s[1], s[2], tt.sflgs, tt.swarn)
			}
			if want := pec(append([]byte{0xD4, 0x00, 0xD5}, s[:7]...)...); s[7] != want {
				t.Errorf("PEC %#02x, want %#02x", s[7], want)
			}
		})
	}
}

func TestCorruptPEC(t *testing.T) {
	e := New(0x6A, testID)
	good := read(t, e, []byte{0}, 32)
	e.SetCorruptPEC(true)
	bad := read(t, e, []byte{0}, 32)
	if bad[7] == good[7] || bad[31] == good[31] {
		t.Errorf("PECs not corrupted: %#02x %#02x", bad[7], bad[31])
	}
	if !bytes.Equal(bad[:7], good[:7]) || !bytes.Equal(bad[8:31], good[8:31]) {
		t.Error("corrupting PEC changed data bytes")
	}
	e.SetCorruptPEC(false)
	if again := read(t, e, []byte{0}, 32); !bytes.Equal(again, good) {
		t.Errorf("after SetCorruptPEC(false): % x, want % x", again, good)
	}
}

func TestSerialPadding(t *testing.T) {
	e := New(0x6A, Identity{VendorID: 0x144D, SerialNumber: "S123456789012345678901234"})
	if got := read(t, e, []byte{0x0B}, 20); string(got) != "S1234567890123456789" {
		t.Errorf("long serial served as %q", got)
	}
	e = New(0x6A, Identity{})
	if got := read(t, e, []byte{0x09}, 22); !bytes.Equal(got, append([]byte{0, 0}, bytes.Repeat([]byte(" "), 20)...)) {
		t.Errorf("empty identity served as % x", got)
	}
}

func TestWritesNACKed(t *testing.T) {
	e := New(0x6A, testID)
	err := e.Transfer([]byte{0x20, 0x01}, nil)
	if !errors.Is(err, board.ErrNACK) {
		t.Errorf("data write: %v, want a NACK", err)
	}
	if err := e.Transfer(nil, nil); err != nil {
		t.Errorf("quick command: %v", err)
	}
}

func TestConcurrentSetters(t *testing.T) {
	e := New(0x6A, testID)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 1000 {
			e.SetTemperature(i % 80)
			e.SetPercentLifeUsed(i % 120)
			e.SetWarnings(Warnings{SpareLow: i%2 == 0})
			e.SetReady(i%3 != 0)
			e.SetCorruptPEC(i%5 == 0)
			e.SetTemperatureCode(0x80)
		}
	})
	for range 1000 {
		read(t, e, []byte{0}, 32)
	}
	wg.Wait()
}

// FuzzTransfer drives the endpoint with arbitrary transactions: it must
// never panic, and a status block read after them must carry a good PEC.
func FuzzTransfer(f *testing.F) {
	f.Add([]byte{0x00}, uint16(32))
	f.Add([]byte{0xFF}, uint16(0))
	f.Add([]byte{0xF0}, uint16(300))
	f.Fuzz(func(t *testing.T, w []byte, n uint16) {
		e := New(0x6A, testID)
		if err := e.Transfer(w, make([]byte, n%1024)); err != nil && !errors.Is(err, board.ErrNACK) {
			t.Fatalf("Transfer(% x): %v", w, err)
		}
		s := read(t, e, []byte{0}, 8)
		if want := pec(append([]byte{0xD4, 0x00, 0xD5}, s[:7]...)...); s[7] != want {
			t.Fatalf("after % x: PEC %#02x, want %#02x", w, s[7], want)
		}
	})
}
