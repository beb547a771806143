package sim

import (
	"fmt"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim/at24"
	"github.com/chassisd/chassisd/board/sim/i2csim"
	"github.com/chassisd/chassisd/board/sim/lm75"
	"github.com/chassisd/chassisd/board/sim/nvmebasic"
)

// sled is a plugged sled: its spec as it now stands and its parts.
type sled struct {
	spec  SledSpec // Drives is not kept here: see drives
	fru   *at24.Device
	temp  *lm75.Sensor // nil when the layout has no sensor
	muxes map[uint16]*i2csim.Mux
	mcu   *controllerDevice // nil when the layout has no controller address
	// onBay lists the addresses the sled occupies on the bay's segment.
	onBay  []uint16
	drives map[int]*drive
}

// drive is a plugged drive module.
type drive struct {
	spec DriveSpec
	seg  *i2csim.Segment
	ep   *nvmebasic.Endpoint
	vpd  *at24.Device // nil when the slot has no VPD EEPROM
	// addrs lists the addresses the drive occupies on seg.
	addrs []uint16
}

// PlugSled inserts a sled into an empty bay: its parts appear on the bay's
// segment, then its presence line goes active (PRSNT# is a short pin, the
// last to mate).
func (c *Chassis) PlugSled(bayIndex int, s SledSpec) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := c.bayLocked(bayIndex)
	if err != nil {
		return err
	}
	if b.sled != nil {
		return fmt.Errorf("bay %d: %w by a sled; unplug it first", bayIndex, ErrOccupied)
	}
	s = s.clone()
	if err := s.check(nil); err != nil {
		return fmt.Errorf("bay %d: %w", bayIndex, err)
	}
	layout := b.def.Sled
	for i, d := range s.Drives {
		if _, ok := slotDef(layout, d.Slot); !ok {
			return fmt.Errorf("bay %d: drives[%d]: slot %d: %w in this bay's sled layout", bayIndex, i, d.Slot, ErrNoSuchSlot)
		}
	}
	sl, err := buildSled(b, s)
	if err != nil {
		return fmt.Errorf("bay %d: %w", bayIndex, err)
	}
	if err := attachAll(b.seg, sl.onBay, sl.devices()); err != nil {
		return fmt.Errorf("bay %d: %w", bayIndex, err)
	}
	b.sled = sl
	b.ctrl.powerOn()
	for _, d := range s.Drives {
		if err := c.plugDriveLocked(b, d); err != nil {
			c.unplugSledLocked(b)
			return err
		}
	}
	if b.faults.I2C == FaultNACK {
		detachSledLocked(b)
	}
	if b.presence != nil {
		b.presence.setLevel(active(*b.def.Presence))
	}
	return nil
}

// buildSled makes a sled's parts without wiring them in.
func buildSled(b *bay, s SledSpec) (*sled, error) {
	layout := b.def.Sled
	img, err := buildSledImage(s.FRU)
	if err != nil {
		return nil, fmt.Errorf("FRU: %v: %w", err, ErrInvalidSpec)
	}
	part, err := eepromPart(layout.FRU, len(img))
	if err != nil {
		return nil, fmt.Errorf("FRU: %w", err)
	}
	sl := &sled{
		spec:   s,
		fru:    at24.New(part, img),
		muxes:  map[uint16]*i2csim.Mux{},
		onBay:  []uint16{layout.FRU.Addr},
		drives: map[int]*drive{},
	}
	sl.spec.Drives = nil
	if s.CorruptFRU {
		corruptImage(sl.fru)
	}
	if layout.Temp != nil {
		sl.temp, err = lm75.New(string(layout.Temp.Type))
		if err != nil {
			return nil, fmt.Errorf("temperature sensor at %#02x: %w", layout.Temp.Addr, err)
		}
		sl.temp.SetCelsius(s.sledTemperature())
		sl.onBay = append(sl.onBay, layout.Temp.Addr)
	}
	// One mux per address the slots name; a PCA9546 unless a slot needs
	// a channel beyond its four.
	channels := map[uint16]int{}
	for _, sd := range layout.Slots {
		if sd.Hop != nil && sd.Hop.Channel+1 > channels[sd.Hop.Mux] {
			channels[sd.Hop.Mux] = sd.Hop.Channel + 1
		}
	}
	for addr, need := range channels {
		if need > 8 {
			return nil, fmt.Errorf("sled mux at %#02x: channel %d; a PCA954x has 8", addr, need-1)
		}
		n := 4
		if need > 4 {
			n = 8
		}
		sl.muxes[addr] = i2csim.NewMux(b.bus, n)
		sl.onBay = append(sl.onBay, addr)
	}
	if layout.MCU != 0 {
		sl.mcu = &controllerDevice{m: b.ctrl, addr: layout.MCU}
		sl.onBay = append(sl.onBay, layout.MCU)
	}
	return sl, nil
}

