// Package switchtec emulates a Microchip Switchtec PFX/PSX PCIe switch as its
// I2C management port shows it: the E0/EA/E2/E9 frames with their PEC, the
// Global Address Space registers the driver reads (partition count, device
// id, firmware version), and the MRPC mailbox running the commands the
// interposer uses: TWI ping (0x100), PORTPARTP2P bind/unbind/info (0x0C),
// LNKSTAT (0x1C) and the PMON event counters (0x07).
//
// The switch has partitions, one per host, each with an upstream port, and
// downstream ports that the BMC binds into a partition at a logical port
// number. Bindings made over MRPC are dynamic: a reset brings back only the
// ones in the configuration, as a real part keeps only the bindings saved
// in its configuration.
//
// Device answers byte for byte what the driver in interposer/switchtec
// expects, and a few faults a real interposer shows: a write NACKed midway,
// a read-back that disagrees, damaged frames, a reset during a change.
package switchtec

import (
	"fmt"
	"sort"
	"sync"
)

// Port is one physical port of the switch and what its link trains to.
type Port struct {
	Phys int
	// Width is the lanes the port is configured for.
	Width int
	// SpeedGTs is the rate the link trains at: the slower of the switch and
	// the device on the other end (2.5, 5, 8, 16, 32 or 64).
	SpeedGTs float64
	// Disabled ports refuse to be bound.
	Disabled bool
}

// Binding places physical port Phys at logical port Logical of partition
// Partition.
type Binding struct {
	Partition, Logical, Phys int
}

// Config describes the emulated part.
type Config struct {
	// Addr is the part's I2C address (default 0x20); every PEC covers it.
	Addr uint16
	// DeviceID is the PCI device id (default 0x4028, a PFX 28xG4).
	DeviceID uint16
	// FirmwareVersion is the firmware version register: major b31:24,
	// minor b23:16, build b15:0 (default 0x04700021, "4.70 B021").
	FirmwareVersion uint32
	// Generation is the PCIe generation, 3 to 5 (default 4). A Gen3 part
	// does not know the TWI ping command.
	Generation int
	// Hosts are the upstream ports, one per partition: Hosts[i] is the
	// upstream port of partition i.
	Hosts []Port
	// Drives are the downstream ports.
	Drives []Port
	// LogicalPorts is how many logical downstream ports each partition has,
	// numbered from 1 (default: one per drive port, at least 1).
	LogicalPorts int
	// Bindings are the bindings saved in the part's configuration: there at
	// power-on and again after every reset.
	Bindings []Binding
	// BusyPolls is how many status reads an MRPC command reports "in
	// progress" before it completes.
	BusyPolls int
}

// maxPhys: the bind info table has 48 entries and LNKSTAT as many records.
const maxPhys = 47

// Validate checks the configuration: port numbers unique and in 0..47,
// widths 1..16, speeds a PCIe rate the generation runs, saved bindings
// valid.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.Generation < 3 || c.Generation > 5 {
		return fmt.Errorf("switch generation %d: want 3, 4 or 5", c.Generation)
	}
	seen := map[int]bool{}
	for _, p := range append(append([]Port{}, c.Hosts...), c.Drives...) {
		if p.Phys < 0 || p.Phys > maxPhys {
			return fmt.Errorf("physical port %d out of range 0..%d", p.Phys, maxPhys)
		}
		if seen[p.Phys] {
			return fmt.Errorf("physical port %d configured twice", p.Phys)
		}
		seen[p.Phys] = true
		if p.Width < 1 || p.Width > 16 {
			return fmt.Errorf("physical port %d: width %d out of range 1..16", p.Phys, p.Width)
		}
		if code := rateCode(p.SpeedGTs); code == 0 || code > genMaxRate[c.Generation] {
			return fmt.Errorf("physical port %d: %v GT/s is not a rate a Gen%d switch runs", p.Phys, p.SpeedGTs, c.Generation)
		}
	}
	if len(c.Hosts) > 0xFE {
		return fmt.Errorf("%d partitions: at most 254", len(c.Hosts))
	}
	d := &Device{cfg: c}
	d.index()
	d.bindings = map[int]Binding{}
	for _, b := range c.Bindings {
		if code := d.bind(b.Partition, b.Logical, b.Phys); code != 0 {
			return fmt.Errorf("saved binding %+v: code %#x", b, code)
		}
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Addr == 0 {
		c.Addr = 0x20
	}
	if c.DeviceID == 0 {
		c.DeviceID = 0x4028
	}
	if c.FirmwareVersion == 0 {
		c.FirmwareVersion = 0x04700021
	}
	if c.Generation == 0 {
		c.Generation = 4
	}
	if c.LogicalPorts <= 0 {
		c.LogicalPorts = max(len(c.Drives), 1)
	}
	return c
}

