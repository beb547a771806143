package sim

import (
	"fmt"
	"slices"

	"github.com/chassisd/chassisd/board/sim/i2csim"
	"github.com/chassisd/chassisd/board/sim/simuart"
)

// I2CFault is what is wrong with a bay's I2C path.
type I2CFault string

// The I2C faults a bay can have. Each stays until cleared (I2CFault ""),
// except FaultStuck, which bus recovery clears as on real wires.
const (
	I2COK I2CFault = ""
	// FaultNACK: no part of the sled acknowledges its address (a broken
	// connector pin, a dead sled-side buffer).
	FaultNACK I2CFault = "nack"
	// FaultStuck: a part holds SDA low; every transaction on the whole
	// bus fails until the bus is recovered with nine clocks.
	FaultStuck I2CFault = "stuck"
	// FaultMuxDead: the bay's channel of the bay mux never selects.
	FaultMuxDead I2CFault = "mux-dead"
)

// MCUFault is what is wrong with a sled's management controller.
type MCUFault string

// The controller faults.
const (
	MCUOK MCUFault = ""
	// FaultAfterReset: the controller answers nothing, on either sideband,
	// until its reset line has been pulsed.
	FaultAfterReset MCUFault = "after-reset"
	// FaultUARTOnly: the controller's I2C side is dead; it answers on its
	// UART only.
	FaultUARTOnly MCUFault = "uart-only"
	// FaultMute: the controller answers on neither sideband.
	FaultMute MCUFault = "mute"
)

// Faults are the faults injected into one bay. The zero value is a
// healthy bay.
type Faults struct {
	I2C  I2CFault      `json:"i2c,omitempty"`
	MCU  MCUFault      `json:"mcu,omitempty"`
	UART simuart.Fault `json:"uart,omitempty"`
}

func (f Faults) check() error {
	if !slices.Contains([]I2CFault{I2COK, FaultNACK, FaultStuck, FaultMuxDead}, f.I2C) {
		return fmt.Errorf("i2c fault %q: known: nack, stuck, mux-dead: %w", f.I2C, ErrInvalidSpec)
	}
	if !slices.Contains([]MCUFault{MCUOK, FaultAfterReset, FaultUARTOnly, FaultMute}, f.MCU) {
		return fmt.Errorf("mcu fault %q: known: after-reset, uart-only, mute: %w", f.MCU, ErrInvalidSpec)
	}
	if f.UART != simuart.FaultNone && !slices.Contains(simuart.Faults, f.UART) {
		return fmt.Errorf("uart fault %q: known: %v: %w", f.UART, simuart.Faults, ErrInvalidSpec)
	}
	return nil
}

// SetFaults replaces the faults of a bay. They belong to the bay, not the
// sled: they stay across unplug and plug, as a broken connector would.
func (c *Chassis) SetFaults(bayIndex int, f Faults) error {
	if err := f.check(); err != nil {
		return fmt.Errorf("bay %d: %w", bayIndex, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := c.bayLocked(bayIndex)
	if err != nil {
		return err
	}
	old := b.faults
	b.faults = f
	if err := c.applyI2CFaultLocked(b, old.I2C); err != nil {
		b.faults = old
		return err
	}
	b.applyControllerFaults()
	return nil
}

// applyI2CFaultLocked moves the bay's wiring from fault old to the bay's
// current one.
func (c *Chassis) applyI2CFaultLocked(b *bay, old I2CFault) error {
	now := b.faults.I2C
	if old == now {
		return nil
	}
	switch old {
	case FaultNACK:
		if b.sled != nil {
			if err := attachSledLocked(b); err != nil {
				return err
			}
		}
	case FaultMuxDead:
		if m, _ := c.bayMux(b); m != nil {
			_ = m.SetStuckChannel(-1) // -1 clears: cannot fail
		}
	}
	switch now {
	case FaultNACK:
		if b.sled != nil {
			detachSledLocked(b)
		}
	case FaultStuck:
		b.bus.SetStuck(true)
	case FaultMuxDead:
		m, ch := c.bayMux(b)
		if m == nil {
			return fmt.Errorf("bay %d: mux-dead: the bay is not behind a user-space mux: %w", b.def.Index, ErrInvalidSpec)
		}
		return m.SetStuckChannel(ch)
	}
	return nil
}

// bayMux is the mux of the bay's last hop and the bay's channel on it.
func (c *Chassis) bayMux(b *bay) (*i2csim.Mux, int) {
	p := b.def.I2C
	if len(p.Hops) == 0 {
		return nil, 0
	}
	last := p.Hops[len(p.Hops)-1]
	parent := p
	parent.Hops = p.Hops[:len(p.Hops)-1]
	seg, err := c.segment(parent)
	if err != nil {
		return nil, 0
	}
	m, _ := seg.Device(last.Mux).(*i2csim.Mux)
	return m, last.Channel
}

// detachSledLocked takes the sled's parts off the bus without pulling it:
// its presence line stays active.
func detachSledLocked(b *bay) {
	for _, d := range b.sled.drives {
		if d.seg == b.seg {
			for _, a := range d.addrs {
				b.seg.Detach(a)
			}
		}
	}
	for _, a := range b.sled.onBay {
		b.seg.Detach(a)
	}
}

// attachSledLocked puts the parts back.
func attachSledLocked(b *bay) error {
	if err := attachAll(b.seg, b.sled.onBay, b.sled.devices()); err != nil {
		return fmt.Errorf("bay %d: %w", b.def.Index, err)
	}
	for _, d := range b.sled.drives {
		if d.seg == b.seg {
			devs := []i2csim.Device{d.ep}
			if d.vpd != nil {
				devs = append(devs, d.vpd)
			}
			if err := attachAll(b.seg, d.addrs, devs); err != nil {
				return fmt.Errorf("bay %d slot: %w", b.def.Index, err)
			}
		}
	}
	return nil
}

// applyControllerFaults hands the bay's faults to its sled's controller
// and UART line.
func (b *bay) applyControllerFaults() {
	if b.uart != nil {
		b.uart.SetFault(b.faults.UART)
	}
}
