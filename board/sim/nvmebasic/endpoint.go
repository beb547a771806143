// Package nvmebasic emulates the SMBus side of an NVMe drive's NVMe-MI Basic
// Management Command: the 256-byte data structure a drive serves at 0x6A,
// with its status block (flags, SMART warnings, temperature, life used) and
// identification block (vendor ID, serial number), each followed by the PEC
// a block read would carry. Tests and the simulator set the drive's health;
// the agent reads it as from a real drive.
//
// The structure is a byte stream from the offset the master writes as the
// command code, so both ways agents read it work: block reads of a whole
// block (OpenBMC dbus-sensors) and random Read Byte/Read Word at any offset
// (facebook/openbmc).
package nvmebasic

import (
	"fmt"
	"sync"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/internal/crc"
)

// Structure layout (NVMe-MI Basic Management Command).
const (
	structLen    = 256
	statusOffset = 0x00
	statusLen    = 6
	idOffset     = 0x08
	idLen        = 0x16
	serialLen    = 20

	// arbitrationClear is the Send Byte code that clears the SMBus
	// arbitration bit.
	arbitrationClear = 0xFF
)

// CTemp special codes.
const (
	tempMax     = 0x7F // 127 °C or more
	tempNoData  = 0x80
	tempFailure = 0x81
	tempMin     = 0xC4 // −60 °C or less
)

// Identity is what the identification block says.
type Identity struct {
	VendorID     uint16
	SerialNumber string // up to 20 ASCII characters; longer is cut
}

// Warnings are the SMART critical warnings the drive raises.
type Warnings struct {
	SpareLow             bool
	TemperatureHigh      bool
	ReliabilityDegraded  bool
	ReadOnly             bool
	VolatileBackupFailed bool
}

// Endpoint is one drive's basic management endpoint. It is safe for
// concurrent use: setters may run while the bus calls Transfer.
type Endpoint struct {
	addr uint16 // the PEC covers the address bytes
	id   Identity

	mu          sync.Mutex
	ready       bool
	functional  bool
	warnings    Warnings
	ctemp       byte
	pdlu        byte
	corruptPEC  bool
	arbitration bool
	// offset is where the next read-only transaction starts.
	offset byte
}

// New returns a healthy drive at the 7-bit address addr: ready, functional,
// no reset needed, port 0 link up, no warnings, 35 °C, 0 % of life used. Its
// SMBus arbitration bit starts set, as no master has cleared it yet.
func New(addr uint16, id Identity) *Endpoint {
	return &Endpoint{
		addr:        addr,
		id:          id,
		ready:       true,
		functional:  true,
		ctemp:       35,
		arbitration: true,
	}
}

// SetTemperature sets the composite temperature in °C. Values beyond what
// CTemp can say saturate at its limit codes: 127 °C or more reads 0x7F,
// −60 °C or less reads 0xC4.
func (e *Endpoint) SetTemperature(celsius int) {
	var code byte
	switch {
	case celsius >= 127:
		code = tempMax
	case celsius <= -60:
		code = tempMin
	default:
		code = byte(int8(celsius))
	}
	e.SetTemperatureCode(code)
}

// SetTemperatureCode sets the raw CTemp byte, for the codes that are not
// temperatures: 0x80 no data, 0x81 sensor failure, or a reserved value.
func (e *Endpoint) SetTemperatureCode(code byte) {
	e.mu.Lock()
	e.ctemp = code
	e.mu.Unlock()
}

// SetPercentLifeUsed sets the percentage of rated life used, clamped to
// 0..255 as the one-byte field holds.
func (e *Endpoint) SetPercentLifeUsed(pct int) {
	pct = max(0, min(pct, 255))
	e.mu.Lock()
	e.pdlu = byte(pct)
	e.mu.Unlock()
}

// SetWarnings sets the SMART critical warnings.
func (e *Endpoint) SetWarnings(w Warnings) {
	e.mu.Lock()
	e.warnings = w
	e.mu.Unlock()
}

