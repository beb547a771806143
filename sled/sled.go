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
	Health  Health
	Message string // "FRU at 0x50 on i2c-1 ch2: board area checksum 0x1c != 0"
}

// Identity is what a FRU (or VPD) says about a part. Empty strings mean the
// FRU did not say.
type Identity struct {
	Manufacturer    string
	Model           string // product name, or board product name
	PartNumber      string
	SerialNumber    string
	Version         string
	AssetTag        string
	ManufactureDate time.Time // zero when unspecified
}

// Temperature is one temperature reading. Valid is false when the sensor
// reported no data or a failure; Status then says which.
type Temperature struct {
	Celsius float64
	Valid   bool
	Status  string // "" when valid; "no data", "sensor failure", "read failed: ..."
}

// DriveStatus is the NVMe-MI basic management status flags (SFLGS).
type DriveStatus struct {
	Ready            bool // drive ready (bit 6 clear)
	Functional       bool
	ResetNotRequired bool
	Port0LinkActive  bool
	Port1LinkActive  bool
}

// DriveWarnings is the NVMe-MI SMART critical warning bits (SWARN), already
// un-inverted: true means the warning is raised.
type DriveWarnings struct {
	SpareLow             bool
	TemperatureHigh      bool
	ReliabilityDegraded  bool
	ReadOnly             bool
	VolatileBackupFailed bool
}

// Any reports whether any warning is raised.
func (w DriveWarnings) Any() bool {
	return w.SpareLow || w.TemperatureHigh || w.ReliabilityDegraded || w.ReadOnly || w.VolatileBackupFailed
}

// Drive is one drive slot and, when Present, the module in it.
type Drive struct {
	Slot       int
	FormFactor board.FormFactor
	Present    bool
	// Identity comes from the drive's VPD EEPROM (model, manufacturer, part).
	Identity Identity
	// VendorID and SerialNumber come from the NVMe-MI identification block.
	VendorID        uint16
	SerialNumber    string
	Temperature     Temperature
	PercentLifeUsed int // 0..255, as NVMe reports it
	Status          DriveStatus
	Warnings        DriveWarnings
	Health          Health
	Problems        []Problem
}

// Sled is one occupied bay as last read.
type Sled struct {
	Bay      int
	Identity Identity
	// FRUValid is false when the FRU could not be read or parsed; Problems
	// then says why.
	FRUValid    bool
	Temperature Temperature
	Drives      []Drive // one per slot the board declares, in slot order
	// Sideband is how the sled is managed: "I2C" (later also "UART").
	Sideband string
	Health   Health
	Problems []Problem
	ReadAt   time.Time
}
