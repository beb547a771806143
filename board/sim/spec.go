package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// SledSpec is what one sled carries: the contents of its FRU EEPROM, its
// temperature and the drives in its slots. The scenario file and the control
// API's PUT body use the same keys.
type SledSpec struct {
	FRU FRUSpec `yaml:"fru" json:"fru"`
	// CorruptFRU flips a byte in the board area so its checksum fails.
	CorruptFRU bool `yaml:"corrupt_fru" json:"corrupt_fru"`
	// Temperature is what the sled's sensor reads, in °C; nil means
	// DefaultSledTemperature.
	Temperature *float64    `yaml:"temperature" json:"temperature,omitempty"`
	Drives      []DriveSpec `yaml:"drives" json:"drives,omitempty"`
}

// FRUSpec is the identity written into a sled's FRU EEPROM: a board area and
// a product area, and a chassis area when ChassisType is given.
type FRUSpec struct {
	Manufacturer string `yaml:"manufacturer" json:"manufacturer,omitempty"`
	Product      string `yaml:"product" json:"product,omitempty"`
	PartNumber   string `yaml:"part_number" json:"part_number,omitempty"`
	SerialNumber string `yaml:"serial_number" json:"serial_number,omitempty"`
	Version      string `yaml:"version" json:"version,omitempty"`
	// MfgDate is the board's manufacturing date; zero means unspecified.
	MfgDate  Date   `yaml:"mfg_date" json:"mfg_date,omitzero"`
	AssetTag string `yaml:"asset_tag" json:"asset_tag,omitempty"`
	// ChassisType is the SMBIOS chassis type (0x17 rack mount chassis);
	// when set the image gets a chassis area too.
	ChassisType *Hex `yaml:"chassis_type" json:"chassis_type,omitempty"`
	// Encoding is how text fields are packed: "latin1" (default), "6bit"
	// (6-bit packed ASCII) or "bcd" (BCD plus for the serial numbers).
	Encoding string `yaml:"encoding" json:"encoding,omitempty"`
}

// DriveSpec is one drive module in a slot: its NVMe-MI identity and health,
// and the identity in its VPD EEPROM.
type DriveSpec struct {
	Slot     int    `yaml:"slot" json:"slot"`
	VendorID Hex    `yaml:"vendor_id" json:"vendor_id"` // PCI vendor ID, e.g. 0x144d
	Serial   string `yaml:"serial" json:"serial"`       // up to 20 ASCII characters
	// Model goes into the VPD's product area as the product name.
	Model        string `yaml:"model" json:"model,omitempty"`
	Manufacturer string `yaml:"manufacturer" json:"manufacturer,omitempty"`
	PartNumber   string `yaml:"part_number" json:"part_number,omitempty"`
	// Temperature is the composite temperature in °C; nil means
	// DefaultDriveTemperature.
	Temperature *int `yaml:"temperature" json:"temperature,omitempty"`
	PercentUsed int  `yaml:"percent_used" json:"percent_used"`
	// Warnings are the critical warnings raised: spare, temperature,
	// reliability, read_only, volatile_backup.
	Warnings []string `yaml:"warnings" json:"warnings,omitempty"`
}

// DriveHealthChange changes a running drive's health; nil fields stay as
// they are. A non-nil empty Warnings clears every warning.
type DriveHealthChange struct {
	Temperature *int      `json:"temperature,omitempty"`
	PercentUsed *int      `json:"percent_used,omitempty"`
	Warnings    *[]string `json:"warnings,omitempty"`
}

// Temperatures a sled or drive reads when its spec does not say.
const (
	DefaultSledTemperature  = 30.0
	DefaultDriveTemperature = 35
)

// The warning names a DriveSpec may raise, in SWARN bit order.
var warningNames = []string{"spare", "temperature", "reliability", "read_only", "volatile_backup"}

// The FRU text encodings a FRUSpec may ask for.
var encodings = []string{"latin1", "6bit", "bcd"}

// ErrInvalidSpec is wrapped by every error about a sled or drive spec that
// cannot be built.
var ErrInvalidSpec = errors.New("invalid spec")