// Device is the emulated switch, an i2csim.Device. It is safe for concurrent
// use.
type Device struct {
	mu  sync.Mutex
	cfg Config
	// ports by physical number; usp maps an upstream port to its partition.
	ports map[int]*portState
	usp   map[int]int
	order []int // physical ports, ascending

	// bindings maps a physical port to its binding.
	bindings map[int]Binding

	gas gas
	// Last tagged write, for E2.
	lastTag, lastStatus byte
	pending             *completion

	counters map[counterKey]*counter

	// Faults.
	failWrites      int
	corruptReadback bool
	corruptReads    int
	failMRPC        []uint32
}

type portState struct {
	Port
	up bool
	// events counts each event type (bit number) seen on the port.
	events [23]uint64
}

// New returns a powered-on switch. Ports that fail Config.Validate's checks
// are left out, and so are saved bindings the switch would refuse.
func New(cfg Config) *Device {
	d := &Device{cfg: cfg.withDefaults()}
	d.index()
	d.powerOn()
	return d
}

// index builds the port tables from the configuration, skipping bad ports.
func (d *Device) index() {
	d.ports = map[int]*portState{}
	d.usp = map[int]int{}
	add := func(p Port) bool {
		if p.Phys < 0 || p.Phys > maxPhys || d.ports[p.Phys] != nil || p.Width < 1 || p.Width > 16 {
			return false
		}
		if code := rateCode(p.SpeedGTs); code == 0 || code > genMaxRate[d.cfg.Generation] {
			return false
		}
		d.ports[p.Phys] = &portState{Port: p, up: true}
		return true
	}
	for i, p := range d.cfg.Hosts {
		if add(p) {
			d.usp[p.Phys] = i
		}
	}
	for _, p := range d.cfg.Drives {
		add(p)
	}
	d.order = d.order[:0]
	for phys := range d.ports {
		d.order = append(d.order, phys)
	}
	sort.Ints(d.order)
}

// powerOn is the state after power-on or reset: saved bindings only, an idle
// mailbox, counters unarmed and cleared.
func (d *Device) powerOn() {
	d.bindings = map[int]Binding{}
	for _, b := range d.cfg.Bindings {
		d.bind(b.Partition, b.Logical, b.Phys)
	}
	d.gas = gas{}
	d.lastTag, d.lastStatus = 0, 0
	d.pending = nil
	d.counters = map[counterKey]*counter{}
	for _, p := range d.ports {
		p.events = [23]uint64{}
	}
}

// Bindings returns the current bindings by partition, then logical port.
func (d *Device) Bindings() []Binding {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Binding, 0, len(d.bindings))
	for _, b := range d.bindings {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Partition != out[j].Partition {
			return out[i].Partition < out[j].Partition
		}
		return out[i].Logical < out[j].Logical
	})
	return out
}

// rateCode is the LNKSTAT rate code of a speed, 0 when it is none.
func rateCode(gts float64) byte {
	for i, r := range [...]float64{2.5, 5, 8, 16, 32, 64} {
		if gts == r {
			return byte(i + 1)
		}
	}
	return 0
}

// genMaxRate is the fastest rate code of each generation.
var genMaxRate = map[int]byte{3: 3, 4: 4, 5: 5}
