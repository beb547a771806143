package interposer

import (
	"context"

	"periph.io/x/conn/v3/i2c"
)

// Runner runs fn with exclusive use of the switch's bus, its mux path selected, at the
// service level the caller chose (the agent binds it to its bus owner).
type Runner func(ctx context.Context, fn func(bus i2c.Bus) error) error

// PortRole says which side of the switch a port is on.
type PortRole string

// Port roles: an upstream port faces a host, a downstream port a drive.
const (
	Upstream   PortRole = "Upstream"
	Downstream PortRole = "Downstream"
)

// Identity is what the switch says it is.
type Identity struct {
	VendorID, DeviceID uint16
	FirmwareVersion    string
	Partitions         int
	Generation         string
}

// Port is one physical port of the switch and the state of its link.
type Port struct {
	Phys int
	Role PortRole
	// Partition of an upstream port; -1 for a downstream port.
	Partition   int
	LinkUp      bool
	LTSSM       string
	Width       int
	MaxWidth    int
	SpeedGTs    float64
	MaxSpeedGTs float64
}

// Binding places a physical downstream port at a logical port number in a
// host's partition: the host sees the drive behind Phys.
type Binding struct {
	Partition, Logical, Phys int
}

// ErrorCounters are a port's link error counters, as the switch counts them.
type ErrorCounters struct {
	BadTLP, BadDLLP, ReceiverErrors, ReplayTimeouts, ReplayRollovers uint64
}

// Switch is a PCIe switch that can be asked about its ports and told which
// downstream ports each partition sees. Implementations do one operation per
// call and keep no routing state of their own; Router builds transactions on
// top.
type Switch interface {
	Identify(ctx context.Context) (Identity, error)
	Ports(ctx context.Context) ([]Port, error)
	Bindings(ctx context.Context) ([]Binding, error)
	Bind(ctx context.Context, b Binding) error
	Unbind(ctx context.Context, partition, logical int) error
	Errors(ctx context.Context, phys int) (ErrorCounters, error)
}
