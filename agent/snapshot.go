// Package agent holds the state of the chassis: it discovers the bays, polls
// their health on a schedule, and publishes what it knows as immutable
// snapshots. Readers (the Redfish service, the walk command) take the latest
// snapshot with one atomic load and never wait for a bus.
package agent

import (
	"time"

	"github.com/chassisd/chassisd/sled"
)

// Snapshot is the whole chassis at one moment. It is never modified after it
// is published: a new state is a new Snapshot.
type Snapshot struct {
	// Generation increases by one with every published snapshot.
	Generation uint64    `json:"generation"`
	Taken      time.Time `json:"taken"`
	Enclosure  Enclosure `json:"enclosure"`
	Bays       []Bay     `json:"bays,omitempty"`
	// Fabric is the interposer's PCIe switch; nil when the board has none.
	Fabric  *Fabric `json:"fabric,omitempty"`
	Manager Manager `json:"manager"`
}

// Enclosure is the chassis as a whole.
type Enclosure struct {
	ID           string      `json:"id"` // Redfish id of the enclosure Chassis
	Name         string      `json:"name"`
	Manufacturer string      `json:"manufacturer"`
	Model        string      `json:"model"`
	BoardName    string      `json:"boardName"`
	Simulated    bool        `json:"simulated"`
	Health       sled.Health `json:"health"` // worst of the sleds'
}

// Bay is one sled position and what is in it.
type Bay struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	// Present is true when a sled is detected (presence line or FRU probe).
	Present bool `json:"present"`
	// Sled is nil when the bay is empty or has not been read yet.
	Sled *sled.Sled `json:"sled,omitempty"`
}

// Manager is the agent itself, shown as the BMC's Manager.
type Manager struct {
	Version   string    `json:"version"`
	Commit    string    `json:"commit"`
	GoVersion string    `json:"goVersion"`
	Started   time.Time `json:"started"`
	// PollInterval is how often health is polled.
	PollInterval time.Duration `json:"-"`
}
