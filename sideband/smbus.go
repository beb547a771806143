package sideband

import (
	"errors"
	"fmt"

	"github.com/chassisd/chassisd/internal/crc"
	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/i2c"
)

// SMBus 2.0 protocol helpers over one periph connection (an i2c.Dev is one).
// Each helper is one bus transaction: where a command code is written before
// a read, the read follows a repeated START, so no other master can move a
// device's pointer in between.

// ErrPEC means the Packet Error Code a device sent does not match the bytes
// on the wire: the data is corrupt and must not be used.
var ErrPEC = errors.New("PEC mismatch")

// ErrBlockCount means a block read's count byte is not the length the
// caller expected.
var ErrBlockCount = errors.New("unexpected block count")

// maxBlock is the longest block SMBus 3.0 allows (SMBus 2.0: 32).
const maxBlock = 255

// SendByte sends one byte with no command code (S a+W b P).
func SendByte(c conn.Conn, b byte) error {
	if err := c.Tx([]byte{b}, nil); err != nil {
		return fmt.Errorf("SMBus %s send byte %#02x: %w", addrOf(c), b, err)
	}
	return nil
}

// ReceiveByte reads one byte with no command code (S a+R b P).
func ReceiveByte(c conn.Conn) (byte, error) {
	var r [1]byte
	if err := c.Tx(nil, r[:]); err != nil {
		return 0, fmt.Errorf("SMBus %s receive byte: %w", addrOf(c), err)
	}
	return r[0], nil
}

// WriteByteData writes v to command (register) cmd (S a+W cmd v P).
func WriteByteData(c conn.Conn, cmd, v byte) error {
	if err := c.Tx([]byte{cmd, v}, nil); err != nil {
		return fmt.Errorf("%s: write %#02x: %w", where(addrOf(c), cmd), v, err)
	}
	return nil
}

// ReadByteData reads one byte from command cmd (S a+W cmd Sr a+R b P).
func ReadByteData(c conn.Conn, cmd byte) (byte, error) {
	var r [1]byte
	if err := c.Tx([]byte{cmd}, r[:]); err != nil {
		return 0, fmt.Errorf("%s: %w", where(addrOf(c), cmd), err)
	}
	return r[0], nil
}

// ReadWordData reads a word from command cmd. SMBus words are sent low byte
// first.
func ReadWordData(c conn.Conn, cmd byte) (uint16, error) {
	var r [2]byte
	if err := c.Tx([]byte{cmd}, r[:]); err != nil {
		return 0, fmt.Errorf("%s: %w", where(addrOf(c), cmd), err)
	}
	return uint16(r[0]) | uint16(r[1])<<8, nil
}

// ReadWordBE reads a 16-bit register from command cmd that the device sends
// high byte first, as temperature and power sensors do.
func ReadWordBE(c conn.Conn, cmd byte) (uint16, error) {
	var r [2]byte
	if err := c.Tx([]byte{cmd}, r[:]); err != nil {
		return 0, fmt.Errorf("%s: %w", where(addrOf(c), cmd), err)
	}
	return uint16(r[0])<<8 | uint16(r[1]), nil
}

// ReadBlockPEC performs an SMBus block read whose length is known in advance
// (the count byte must equal n), verifying PEC: it reads the count, n data
// bytes and the PEC in one transaction (S a+W cmd Sr a+R n data… PEC P) and
// returns the data. addr is the device's 7-bit address, which the PEC covers
// but a conn.Conn does not reveal. n is 1..255.
//
// Reading a fixed length rather than letting the count byte decide saves a
// transaction; a device that disagrees about the length is reported, not
// followed. The count is checked before the PEC because a short block puts
// its PEC where this read expects data, and "count 5 != 6" says more than a
// PEC mismatch would.
func ReadBlockPEC(c conn.Conn, addr uint16, cmd byte, n int) ([]byte, error) {
	w := where(fmt.Sprintf("%#02x", addr), cmd)
	if n < 1 || n > maxBlock {
		return nil, fmt.Errorf("%s: block length %d out of range 1..%d", w, n, maxBlock)
	}
	r := make([]byte, 1+n+1)
	if err := c.Tx([]byte{cmd}, r); err != nil {
		return nil, fmt.Errorf("%s: %w", w, err)
	}
	if int(r[0]) != n {
		return nil, fmt.Errorf("%s: block count %d != %d: %w", w, r[0], n, ErrBlockCount)
	}
	got, want := r[1+n], ReadPEC(addr, []byte{cmd}, r[:1+n])
	if got != want {
		return nil, fmt.Errorf("%s: PEC %#02x != %#02x: %w", w, got, want, ErrPEC)
	}
	return r[1 : 1+n], nil
}

// ReadPEC returns the PEC a device appends to a "write w, Sr, read r"
// transaction at the 7-bit address addr: the CRC-8 over the write address
// byte and w, then the read address byte and r (r without the PEC byte
// itself). An empty w means a read-only transaction: no write address.
func ReadPEC(addr uint16, w, r []byte) byte {
	var p byte
	if len(w) > 0 {
		p = crc.PEC(p, byte(addr<<1))
		p = crc.PEC(p, w...)
	}
	p = crc.PEC(p, byte(addr<<1)|1)
	return crc.PEC(p, r...)
}

// addrOf names the device a connection talks to, for error messages.
func addrOf(c conn.Conn) string {
	if d, ok := c.(*i2c.Dev); ok {
		return fmt.Sprintf("%#02x", d.Addr)
	}
	return c.String()
}

func where(addr string, cmd byte) string {
	return fmt.Sprintf("SMBus %s cmd %#02x", addr, cmd)
}