// devices lists the sled's parts in the order of onBay: the FRU, the
// sensor, the muxes, the controller.
func (sl *sled) devices() []i2csim.Device {
	devs := []i2csim.Device{sl.fru}
	if sl.temp != nil {
		devs = append(devs, sl.temp)
	}
	for _, addr := range sl.onBay[len(devs):] {
		if m, ok := sl.muxes[addr]; ok {
			devs = append(devs, m)
		}
	}
	if sl.mcu != nil {
		devs = append(devs, sl.mcu)
	}
	return devs
}

// attachAll wires devs in at addrs on seg, or nothing if any address is
// taken: a second part answering an address would corrupt both.
func attachAll(seg *i2csim.Segment, addrs []uint16, devs []i2csim.Device) error {
	seen := map[uint16]bool{}
	for _, a := range addrs {
		if seen[a] || seg.Device(a) != nil {
			return fmt.Errorf("address %#02x is taken on the segment: %w", a, ErrOccupied)
		}
		seen[a] = true
	}
	for i, a := range addrs {
		seg.Attach(a, devs[i])
	}
	return nil
}

// UnplugSled pulls the sled out of a bay: its presence line goes inactive
// first (the short pin breaks first), then its parts leave the bus.
func (c *Chassis) UnplugSled(bayIndex int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := c.sledBayLocked(bayIndex)
	if err != nil {
		return err
	}
	c.unplugSledLocked(b)
	return nil
}

func (c *Chassis) unplugSledLocked(b *bay) {
	if b.presence != nil {
		b.presence.setLevel(inactive(*b.def.Presence))
	}
	for slot, d := range b.sled.drives {
		c.driveLink(b.def.Index, slot, false)
		// Drives behind the sled's muxes leave with them; a drive wired
		// straight to the bay segment must be detached itself.
		if d.seg == b.seg {
			for _, a := range d.addrs {
				b.seg.Detach(a)
			}
		}
	}
	for _, a := range b.sled.onBay {
		b.seg.Detach(a)
	}
	b.sled = nil
}

// PlugDrive inserts a drive into an empty slot of a plugged sled.
func (c *Chassis) PlugDrive(bayIndex, slot int, d DriveSpec) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := c.sledBayLocked(bayIndex)
	if err != nil {
		return err
	}
	d = d.clone()
	d.Slot = slot
	if err := d.check(nil); err != nil {
		return fmt.Errorf("bay %d slot %d: %w", bayIndex, slot, err)
	}
	return c.plugDriveLocked(b, d)
}

func (c *Chassis) plugDriveLocked(b *bay, d DriveSpec) error {
	where := fmt.Sprintf("bay %d slot %d", b.def.Index, d.Slot)
	sd, ok := slotDef(b.def.Sled, d.Slot)
	if !ok {
		return fmt.Errorf("%s: %w", where, ErrNoSuchSlot)
	}
	if b.sled.drives[d.Slot] != nil {
		return fmt.Errorf("%s: %w by a drive; unplug it first", where, ErrOccupied)
	}
	seg := b.seg
	if sd.Hop != nil {
		seg = b.sled.muxes[sd.Hop.Mux].Channel(sd.Hop.Channel)
	}
	addr := sd.NVMeMI
	if addr == 0 {
		addr = 0x6a
	}
	dr := &drive{
		spec: d,
		seg:  seg,
		ep: nvmebasic.New(addr, nvmebasic.Identity{
			VendorID:     uint16(d.VendorID),
			SerialNumber: d.Serial,
		}),
		addrs: []uint16{addr},
	}
	dr.applyHealth()
	devs := []i2csim.Device{dr.ep}
	if sd.VPD.Addr != 0 {
		img, err := buildVPDImage(d)
		if err != nil {
			return fmt.Errorf("%s: VPD: %v: %w", where, err, ErrInvalidSpec)
		}
		part, err := eepromPart(sd.VPD, len(img))
		if err != nil {
			return fmt.Errorf("%s: VPD: %w", where, err)
		}
		dr.vpd = at24.New(part, img)
		dr.addrs = append(dr.addrs, sd.VPD.Addr)
		devs = append(devs, dr.vpd)
	}
	if err := attachAll(seg, dr.addrs, devs); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if seg == b.seg && b.faults.I2C == FaultNACK {
		for _, a := range dr.addrs {
			seg.Detach(a)
		}
	}
	b.sled.drives[d.Slot] = dr
	c.driveLink(b.def.Index, d.Slot, true)
	return nil
}

// applyHealth pushes the drive's spec into its endpoint.
func (dr *drive) applyHealth() {
	dr.ep.SetTemperature(dr.spec.driveTemperature())
	dr.ep.SetPercentLifeUsed(dr.spec.PercentUsed)
	dr.ep.SetWarnings(warningsOf(dr.spec.Warnings))
}

