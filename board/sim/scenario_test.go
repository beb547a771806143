package sim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodScenario = `bays:
  - bay: 0
    sled:
      fru:
        manufacturer: ACME
        product: AS-4
        serial_number: "0042"
        mfg_date: 2024-03-01
        chassis_type: 0x17
        encoding: 6bit
      temperature: 31.5
      drives:
        - slot: 0
          vendor_id: 0x144d
          serial: S6EXNE0T123456
          temperature: 38
          percent_used: 3
          warnings: [spare, temperature, reliability, read_only, volatile_backup]
  - bay: 3
`

func TestParseScenario(t *testing.T) {
	sc, err := ParseScenario("good.yaml", []byte(goodScenario))
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Bays) != 2 || sc.Bays[1].Sled != nil {
		t.Fatalf("bays: %+v", sc.Bays)
	}
	s := sc.Bays[0].Sled
	if s.FRU.SerialNumber != "0042" || *s.FRU.ChassisType != 0x17 || s.FRU.Encoding != "6bit" {
		t.Errorf("fru: %+v", s.FRU)
	}
	if !s.FRU.MfgDate.Equal(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("mfg_date %v", s.FRU.MfgDate)
	}
	d := s.Drives[0]
	if d.VendorID != 0x144d || *d.Temperature != 38 || d.PercentUsed != 3 || len(d.Warnings) != 5 {
		t.Errorf("drive: %+v", d)
	}
}

func TestScenarioErrorsNameLines(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown key", "bays:\n  - bay: 0\n    sled:\n      colour: red\n", "x.yaml:4: field colour not found"},
		{"unknown drive key", "bays:\n  - bay: 0\n    sled:\n      drives:\n        - slot: 0\n          serail: X\n", "x.yaml:6: field serail not found"},
		{"bad warning", "bays:\n  - bay: 0\n    sled:\n      drives:\n        - slot: 0\n          warnings: [spare, hot]\n",
			`x.yaml:6: bays[0].sled.drives[0].warnings[1]: unknown warning "hot"`},
		{"duplicate bay", "bays:\n  - bay: 1\n  - bay: 1\n", "x.yaml:3: bays[1].bay: bay 1 is listed twice"},
		{"negative bay", "bays:\n  - bay: -1\n", "x.yaml:2: bays[0].bay: bay -1 is negative"},
		{"duplicate slot", "bays:\n  - bay: 0\n    sled:\n      drives:\n        - slot: 2\n        - slot: 2\n",
			"x.yaml:6: bays[0].sled.drives[1].slot: slot 2 is listed twice"},
		{"bad encoding", "bays:\n  - bay: 0\n    sled:\n      fru: {encoding: ebcdic}\n", `x.yaml:4: bays[0].sled.fru.encoding: unknown encoding "ebcdic"`},
		{"bad hex", "bays:\n  - bay: 0\n    sled:\n      drives:\n        - vendor_id: 0xZZ\n", `x.yaml:5: "0xZZ" is not an integer`},
		{"vendor id too big", "bays:\n  - bay: 0\n    sled:\n      drives:\n        - vendor_id: 0x10000\n", "x.yaml:5: bays[0].sled.drives[0].vendor_id"},
		{"bad date", "bays:\n  - bay: 0\n    sled:\n      fru:\n        mfg_date: March\n", `x.yaml:5: "March" is not a date`},
		{"date before 1996", "bays:\n  - bay: 0\n    sled:\n      fru:\n        mfg_date: 1990-01-01\n", "x.yaml:5: bays[0].sled.fru.mfg_date"},
		{"long serial", "bays:\n  - bay: 0\n    sled:\n      drives:\n        - serial: 123456789012345678901\n", "x.yaml:5: bays[0].sled.drives[0].serial"},
		{"hot drive", "bays:\n  - bay: 0\n    sled:\n      drives:\n        - temperature: 200\n", "x.yaml:5: bays[0].sled.drives[0].temperature"},
		{"wrong type", "bays:\n  - bay: zero\n", "x.yaml:2: cannot unmarshal"},
		{"syntax", "bays:\n  - bay: 0\n   sled: [\n", "x.yaml:"},
		{"empty", "", "x.yaml: empty scenario"},
		{"two documents", "bays: []\n---\nbays: []\n", "x.yaml:2: a scenario is one YAML document"},
	} {
		_, err := ParseScenario("x.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadScenario(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lab.yaml")
	if err := os.WriteFile(p, []byte("bays:\n  - bay: 0\n    slde: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadScenario(p); err == nil || !strings.HasPrefix(err.Error(), p+":3: ") {
		t.Errorf("LoadScenario: err %v, want it to start with %s:3", err, p)
	}
	if _, err := LoadScenario(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("LoadScenario of a missing file succeeded")
	}
}

// TestDefaultScenario holds the embedded scenario to what the README
// promises about it.
func TestDefaultScenario(t *testing.T) {
	sc, err := ParseScenario("scenario.yaml", defaultScenario)
	if err != nil {
		t.Fatal(err)
	}
	occupied := map[int]*SledSpec{}
	for _, b := range sc.Bays {
		occupied[b.Bay] = b.Sled
	}
	for bay := range 8 {
		if want := bay != 3 && bay != 6; (occupied[bay] != nil) != want {
			t.Errorf("bay %d occupied: %v, want %v", bay, occupied[bay] != nil, want)
		}
	}
	empty, hot := 0, 0
	encodings := map[string]bool{}
	chassisAreas := 0
	serials := map[string]bool{}
	vendors := map[Hex]bool{0x144d: true, 0x1344: true, 0x1e0f: true, 0x025e: true, 0x15b7: true}
	for bay, s := range occupied {
		if s == nil {
			continue
		}
		empty += 4 - len(s.Drives)
		encodings[s.FRU.Encoding] = true
		if s.FRU.ChassisType != nil {
			chassisAreas++
		}
		for _, d := range s.Drives {
			if serials[d.Serial] {
				t.Errorf("bay %d: serial %s used twice", bay, d.Serial)
			}
			serials[d.Serial] = true
			if !vendors[d.VendorID] {
				t.Errorf("bay %d slot %d: vendor %v is not one of the five", bay, d.Slot, d.VendorID)
			}
			if temp := *d.Temperature; temp < 30 || temp > 45 {
				t.Errorf("bay %d slot %d: %d °C", bay, d.Slot, temp)
			}
			if d.PercentUsed > 20 {
				t.Errorf("bay %d slot %d: %d%% used", bay, d.Slot, d.PercentUsed)
			}
			if contains(d.Warnings, "temperature") {
				hot++
			}
		}
	}
	if empty != 1 || hot != 1 || chassisAreas != 1 || !encodings["6bit"] || !encodings["bcd"] {
		t.Errorf("empty slots %d, hot drives %d, chassis areas %d, encodings %v", empty, hot, chassisAreas, encodings)
	}
	if len(DefaultScenario().Bays) != 6 {
		t.Error("DefaultScenario does not return the embedded scenario")
	}
}
