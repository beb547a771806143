package nvmemi_test

import (
	"strings"
	"testing"

	"github.com/chassisd/chassisd/sled/nvmemi"
)

// healthy is the status of a healthy drive at 35 °C with 3 % of its life
// used: SFLGS BB (arbitration, ready, functional, no reset needed, port 0
// link), SWARN FF.
var healthy = nvmemi.Status{
	Flags:           nvmemi.Flags{Ready: true, Functional: true, ResetNotRequired: true, Port0LinkActive: true},
	Temperature:     nvmemi.Temperature{Celsius: 35, Valid: true},
	PercentLifeUsed: 3,
	Arbitration:     true,
}

var allWarnings = nvmemi.Warnings{SpareLow: true, TemperatureHigh: true,
	ReliabilityDegraded: true, ReadOnly: true, VolatileBackupFailed: true}

// with returns healthy changed by f.
func with(f func(s *nvmemi.Status)) nvmemi.Status {
	s := healthy
	f(&s)
	return s
}

func TestDecodeStatus(t *testing.T) {
	tests := []struct {
		name  string
		block []byte
		want  nvmemi.Status
	}{
		{"golden healthy", []byte{0x06, 0xBB, 0xFF, 0x23, 0x03, 0x00, 0x00}, healthy},
		{"golden with PEC byte", []byte{0x06, 0xBB, 0xFF, 0x23, 0x03, 0x00, 0x00, 0x35}, healthy},
		{"PEC byte not checked here", []byte{0x06, 0xBB, 0xFF, 0x23, 0x03, 0x00, 0x00, 0x00}, healthy},

		{"arbitration clear", []byte{0x06, 0x3B, 0xFF, 0x23, 0x03, 0, 0},
			with(func(s *nvmemi.Status) { s.Arbitration = false })},
		{"not ready", []byte{0x06, 0xFB, 0xFF, 0x23, 0x03, 0, 0},
			with(func(s *nvmemi.Status) { s.Flags.Ready = false })},
		{"not functional", []byte{0x06, 0x9B, 0xFF, 0x23, 0x03, 0, 0},
			with(func(s *nvmemi.Status) { s.Flags.Functional = false })},
		{"reset required", []byte{0x06, 0xAB, 0xFF, 0x23, 0x03, 0, 0},
			with(func(s *nvmemi.Status) { s.Flags.ResetNotRequired = false })},
		{"port 0 link down", []byte{0x06, 0xB3, 0xFF, 0x23, 0x03, 0, 0},
			with(func(s *nvmemi.Status) { s.Flags.Port0LinkActive = false })},
		{"port 1 link up", []byte{0x06, 0xBF, 0xFF, 0x23, 0x03, 0, 0},
			with(func(s *nvmemi.Status) { s.Flags.Port1LinkActive = true })},
		{"reserved SFLGS bits ignored", []byte{0x06, 0xB8, 0xFF, 0x23, 0x03, 0, 0}, healthy},

		{"spare low", []byte{0x06, 0xBB, 0xFE, 0x23, 0x03, 0, 0},
			with(func(s *nvmemi.Status) { s.Warnings.SpareLow = true })},
		{"temperature warning", []byte{0x06, 0xBB, 0xFD, 0x23, 0x03, 0, 0},
			with(func(s *nvmemi.Status) { s.Warnings.TemperatureHigh = true })},
		{"reliability degraded", []byte{0x06, 0xBB, 0xFB, 0x23, 0x03, 0, 0},
			with(func(s *nvmemi.Status) { s.Warnings.ReliabilityDegraded = true })},
		{"read-only", []byte{0x06, 0xBB, 0xF7, 0x23, 0x03, 0, 0},
			with(func(s *nvmemi.Status) { s.Warnings.ReadOnly = true })},
		{"volatile backup failed", []byte{0x06, 0xBB, 0xEF, 0x23, 0x03, 0, 0},
			with(func(s *nvmemi.Status) { s.Warnings.VolatileBackupFailed = true })},
		{"reserved SWARN bits ignored", []byte{0x06, 0xBB, 0x1F, 0x23, 0x03, 0, 0}, healthy},
		{"every warning", []byte{0x06, 0xBB, 0x00, 0x23, 0x03, 0, 0},
			with(func(s *nvmemi.Status) { s.Warnings = allWarnings })},

		{"life used 255", []byte{0x06, 0xBB, 0xFF, 0x23, 0xFF, 0, 0},
			with(func(s *nvmemi.Status) { s.PercentLifeUsed = 255 })},
		{"reserved bytes ignored", []byte{0x06, 0xBB, 0xFF, 0x23, 0x03, 0xAA, 0x55}, healthy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nvmemi.DecodeStatus(tt.block)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeTemperature(t *testing.T) {
	valid := func(c float64) nvmemi.Temperature { return nvmemi.Temperature{Celsius: c, Valid: true} }
	tests := []struct {
		code byte
		want nvmemi.Temperature
	}{
		{0x00, valid(0)},
		{0x23, valid(35)},
		{0x7E, valid(126)},
		{0x7F, valid(127)}, // 127 °C or more
		{0x80, nvmemi.Temperature{Status: "no data"}},
		{0x81, nvmemi.Temperature{Status: "sensor failure"}},
		{0x82, nvmemi.Temperature{Status: "reserved code 0x82"}},
		{0xC3, nvmemi.Temperature{Status: "reserved code 0xc3"}},
		{0xC4, valid(-60)}, // −60 °C or less
		{0xC5, valid(-59)},
		{0xFF, valid(-1)},
	}
	for _, tt := range tests {
		if got := nvmemi.DecodeTemperature(tt.code); got != tt.want {
			t.Errorf("DecodeTemperature(%#02x) = %+v, want %+v", tt.code, got, tt.want)
		}
		block := []byte{0x06, 0xBB, 0xFF, tt.code, 0x03, 0, 0}
		st, err := nvmemi.DecodeStatus(block)
		if err != nil || st.Temperature != tt.want {
			t.Errorf("DecodeStatus(% x).Temperature = %+v, %v; want %+v", block, st.Temperature, err, tt.want)
		}
	}
}

func TestDecodeStatusErrors(t *testing.T) {
	tests := []struct {
		name  string
		block []byte
		want  string
	}{
		{"empty", nil, "status block: 0 bytes, want 7 or 8 (with PEC)"},
		{"short", []byte{0x06, 0xBB, 0xFF, 0x23, 0x03, 0x00}, "status block: 6 bytes"},
		{"long", make([]byte, 9), "status block: 9 bytes"},
		{"count", []byte{0x05, 0xBB, 0xFF, 0x23, 0x03, 0x00, 0x00}, "status block: count 5 != 6"},
		{"floating bus", []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, "status block: count 255 != 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := nvmemi.DecodeStatus(tt.block)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// idBlock is an identification block: count, VID MSB first, 20 serial bytes.
func idBlock(vid uint16, serial string) []byte {
	b := []byte{0x16, byte(vid >> 8), byte(vid)}
	sn := []byte(serial)
	return append(b, sn[:20]...)
}

func TestDecodeID(t *testing.T) {
	tests := []struct {
		name  string
		block []byte
		want  nvmemi.ID
	}{
		{"space padded", idBlock(0x8086, "PHLF0123456789AB    "), nvmemi.ID{VendorID: 0x8086, SerialNumber: "PHLF0123456789AB"}},
		{"with PEC byte", append(idBlock(0x8086, "PHLF0123456789AB    "), 0xED), nvmemi.ID{VendorID: 0x8086, SerialNumber: "PHLF0123456789AB"}},
		{"NUL padded", idBlock(0x144D, "S3EVNX0K123456\x00\x00\x00\x00\x00\x00"), nvmemi.ID{VendorID: 0x144D, SerialNumber: "S3EVNX0K123456"}},
		{"mixed padding", idBlock(0x1C5C, "ABC \x00 \x00                "), nvmemi.ID{VendorID: 0x1C5C, SerialNumber: "ABC"}},
		{"leading spaces", idBlock(0x1344, "    12345678901234AB"), nvmemi.ID{VendorID: 0x1344, SerialNumber: "12345678901234AB"}},
		{"all 20 used", idBlock(0x15B7, "ABCDEFGHIJKLMNOPQRST"), nvmemi.ID{VendorID: 0x15B7, SerialNumber: "ABCDEFGHIJKLMNOPQRST"}},
		{"inner space kept", idBlock(0x15B7, "AB CD               "), nvmemi.ID{VendorID: 0x15B7, SerialNumber: "AB CD"}},
		{"blank", idBlock(0, strings.Repeat(" ", 20)), nvmemi.ID{}},
		{"zeroed", idBlock(0, strings.Repeat("\x00", 20)), nvmemi.ID{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nvmemi.DecodeID(tt.block)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeIDErrors(t *testing.T) {
	tests := []struct {
		name  string
		block []byte
		want  string
	}{
		{"short", idBlock(0x8086, "PHLF0123456789AB    ")[:22], "identification block: 22 bytes, want 23 or 24 (with PEC)"},
		{"count", append([]byte{0x15}, idBlock(0x8086, "PHLF0123456789AB    ")[1:]...), "identification block: count 21 != 22"},
		{"control byte", idBlock(0x8086, "PHLF\x01123456789AB    "), "identification block: serial number byte 0x01 at offset 15 is not printable ASCII"},
		{"high byte", idBlock(0x8086, "\xffHLF0123456789AB    "), "identification block: serial number byte 0xff at offset 11"},
		{"NUL inside", idBlock(0x8086, "PHLF\x00123456789AB    "), `identification block: serial number "PHLF\x00123456789AB" has a NUL inside it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := nvmemi.DecodeID(tt.block)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}
