package sim

import (
	"fmt"

	"github.com/chassisd/chassisd/board/sim/switchtec"
)

// The simulated interposer: a Switchtec PFX 52xG4 with one x4 upstream
// port per host and one x1 downstream port per drive slot, as the board
// file wires them. Drive links train when a drive is plugged in the slot.
const (
	simSwitchDevice   = 0x4052
	simHostWidth      = 4
	simDriveWidth     = 1
	simLinkSpeedGTs   = 16
	simLogicalPerHost = 32
)

// buildInterposer attaches the switch where the board says it is.
func (c *Chassis) buildInterposer() error {
	ip := c.board.Interposer
	if ip == nil || len(ip.Hosts) == 0 {
		return nil
	}
	cfg := switchtec.Config{Addr: ip.Addr, DeviceID: simSwitchDevice, LogicalPorts: simLogicalPerHost}
	hosts := make([]switchtec.Port, len(ip.Hosts))
	for _, h := range ip.Hosts {
		if h.Partition < 0 || h.Partition >= len(hosts) {
			return fmt.Errorf("sim: interposer host %s: partition %d; the simulated switch numbers partitions 0..%d",
				h.Name, h.Partition, len(hosts)-1)
		}
		hosts[h.Partition] = switchtec.Port{Phys: h.Port, Width: simHostWidth, SpeedGTs: simLinkSpeedGTs}
	}
	cfg.Hosts = hosts
	for _, dp := range ip.DrivePorts {
		cfg.Drives = append(cfg.Drives, switchtec.Port{Phys: dp.Port, Width: simDriveWidth, SpeedGTs: simLinkSpeedGTs})
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("sim: interposer: %w", err)
	}
	seg, err := c.segment(ip.Path)
	if err != nil {
		return fmt.Errorf("sim: interposer: %w", err)
	}
	c.sw = switchtec.New(cfg)
	seg.Attach(ip.Addr, c.sw)
	// Empty slots have no link; the scenario's drives train theirs as
	// they are plugged.
	for _, dp := range ip.DrivePorts {
		if err := c.sw.SetLink(dp.Port, false); err != nil {
			return fmt.Errorf("sim: interposer: %w", err)
		}
	}
	return nil
}

// Switch is the simulated interposer switch, for faults and tests; nil
// when the board has none.
func (c *Chassis) Switch() *switchtec.Device { return c.sw }

// driveLink follows a drive plug or pull in bay/slot with its switch
// port's link.
func (c *Chassis) driveLink(bay, slot int, up bool) {
	if c.sw == nil {
		return
	}
	if dp, ok := c.board.Interposer.SlotPort(bay, slot); ok {
		_ = c.sw.SetLink(dp.Port, up)
	}
}
