package sled

import (
	"bytes"
	"fmt"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/sled/fru"
	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/i2c"
)

// Reading a FRU EEPROM costs bus time per byte, so the reader fetches only
// the bytes in use, in as few transactions as it can:
//   - one random read of the 8-byte common header (address write, repeated
//     START, read);
//   - then current-address reads (a read-only transaction continues where
//     the part's address counter stopped), sized by fru.NextRead, each
//     costing one address byte of overhead: typically one up to the last
//     area's length byte and one for the rest.
//
// When the first area does not follow the header (an internal use area or
// unused space between), the reader jumps over the gap with a random read
// if that is cheaper than reading through it; the skipped bytes read as
// 0xFF in the returned image.

// maxEEPROMRead caps one read transaction. Linux's at24 driver reads at most
// 128 bytes at a time; a 256-byte cap keeps a transaction under ~25 ms at
// 100 kHz (the SMBus clock-low timeout a slave may apply).
const maxEEPROMRead = 256

// Largest parts of each addressing, the read limit when the board does not
// give a size: a 24C16 (2 KiB) and a 24C512 (64 KiB).
const (
	maxOneByteEEPROM = 2048
	maxTwoByteEEPROM = 65536
)

// ReadFRUImage reads the FRU image (header and every area) from the EEPROM e
// at the other end of c.
//
// It fails only when the bus does: a NACK, a timeout, a bus error, each
// wrapped with the address and offset ("EEPROM 0x50: read at 0x0008 (64
// bytes): ..."). Bad contents are fru.Parse's to report: an image whose
// header is bad comes back as the 8 header bytes, and one whose areas run
// past the part's size (e.Size, or the largest part of its addressing) is
// cut there.
func ReadFRUImage(c conn.Conn, e board.EEPROM) ([]byte, error) {
	name := fmt.Sprintf("EEPROM %#02x", e.Addr)
	addressing := e.Addressing
	if addressing == board.AddressingAuto {
		var err error
		if addressing, err = detectAddressing(c, name); err != nil {
			return nil, err
		}
	}
	if addressing != board.AddressingOne && addressing != board.AddressingTwo {
		return nil, fmt.Errorf("%s: unknown addressing mode %d", name, addressing)
	}
	r := eepromReader{c: c, name: name, addrBytes: int(addressing), size: e.Size}
	if r.size <= 0 {
		r.size = maxOneByteEEPROM
		if r.addrBytes == 2 {
			r.size = maxTwoByteEEPROM
		}
	}

	img, err := r.randomRead(nil, 0, 8)
	if err != nil {
		return nil, err
	}
	for {
		more, err := fru.NextRead(img)
		if err != nil {
			// A bad header leaves nothing to read; Parse will say why.
			return img, nil
		}
		more = min(more, r.size-len(img))
		if more <= 0 {
			return img, nil
		}
		if len(img) == 8 {
			if first := firstArea(img); first > 8 && more > first-8 && r.worthSkipping(first-8) {
				gap := first - 8
				img = append(img, bytes.Repeat([]byte{0xFF}, gap)...)
				if img, err = r.randomRead(img, first, min(more-gap, maxEEPROMRead)); err != nil {
					return nil, err
				}
				continue
			}
		}
		if img, err = r.currentRead(img, more); err != nil {
			return nil, err
		}
	}
}

// eepromReader reads one EEPROM, appending to the image it is given.
type eepromReader struct {
	c         conn.Conn
	name      string // "EEPROM 0x50", for errors
	addrBytes int
	size      int // bytes that can be read: the part's size or a bound
}

// randomRead sets the part's address counter to off and reads n bytes
// there in one transaction.
func (r *eepromReader) randomRead(img []byte, off, n int) ([]byte, error) {
	w := []byte{byte(off)}
	if r.addrBytes == 2 {
		w = []byte{byte(off >> 8), byte(off)}
	}
	img, buf := grow(img, n)
	if err := r.c.Tx(w, buf); err != nil {
		return nil, fmt.Errorf("%s: read at 0x%04x (%d bytes): %w", r.name, off, n, err)
	}
	return img, nil
}

// currentRead reads n bytes from where the address counter stands (right
// after the bytes already in img), in transactions of at most
// maxEEPROMRead.
func (r *eepromReader) currentRead(img []byte, n int) ([]byte, error) {
	for n > 0 {
		off, chunk := len(img), min(n, maxEEPROMRead)
		var buf []byte
		img, buf = grow(img, chunk)
		if err := r.c.Tx(nil, buf); err != nil {
			return nil, fmt.Errorf("%s: read at 0x%04x (%d bytes): %w", r.name, off, chunk, err)
		}
		n -= chunk
	}
	return img, nil
}

// worthSkipping says whether a random read past gap bytes costs less bus
// time than reading through them: it adds the address bytes and a
// repeated START (and needs the offset to fit the address bytes, which a
// 1-byte part's base address limits to 255).
func (r *eepromReader) worthSkipping(gap int) bool {
	if r.addrBytes == 1 && 8+gap > 0xFF {
		return false
	}
	return 9*gap > 9*(1+r.addrBytes)+1
}

// firstArea returns the byte offset of the first area the reader needs (the
// internal use area is not read), from a header NextRead accepted.
func firstArea(header []byte) int {
	first := 0
	for _, u := range header[2:6] { // chassis, board, product, multirecord
		if u != 0 && (first == 0 || int(u)*8 < first) {
			first = int(u) * 8
		}
	}
	return first
}

// grow extends img by n bytes and returns the new slice and its tail.
func grow(img []byte, n int) ([]byte, []byte) {
	l := len(img)
	img = append(img, make([]byte, n)...)
	return img, img[l:]
}

// DetectAddressing tells 1-byte from 2-byte addressed parts without ever
// writing to memory, the way OpenBMC's fru-device does (MODE_1): a Send
// Byte of 0x00, then eight Read Byte Data at command 0 (write 0x00,
// repeated START, read one byte). A 1-byte part takes each 0x00 as its
// whole address and returns byte 0 eight times; a 2-byte part takes it as
// the high address byte only, its counter keeps running, and the eight
// reads return successive bytes. Any difference means 2-byte addressing.
// A 2-byte part whose first bytes are all equal (blank) reads as 1-byte;
// a valid FRU header never is (byte 0 is 1, byte 6 is 0).
func DetectAddressing(c conn.Conn) (board.EEPROMAddressing, error) {
	name := "EEPROM " + c.String()
	if d, ok := c.(*i2c.Dev); ok {
		name = fmt.Sprintf("EEPROM %#02x", d.Addr)
	}
	return detectAddressing(c, name)
}

func detectAddressing(c conn.Conn, name string) (board.EEPROMAddressing, error) {
	if err := c.Tx([]byte{0x00}, nil); err != nil {
		return board.AddressingAuto, fmt.Errorf("%s: width detection: send byte 0x00: %w", name, err)
	}
	var b [8]byte
	for i := range b {
		if err := c.Tx([]byte{0x00}, b[i:i+1]); err != nil {
			return board.AddressingAuto, fmt.Errorf("%s: width detection: read byte data 0 (%d of 8): %w", name, i+1, err)
		}
	}
	for _, x := range b[1:] {
		if x != b[0] {
			return board.AddressingTwo, nil
		}
	}
	return board.AddressingOne, nil
}
