package board

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/broken/*.err from the current output")

func TestLoadValid(t *testing.T) {
	b, err := Load("testdata/valid.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	defSlots := []Slot{
		{Index: 0, FormFactor: FormFactorM2_2280, Hop: &Hop{Mux: 0x71, Channel: 0}, NVMeMI: 0x6b},
		{Index: 1, FormFactor: FormFactorU2, Hop: &Hop{Mux: 0x71, Channel: 1}, NVMeMI: 0x6a,
			VPD: EEPROM{Addr: 0x52, Addressing: AddressingOne, Size: 512}},
	}
	def := Sled{
		FRU:   EEPROM{Addr: 0x50, Addressing: AddressingOne, Size: 256},
		Temp:  &TempSensor{Addr: 0x48, Type: SensorLM75},
		MCU:   0x1d,
		Slots: defSlots,
	}
	want := &Board{
		Name: "test-4bay", Manufacturer: "Test Co", Model: "T-4",
		Buses: []Bus{
			{Name: "i2c-1", Device: "/dev/i2c-1", SpeedHz: 400000},
			{Name: "i2c-2", Device: "/dev/i2c-2", SpeedHz: 100000},
			{Name: "i2c-20", Device: "/dev/i2c-20", SpeedHz: 1000000, Parent: "i2c-2"},
			{Name: "i2c-21", Device: "/dev/i2c-21", SpeedHz: 100000, Parent: "i2c-2"},
		},
		Muxes: []Mux{{Name: "bay-mux", Type: MuxPCA9546, Bus: "i2c-1", Addr: 0x70, Channels: 4}},
		Bays: []Bay{
			{
				Index: 0, Name: "Front left",
				I2C:      Path{Bus: "i2c-1", Hops: []Hop{{Mux: 0x70, Channel: 0}}},
				Presence: &Line{Chip: "gpiochip0", Offset: 10, ActiveLow: true},
				Reset:    &Line{Chip: "gpiochip0", Offset: 18, ActiveLow: true},
				Power:    &Line{Chip: "gpiochip1", Offset: 2},
				UART:     &UART{Device: "/dev/ttyS1", Baud: 115200},
				Sled:     def,
			},
			{
				Index: 1, Name: "Bay 1",
				I2C:  Path{Bus: "i2c-1", Hops: []Hop{{Mux: 0x70, Channel: 3}}},
				UART: &UART{Device: "/dev/ttyS2", Baud: 9600},
				Sled: Sled{
					FRU:   EEPROM{Addr: 0x50, Addressing: AddressingTwo, Size: 32768},
					Temp:  &TempSensor{Addr: 0x49, Type: SensorTMP75},
					Slots: []Slot{},
				},
			},
			{
				Index: 2, Name: "Bay 2",
				I2C:  Path{Bus: "i2c-20"},
				Sled: Sled{FRU: EEPROM{Addr: 0x54}, Slots: []Slot{}},
			},
			{
				Index: 3, Name: "Bay 3",
				I2C:      Path{Bus: "i2c-21"},
				Presence: &Line{Chip: "gpiochip0", Offset: -1, Name: "BAY3_PRSNT_N", ActiveLow: true},
				Sled:     def,
			},
		},
		Interposer: &Interposer{Type: "switchtec-pfx", Path: Path{Bus: "i2c-2"}, Addr: 0x20,
			Hosts:      []HostPort{{Name: "Host A", Partition: 0, Port: 0}, {Name: "Host B", Partition: 2, Port: 8}},
			DrivePorts: []DrivePort{{Port: 20, Bay: 3, Slot: 1}, {Port: 16, Bay: 0, Slot: 0}, {Port: 17, Bay: 0, Slot: 1}},
		},
	}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("Load =\n%#v\nwant\n%#v", b, want)
		for i := range min(len(b.Bays), len(want.Bays)) {
			if !reflect.DeepEqual(b.Bays[i], want.Bays[i]) {
				t.Errorf("bay %d:\n%#v\nwant\n%#v", i, b.Bays[i], want.Bays[i])
			}
		}
	}
}

// TestInterposerLookups: the router finds hosts and drive ports by what a
// client names (a host, a port, a bay's slot), and misses say so.
func TestInterposerLookups(t *testing.T) {
	b, err := Load("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ip := b.Interposer
	if h, ok := ip.Host("Host B"); !ok || h != (HostPort{Name: "Host B", Partition: 2, Port: 8}) {
		t.Errorf("Host(Host B) = %+v, %v", h, ok)
	}
	if _, ok := ip.Host("host b"); ok {
		t.Error("Host is case-insensitive")
	}
	if d, ok := ip.DrivePort(17); !ok || d != (DrivePort{Port: 17, Bay: 0, Slot: 1}) {
		t.Errorf("DrivePort(17) = %+v, %v", d, ok)
	}
	if _, ok := ip.DrivePort(8); ok {
		t.Error("DrivePort(8) found a host port")
	}
	if d, ok := ip.SlotPort(3, 1); !ok || d.Port != 20 {
		t.Errorf("SlotPort(3, 1) = %+v, %v", d, ok)
	}
	if _, ok := ip.SlotPort(3, 0); ok {
		t.Error("SlotPort(3, 0) found a port")
	}
}

// TestLayoutNotShared: bays using the top-level layout get their own copy.
func TestLayoutNotShared(t *testing.T) {
	b, err := Load("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b.Bays[0].Sled.Slots[0].Hop.Channel = 7
	b.Bays[0].Sled.Temp.Addr = 0x4f
	b.Bays[0].Sled.Slots[1].NVMeMI = 0x10
	if b.Bays[3].Sled.Slots[0].Hop.Channel != 0 || b.Bays[3].Sled.Temp.Addr != 0x48 || b.Bays[3].Sled.Slots[1].NVMeMI != 0x6a {
		t.Errorf("changing bay 0's sled changed bay 3's: %+v", b.Bays[3].Sled)
	}
}

// TestSimBoard loads the simulator's embedded board file and checks it
// says what the simulator is documented to be.
func TestSimBoard(t *testing.T) {
	b, err := Load("sim/board.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if b.Name != "chassisd-sim-8bay" || len(b.Buses) != 1 || b.Buses[0].SpeedHz != 400000 || b.Buses[0].Device != "" {
		t.Errorf("board %q buses %+v", b.Name, b.Buses)
	}
	if want := []Mux{{Name: "bay-mux", Type: MuxPCA9548, Bus: "i2c-1", Addr: 0x70, Channels: 8}}; !reflect.DeepEqual(b.Muxes, want) {
		t.Errorf("muxes = %+v", b.Muxes)
	}
	if len(b.Bays) != 8 {
		t.Fatalf("%d bays", len(b.Bays))
	}
	forms := []FormFactor{FormFactorM2_2280, FormFactorM2_2280, FormFactorM2_22110, FormFactorU2}
	for i, bay := range b.Bays {
		if bay.Index != i || bay.Name != "Bay "+string(rune('0'+i)) {
			t.Errorf("bay %d: index %d name %q", i, bay.Index, bay.Name)
		}
		if want := (Path{Bus: "i2c-1", Hops: []Hop{{Mux: 0x70, Channel: i}}}); !reflect.DeepEqual(bay.I2C, want) {
			t.Errorf("bay %d: path %v", i, bay.I2C)
		}
		if *bay.Presence != (Line{Chip: "sim", Offset: i, ActiveLow: true}) ||
			*bay.Reset != (Line{Chip: "sim", Offset: 8 + i, ActiveLow: true}) ||
			*bay.Power != (Line{Chip: "sim", Offset: 16 + i}) {
			t.Errorf("bay %d: lines %v %v %v", i, bay.Presence, bay.Reset, bay.Power)
		}
		if *bay.UART != (UART{Device: "sim:bay" + string(rune('0'+i)), Baud: 115200}) {
			t.Errorf("bay %d: uart %+v", i, bay.UART)
		}
		s := bay.Sled
		fru := EEPROM{Addr: 0x50, Addressing: AddressingOne, Size: 256}
		if i == 5 {
			fru = EEPROM{Addr: 0x50, Addressing: AddressingTwo, Size: 8192}
		}
		if s.FRU != fru || *s.Temp != (TempSensor{Addr: 0x48, Type: SensorLM75}) || s.MCU != 0x1d || len(s.Slots) != 4 {
			t.Errorf("bay %d: sled %+v", i, s)
			continue
		}
		for j, sl := range s.Slots {
			want := Slot{Index: j, FormFactor: forms[j], Hop: &Hop{Mux: 0x71, Channel: j}, NVMeMI: 0x6a,
				VPD: EEPROM{Addr: 0x53, Addressing: AddressingOne, Size: 256}}
			if !reflect.DeepEqual(sl, want) {
				t.Errorf("bay %d slot %d = %+v", i, j, sl)
			}
		}
	}
	want := &Interposer{Type: "switchtec-pfx", Path: Path{Bus: "i2c-1"}, Addr: 0x20}
	for h := range 4 {
		want.Hosts = append(want.Hosts, HostPort{Name: fmt.Sprintf("Host %d", h), Partition: h, Port: h})
	}
	for bay := range 8 {
		for slot := range 4 {
			want.DrivePorts = append(want.DrivePorts, DrivePort{Port: 8 + 4*bay + slot, Bay: bay, Slot: slot})
		}
	}
	if !reflect.DeepEqual(b.Interposer, want) {
		t.Errorf("interposer = %+v", b.Interposer)
	}
}

// TestTwoSledExample loads the README's real-board example.
func TestTwoSledExample(t *testing.T) {
	b, err := Load("../examples/boards/two-sled.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(b.Bays) != 2 || len(b.Muxes) != 0 {
		t.Fatalf("%d bays, %d muxes", len(b.Bays), len(b.Muxes))
	}
	for i, bus := range []string{"i2c-16", "i2c-17"} {
		bay := b.Bays[i]
		if bay.I2C.Bus != bus || len(bay.I2C.Hops) != 0 {
			t.Errorf("bay %d path %v", i, bay.I2C)
		}
		if bay.Presence.Chip != "gpiochip0" || bay.Presence.Offset != -1 || bay.Presence.Name == "" {
			t.Errorf("bay %d presence %+v", i, bay.Presence)
		}
		if bay.UART.Device != "/dev/ttyS"+string(rune('1'+i)) {
			t.Errorf("bay %d uart %+v", i, bay.UART)
		}
	}
	parents := map[string]string{}
	for _, bus := range b.Buses {
		if !strings.HasPrefix(bus.Device, "/dev/i2c-") {
			t.Errorf("bus %s device %q", bus.Name, bus.Device)
		}
		parents[bus.Name] = bus.Parent
	}
	if parents["i2c-16"] != "i2c-4" || parents["i2c-17"] != "i2c-4" {
		t.Errorf("parents %v", parents)
	}
	ip := b.Interposer
	if len(ip.Hosts) != 2 || len(ip.DrivePorts) != 8 {
		t.Fatalf("interposer hosts %+v drive ports %+v", ip.Hosts, ip.DrivePorts)
	}
	for bay := range 2 {
		for slot := range 4 {
			if _, ok := ip.SlotPort(bay, slot); !ok {
				t.Errorf("bay %d slot %d has no drive port", bay, slot)
			}
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/no-such-board.yaml")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "testdata/no-such-board.yaml") {
		t.Errorf("Load = %v", err)
	}
}

func TestAliases(t *testing.T) {
	src := doc(
		"board: t",
		"buses: [{name: i2c-1}]",
		"x-layout: &l {fru: {addr: 0x50}}",
		"bays:",
		"  - {bay: 0, i2c: &p {bus: i2c-1}, sled: *l}",
	)
	if _, err := Parse("a.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), `a.yaml:3:1: x-layout: unknown key`) {
		t.Errorf("Parse = %v", err)
	}
	src = doc(
		"board: t",
		"buses: [{name: i2c-1}]",
		"sled: &l {fru: {addr: 0x50}, slots: &s [{slot: 0, form_factor: U2}]}",
		"bays:",
		"  - {bay: 0, i2c: {bus: i2c-1}, sled: {fru: {addr: 0x51}, slots: *s}}",
	)
	b, err := Parse("a.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := b.Bays[0].Sled; got.FRU.Addr != 0x51 || len(got.Slots) != 1 || got.Slots[0].FormFactor != FormFactorU2 {
		t.Errorf("sled = %+v", got)
	}
}

// TestBrokenFiles compares each broken example's full report with its
// golden .err file (go test -run TestBrokenFiles -update rewrites them).
func TestBrokenFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/broken/*.yaml")
	if len(files) == 0 {
		t.Fatal("no broken examples")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := Load(f)
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Load = %v, want a *LoadError", err)
			}
			got := strings.ReplaceAll(err.Error(), f, filepath.Base(f)) + "\n"
			golden := strings.TrimSuffix(f, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("report:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
