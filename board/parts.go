package board

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The parts and values a board file may name, and what each implies.

// Address ranges: 0x00..0x02 and 0x78..0x7f are reserved by the I2C
// specification (general call, CBUS, HS-mode, 10-bit addressing); a PCA954x
// has three address pins on top of the fixed 0b1110.
const (
	devLo, devHi = 0x03, 0x77
	muxLo, muxHi = 0x70, 0x77
)

// defaultSpeedHz is the I2C standard-mode clock, which every part supports.
const defaultSpeedHz = 100000

// defaultNVMeMI is the NVMe-MI basic management address (NVMe-MI 1.2, 0xD4
// in 8-bit form).
const defaultNVMeMI = 0x6a

// defaultBaud is the sleds' MCU console speed.
const defaultBaud = 115200

// Sanity limits: far above any real chassis, low enough that a hostile file
// cannot make the checks slow.
const (
	maxBuses = 64
	maxMuxes = 64
	maxBays  = 256
	maxSlots = 64
)

// muxChannels is the channel count of each mux part chassisd drives.
var muxChannels = map[MuxType]int{
	MuxPCA9548: 8,
	MuxPCA9546: 4,
}

// eepromPart is what an EEPROM type implies.
type eepromPart struct {
	addressing EEPROMAddressing
	size       int
	// addrs is how many consecutive I2C addresses the part answers at: the
	// 24C04..24C16 take the high bits of the memory offset from the low bits
	// of the device address.
	addrs int
}

var eepromParts = map[string]eepromPart{
	"24c02":  {AddressingOne, 256, 1},
	"24c04":  {AddressingOne, 512, 2},
	"24c08":  {AddressingOne, 1024, 4},
	"24c16":  {AddressingOne, 2048, 8},
	"24c32":  {AddressingTwo, 4096, 1},
	"24c64":  {AddressingTwo, 8192, 1},
	"24c128": {AddressingTwo, 16384, 1},
	"24c256": {AddressingTwo, 32768, 1},
	"24c512": {AddressingTwo, 65536, 1},
	"auto":   {AddressingAuto, 0, 1},
}

var sensorTypes = []SensorType{SensorLM75, SensorTMP75}

var formFactors = []FormFactor{
	FormFactorM2_2230, FormFactorM2_2242, FormFactorM2_2260, FormFactorM2_2280, FormFactorM2_22110,
	FormFactorU2, FormFactorEDSFF, FormFactorE1S, FormFactorE3S,
}

// interposerTypes are the PCIe switches chassisd has a driver for.
var interposerTypes = []string{"switchtec-pfx"}

// names lists a table's keys for "known: ..." hints.
func names[K ~string, V any](m map[K]V) string {
	var s []string
	for k := range m {
		s = append(s, string(k))
	}
	if len(s) == 0 {
		return "none"
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func listOf[T ~string](l []T) string {
	s := make([]string, len(l))
	for i, x := range l {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// lookupFold finds s in l ignoring case and returns the spelling the
// format uses.
func lookupFold[T ~string](l []T, s string) (T, bool) {
	for _, x := range l {
		if strings.EqualFold(string(x), s) {
			return x, true
		}
	}
	return "", false
}

// parseSpeed reads a bus speed: "100kHz", "400kHz", "1MHz" or an integer
// in Hz. Anything from 10 kHz (the SMBus minimum) to 3.4 MHz (HS-mode) is
// accepted.
func parseSpeed(s string) (int, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	lower := strings.ToLower(t)
	switch {
	case strings.HasSuffix(lower, "mhz"):
		mult, t = 1000000, t[:len(t)-3]
	case strings.HasSuffix(lower, "khz"):
		mult, t = 1000, t[:len(t)-3]
	case strings.HasSuffix(lower, "hz"):
		t = t[:len(t)-2]
	}
	n, err := strconv.ParseInt(t, 10, 32)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad speed %q: write 100kHz, 400kHz, 1MHz or an integer in Hz", s)
	}
	hz := n * mult
	if hz < 10000 || hz > 3400000 {
		return 0, fmt.Errorf("speed %s is outside 10kHz..3400kHz", s)
	}
	return int(hz), nil
}
