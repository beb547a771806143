// Package board describes the hardware of one chassis as the BMC sees it:
// which I2C buses exist and how fast they run, which multiplexers sit on them
// and who owns them (the kernel or chassisd), which bays there are and, per
// bay, the GPIO lines, UART and I2C addresses of the sled that may occupy it,
// the drive slots of that sled, and the interposer's PCIe switch.
//
// A board is written once per hardware design as a YAML file (see Load and the
// README) and never changes while the agent runs. Everything above this
// package addresses hardware only through the names and paths a Board gives
// it, and reaches the hardware itself only through the small interfaces in
// Hardware: periph.io's i2c.Bus and gpio.PinIO, and an io.ReadWriteCloser per
// UART. board/linux opens real ones; board/sim provides emulated ones.
package board

import (
	"context"
	"fmt"
	"io"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
)

// Board is one chassis design: its buses, muxes, bays and interposer.
type Board struct {
	// Name identifies the design, e.g. "chassisd-sim-8bay".
	Name string
	// Manufacturer and Model of the enclosure, shown on the enclosure Chassis.
	Manufacturer string
	Model        string
	Buses        []Bus
	Muxes        []Mux
	Bays         []Bay
	// Interposer is nil when the board has no PCIe switch to manage.
	Interposer *Interposer
}

// Bus is one I2C adapter as Linux shows it (/dev/i2c-N), or a simulated one.
type Bus struct {
	// Name is how the rest of the board file refers to the bus ("i2c-1").
	Name string
	// Device is the character device, e.g. /dev/i2c-1. Empty in simulation.
	Device string
	// SpeedHz is the SCL frequency: 100000 or 400000 (1000000 for FM+).
	SpeedHz int
	// Parent names the physical bus this adapter is a kernel mux channel of;
	// empty for a root adapter. Adapters that share a parent share one bus
	// owner, because they share the wires.
	Parent string
}

// MuxType names the multiplexer part.
type MuxType string

// The multiplexers chassisd can drive from user space.
const (
	MuxPCA9548 MuxType = "pca9548" // 8 channels, one bit each
	MuxPCA9546 MuxType = "pca9546" // 4 channels, one bit each
)

// Mux is an I2C multiplexer that chassisd selects itself. A mux the kernel
// owns is not listed here: its channels appear as Buses with a Parent.
type Mux struct {
	Name string
	Type MuxType
	// Bus is the bus the mux sits on.
	Bus  string
	Addr uint16
	// Channels is how many downstream channels the part has.
	Channels int
}

// Hop is one step through a multiplexer: which mux and which channel.
type Hop struct {
	Mux     uint16 // 7-bit address of the mux on the segment the hop starts from
	Channel int
}

// Path says how to reach a device's segment: a bus, then zero or more mux
// hops. Two paths with the same Bus share a bus owner.
type Path struct {
	Bus  string
	Hops []Hop
}

// Extend returns a new path one hop further; p is not modified.
func (p Path) Extend(h Hop) Path {
	hops := make([]Hop, len(p.Hops), len(p.Hops)+1)
	copy(hops, p.Hops)
	return Path{Bus: p.Bus, Hops: append(hops, h)}
}

// String renders the path the way errors name it: "i2c-1 ch2" or
// "i2c-1 ch2/0x71 ch0".
func (p Path) String() string {
	s := p.Bus
	for i, h := range p.Hops {
		if i == 0 {
			s += fmt.Sprintf(" ch%d", h.Channel)
		} else {
			s += fmt.Sprintf("/%#02x ch%d", h.Mux, h.Channel)
		}
	}
	return s
}

// Line names one GPIO line: a chip and an offset, or a line name to look up.
type Line struct {
	Chip      string // "gpiochip0"
	Offset    int    // line offset on the chip; -1 when Name is used
	Name      string // line name from the device tree, e.g. "BAY0_PRSNT_N"
	ActiveLow bool
}

// String names the line for errors and logs.
func (l Line) String() string {
	if l.Name != "" {
		return l.Chip + ":" + l.Name
	}
	return fmt.Sprintf("%s:%d", l.Chip, l.Offset)
}

// UART is the serial port to a sled's management controller.
type UART struct {
	Device string // e.g. /dev/ttyS1
	Baud   int    // 115200 unless the board file says otherwise
}

// EEPROMAddressing says how many address bytes an EEPROM takes.
type EEPROMAddressing int

// EEPROM addressing modes.
const (
	AddressingAuto EEPROMAddressing = 0 // detect without writing to the part
	AddressingOne  EEPROMAddressing = 1 // 24C02/24C04/24C08/24C16
	AddressingTwo  EEPROMAddressing = 2 // 24C32 and larger
)

// EEPROM is an I2C EEPROM holding an IPMI FRU image.
type EEPROM struct {
	Addr       uint16
	Addressing EEPROMAddressing
	// Size in bytes; 0 means "read what the FRU header says".
	Size int
}

// SensorType names a temperature sensor part.
type SensorType string

// Temperature sensor parts with the LM75 register format.
const (
	SensorLM75  SensorType = "lm75"
	SensorTMP75 SensorType = "tmp75"
)