// fieldError says which field of a spec is wrong. Path locates the field
// ("drives", 1, "warnings", 0) so the scenario loader can find its line.
type fieldError struct {
	Path []any
	Msg  string
}

func (e *fieldError) Error() string {
	if len(e.Path) == 0 {
		return e.Msg
	}
	return pathString(e.Path) + ": " + e.Msg
}

func (e *fieldError) Unwrap() error { return ErrInvalidSpec }

func fieldErr(path []any, format string, args ...any) error {
	return &fieldError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// at returns path extended by more, without aliasing path's array.
func at(path []any, more ...any) []any {
	p := make([]any, 0, len(path)+len(more))
	return append(append(p, path...), more...)
}

// pathString renders a field path as "drives[1].warnings[0]".
func pathString(path []any) string {
	var b strings.Builder
	for _, e := range path {
		switch v := e.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", v)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}

// check validates the spec; path is where the sled sits in its file.
func (s *SledSpec) check(path []any) error {
	if err := s.FRU.check(at(path, "fru")); err != nil {
		return err
	}
	if s.Temperature != nil {
		// The LM75 range; the register cannot say more.
		if t := *s.Temperature; t < -55 || t > 125 || math.IsNaN(t) {
			return fieldErr(at(path, "temperature"), "%v °C is outside the sensor's range -55..125", t)
		}
	}
	seen := map[int]bool{}
	for i := range s.Drives {
		d := &s.Drives[i]
		if seen[d.Slot] {
			return fieldErr(at(path, "drives", i, "slot"), "slot %d is listed twice", d.Slot)
		}
		seen[d.Slot] = true
		if err := d.check(at(path, "drives", i)); err != nil {
			return err
		}
	}
	if _, err := buildSledImage(s.FRU); err != nil {
		return fieldErr(at(path, "fru"), "%v", err)
	}
	return nil
}

func (f *FRUSpec) check(path []any) error {
	if f.Encoding != "" && !contains(encodings, f.Encoding) {
		return fieldErr(at(path, "encoding"), "unknown encoding %q (want %s)", f.Encoding, strings.Join(encodings, ", "))
	}
	if f.ChassisType != nil && (*f.ChassisType < 1 || *f.ChassisType > 0xff) {
		return fieldErr(at(path, "chassis_type"), "%#x is not an SMBIOS chassis type (1..0xff)", int(*f.ChassisType))
	}
	if !f.MfgDate.IsZero() {
		// The board area counts minutes from 1996 in 24 bits (about 31 years).
		t := f.MfgDate.Time
		if t.Before(fruEpoch) || t.Sub(fruEpoch) >= (1<<24)*time.Minute {
			return fieldErr(at(path, "mfg_date"), "%s is outside the FRU date range 1996-01-01..2027-11-24", f.MfgDate)
		}
	}
	return nil
}

// fruEpoch is when FRU manufacturing dates start.
var fruEpoch = time.Date(1996, 1, 1, 0, 0, 0, 0, time.UTC)

func (d *DriveSpec) check(path []any) error {
	if d.Slot < 0 {
		return fieldErr(at(path, "slot"), "slot %d is negative", d.Slot)
	}
	if d.VendorID < 0 || d.VendorID > 0xffff {
		return fieldErr(at(path, "vendor_id"), "%#x does not fit 16 bits", int(d.VendorID))
	}
	if len(d.Serial) > 20 {
		return fieldErr(at(path, "serial"), "%q is longer than the 20 characters NVMe-MI has room for", d.Serial)
	}
	for _, c := range []byte(d.Serial) {
		if c < 0x20 || c > 0x7e {
			return fieldErr(at(path, "serial"), "%q: serial numbers are printable ASCII", d.Serial)
		}
	}
	if d.Temperature != nil {
		// CTemp reports -60..127 °C; the codes beyond mean "no data".
		if t := *d.Temperature; t < -60 || t > 127 {
			return fieldErr(at(path, "temperature"), "%d °C is outside what NVMe-MI reports (-60..127)", t)
		}
	}
	if d.PercentUsed < 0 || d.PercentUsed > 255 {
		return fieldErr(at(path, "percent_used"), "%d is outside 0..255", d.PercentUsed)
	}
	for i, w := range d.Warnings {
		if !contains(warningNames, w) {
			return fieldErr(at(path, "warnings", i), "unknown warning %q (want %s)", w, strings.Join(warningNames, ", "))
		}
	}
	if _, err := buildVPDImage(*d); err != nil {
		return fieldErr(path, "VPD: %v", err)
	}
	return nil
}

func (c *DriveHealthChange) check() error {
	d := DriveSpec{Temperature: c.Temperature}
	if c.PercentUsed != nil {
		d.PercentUsed = *c.PercentUsed
	}
	if c.Warnings != nil {
		d.Warnings = *c.Warnings
	}
	if err := d.check(nil); err != nil {
		return err
	}
	if c.Temperature == nil && c.PercentUsed == nil && c.Warnings == nil {
		return fieldErr(nil, "nothing to change: give temperature, percent_used or warnings")
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sledTemperature is the spec's temperature or the default.
func (s *SledSpec) sledTemperature() float64 {
	if s.Temperature == nil {
		return DefaultSledTemperature
	}
	return *s.Temperature
}

func (d *DriveSpec) driveTemperature() int {
	if d.Temperature == nil {
		return DefaultDriveTemperature
	}
	return *d.Temperature
}

// clone returns a deep copy, so the chassis' record of a sled never shares
// memory with what a caller keeps.
func (s SledSpec) clone() SledSpec {
	if s.Temperature != nil {
		t := *s.Temperature
		s.Temperature = &t
	}
	if s.FRU.ChassisType != nil {
		c := *s.FRU.ChassisType
		s.FRU.ChassisType = &c
	}
	drives := make([]DriveSpec, len(s.Drives))
	for i, d := range s.Drives {
		drives[i] = d.clone()
	}
	s.Drives = drives
	return s
}

func (d DriveSpec) clone() DriveSpec {
	if d.Temperature != nil {
		t := *d.Temperature
		d.Temperature = &t
	}
	d.Warnings = append([]string(nil), d.Warnings...)
	return d
}

// Hex is an integer written as 0x-hex or decimal. YAML takes either form;
// JSON takes a number or a string ("0x144d"), and Hex is written back as a
// "0x..." string because IDs read better that way.
type Hex int

// String renders the value in hex: two digits for a byte, four for an ID.
func (h Hex) String() string {
	if h >= 0 && h <= 0xff {
		return fmt.Sprintf("0x%02x", int(h))
	}
	return fmt.Sprintf("0x%04x", int(h))
}

// MarshalJSON writes the value as a hex string.
func (h Hex) MarshalJSON() ([]byte, error) { return json.Marshal(h.String()) }

// UnmarshalJSON accepts 5197, "5197" or "0x144d".
func (h *Hex) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	v, err := strconv.ParseInt(s, 0, 32)
	if err != nil {
		return fmt.Errorf("%s is not an integer", b)
	}
	*h = Hex(v)
	return nil
}

// UnmarshalYAML accepts 0x144d, 5197 or a quoted "0x144d".
func (h *Hex) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want an integer", n.Line)
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 32)
	if err != nil {
		return fmt.Errorf("line %d: %q is not an integer", n.Line, n.Value)
	}
	*h = Hex(v)
	return nil
}

// Date is a calendar day, written 2024-03-01 (an RFC 3339 time is accepted
// too). It is kept in UTC.
type Date struct{ time.Time }

// String renders the day as 2006-01-02, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

func parseDate(s string) (Date, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return Date{t}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (want 2006-01-02)", s)
	}
	return Date{t.UTC()}, nil
}

// MarshalJSON writes the day as "2006-01-02".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "2006-01-02" (or an RFC 3339 time); "" is the zero Date.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date must be a string like \"2024-03-01\"")
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	v, err := parseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalYAML reads 2006-01-02 (or an RFC 3339 time).
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a date like 2024-03-01", n.Line)
	}
	v, err := parseDate(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}
