package sideband_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/sideband"
	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/physic"
)

// nvmeStatus is the NVMe-MI basic management status block of a healthy
// drive at 35 °C as read at command 0 from 0x6A: count, 6 data bytes, PEC
// (PEC over D4 00 D5 06 BB FF 23 03 00 00 = 35, hardware-facts.md).
var nvmeStatus = []byte{0x06, 0xBB, 0xFF, 0x23, 0x03, 0x00, 0x00, 0x35}

func playback(addr uint16, ops ...i2ctest.IO) (*i2ctest.Playback, *i2c.Dev) {
	for i := range ops {
		ops[i].Addr = addr
	}
	p := &i2ctest.Playback{Ops: ops, DontPanic: true}
	return p, &i2c.Dev{Bus: p, Addr: addr}
}

func TestTransactions(t *testing.T) {
	tests := []struct {
		name string
		io   i2ctest.IO
		do   func(c conn.Conn) (uint16, error)
		want uint16
	}{
		{"send byte", i2ctest.IO{W: []byte{0xFF}},
			func(c conn.Conn) (uint16, error) { return 0, sideband.SendByte(c, 0xFF) }, 0},
		{"receive byte", i2ctest.IO{R: []byte{0xA5}},
			func(c conn.Conn) (uint16, error) { b, err := sideband.ReceiveByte(c); return uint16(b), err }, 0xA5},
		{"write byte data", i2ctest.IO{W: []byte{0x01, 0x60}},
			func(c conn.Conn) (uint16, error) { return 0, sideband.WriteByteData(c, 0x01, 0x60) }, 0},
		{"read byte data", i2ctest.IO{W: []byte{0x03}, R: []byte{0x23}},
			func(c conn.Conn) (uint16, error) { b, err := sideband.ReadByteData(c, 0x03); return uint16(b), err }, 0x23},
		{"read word data is LE", i2ctest.IO{W: []byte{0x09}, R: []byte{0x34, 0x12}},
			func(c conn.Conn) (uint16, error) { return sideband.ReadWordData(c, 0x09) }, 0x1234},
		{"read word BE: LM75 25 °C", i2ctest.IO{W: []byte{0x00}, R: []byte{0x19, 0x00}},
			func(c conn.Conn) (uint16, error) { return sideband.ReadWordBE(c, 0x00) }, 0x1900},
		{"read word BE: LM75 -25 °C", i2ctest.IO{W: []byte{0x00}, R: []byte{0xE7, 0x00}},
			func(c conn.Conn) (uint16, error) { return sideband.ReadWordBE(c, 0x00) }, 0xE700},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, dev := playback(0x48, tt.io)
			got, err := tt.do(dev)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %#04x, want %#04x", got, tt.want)
			}
			if err := p.Close(); err != nil {
				t.Error(err)
			}
		})
	}
}

// fakeBus answers every transaction with fn.
type fakeBus struct {
	fn func(addr uint16, w, r []byte) error
}

func (f fakeBus) String() string                    { return "fake" }
func (f fakeBus) Tx(addr uint16, w, r []byte) error { return f.fn(addr, w, r) }
func (f fakeBus) SetSpeed(physic.Frequency) error   { return nil }

// reply returns a device at addr that answers every read with data.
func reply(addr uint16, data []byte) *i2c.Dev {
	return &i2c.Dev{Bus: fakeBus{func(_ uint16, _, r []byte) error {
		copy(r, data)
		return nil
	}}, Addr: addr}
}

func TestErrorsNameAddressAndCommand(t *testing.T) {
	nack := &i2c.Dev{Bus: fakeBus{func(addr uint16, _, _ []byte) error {
		return fmt.Errorf("i2c-1: addr %#02x: %w", addr, board.ErrNACK)
	}}, Addr: 0x48}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"send byte", sideband.SendByte(nack, 0xFF), "SMBus 0x48 send byte 0xff: i2c-1: addr 0x48: no acknowledge"},
		{"receive byte", func() error { _, err := sideband.ReceiveByte(nack); return err }(),
			"SMBus 0x48 receive byte: i2c-1: addr 0x48: no acknowledge"},
		{"write byte data", sideband.WriteByteData(nack, 1, 0x60),
			"SMBus 0x48 cmd 0x01: write 0x60: i2c-1: addr 0x48: no acknowledge"},
		{"read byte data", func() error { _, err := sideband.ReadByteData(nack, 3); return err }(),
			"SMBus 0x48 cmd 0x03: i2c-1: addr 0x48: no acknowledge"},
		{"read word data", func() error { _, err := sideband.ReadWordData(nack, 9); return err }(),
			"SMBus 0x48 cmd 0x09: i2c-1: addr 0x48: no acknowledge"},
		{"read word BE", func() error { _, err := sideband.ReadWordBE(nack, 0); return err }(),
			"SMBus 0x48 cmd 0x00: i2c-1: addr 0x48: no acknowledge"},
		{"read block", func() error { _, err := sideband.ReadBlockPEC(nack, 0x48, 0, 6); return err }(),
			"SMBus 0x48 cmd 0x00: i2c-1: addr 0x48: no acknowledge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil || tt.err.Error() != tt.want {
				t.Errorf("error %v, want %q", tt.err, tt.want)
			}
			if !errors.Is(tt.err, board.ErrNACK) {
				t.Errorf("error %v does not wrap board.ErrNACK", tt.err)
			}
		})
	}
}

