// Package i2csim is an emulated I2C bus: segments of devices joined by
// multiplexers, with every transaction charged the time it would take on the
// wire at the bus speed. It implements periph.io's i2c.Bus, so the drivers
// above it cannot tell it from a real adapter.
//
// Devices implement Device and see each transaction whole: the bytes the
// master wrote, then (after a repeated start) the bytes it reads. A device
// decides byte for byte what a real part would answer.
package i2csim

import (
	"fmt"
	"sync"
	"time"

	"github.com/chassisd/chassisd/board"
	"periph.io/x/conn/v3/physic"
)

// Device is one emulated part at one address on a segment.
type Device interface {
	// Transfer handles one transaction addressed to the device: w is what
	// the master wrote (possibly empty), then len(r) bytes are read into r
	// (possibly none). A device that does not acknowledge returns an error
	// wrapping board.ErrNACK.
	Transfer(w, r []byte) error
}

// Stats counts what crossed the wire since the last ResetStats.
type Stats struct {
	Transactions int
	// Bytes counts every byte on the wire, address bytes included.
	Bytes int
	// Bits counts bit times: 9 per byte plus one each for START, repeated
	// START and STOP.
	Bits int
	// BusTime is Bits at the bus speed.
	BusTime time.Duration
	NACKs   int
	// Recoveries counts bus recoveries (nine clocks and a STOP).
	Recoveries int
}

// Bus is an emulated I2C bus. It is safe for concurrent use; transactions are
// serialised as on real wires.
type Bus struct {
	name string

	mu      sync.Mutex
	speedHz int
	root    *Segment
	stats   Stats
	stuck   bool
	// realTime makes each transaction take its bus time in wall time too,
	// so a running simulator behaves like hardware. debt accumulates charges
	// too short to sleep for individually.
	realTime bool
	debt     time.Duration
	// targets are the adapter's own addresses in target mode.
	targets map[uint16]*Target
}

// NewBus returns an empty bus with the given name and SCL frequency.
func NewBus(name string, speedHz int) *Bus {
	b := &Bus{name: name, speedHz: speedHz}
	b.root = &Segment{bus: b, devices: map[uint16]Device{}}
	return b
}

// Root is the segment wired directly to the adapter.
func (b *Bus) Root() *Segment { return b.root }

// SetRealTime makes transactions also take their bus time in wall time.
func (b *Bus) SetRealTime(on bool) {
	b.mu.Lock()
	b.realTime = on
	b.mu.Unlock()
}

// SetStuck holds SDA low: every transaction fails with a bus error until
// cleared, as when a device is wedged mid-byte.
func (b *Bus) SetStuck(stuck bool) {
	b.mu.Lock()
	b.stuck = stuck
	b.mu.Unlock()
}

// Stats returns the counters since the last reset.
func (b *Bus) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats
}

// ResetStats zeroes the counters.
func (b *Bus) ResetStats() {
	b.mu.Lock()
	b.stats = Stats{}
	b.mu.Unlock()
}

// String implements i2c.Bus.
func (b *Bus) String() string { return b.name }

// SetSpeed implements i2c.Bus.
func (b *Bus) SetSpeed(f physic.Frequency) error {
	hz := int(f / physic.Hertz)
	if hz <= 0 {
		return fmt.Errorf("%s: invalid speed %s", b.name, f)
	}
	b.mu.Lock()
	b.speedHz = hz
	b.mu.Unlock()
	return nil
}

// Tx implements i2c.Bus: write w, then (repeated START) read len(r) bytes.
func (b *Bus) Tx(addr uint16, w, r []byte) error {
	b.mu.Lock()
	sleep, err := b.txLocked(addr, w, r)
	b.mu.Unlock()
	if sleep > 0 {
		time.Sleep(sleep)
	}
	return err
}

