package sled

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chassisd/chassisd/board"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

// testBay is a sled with a 24C02 FRU at 0x50, an LM75 at 0x48 and one U.2
// slot whose NVMe-MI endpoint is at 0x6A (no VPD, so the ops stay short).
var testBay = board.Bay{
	Index: 3,
	Name:  "Bay 3",
	I2C:   board.Path{Bus: "i2c-1", Hops: []board.Hop{{Mux: 0x70, Channel: 3}}},
	Sled: board.Sled{
		FRU:  board.EEPROM{Addr: 0x50, Addressing: board.AddressingOne},
		Temp: &board.TempSensor{Addr: 0x48, Type: board.SensorLM75},
		Slots: []board.Slot{
			{Index: 0, FormFactor: board.FormFactorU2, NVMeMI: 0x6A},
		},
	},
}

// goldenStatus is the hardware-facts.md status block: count 6, SFLGS BB
// (ready, functional, no reset needed, port 0 link up), SWARN FF (no
// warning), CTEMP 0x23 (35 °C), PDLU 3, PEC 35.
var goldenStatus = []byte{0x06, 0xBB, 0xFF, 0x23, 0x03, 0x00, 0x00, 0x35}

// goldenIdent is the identification block for VID 8086, serial
// "PHLF0123456789AB", with its PEC ED (over D4 08 D5 and the block).
var goldenIdent = append(append([]byte{0x16, 0x80, 0x86}, "PHLF0123456789AB    "...), 0xED)

// fruOps are the three reads of eepromBoardImage: header, the board area's
// length byte, then the rest.
func fruOps() []i2ctest.IO {
	img := eepromBoardImage
	return []i2ctest.IO{
		{Addr: 0x50, W: []byte{0x00}, R: img[:8]},
		{Addr: 0x50, R: img[8:10]},
		{Addr: 0x50, R: img[10:]},
	}
}

// runOn binds a Runner to one fake bus and records the paths asked for.
func runOn(bus i2c.Bus, paths *[]string) Runner {
	return func(p board.Path, fn func(i2c.Bus) error) error {
		*paths = append(*paths, p.String())
		return fn(bus)
	}
}

func playbackOf(t *testing.T, ops []i2ctest.IO) *i2ctest.Playback {
	t.Helper()
	p := &i2ctest.Playback{Ops: ops, DontPanic: true}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("not every expected transaction happened: %v", err)
		}
	})
	return p
}

func TestReadGoldenSled(t *testing.T) {
	ops := fruOps()
	ops = append(ops,
		i2ctest.IO{Addr: 0x48, W: []byte{0x00}, R: []byte{0x19, 0x00}}, // 25 °C
		i2ctest.IO{Addr: 0x6A, W: []byte{0x00}, R: append(append([]byte{}, goldenStatus...), goldenIdent...)},
	)
	var paths []string
	s := Read(testBay, runOn(playbackOf(t, ops), &paths))

	if s.Bay != 3 || !s.FRUValid || s.Health != HealthOK || len(s.Problems) != 0 {
		t.Fatalf("sled: bay %d, FRU valid %v, health %s, problems %v", s.Bay, s.FRUValid, s.Health, s.Problems)
	}
	want := Identity{Manufacturer: "ACME", Model: "SLED", SerialNumber: "SN01", PartNumber: "PN01"}
	got := s.Identity
	got.ManufactureDate = want.ManufactureDate
	if got != want {
		t.Errorf("identity %+v, want %+v", got, want)
	}
	if !s.Temperature.Valid || s.Temperature.Celsius != 25 {
		t.Errorf("temperature %+v, want 25 °C", s.Temperature)
	}
	if len(s.Drives) != 1 {
		t.Fatalf("%d drives, want 1", len(s.Drives))
	}
	d := s.Drives[0]
	if !d.Present || d.SerialNumber != "PHLF0123456789AB" || d.VendorID != 0x8086 || d.Identity.SerialNumber != "PHLF0123456789AB" {
		t.Errorf("drive identity: %+v", d)
	}
	if d.FormFactor != board.FormFactorU2 || d.Temperature.Celsius != 35 || d.PercentLifeUsed != 3 || d.Health != HealthOK {
		t.Errorf("drive status: form %s temp %+v life %d health %s problems %v", d.FormFactor, d.Temperature, d.PercentLifeUsed, d.Health, d.Problems)
	}
	if !d.StatusValid || !d.Status.Ready || !d.Status.Functional || !d.Status.Port0LinkActive || d.Warnings.Any() {
		t.Errorf("drive flags %+v warnings %+v", d.Status, d.Warnings)
	}
	// Slots without a hop are on the sled's own path.
	for _, p := range paths {
		if p != "i2c-1 ch3" {
			t.Errorf("read on path %q, want i2c-1 ch3", p)
		}
	}
}

