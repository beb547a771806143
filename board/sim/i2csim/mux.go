package i2csim

import (
	"fmt"

	"github.com/chassisd/chassisd/board"
)

// Mux emulates an NXP PCA9548A/PCA9546A switch: one control register, bit n
// connecting channel n; no pointer byte; when several bytes are written the
// last one wins; a read returns the register. Power-on and RESET# clear it.
type Mux struct {
	bus      *Bus
	control  byte
	channels []*Segment
	// stuckChannel, when >= 0, is a channel whose enable bit never takes.
	stuckChannel int
}

// NewMux creates a mux with n channels (8 for a PCA9548, 4 for a PCA9546) on
// bus b. Attach it to a segment of the same bus to wire it in.
func NewMux(b *Bus, n int) *Mux {
	m := &Mux{bus: b, channels: make([]*Segment, n), stuckChannel: -1}
	for i := range m.channels {
		m.channels[i] = &Segment{bus: b, devices: map[uint16]Device{}}
	}
	return m
}

// Channel returns the segment behind channel ch.
func (m *Mux) Channel(ch int) *Segment { return m.channels[ch] }

// Reset clears the control register as the RESET# line does. The caller must
// not hold the bus lock.
func (m *Mux) Reset() {
	m.bus.mu.Lock()
	m.control = 0
	m.bus.mu.Unlock()
}

// Transfer implements Device. Called with the bus lock held.
func (m *Mux) Transfer(w, r []byte) error {
	if len(w) > 0 {
		v := w[len(w)-1]
		if mask := byte(1<<len(m.channels)) - 1; len(m.channels) < 8 {
			v &= mask
		}
		if m.stuckChannel >= 0 {
			v &^= 1 << m.stuckChannel
		}
		m.control = v
	}
	for i := range r {
		r[i] = m.control
	}
	return nil
}

// SetStuckChannel makes channel ch impossible to select (-1 clears the fault):
// the part acknowledges the write but the channel stays open.
func (m *Mux) SetStuckChannel(ch int) error {
	if ch >= len(m.channels) {
		return fmt.Errorf("mux has %d channels, no channel %d: %w", len(m.channels), ch, board.ErrNACK)
	}
	m.bus.mu.Lock()
	m.stuckChannel = ch
	m.bus.mu.Unlock()
	return nil
}
