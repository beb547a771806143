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
	Generation uint64
	Taken      time.Time
	Enclosure  Enclosure
	Bays       []Bay
	Manager    Manager
}

// Enclosure is the chassis as a whole.
type Enclosure struct {
	ID           string // Redfish id of the enclosure Chassis
	Name         string
	Manufacturer string
	Model        string
	BoardName    string
	Simulated    bool
	Health       sled.Health // worst of the sleds'
}

// Bay is one sled position and what is in it.
type Bay struct {
	Index int
	Name  string
	// Present is true when a sled is detected (presence line or FRU probe).
	Present bool
	// Sled is nil when the bay is empty or has not been read yet.
	Sled *sled.Sled
}

// Manager is the agent itself, shown as the BMC's Manager.
type Manager struct {
	Version   string
	Commit    string
	GoVersion string
	Started   time.Time
	// PollInterval is how often health is polled.
	PollInterval time.Duration
}
