package switchtec

import (
	"encoding/binary"
	"fmt"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/internal/crc"
)

// I2C command codes of the TWI management port.
const (
	twiGetCap      = 0xE0
	twiGASWrite    = 0xEA
	twiWriteStatus = 0xE2
	twiGASRead     = 0xE9
)

// capEnhanced: the port speaks the tagged GAS protocol.
const capEnhanced = 0x80

// The most data one EA frame carries, and one E9 answer.
const (
	maxWrite = 26
	maxRead  = 27
)

// Transfer implements i2csim.Device: one whole transaction, w written, then
// len(r) bytes read after a repeated start. The bus lock is held; it never
// blocks beyond the device's own lock.
func (d *Device) Transfer(w, r []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(w) == 0 {
		return d.nack("read without a command byte")
	}
	var resp []byte
	switch w[0] {
	case twiGetCap:
		if len(w) != 1 {
			return d.nack("capability command (E0) with %d extra bytes", len(w)-1)
		}
		resp = []byte{capEnhanced}
	case twiWriteStatus:
		if len(w) != 1 {
			return d.nack("write status command (E2) with %d extra bytes", len(w)-1)
		}
		resp = []byte{d.lastTag, d.lastStatus}
	case twiGASRead:
		if len(w) != 7 || w[1] != 5 || w[6] > maxRead {
			return d.nack("GAS read (E9) request % x", w)
		}
		if len(r) == 0 {
			return nil
		}
		n := int(w[6])
		resp = append(resp, w[6])
		resp = append(resp, d.readGAS(binary.BigEndian.Uint32(w[2:6]), n)...)
		resp = append(resp, 0) // status: done
	case twiGASWrite:
		if err := d.gasWrite(w); err != nil {
			return err
		}
		fill(r, nil)
		return nil
	default:
		return d.nack("unknown command %#02x", w[0])
	}
	a := byte(d.cfg.Addr << 1)
	pec := crc.PEC(crc.PEC(crc.PEC(crc.PEC(0, a), w...), a|1), resp...)
	if d.corruptReads > 0 {
		d.corruptReads--
		pec ^= 0x5A
	}
	fill(r, append(resp, pec))
	return nil
}

// gasWrite takes an EA frame: [EA][5+n][tag][offset BE32][n bytes][PEC]. A
// frame with a bad length or PEC is NACKed on its last byte and changes
// nothing.
func (d *Device) gasWrite(w []byte) error {
	if len(w) < 2 {
		return d.nack("GAS write (EA) of %d bytes", len(w))
	}
	count := int(w[1])
	if count < 5 || count-5 > maxWrite || len(w) != 2+count+1 {
		return d.nack("GAS write (EA) of %d bytes with count %d", len(w), count)
	}
	if want := crc.PEC(crc.PEC(0, byte(d.cfg.Addr<<1)), w[:len(w)-1]...); w[len(w)-1] != want {
		return d.nack("GAS write (EA) PEC %#02x, want %#02x", w[len(w)-1], want)
	}
	if d.failWrites > 0 {
		d.failWrites--
		return d.nack("GAS write (EA): injected fault")
	}
	d.lastTag = w[2]
	d.lastStatus = d.writeGAS(binary.BigEndian.Uint32(w[3:7]), w[7:len(w)-1])
	return nil
}

func (d *Device) nack(format string, args ...any) error {
	return fmt.Errorf("switchtec %#02x: %s: %w", d.cfg.Addr, fmt.Sprintf(format, args...), board.ErrNACK)
}

// fill copies resp into r; a master reading past the answer reads an idle
// (high) bus.
func fill(r, resp []byte) {
	n := copy(r, resp)
	for i := n; i < len(r); i++ {
		r[i] = 0xFF
	}
}