// SetReady sets whether the drive is ready (SFLGS b6 clear).
func (e *Endpoint) SetReady(ready bool) {
	e.mu.Lock()
	e.ready = ready
	e.mu.Unlock()
}

// SetFunctional sets whether the drive is functional (SFLGS b5).
func (e *Endpoint) SetFunctional(ok bool) {
	e.mu.Lock()
	e.functional = ok
	e.mu.Unlock()
}

// SetCorruptPEC injects a fault: while on, every PEC byte served is wrong.
func (e *Endpoint) SetCorruptPEC(on bool) {
	e.mu.Lock()
	e.corruptPEC = on
	e.mu.Unlock()
}

// Transfer handles one SMBus transaction. The first byte written is the
// command code, the offset into the structure a read starts at; a read
// without a command code continues where the last read ended, and a read
// runs on past the end of the structure, wrapping at 256. Send Byte 0xFF
// clears the arbitration bit without moving the offset; any completed read
// sets it again. The structure is read-only: data bytes after the command
// code are not acknowledged.
func (e *Endpoint) Transfer(w, r []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(w) > 1 {
		return fmt.Errorf("NVMe-MI basic management at %#02x: write of %d bytes at offset %#02x: read-only: %w",
			e.addr, len(w)-1, w[0], board.ErrNACK)
	}
	if len(w) == 1 {
		if len(r) == 0 && w[0] == arbitrationClear {
			e.arbitration = false
			return nil
		}
		e.offset = w[0]
	}
	if len(r) == 0 {
		return nil
	}
	s := e.structureLocked()
	for i := range r {
		r[i] = s[e.offset]
		e.offset++ // a byte: wraps at 256
	}
	// The drive sets the bit once the read has gone through STOP, so this
	// read still saw the value from before it.
	e.arbitration = true
	return nil
}

// structureLocked lays out the 256-byte structure as it stands now.
func (e *Endpoint) structureLocked() *[structLen]byte {
	var s [structLen]byte
	sflgs := byte(0x03 | 0x10 | 0x08) // b1:0 reserved 11, no reset needed, port 0 link up
	if e.arbitration {
		sflgs |= 0x80
	}
	if !e.ready {
		sflgs |= 0x40
	}
	if e.functional {
		sflgs |= 0x20
	}
	swarn := byte(0xFF) // inverted: a clear bit is a raised warning
	for bit, on := range []bool{e.warnings.SpareLow, e.warnings.TemperatureHigh,
		e.warnings.ReliabilityDegraded, e.warnings.ReadOnly, e.warnings.VolatileBackupFailed} {
		if on {
			swarn &^= 1 << bit
		}
	}
	s[statusOffset] = statusLen
	s[1], s[2], s[3], s[4] = sflgs, swarn, e.ctemp, e.pdlu
	s[statusOffset+1+statusLen] = e.pecLocked(statusOffset, s[statusOffset:statusOffset+1+statusLen])

	s[idOffset] = idLen
	s[idOffset+1], s[idOffset+2] = byte(e.id.VendorID>>8), byte(e.id.VendorID)
	sn := s[idOffset+3 : idOffset+3+serialLen]
	for i := range sn {
		sn[i] = ' '
	}
	copy(sn, e.id.SerialNumber)
	s[idOffset+1+idLen] = e.pecLocked(idOffset, s[idOffset:idOffset+1+idLen])
	// 32..255: vendor-specific, served as zeros.
	return &s
}

// pecLocked is the PEC a block read at command cc returning block (count
// and data) carries: over a+W, cc, a+R, count, data.
func (e *Endpoint) pecLocked(cc byte, block []byte) byte {
	p := crc.PEC(0, byte(e.addr<<1), cc, byte(e.addr<<1)|1)
	p = crc.PEC(p, block...)
	if e.corruptPEC {
		p ^= 0xFF
	}
	return p
}
