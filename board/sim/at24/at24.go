// Package at24 emulates a 24Cxx I2C EEPROM byte for byte, as the FRU and
// VPD parts of the simulated chassis.
//
// The part has one internal address counter. A transaction that writes only
// the address bytes sets it; the read after the repeated START (a "random
// read") then starts there. A read-only transaction (a "current address
// read") continues from wherever the counter stands. Reads auto-increment
// and wrap from the last byte of memory to the first. A write with data
// after the address bytes is a page write: the counter wraps within the
// page, so bytes past the page end overwrite its start, and the part then
// runs its internal write cycle, during which it does not acknowledge its
// address.
//
// The write cycle (≤5 ms on real parts) is counted in transactions, not
// wall time, so tests are deterministic: the BusyTransactions transactions
// after a page write are not acknowledged, as an ACK-polling master sees.
//
// Two quirks real parts have are kept because software relies on them:
//   - A part with 2 address bytes that receives a single byte before the
//     repeated START (an SMBus "read byte data") takes it as the HIGH address
//     byte and leaves the low byte where the counter stood, so successive
//     such reads return successive bytes. OpenBMC tells 1-byte from 2-byte
//     parts that way without writing to memory.
//   - 24C04/08/16 answer at 2/4/8 consecutive addresses, the low address
//     bits selecting a 256-byte block; the counter spans the whole part.
//     New's Device answers as the base address; Alias gives the others.
package at24

import (
	"fmt"
	"strings"
	"sync"

	"github.com/chassisd/chassisd/board"
)

// Part describes one EEPROM type.
type Part struct {
	Name string
	// Size in bytes, a power of two.
	Size int
	// AddrBytes is how many address bytes follow the device address: 1 or 2.
	AddrBytes int
	// PageSize is the page a write wraps within.
	PageSize int
}

// The parts the simulator uses most; PartByName knows the whole family.
var (
	AT24C02  = Part{"24c02", 256, 1, 8}
	AT24C64  = Part{"24c64", 8192, 2, 32}
	AT24C256 = Part{"24c256", 32768, 2, 64}
)

// parts lists the family with datasheet page sizes (Microchip/Atmel AT24Cxx).
var parts = []Part{
	AT24C02,
	{"24c04", 512, 1, 16},
	{"24c08", 1024, 1, 16},
	{"24c16", 2048, 1, 16},
	{"24c32", 4096, 2, 32},
	AT24C64,
	{"24c128", 16384, 2, 64},
	AT24C256,
	{"24c512", 65536, 2, 128},
}

// PartByName returns the part with the given name ("24c02" .. "24c512",
// case-insensitive).
func PartByName(name string) (Part, bool) {
	name = strings.ToLower(name)
	for _, p := range parts {
		if p.Name == name {
			return p, true
		}
	}
	return Part{}, false
}

// BusyTransactions is how many transactions a part NACKs after a page write
// while it programs the page.
const BusyTransactions = 1

// Device is one EEPROM as it answers at one I2C address. It implements
// i2csim.Device and is safe for concurrent use: the bus calls Transfer with
// its own lock held while the simulator's control API calls Poke and
// Contents from other goroutines.
type Device struct {
	chip *chip
	// block is the 256-byte block this address selects on a 1-byte part
	// larger than 256 bytes; 0 otherwise.
	block int
}

// chip is the state the addresses of one part share.
type chip struct {
	part Part

	mu      sync.Mutex
	mem     []byte
	counter int
	busy    int
}

// New returns a part holding contents, padded with 0xFF (the erased state)
// to p.Size or cut to it. A Part with a non-positive Size never
// acknowledges; a page size that does not divide Size is taken as 1.
func New(p Part, contents []byte) *Device {
	if p.Size < 0 {
		p.Size = 0
	}
	if p.PageSize <= 0 || p.PageSize > p.Size || p.Size%p.PageSize != 0 {
		p.PageSize = 1 // keeps every page inside the memory
	}
	p.AddrBytes = min(max(p.AddrBytes, 1), 2)
	mem := make([]byte, p.Size)
	n := copy(mem, contents)
	for i := n; i < len(mem); i++ {
		mem[i] = 0xFF
	}
	return &Device{chip: &chip{part: p, mem: mem}}
}

// Alias returns the same part as it answers at its base address + block:
// on a 24C04/08/16 the device address bits select a 256-byte block for the
// 1-byte address. block is taken modulo the part's block count; parts with
// 2 address bytes, and the 24C02, have one block.
func (d *Device) Alias(block int) *Device {
	c := d.chip
	blocks := 1
	if c.part.AddrBytes == 1 && c.part.Size > 256 {
		blocks = c.part.Size / 256
	}
	return &Device{chip: c, block: ((block % blocks) + blocks) % blocks}
}

// Part returns the part emulated.
func (d *Device) Part() Part { return d.chip.part }

// Transfer implements i2csim.Device: w is what the master wrote after the
// device address, then len(r) bytes are read after a repeated START (or
// after the START of a read-only transaction).
func (d *Device) Transfer(w, r []byte) error {
	c := d.chip
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.mem) == 0 {
		return fmt.Errorf("at24 %s: no memory: %w", c.part.Name, board.ErrNACK)
	}
	if c.busy > 0 {
		c.busy--
		return fmt.Errorf("at24 %s: write cycle in progress: %w", c.part.Name, board.ErrNACK)
	}
	if len(w) > 0 {
		data := c.setAddress(d.block, w)
		if len(data) > 0 {
			// The part programs the page at STOP; a repeated START instead
			// abandons the write, and the read continues where the page
			// latch left the counter.
			c.pageWrite(data, len(r) == 0)
		}
	}
	for i := range r {
		r[i] = c.mem[c.counter]
		c.counter = (c.counter + 1) % len(c.mem)
	}
	return nil
}

// setAddress loads the counter from the address bytes at the start of w and
// returns the data bytes that follow them.
func (c *chip) setAddress(block int, w []byte) []byte {
	switch {
	case c.part.AddrBytes == 1:
		c.counter = block<<8 | int(w[0])
		w = w[1:]
	case len(w) == 1:
		// High byte only: the low byte keeps counting from where it was.
		c.counter = int(w[0])<<8 | c.counter&0xFF
		w = w[1:]
	default:
		c.counter = int(w[0])<<8 | int(w[1])
		w = w[2:]
	}
	c.counter %= len(c.mem)
	return w
}

// pageWrite latches data at the counter, wrapping within the page, and
// programs it when commit is set (the transaction ended with STOP).
func (c *chip) pageWrite(data []byte, commit bool) {
	ps := c.part.PageSize
	page := c.counter - c.counter%ps
	col := c.counter - page
	for _, b := range data {
		if commit {
			c.mem[page+col] = b
		}
		col = (col + 1) % ps
	}
	c.counter = page + col
	if commit {
		c.busy = BusyTransactions
	}
}

// Contents returns a copy of the whole memory.
func (d *Device) Contents() []byte {
	c := d.chip
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.mem...)
}

// Poke changes memory at offset directly, without a write cycle, as a fault
// injection (a corrupt FRU) or a reprogramming outside the bus. Bytes that
// fall outside the memory are dropped.
func (d *Device) Poke(offset int, data []byte) {
	c := d.chip
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, b := range data {
		if o := offset + i; o >= 0 && o < len(c.mem) {
			c.mem[o] = b
		}
	}
}