// TempSensor is a temperature sensor on the sled.
type TempSensor struct {
	Addr uint16
	Type SensorType
}

// FormFactor is a drive module's form factor, as Redfish names it.
type FormFactor string

// Drive form factors a slot can take (Redfish Drive.FormFactor values).
const (
	FormFactorM2_2230  FormFactor = "M2_2230"
	FormFactorM2_2242  FormFactor = "M2_2242"
	FormFactorM2_2260  FormFactor = "M2_2260"
	FormFactorM2_2280  FormFactor = "M2_2280"
	FormFactorM2_22110 FormFactor = "M2_22110"
	FormFactorU2       FormFactor = "U2"
	FormFactorEDSFF    FormFactor = "EDSFF"
	FormFactorE1S      FormFactor = "EDSFF_1U_Short"
	FormFactorE3S      FormFactor = "EDSFF_E3_Short"
)

// Slot is a drive slot on a sled. Every slot's drive answers NVMe-MI basic
// management at the same address, so each slot sits behind its own channel of
// a mux on the sled.
type Slot struct {
	Index      int
	FormFactor FormFactor
	// Hop selects the slot's channel on the sled's mux; nil if the slot's
	// devices sit directly on the bay's segment.
	Hop *Hop
	// NVMeMI is the address of the NVMe-MI basic management endpoint (0x6A).
	NVMeMI uint16
	// VPD is the drive's FRU/VPD EEPROM address (0x53); 0 when absent.
	VPD EEPROM
}

// Sled is what the board expects in a bay: the devices on the sled and where.
type Sled struct {
	FRU  EEPROM
	Temp *TempSensor
	// MCU is the management controller's I2C address (MCTP over SMBus).
	MCU   uint16
	Slots []Slot
}

// Bay is one sled position in the chassis.
type Bay struct {
	Index int
	// Name is how the bay is labelled on the chassis, e.g. "Bay 3".
	Name string
	// I2C reaches the bay's segment (the sled's devices).
	I2C Path
	// Presence, Reset and Power are nil when the board has no such line;
	// without a presence line the agent probes the FRU EEPROM instead.
	Presence *Line
	Reset    *Line
	Power    *Line
	UART     *UART
	Sled     Sled
}

// Interposer is the PCIe switch on the interposer and how its ports are
// wired: which upstream port leads to which host, and which downstream port
// reaches which drive slot. The switch itself cannot know either.
type Interposer struct {
	Type string // "switchtec-pfx"
	Path Path
	Addr uint16
	// Hosts are the switch's upstream ports, in board file order; nil when
	// the board names none.
	Hosts []HostPort
	// DrivePorts are the switch's downstream ports, in board file order;
	// nil when the board names none.
	DrivePorts []DrivePort
}

// HostPort is an upstream port of the switch and the host cabled to it.
// Each host owns one partition of the switch: the drive ports bound into
// that partition are the drives the host sees.
type HostPort struct {
	// Name is how the host is shown and addressed, e.g. "Host 0".
	Name      string
	Partition int
	// Port is the switch's physical port number.
	Port int
}

// DrivePort is a downstream port of the switch and the drive slot it
// reaches.
type DrivePort struct {
	// Port is the switch's physical port number.
	Port      int
	Bay, Slot int
}

// Host returns the host with the given name.
func (ip *Interposer) Host(name string) (HostPort, bool) {
	for _, h := range ip.Hosts {
		if h.Name == name {
			return h, true
		}
	}
	return HostPort{}, false
}

// DrivePort returns the drive port with the given physical port number.
func (ip *Interposer) DrivePort(port int) (DrivePort, bool) {
	for _, d := range ip.DrivePorts {
		if d.Port == port {
			return d, true
		}
	}
	return DrivePort{}, false
}

// SlotPort returns the drive port that reaches a bay's slot.
func (ip *Interposer) SlotPort(bay, slot int) (DrivePort, bool) {
	for _, d := range ip.DrivePorts {
		if d.Bay == bay && d.Slot == slot {
			return d, true
		}
	}
	return DrivePort{}, false
}

// Hardware is the hardware a board names, opened. Drivers take the narrow
// interfaces it hands out and never close them; whoever opened the Hardware
// closes it.
type Hardware interface {
	// I2C returns the bus with the given board name.
	I2C(bus string) (i2c.Bus, error)
	// GPIO returns the line, configured by the caller.
	GPIO(line Line) (gpio.PinIO, error)
	// UART opens the serial port to a sled's management controller.
	UART(u UART) (io.ReadWriteCloser, error)
	// I2CTarget makes the BMC answer as an I2C target at addr on a bus,
	// so devices can write to it as masters (MCTP over SMBus answers that
	// way). Hardware without target mode returns an error wrapping
	// ErrNotSupported.
	I2CTarget(bus string, addr uint16) (I2CTarget, error)
	Close() error
}

// I2CTarget receives what other masters write to the BMC's own address.
type I2CTarget interface {
	// Receive returns the next write: the bytes after the address byte.
	Receive(ctx context.Context) ([]byte, error)
	Close() error
}

// DefaultBMCAddr is the BMC's own I2C address in target mode, where sled
// controllers send their MCTP answers (DSP0237's examples use it too).
const DefaultBMCAddr = 0x10