// A connection that is not an i2c.Dev is named by its String.
func TestErrorNamesOtherConn(t *testing.T) {
	var c conn.Conn = nameConn{}
	_, err := sideband.ReadByteData(c, 0x10)
	if want := "SMBus mydev cmd 0x10: boom"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

type nameConn struct{}

func (nameConn) String() string       { return "mydev" }
func (nameConn) Tx(w, r []byte) error { return errors.New("boom") }
func (nameConn) Duplex() conn.Duplex  { return conn.Half }

func TestReadPEC(t *testing.T) {
	tests := []struct {
		name string
		addr uint16
		w, r []byte
		want byte
	}{
		{"NVMe-MI status block golden", 0x6A, []byte{0x00}, nvmeStatus[:7], 0x35},
		// Read-only: only the read address byte precedes the data.
		// CRC-8 of D5 alone is the table entry for D5.
		{"read only covers read address", 0x6A, nil, nil, crcOf(0xD5)},
		{"write and read addresses both covered", 0x6A, []byte{0x00}, nil, crcOf(0xD4, 0x00, 0xD5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sideband.ReadPEC(tt.addr, tt.w, tt.r); got != tt.want {
				t.Errorf("ReadPEC = %#02x, want %#02x", got, tt.want)
			}
		})
	}
}

// crcOf is a bitwise CRC-8 (poly 0x07), independent of internal/crc's table.
func crcOf(data ...byte) byte {
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

func TestReadBlockPEC(t *testing.T) {
	bad := bytes.Clone(nvmeStatus)
	bad[7] = 0x12
	flipped := bytes.Clone(nvmeStatus)
	flipped[3] ^= 0x01 // 0x23 -> 0x22: one bit of temperature corrupted
	short := []byte{0x05, 0xBB, 0xFF, 0x23, 0x03, 0x00, 0x00, 0x35}
	tests := []struct {
		name    string
		addr    uint16
		n       int
		reply   []byte
		want    []byte
		wantErr string
		is      error
	}{
		{"golden", 0x6A, 6, nvmeStatus, nvmeStatus[1:7], "", nil},
		{"bad PEC", 0x6A, 6, bad, nil, "SMBus 0x6a cmd 0x00: PEC 0x12 != 0x35: PEC mismatch", sideband.ErrPEC},
		{"corrupt data", 0x6A, 6, flipped, nil, "SMBus 0x6a cmd 0x00: PEC 0x35 != ", sideband.ErrPEC},
		// The PEC covers the address: the same bytes from another address fail.
		{"wrong address", 0x6B, 6, nvmeStatus, nil, "SMBus 0x6b cmd 0x00: PEC 0x35 != ", sideband.ErrPEC},
		{"short count", 0x6A, 6, short, nil, "SMBus 0x6a cmd 0x00: block count 5 != 6: unexpected block count", sideband.ErrBlockCount},
		{"count 0xff (floating bus)", 0x6A, 6, bytes.Repeat([]byte{0xFF}, 8), nil, "block count 255 != 6", sideband.ErrBlockCount},
		{"zero length", 0x6A, 0, nil, nil, "SMBus 0x6a cmd 0x00: block length 0 out of range 1..255", nil},
		{"too long", 0x6A, 256, nil, nil, "block length 256 out of range", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sideband.ReadBlockPEC(reply(tt.addr, tt.reply), tt.addr, 0x00, tt.n)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("error %v does not wrap %v", err, tt.is)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("data % x, want % x", got, tt.want)
			}
		})
	}
}

// ReadBlockPEC is one transaction: command written, count+data+PEC read.
func TestReadBlockPECWire(t *testing.T) {
	p, dev := playback(0x6A, i2ctest.IO{W: []byte{0x00}, R: nvmeStatus})
	if _, err := sideband.ReadBlockPEC(dev, 0x6A, 0x00, 6); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Error(err)
	}
}

func FuzzReadBlockPEC(f *testing.F) {
	f.Add(nvmeStatus, uint8(6))
	f.Add([]byte{0x01, 0x00, 0x00}, uint8(1))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		got, err := sideband.ReadBlockPEC(reply(0x6A, data), 0x6A, 0x00, int(n))
		if err != nil {
			return
		}
		// Success means the reply held count n, n bytes and their PEC.
		// (Index with int: 1+n overflows a uint8.)
		m := int(n)
		r := make([]byte, 1+m+1)
		copy(r, data)
		if int(r[0]) != m || len(got) != m || !bytes.Equal(got, r[1:1+m]) {
			t.Fatalf("accepted % x for n=%d: got % x", data, n, got)
		}
		if sideband.ReadPEC(0x6A, []byte{0}, r[:1+m]) != r[1+m] {
			t.Fatalf("accepted a bad PEC: % x", data)
		}
	})
}