func (b *Bus) txLocked(addr uint16, w, r []byte) (time.Duration, error) {
	if addr > 0x7F {
		return 0, fmt.Errorf("%s: address %#x is not a 7-bit address", b.name, addr)
	}
	b.stats.Transactions++
	if b.stuck {
		bits := 1 + 9 + 1
		return b.chargeLocked(bits, 1), fmt.Errorf("%s: addr %#02x: SDA held low: %w", b.name, addr, board.ErrBusError)
	}
	devs := b.root.find(addr, nil)
	if len(devs) == 0 {
		b.stats.NACKs++
		return b.chargeLocked(1+9+1, 1), fmt.Errorf("%s: addr %#02x: %w", b.name, addr, board.ErrNACK)
	}
	if len(devs) > 1 {
		// Two parts answering the same address corrupt each other's data;
		// a real master sees garbage or loses arbitration.
		return b.chargeLocked(1+9+1, 1), fmt.Errorf("%s: addr %#02x: %d devices answer on enabled segments: %w",
			b.name, addr, len(devs), board.ErrBusError)
	}
	err := devs[0].Transfer(w, r)
	// Charge the whole transaction even when the device NACKed a data byte
	// late: the clocks were spent. An address NACK ends after one byte.
	bytes := 0
	bits := 1 // START
	if len(w) > 0 || len(r) == 0 {
		bytes += 1 + len(w)
	}
	if len(r) > 0 {
		bits++ // repeated START (or START for a read-only transaction)
		if len(w) == 0 {
			bits--
		}
		bytes += 1 + len(r)
	}
	bits += 9*bytes + 1 // STOP
	if err != nil {
		b.stats.NACKs++
	}
	return b.chargeLocked(bits, bytes), err
}

// chargeLocked adds a transaction's cost and returns how long to sleep now in
// real-time mode (sleeps are batched to at least a millisecond).
func (b *Bus) chargeLocked(bits, bytes int) time.Duration {
	d := time.Duration(bits) * time.Second / time.Duration(b.speedHz)
	b.stats.Bits += bits
	b.stats.Bytes += bytes
	b.stats.BusTime += d
	if !b.realTime {
		return 0
	}
	b.debt += d
	if b.debt < time.Millisecond {
		return 0
	}
	d, b.debt = b.debt, 0
	return d
}

// Segment is a stretch of wire: devices on it, and muxes leading further.
type Segment struct {
	bus     *Bus
	devices map[uint16]Device
	muxes   []*Mux
}

// Attach puts a device on the segment at addr, replacing any there.
func (s *Segment) Attach(addr uint16, d Device) {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	s.devices[addr] = d
	if m, ok := d.(*Mux); ok {
		s.muxes = append(s.muxes, m)
	}
}

// Detach removes the device at addr, as when a sled is pulled.
func (s *Segment) Detach(addr uint16) {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	if m, ok := s.devices[addr].(*Mux); ok {
		for i, x := range s.muxes {
			if x == m {
				s.muxes = append(s.muxes[:i], s.muxes[i+1:]...)
				break
			}
		}
	}
	delete(s.devices, addr)
}

// Device returns the device at addr on this segment, or nil.
func (s *Segment) Device(addr uint16) Device {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.devices[addr]
}

// find collects every device answering addr on this segment and on every
// segment reachable through enabled mux channels.
func (s *Segment) find(addr uint16, found []Device) []Device {
	if d, ok := s.devices[addr]; ok {
		found = append(found, d)
	}
	for _, m := range s.muxes {
		for ch, seg := range m.channels {
			if m.control&(1<<ch) != 0 {
				found = seg.find(addr, found)
			}
		}
	}
	return found
}

// Recover is I2C bus recovery: the adapter clocks SCL nine times so that a
// device holding SDA low mid-byte shifts its byte out and lets go, then
// sends a STOP. It clears a stuck bus and charges the clocks.
func (b *Bus) Recover() error {
	b.mu.Lock()
	sleep := b.chargeLocked(9+1, 0)
	b.stuck = false
	b.stats.Recoveries++
	b.mu.Unlock()
	if sleep > 0 {
		time.Sleep(sleep)
	}
	return nil
}
