// Package nvmemi decodes the NVMe-MI Basic Management Command: the 256-byte
// data structure an NVMe drive serves over SMBus (usually at 0x6A), whose
// status block (offset 0) says whether the drive is ready and healthy and how
// hot it is, and whose identification block (offset 8) gives its PCI vendor
// ID and serial number.
//
// The package reads and decodes; it does not import package sled, because
// package sled imports it. Its value types mirror sled's field for field
// (Flags is sled.DriveStatus, Warnings is sled.DriveWarnings, Temperature is
// sled.Temperature, Level is sled.Health), so a caller converts with a plain
// type conversion.
package nvmemi

// Structure offsets and block lengths (NVMe-MI Basic Management Command).
const (
	statusOffset = 0x00
	statusLen    = 6
	idOffset     = 0x08
	idLen        = 0x16
	serialLen    = 20
	// basicLen is offsets 0..31: both blocks with their PECs.
	basicLen = 32
)

// Flags is the status flags byte (SFLGS) decoded; it converts to
// sled.DriveStatus.
type Flags struct {
	Ready            bool // SFLGS b6 clear: the drive can take commands
	Functional       bool // b5: the drive is working
	ResetNotRequired bool // b4: no reset needed to resume normal operation
	Port0LinkActive  bool // b3: PCIe link up on port 0
	Port1LinkActive  bool // b2: PCIe link up on port 1
}

// Warnings is the SMART critical warning byte (SWARN) with its inversion
// undone: true means the warning is raised. It converts to
// sled.DriveWarnings.
type Warnings struct {
	SpareLow             bool // b0: available spare below threshold
	TemperatureHigh      bool // b1: temperature outside a threshold
	ReliabilityDegraded  bool // b2: reliability degraded by media or internal errors
	ReadOnly             bool // b3: media placed in read-only mode
	VolatileBackupFailed bool // b4: volatile memory backup device failed
}

// Any reports whether any warning is raised.
func (w Warnings) Any() bool {
	return w.SpareLow || w.TemperatureHigh || w.ReliabilityDegraded || w.ReadOnly || w.VolatileBackupFailed
}

// Temperature is the composite temperature (CTemp); it converts to
// sled.Temperature. Valid is false when the drive reported no data, a sensor
// failure or a reserved code; Status then says which. The saturated codes
// are valid readings at their limit: 0x7F reads 127 (127 °C or more) and
// 0xC4 reads −60 (−60 °C or less).
type Temperature struct {
	Celsius float64
	Valid   bool
	Status  string // "" when valid; "no data", "sensor failure", "reserved code 0x9a"
}

// Status is the decoded status block.
type Status struct {
	Flags       Flags
	Warnings    Warnings
	Temperature Temperature
	// PercentLifeUsed is the vendor's estimate of rated life used, 0..255;
	// 100 means the rated endurance is consumed.
	PercentLifeUsed int
	// Arbitration is SFLGS b7, the SMBus arbitration bit: a master clears
	// it with Send Byte 0xFF, and the drive sets it when a read completes,
	// so a master that reads it clear knows no other master read since.
	Arbitration bool
}

// ID is the decoded identification block.
type ID struct {
	VendorID     uint16 // PCI vendor ID
	SerialNumber string // trimmed of padding
}
