// Package sled says what a sled is: its identity from the IPMI FRU EEPROM,
// its temperature, and the drive modules in its slots with their NVMe-MI
// health. It turns the bytes the sideband fetched into immutable values; it
// never decides when to read (that is the agent's job) and never owns a bus.
package sled

import (
	"time"

	"github.com/chassisd/chassisd/board"
)

// Health is a component's health as Redfish names it.
type Health string

// Health values, worst last.
const (
	HealthOK       Health = "OK"
	HealthWarning  Health = "Warning"
	HealthCritical Health = "Critical"
)

// Worse returns the worse of two healths.
func Worse(a, b Health) Health {
	rank := func(h Health) int {
		switch h {
		case HealthCritical:
			return 2
		case HealthWarning:
			return 1
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// Problem is one reason a component is not healthy, worded for an operator.
type Problem struct {
	Health  Health `json:"health"`
	Message string `json:"message"` // "FRU at 0x50 on i2c-1 ch2: board area checksum 0x1c != 0"
	// source says which read found the problem, so a health poll that does
	// not re-read the FRU keeps the FRU's problems and drops the rest.
	source problemSource
}

type problemSource int

const (
	sourceOther problemSource = iota
	sourceFRU
	sourceSensor
)

// Identity is what a FRU (or VPD) says about a part. Empty strings mean the
// FRU did not say.
type Identity struct {
	Manufacturer    string    `json:"manufacturer"`
	Model           string    `json:"model"` // product name, or board product name
	PartNumber      string    `json:"partNumber"`
	SerialNumber    string    `json:"serialNumber"`
	Version         string    `json:"version"`
	AssetTag        string    `json:"assetTag"`
	ManufactureDate time.Time `json:"manufactureDate,omitzero"` // zero when unspecified
}

// Temperature is one temperature reading. Valid is false when the sensor
// reported no data or a failure; Status then says which.
type Temperature struct {
	Celsius float64 `json:"celsius"`
	Valid   bool    `json:"valid"`
	Status  string  `json:"status"` // "" when valid; "no data", "sensor failure", "read failed: ..."
}

// DriveStatus is the NVMe-MI basic management status flags (SFLGS).
type DriveStatus struct {
	Ready            bool `json:"ready"` // drive ready (bit 6 clear)
	Functional       bool `json:"functional"`
	ResetNotRequired bool `json:"resetNotRequired"`
	Port0LinkActive  bool `json:"port0LinkActive"`
	Port1LinkActive  bool `json:"port1LinkActive"`
}

// DriveWarnings is the NVMe-MI SMART critical warning bits (SWARN), already
// un-inverted: true means the warning is raised.
type DriveWarnings struct {
	SpareLow             bool `json:"spareLow"`
	TemperatureHigh      bool `json:"temperatureHigh"`
	ReliabilityDegraded  bool `json:"reliabilityDegraded"`
	ReadOnly             bool `json:"readOnly"`
	VolatileBackupFailed bool `json:"volatileBackupFailed"`
}

// Any reports whether any warning is raised.
func (w DriveWarnings) Any() bool {
	return w.SpareLow || w.TemperatureHigh || w.ReliabilityDegraded || w.ReadOnly || w.VolatileBackupFailed
}

// Drive is one drive slot and, when Present, the module in it.
type Drive struct {
	Slot       int              `json:"slot"`
	FormFactor board.FormFactor `json:"formFactor"`
	Present    bool             `json:"present"`
	// Identity comes from the drive's VPD EEPROM (model, manufacturer, part).
	Identity Identity `json:"identity"`
	// VendorID and SerialNumber come from the NVMe-MI identification block.
	VendorID     uint16 `json:"vendorId"`
	SerialNumber string `json:"serialNumber"`
	// StatusValid is true when the NVMe-MI status block was read and
	// decoded by the latest read; otherwise Status, Warnings and
	// PercentLifeUsed are stale or unknown and must not be shown as current.
	StatusValid     bool          `json:"statusValid"`
	Temperature     Temperature   `json:"temperature"`
	PercentLifeUsed int           `json:"percentLifeUsed"` // 0..255, as NVMe reports it
	Status          DriveStatus   `json:"status"`
	Warnings        DriveWarnings `json:"warnings"`
	Health          Health        `json:"health"`
	Problems        []Problem     `json:"problems,omitempty"`
}

// Sled is one occupied bay as last read.
type Sled struct {
	Bay      int      `json:"bay"`
	Identity Identity `json:"identity"`
	// FRUValid is false when the FRU could not be read or parsed; Problems
	// then says why.
	FRUValid    bool        `json:"fruValid"`
	Temperature Temperature `json:"temperature"`
	Drives      []Drive     `json:"drives,omitempty"` // one per slot the board declares, in slot order
	// Sideband is how the sled is managed: SidebandI2C, SidebandUART, or
	// SidebandNone when it is present but answers on neither.
	Sideband string    `json:"sideband"`
	Health   Health    `json:"health"`
	Problems []Problem `json:"problems,omitempty"`
	ReadAt   time.Time `json:"readAt"`
}
