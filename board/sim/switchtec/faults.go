package switchtec

import "fmt"

// The simulator changes the switch's world and injects faults through these.

// SetLink brings the link of physical port phys up or down, as when a drive
// is plugged or pulled or a host powers off.
func (d *Device) SetLink(phys int, up bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.ports[phys]
	if p == nil {
		return fmt.Errorf("switchtec %#02x: no physical port %d", d.cfg.Addr, phys)
	}
	p.up = up
	return nil
}

// InjectErrors makes the receiver of port phys see n damaged TLPs: each is a
// receiver error and a bad TLP.
func (d *Device) InjectErrors(phys, n int) error {
	if err := d.InjectEvent(phys, EventReceiverError, n); err != nil {
		return err
	}
	return d.InjectEvent(phys, EventBadTLP, n)
}

// InjectEvent counts n events of one type on port phys.
func (d *Device) InjectEvent(phys int, ev Event, n int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.ports[phys]
	switch {
	case p == nil:
		return fmt.Errorf("switchtec %#02x: no physical port %d", d.cfg.Addr, phys)
	case ev >= numEvents:
		return fmt.Errorf("switchtec %#02x: no event type %d", d.cfg.Addr, ev)
	case n < 0:
		return fmt.Errorf("switchtec %#02x: %d events", d.cfg.Addr, n)
	}
	p.events[ev] += uint64(n)
	return nil
}

// FailNextWrites makes the next n GAS writes NACK midway: the frame is
// dropped and the switch is unchanged.
func (d *Device) FailNextWrites(n int) {
	d.mu.Lock()
	d.failWrites = max(n, 0)
	d.mu.Unlock()
}

// CorruptNextReadback makes the next bind info answer disagree with the
// switch: its first entry reads unbound when bound, and bound (partition 0,
// logical port 1) when not.
func (d *Device) CorruptNextReadback() {
	d.mu.Lock()
	d.corruptReadback = true
	d.mu.Unlock()
}

// CorruptNextReads damages the PEC of the next n answers (E0, E2, E9), as
// noise on the wire would.
func (d *Device) CorruptNextReads(n int) {
	d.mu.Lock()
	d.corruptReads = max(n, 0)
	d.mu.Unlock()
}

// FailNextMRPC makes the next MRPC commands fail with the given return codes,
// one command per code, without running them.
func (d *Device) FailNextMRPC(codes ...uint32) {
	d.mu.Lock()
	d.failMRPC = append(d.failMRPC, codes...)
	d.mu.Unlock()
}

// Reset restarts the switch: dynamic bindings are lost (saved ones come
// back), a command in flight is forgotten, event counters are cleared and
// unarmed. Links retrain to where they were; injected faults stay armed.
func (d *Device) Reset() {
	d.mu.Lock()
	d.powerOn()
	d.mu.Unlock()
}
