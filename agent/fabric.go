package agent

import (
	"errors"

	"github.com/chassisd/chassisd/interposer"
	"github.com/chassisd/chassisd/sled"
)

// Fabric is the interposer's PCIe switch as last read: its identity, its
// ports with their links, and the routing it is known to match. Routing
// is never half of a change: it moves from one verified routing to the
// next.
type Fabric struct {
	Switch   FabricSwitch   `json:"switch"`
	Health   sled.Health    `json:"health"`
	Problems []sled.Problem `json:"problems,omitempty"`
	Ports    []FabricPort   `json:"ports"`
	// Hosts are the host ports by name, in board order.
	Hosts []string `json:"hosts"`
	// Routing maps a host's name to the drive ports (physical port
	// numbers, ascending) it sees. A host has an entry (a Redfish zone)
	// while it sees at least one drive.
	Routing map[string][]int `json:"routing"`
	// Version changes with every applied routing; compositions that were
	// prepared against an older version are refused (ETags).
	Version uint64 `json:"version"`
}

// FabricSwitch identifies the switch.
type FabricSwitch struct {
	VendorID        uint16 `json:"vendorId"`
	DeviceID        uint16 `json:"deviceId"`
	FirmwareVersion string `json:"firmwareVersion"`
	Partitions      int    `json:"partitions"`
	Generation      string `json:"generation"`
	// Where is its address, "i2c-1 0x20".
	Where string `json:"where"`
}

// Port roles.
const (
	PortUpstream   = "Upstream"   // a host port
	PortDownstream = "Downstream" // a drive port
)

// FabricPort is one switch port and what is wired to it.
type FabricPort struct {
	Phys int    `json:"phys"`
	Role string `json:"role"` // PortUpstream or PortDownstream
	// Host is an upstream port's host name ("Host 0"); Partition its
	// partition.
	Host      string `json:"host,omitempty"`
	Partition int    `json:"partition"`
	// Bay and Slot locate the drive behind a downstream port; -1 when
	// the board wires the port to no slot.
	Bay  int `json:"bay"`
	Slot int `json:"slot"`

	LinkUp      bool         `json:"linkUp"`
	LTSSM       string       `json:"ltssm,omitempty"`
	Width       int          `json:"width"`
	MaxWidth    int          `json:"maxWidth"`
	SpeedGTs    float64      `json:"speedGTs"`
	MaxSpeedGTs float64      `json:"maxSpeedGTs"`
	Errors      FabricErrors `json:"errors"`
	Health      sled.Health  `json:"health"`
}

// FabricErrors are a port's error counters since the switch started.
type FabricErrors struct {
	BadTLP          uint64 `json:"badTlp"`
	BadDLLP         uint64 `json:"badDllp"`
	ReceiverErrors  uint64 `json:"receiverErrors"`
	ReplayTimeouts  uint64 `json:"replayTimeouts"`
	ReplayRollovers uint64 `json:"replayRollovers"`
}

// Errors of a composition (Compose), which the Redfish layer maps onto
// status codes.
var (
	// ErrStaleRouting: the routing changed since the client read it
	// (412 Precondition Failed).
	ErrStaleRouting = errors.New("the routing changed since it was read")
	// ErrUnknownPort: no such drive or host port, or no such host
	// (400/404). The router's error, as Compose returns it.
	ErrUnknownPort = interposer.ErrUnknownPort
	// ErrDriveAbsent: no drive behind the port (409).
	ErrDriveAbsent = interposer.ErrDriveAbsent
	// ErrNoFabric: the board has no interposer switch.
	ErrNoFabric = errors.New("the board has no interposer switch")
)

// RoutingConflict is a composition that would route one drive port to two
// hosts (409 Conflict): the router's own error.
type RoutingConflict = interposer.ConflictError