// warningsOf turns warning names (already checked) into endpoint flags.
func warningsOf(names []string) nvmebasic.Warnings {
	var w nvmebasic.Warnings
	for _, n := range names {
		switch n {
		case "spare":
			w.SpareLow = true
		case "temperature":
			w.TemperatureHigh = true
		case "reliability":
			w.ReliabilityDegraded = true
		case "read_only":
			w.ReadOnly = true
		case "volatile_backup":
			w.VolatileBackupFailed = true
		}
	}
	return w
}

// UnplugDrive pulls a drive out of its slot.
func (c *Chassis) UnplugDrive(bayIndex, slot int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	dr, err := c.driveLocked(bayIndex, slot)
	if err != nil {
		return err
	}
	for _, a := range dr.addrs {
		dr.seg.Detach(a)
	}
	delete(c.bays[bayIndex].sled.drives, slot)
	c.driveLink(bayIndex, slot, false)
	return nil
}

// SetSledTemperature changes what a sled's temperature sensor reads.
func (c *Chassis) SetSledTemperature(bayIndex int, celsius float64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := c.sledBayLocked(bayIndex)
	if err != nil {
		return err
	}
	if b.sled.temp == nil {
		return fmt.Errorf("bay %d: %w: the board's sled layout has none", bayIndex, ErrNoSensor)
	}
	probe := SledSpec{Temperature: &celsius}
	if err := probe.check(nil); err != nil {
		return fmt.Errorf("bay %d: %w", bayIndex, err)
	}
	b.sled.spec.Temperature = &celsius
	b.sled.temp.SetCelsius(celsius)
	return nil
}

// SetDriveHealth changes a drive's temperature, wear or warnings; fields
// left nil stay as they are.
func (c *Chassis) SetDriveHealth(bayIndex, slot int, h DriveHealthChange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	dr, err := c.driveLocked(bayIndex, slot)
	if err != nil {
		return err
	}
	if err := h.check(); err != nil {
		return fmt.Errorf("bay %d slot %d: %w", bayIndex, slot, err)
	}
	if h.Temperature != nil {
		t := *h.Temperature
		dr.spec.Temperature = &t
	}
	if h.PercentUsed != nil {
		dr.spec.PercentUsed = *h.PercentUsed
	}
	if h.Warnings != nil {
		dr.spec.Warnings = append([]string(nil), (*h.Warnings)...)
	}
	dr.applyHealth()
	return nil
}

// CorruptFRU flips a byte of the board area in a sled's FRU EEPROM so the
// area's checksum fails. It is idempotent: a corrupt FRU stays corrupt.
func (c *Chassis) CorruptFRU(bayIndex int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := c.sledBayLocked(bayIndex)
	if err != nil {
		return err
	}
	if !b.sled.spec.CorruptFRU {
		corruptImage(b.sled.fru)
		b.sled.spec.CorruptFRU = true
	}
	return nil
}

// corruptImage flips every bit of the board area's checksum byte: the text
// stays readable while the area no longer sums to zero.
func corruptImage(d *at24.Device) {
	img := d.Contents()
	if off, ok := boardAreaChecksum(img); ok {
		d.Poke(off, []byte{^img[off]})
	}
}

func (c *Chassis) bayLocked(i int) (*bay, error) {
	if c.closed {
		return nil, fmt.Errorf("bay %d: %w", i, ErrClosed)
	}
	b := c.bays[i]
	if b == nil {
		return nil, fmt.Errorf("bay %d: %w", i, ErrNoSuchBay)
	}
	return b, nil
}

func (c *Chassis) sledBayLocked(i int) (*bay, error) {
	b, err := c.bayLocked(i)
	if err != nil {
		return nil, err
	}
	if b.sled == nil {
		return nil, fmt.Errorf("bay %d: %w", i, ErrNoSled)
	}
	return b, nil
}

func (c *Chassis) driveLocked(bayIndex, slot int) (*drive, error) {
	b, err := c.sledBayLocked(bayIndex)
	if err != nil {
		return nil, err
	}
	if _, ok := slotDef(b.def.Sled, slot); !ok {
		return nil, fmt.Errorf("bay %d slot %d: %w", bayIndex, slot, ErrNoSuchSlot)
	}
	dr := b.sled.drives[slot]
	if dr == nil {
		return nil, fmt.Errorf("bay %d slot %d: %w", bayIndex, slot, ErrNoDrive)
	}
	return dr, nil
}

func slotDef(layout board.Sled, index int) (board.Slot, bool) {
	for _, s := range layout.Slots {
		if s.Index == index {
			return s, true
		}
	}
	return board.Slot{}, false
}
