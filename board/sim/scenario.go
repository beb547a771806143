package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Scenario is what is plugged into the simulated chassis at start: which
// bays hold a sled, what each sled's FRU says, and which drives sit in its
// slots. The board file says where things are; the scenario says what.
//
// The file is YAML; every key is lower_snake_case and unknown keys are
// errors. Integers may be written decimal or 0x-hex.
//
//	bays:
//	  - bay: 0                      # a bay the board has; bays not listed are empty
//	    sled:                       # omit for an empty bay
//	      fru:                      # the sled's FRU EEPROM: board + product area
//	        manufacturer: Acme Storage
//	        product: NVS-4 M.2 carrier
//	        part_number: NVS4-M2-A
//	        serial_number: ACM24030001
//	        version: A1
//	        mfg_date: 2024-03-01
//	        asset_tag: RACK7-U12
//	        chassis_type: 0x17      # optional: adds a chassis area (SMBIOS type)
//	        encoding: latin1        # latin1 (default) | 6bit | bcd (BCD+ serials)
//	      corrupt_fru: false        # flip a byte in the board area so its checksum fails
//	      temperature: 31.5         # °C at the sled's sensor; default 30
//	      drives:
//	        - slot: 0               # a slot of the sled's layout; slots not listed are empty
//	          vendor_id: 0x144d     # PCI vendor ID (NVMe-MI)
//	          serial: S6EXNE0T123456  # up to 20 ASCII characters (NVMe-MI and VPD)
//	          model: Samsung PM9A3    # VPD product name
//	          manufacturer: Samsung   # VPD manufacturer
//	          part_number: MZ1L21T9HCLS-00A07
//	          temperature: 38       # °C composite temperature; default 35
//	          percent_used: 3       # % of rated life used, 0..255
//	          warnings: [temperature]  # spare, temperature, reliability, read_only, volatile_backup
type Scenario struct {
	Bays []BayContents `yaml:"bays" json:"bays"`
}

// BayContents is one bay of a scenario: its index and the sled in it, if any.
type BayContents struct {
	Bay  int       `yaml:"bay" json:"bay"`
	Sled *SledSpec `yaml:"sled" json:"sled,omitempty"`
}

// LoadScenario reads and parses a scenario file; errors name it as given.
func LoadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return ParseScenario(path, data)
}

// ParseScenario parses a scenario file's contents; name is used in errors,
// which say the line: "lab.yaml:14: bays[1].sled.drives[0].warnings[0]:
// unknown warning ...".
func ParseScenario(name string, data []byte) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty scenario (write \"bays: []\" for an empty chassis)", name)
		}
		return nil, yamlError(name, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, yamlError(name, err)
	default:
		return nil, fmt.Errorf("%s:%d: a scenario is one YAML document", name, extra.Line)
	}
	if err := sc.check(); err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			var root yaml.Node
			// The document decoded once already, so it decodes again.
			if yaml.Unmarshal(data, &root) == nil {
				if line := lineOf(&root, fe.Path); line > 0 {
					return nil, fmt.Errorf("%s:%d: %w", name, line, err)
				}
			}
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &sc, nil
}

func (sc *Scenario) check() error {
	seen := map[int]bool{}
	for i := range sc.Bays {
		b := &sc.Bays[i]
		if b.Bay < 0 {
			return fieldErr([]any{"bays", i, "bay"}, "bay %d is negative", b.Bay)
		}
		if seen[b.Bay] {
			return fieldErr([]any{"bays", i, "bay"}, "bay %d is listed twice", b.Bay)
		}
		seen[b.Bay] = true
		if b.Sled != nil {
			if err := b.Sled.check([]any{"bays", i, "sled"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// yamlErr keeps the decoder's error for errors.As while printing its
// per-line messages after the file name.
type yamlErr struct {
	msg string
	err error
}

func (e *yamlErr) Error() string { return e.msg }
func (e *yamlErr) Unwrap() error { return e.err }

func yamlError(name string, err error) error {
	msgs := []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = append([]string(nil), te.Errors...)
	}
	for i, m := range msgs {
		msgs[i] = name + ": " + m
		// yaml says "line 7: field x not found"; editors want "file:7: ...".
		if rest, ok := strings.CutPrefix(m, "line "); ok {
			if n, tail, ok := strings.Cut(rest, ": "); ok && n != "" && strings.Trim(n, "0123456789") == "" {
				msgs[i] = name + ":" + n + ": " + tail
			}
		}
	}
	return &yamlErr{msg: strings.Join(msgs, "; "), err: err}
}

// lineOf follows path (mapping keys and sequence indexes) from a document
// node and returns the line of the deepest node it reaches.
func lineOf(n *yaml.Node, path []any) int {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, p := range path {
		var next *yaml.Node
		switch k := p.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						line = n.Content[i].Line
						next = n.Content[i+1]
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k >= 0 && k < len(n.Content) {
				next = n.Content[k]
			}
		}
		if next == nil {
			return line
		}
		n = next
		line = n.Line
	}
	return line
}
