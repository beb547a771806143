package nvmemi_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/sideband"
	"github.com/chassisd/chassisd/sled/nvmemi"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/physic"
)

// goldenBasic is offsets 0..31 of a healthy drive at 0x6A: the status block
// (hardware-facts.md: PEC over D4 00 D5 06 BB FF 23 03 00 00 = 35) and an
// identification block for VID 8086, serial "PHLF0123456789AB" (PEC over
// D4 08 D5 16 80 86 "PHLF0123456789AB    " = ED, checked below).
var goldenBasic = append(
	[]byte{0x06, 0xBB, 0xFF, 0x23, 0x03, 0x00, 0x00, 0x35},
	append(idBlock(0x8086, "PHLF0123456789AB    "), 0xED)...)

var goldenID = nvmemi.ID{VendorID: 0x8086, SerialNumber: "PHLF0123456789AB"}

// crc8 is a bitwise SMBus CRC-8, independent of internal/crc.
func crc8(data ...byte) byte {
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

func TestGoldenVectors(t *testing.T) {
	if got := crc8(0xD4, 0x00, 0xD5, 0x06, 0xBB, 0xFF, 0x23, 0x03, 0x00, 0x00); got != 0x35 {
		t.Errorf("status PEC %#02x, want 35", got)
	}
	if got := crc8(append([]byte{0xD4, 0x08, 0xD5}, goldenBasic[8:31]...)...); got != 0xED {
		t.Errorf("identification PEC %#02x, want ed", got)
	}
}

func playback(ops ...i2ctest.IO) (*i2ctest.Playback, *i2c.Dev) {
	for i := range ops {
		ops[i].Addr = 0x6A
	}
	p := &i2ctest.Playback{Ops: ops, DontPanic: true}
	return p, &i2c.Dev{Bus: p, Addr: 0x6A}
}

// ReadBasic is one transaction: command 0 written, 32 bytes read.
func TestReadBasicGolden(t *testing.T) {
	p, dev := playback(i2ctest.IO{W: []byte{0x00}, R: goldenBasic})
	st, id, err := nvmemi.ReadBasic(dev, 0x6A)
	if err != nil {
		t.Fatal(err)
	}
	if st != healthy || id != goldenID {
		t.Errorf("got %+v %+v, want %+v %+v", st, id, healthy, goldenID)
	}
	if err := p.Close(); err != nil {
		t.Error(err)
	}
}

// ReadStatus is one block read: command 0 written, 8 bytes read.
func TestReadStatusGolden(t *testing.T) {
	p, dev := playback(i2ctest.IO{W: []byte{0x00}, R: goldenBasic[:8]})
	st, err := nvmemi.ReadStatus(dev, 0x6A)
	if err != nil {
		t.Fatal(err)
	}
	if st != healthy {
		t.Errorf("got %+v, want %+v", st, healthy)
	}
	if err := p.Close(); err != nil {
		t.Error(err)
	}
}

// fakeBus answers every read with reply, or fails with err.
type fakeBus struct {
	reply []byte
	err   error
}

func (f fakeBus) String() string { return "fake" }
func (f fakeBus) Tx(addr uint16, w, r []byte) error {
	if f.err != nil {
		return fmt.Errorf("i2c-1: addr %#02x: %w", addr, f.err)
	}
	copy(r, f.reply)
	return nil
}
func (f fakeBus) SetSpeed(physic.Frequency) error { return nil }

func dev(b fakeBus) *i2c.Dev { return &i2c.Dev{Bus: b, Addr: 0x6A} }

func patched(at int, v byte) []byte {
	b := bytes.Clone(goldenBasic)
	b[at] = v
	return b
}

func TestReadBasicErrors(t *testing.T) {
	tests := []struct {
		name       string
		bus        fakeBus
		addr       uint16
		want       string
		is         error
		wantStatus bool // the status is returned with the error
	}{
		{"NACK", fakeBus{err: board.ErrNACK}, 0x6A,
			"SMBus 0x6a cmd 0x00: i2c-1: addr 0x6a: no acknowledge", board.ErrNACK, false},
		{"status PEC", fakeBus{reply: patched(7, 0x12)}, 0x6A,
			"SMBus 0x6a cmd 0x00: status block: PEC 0x12 != 0x35: PEC mismatch", sideband.ErrPEC, false},
		{"status data corrupt", fakeBus{reply: patched(3, 0x63)}, 0x6A,
			"SMBus 0x6a cmd 0x00: status block: PEC 0x35 != ", sideband.ErrPEC, false},
		{"status count", fakeBus{reply: patched(0, 0x07)}, 0x6A,
			"SMBus 0x6a cmd 0x00: status block: block count 7 != 6: unexpected block count", sideband.ErrBlockCount, false},
		{"floating bus", fakeBus{reply: bytes.Repeat([]byte{0xFF}, 32)}, 0x6A,
			"SMBus 0x6a cmd 0x00: status block: block count 255 != 6", sideband.ErrBlockCount, false},
		// The PECs cover the address: the drive at 0x6A's bytes do not
		// pass as another address's.
		{"wrong address", fakeBus{reply: goldenBasic}, 0x6B,
			"SMBus 0x6b cmd 0x00: status block: PEC 0x35 != ", sideband.ErrPEC, false},
		{"identification PEC", fakeBus{reply: patched(31, 0x00)}, 0x6A,
			"SMBus 0x6a cmd 0x00: identification block at offset 8: PEC 0x00 != 0xed: PEC mismatch", sideband.ErrPEC, true},
		{"identification count", fakeBus{reply: patched(8, 0x14)}, 0x6A,
			"SMBus 0x6a cmd 0x00: identification block at offset 8: block count 20 != 22", sideband.ErrBlockCount, true},
		{"serial garbage with good PEC", fakeBus{reply: func() []byte {
			b := patched(12, 0x07)
			b[31] = crc8(append([]byte{0xD4, 0x08, 0xD5}, b[8:31]...)...)
			return b
		}()}, 0x6A,
			"SMBus 0x6a cmd 0x00: identification block: serial number byte 0x07 at offset 12 is not printable ASCII", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.bus
			st, id, err := nvmemi.ReadBasic(&i2c.Dev{Bus: b, Addr: tt.addr}, tt.addr)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			if id != (nvmemi.ID{}) {
				t.Errorf("ID %+v returned with an error", id)
			}
			if tt.wantStatus && st != healthy {
				t.Errorf("status %+v, want the good status block", st)
			}
			if !tt.wantStatus && st != (nvmemi.Status{}) {
				t.Errorf("status %+v returned from a bad status block", st)
			}
		})
	}
}

func TestReadStatusErrors(t *testing.T) {
	tests := []struct {
		name string
		bus  fakeBus
		want string
		is   error
	}{
		{"NACK", fakeBus{err: board.ErrNACK}, "SMBus 0x6a cmd 0x00: i2c-1: addr 0x6a: no acknowledge", board.ErrNACK},
		{"PEC", fakeBus{reply: patched(7, 0x12)}, "SMBus 0x6a cmd 0x00: PEC 0x12 != 0x35: PEC mismatch", sideband.ErrPEC},
		{"count", fakeBus{reply: patched(0, 0x16)}, "SMBus 0x6a cmd 0x00: block count 22 != 6", sideband.ErrBlockCount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := nvmemi.ReadStatus(dev(tt.bus), 0x6A)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			if st != (nvmemi.Status{}) {
				t.Errorf("status %+v returned with an error", st)
			}
		})
	}
}