func TestReadBadParts(t *testing.T) {
	badImg := append([]byte{}, eepromBoardImage...)
	badImg[len(badImg)-1] ^= 0xFF // board area checksum
	badStatus := append([]byte{}, goldenStatus...)
	badStatus[7] ^= 0x01 // PEC
	tests := []struct {
		name         string
		ops          []i2ctest.IO
		sledHealth   Health
		sledProblem  string // substring of the sled's problem
		drivePresent bool
		driveHealth  Health
		driveProblem string
	}{
		{
			name: "FRU checksum, LM75 NACK, empty slot",
			ops: []i2ctest.IO{
				{Addr: 0x50, W: []byte{0x00}, R: badImg[:8]},
				{Addr: 0x50, R: badImg[8:10]},
				{Addr: 0x50, R: badImg[10:]},
				// 0x48 and 0x6A are not in the playback: they NACK.
			},
			sledHealth:  HealthWarning,
			sledProblem: "bay 3 FRU at 0x50 on i2c-1 ch3: ",
		},
		{
			name: "drive answers with a bad PEC",
			ops: append(fruOps(),
				i2ctest.IO{Addr: 0x48, W: []byte{0x00}, R: []byte{0x19, 0x00}},
				i2ctest.IO{Addr: 0x6A, W: []byte{0x00}, R: append(badStatus, goldenIdent...)},
			),
			sledHealth:   HealthOK,
			drivePresent: true,
			driveHealth:  HealthCritical,
			driveProblem: "bay 3 slot 0 NVMe-MI at 0x6a on i2c-1 ch3: ",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			bus := &nackBus{Playback: playbackOf(t, tc.ops)}
			s := Read(testBay, runOn(bus, &paths))
			if s.Health != tc.sledHealth {
				t.Errorf("sled health %s, want %s (problems %v)", s.Health, tc.sledHealth, s.Problems)
			}
			if tc.sledProblem != "" && (len(s.Problems) == 0 || !strings.Contains(s.Problems[0].Message, tc.sledProblem)) {
				t.Errorf("sled problems %v, want one containing %q", s.Problems, tc.sledProblem)
			}
			d := s.Drives[0]
			if d.Present != tc.drivePresent {
				t.Fatalf("drive present %v, want %v", d.Present, tc.drivePresent)
			}
			if tc.drivePresent {
				if d.Health != tc.driveHealth || len(d.Problems) == 0 || !strings.Contains(d.Problems[0].Message, tc.driveProblem) {
					t.Errorf("drive health %s problems %v, want %s with %q", d.Health, d.Problems, tc.driveHealth, tc.driveProblem)
				}
			}
		})
	}
}

func TestReadFRUProblemIsOnTheSledOnly(t *testing.T) {
	badImg := append([]byte{}, eepromBoardImage...)
	badImg[len(badImg)-1] ^= 0xFF
	ops := []i2ctest.IO{
		{Addr: 0x50, W: []byte{0x00}, R: badImg[:8]},
		{Addr: 0x50, R: badImg[8:10]},
		{Addr: 0x50, R: badImg[10:]},
		{Addr: 0x48, W: []byte{0x00}, R: []byte{0x19, 0x00}},
		{Addr: 0x6A, W: []byte{0x00}, R: append(append([]byte{}, goldenStatus...), goldenIdent...)},
	}
	var paths []string
	s := Read(testBay, runOn(playbackOf(t, ops), &paths))
	if s.FRUValid || s.Health != HealthWarning || s.Drives[0].Health != HealthOK {
		t.Fatalf("FRU valid %v, sled %s, drive %s", s.FRUValid, s.Health, s.Drives[0].Health)
	}
	if !strings.Contains(s.Problems[0].Message, "checksum") {
		t.Errorf("problem %q does not say checksum", s.Problems[0].Message)
	}

	// A health poll reads only the sensor and the status block, and keeps
	// the FRU problem it did not re-read.
	poll := []i2ctest.IO{
		{Addr: 0x48, W: []byte{0x00}, R: []byte{0x1A, 0x00}},
		{Addr: 0x6A, W: []byte{0x00}, R: goldenStatus},
	}
	p := Poll(s, testBay, runOn(playbackOf(t, poll), &paths))
	if p.Health != HealthWarning || len(p.Problems) != 1 || p.Problems[0] != s.Problems[0] {
		t.Errorf("after poll: health %s problems %v, want the FRU problem kept", p.Health, p.Problems)
	}
	if p.Temperature.Celsius != 26 || p.Drives[0].SerialNumber != "PHLF0123456789AB" {
		t.Errorf("after poll: temperature %+v, drive serial %q", p.Temperature, p.Drives[0].SerialNumber)
	}
}

func TestPollDropsRemovedDrive(t *testing.T) {
	prev := Sled{Bay: 3, Health: HealthOK, Drives: []Drive{{Slot: 0, Present: true, SerialNumber: "X"}}}
	poll := []i2ctest.IO{{Addr: 0x48, W: []byte{0x00}, R: []byte{0x19, 0x00}}}
	var paths []string
	p := Poll(prev, testBay, runOn(&nackBus{Playback: playbackOf(t, poll)}, &paths))
	// A drive that stops answering is not silently forgotten: it stays,
	// Critical, until presence says the slot is empty.
	d := p.Drives[0]
	if !d.Present || d.StatusValid || d.Health != HealthCritical || d.SerialNumber != "X" || len(d.Problems) != 1 {
		t.Fatalf("drive after NACK: %+v", d)
	}
	if !strings.Contains(d.Problems[0].Message, "bay 3 slot 0 NVMe-MI at 0x6a") || !strings.Contains(d.Problems[0].Message, board.ErrNACK.Error()) {
		t.Errorf("problem %q does not name the bay, slot, address and the NACK", d.Problems[0].Message)
	}
}

// nackBus answers every address the playback does not expect with
// board.ErrNACK, as a real bus does for an absent device.
type nackBus struct {
	*i2ctest.Playback
}

func (b *nackBus) Tx(addr uint16, w, r []byte) error {
	b.Lock()
	expected := b.Count < len(b.Ops) && b.Ops[b.Count].Addr == addr
	b.Unlock()
	if !expected {
		return fmt.Errorf("i2c addr %#02x: %w", addr, board.ErrNACK)
	}
	return b.Playback.Tx(addr, w, r)
}
