package sim

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
	"periph.io/x/conn/v3/gpio"
)

func TestFRUOverBus(t *testing.T) {
	c := testChassis(t)
	bus := mustBus(t, c)

	// Nothing answers at 0x50 until a bay's channel is selected.
	if _, err := readEEPROM(bus, 0x50, 1, 8); !isNACK(err) {
		t.Fatalf("read 0x50 with no channel selected: err %v, want NACK", err)
	}
	for _, tc := range []struct {
		bay, addrBytes, size int
		serial               string
	}{
		{0, 1, 256, "SN0"},
		{2, 2, 8192, "SN2"},
	} {
		selectPath(t, bus, tc.bay, -1)
		got, err := readEEPROM(bus, 0x50, tc.addrBytes, 256)
		if err != nil {
			t.Fatalf("bay %d: read FRU: %v", tc.bay, err)
		}
		want, err := buildSledImage(testSled(tc.serial).FRU)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[:len(want)], want) {
			t.Errorf("bay %d: FRU reads\n% x\nwant\n% x", tc.bay, got[:len(want)], want)
		}
		if got[0] != 1 {
			t.Errorf("bay %d: header version %#x, want 1", tc.bay, got[0])
		}
		if c.bays[tc.bay].sled.fru.Contents() == nil || len(c.bays[tc.bay].sled.fru.Contents()) != tc.size {
			t.Errorf("bay %d: EEPROM holds %d bytes, want %d", tc.bay, len(c.bays[tc.bay].sled.fru.Contents()), tc.size)
		}
	}
	// Bay 1 is empty: its channel leads nowhere.
	selectPath(t, bus, 1, -1)
	if _, err := readEEPROM(bus, 0x50, 1, 8); !isNACK(err) {
		t.Errorf("empty bay 1: err %v, want NACK", err)
	}
}

func TestDevicesOnTheirAddresses(t *testing.T) {
	c := testChassis(t)
	bus := mustBus(t, c)
	selectPath(t, bus, 0, -1)
	for _, addr := range []uint16{0x48, 0x71} {
		if err := bus.Tx(addr, []byte{0}, make([]byte, 1)); err != nil {
			t.Errorf("bay 0: %#02x: %v", addr, err)
		}
	}
	// Drives sit behind the sled mux: invisible until their slot is selected.
	if err := bus.Tx(0x6a, []byte{0}, make([]byte, 8)); !isNACK(err) {
		t.Errorf("0x6a with no slot selected: err %v, want NACK", err)
	}
	for slot, present := range []bool{true, true, false, false} {
		selectPath(t, bus, 0, slot)
		r := make([]byte, 8)
		err := bus.Tx(0x6a, []byte{0}, r)
		if !present {
			if !isNACK(err) {
				t.Errorf("empty slot %d: err %v, want NACK", slot, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("slot %d: NVMe-MI read: %v", slot, err)
		}
		wantTemp := []byte{38, 40}[slot]
		if r[3] != wantTemp {
			t.Errorf("slot %d: status % x: CTemp %d, want %d", slot, r, r[3], wantTemp)
		}
		vpd, err := readEEPROM(bus, 0x53, 1, 8)
		if err != nil {
			t.Fatalf("slot %d: VPD: %v", slot, err)
		}
		if vpd[0] != 1 || vpd[4] == 0 {
			t.Errorf("slot %d: VPD header % x: want version 1 and a product area", slot, vpd)
		}
	}
}

func TestPresenceAndPlug(t *testing.T) {
	c := testChassis(t)
	bus := mustBus(t, c)
	line := func(bay int) gpio.PinIO {
		t.Helper()
		p, err := c.GPIO(*c.Board().Bays[bay].Presence)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.In(gpio.PullNoChange, gpio.BothEdges); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Active-low PRSNT#: an occupied bay reads Low, an empty one High.
	for bay, want := range []gpio.Level{gpio.Low, gpio.High, gpio.Low} {
		if got := line(bay).Read(); got != want {
			t.Errorf("bay %d presence reads %v, want %v", bay, got, want)
		}
	}

	p0 := line(0)
	if err := c.UnplugSled(0); err != nil {
		t.Fatal(err)
	}
	if !p0.WaitForEdge(time.Second) {
		t.Error("unplug: no edge on bay 0's presence line")
	}
	if p0.Read() != gpio.High {
		t.Error("unplugged bay 0 still reads present")
	}
	selectPath(t, bus, 0, -1)
	if _, err := readEEPROM(bus, 0x50, 1, 8); !isNACK(err) {
		t.Errorf("unplugged bay 0: FRU err %v, want NACK", err)
	}
	if p0.WaitForEdge(10 * time.Millisecond) {
		t.Error("a second edge arrived with nothing changing")
	}

	if err := c.PlugSled(0, testSled("NEW")); err != nil {
		t.Fatal(err)
	}
	if !p0.WaitForEdge(time.Second) || p0.Read() != gpio.Low {
		t.Error("plug: no edge or bay 0 does not read present")
	}
	selectPath(t, bus, 0, -1)
	got, err := readEEPROM(bus, 0x50, 1, 256)
	if err != nil {
		t.Fatalf("replugged bay 0: %v", err)
	}
	if !bytes.Contains(got, []byte("NEW")) {
		t.Error("replugged bay 0's FRU does not carry the new serial")
	}
}

func TestPresenceActiveHigh(t *testing.T) {
	b := testBoard()
	b.Bays[0].Presence.ActiveLow = false
	c, err := New(b, &Scenario{Bays: []BayContents{{Bay: 0, Sled: ptr(testSled("X"))}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := c.GPIO(*b.Bays[0].Presence)
	if err := p.In(gpio.PullNoChange, gpio.FallingEdge); err != nil {
		t.Fatal(err)
	}
	if p.Read() != gpio.High {
		t.Error("active-high presence with a sled reads Low")
	}
	if err := c.UnplugSled(0); err != nil {
		t.Fatal(err)
	}
	if !p.WaitForEdge(time.Second) || p.Read() != gpio.Low {
		t.Error("active-high unplug: want a falling edge and Low")
	}
}

func TestDrivePlugUnplug(t *testing.T) {
	c := testChassis(t)
	bus := mustBus(t, c)
	if err := c.UnplugDrive(0, 1); err != nil {
		t.Fatal(err)
	}
	selectPath(t, bus, 0, 1)
	if err := bus.Tx(0x6a, []byte{0}, make([]byte, 8)); !isNACK(err) {
		t.Errorf("unplugged drive: err %v, want NACK", err)
	}
	if _, err := readEEPROM(bus, 0x53, 1, 8); !isNACK(err) {
		t.Errorf("unplugged drive's VPD: err %v, want NACK", err)
	}
	if err := c.PlugDrive(0, 1, DriveSpec{Slot: 3, VendorID: 0x1e0f, Serial: "KX1", Temperature: ptr(44)}); err != nil {
		t.Fatal(err)
	}
	r := make([]byte, 8)
	if err := bus.Tx(0x6a, []byte{0}, r); err != nil || r[3] != 44 {
		t.Errorf("replugged drive: err %v, status % x, want CTemp 44", err, r)
	}
	// The path's slot wins over the spec's.
	if d := c.State().Bays[0].Sled.Slots[1].Drive; d == nil || d.Slot != 1 || d.Serial != "KX1" {
		t.Errorf("state of slot 1: %+v", d)
	}
}

func TestLiveChangeErrors(t *testing.T) {
	c := testChassis(t)
	for _, tc := range []struct {
		name string
		err  error
		is   error
		msg  string
	}{
		{"unknown bay", c.UnplugSled(9), ErrNoSuchBay, "bay 9: no such bay"},
		{"empty bay", c.UnplugSled(1), ErrNoSled, "bay 1: no sled"},
		{"occupied bay", c.PlugSled(0, testSled("X")), ErrOccupied, "bay 0: occupied"},
		{"unknown slot", c.UnplugDrive(0, 7), ErrNoSuchSlot, "bay 0 slot 7: no such slot"},
		{"empty slot", c.UnplugDrive(0, 3), ErrNoDrive, "bay 0 slot 3: no drive"},
		{"occupied slot", c.PlugDrive(0, 0, DriveSpec{Serial: "X"}), ErrOccupied, "bay 0 slot 0: occupied"},
		{"drive in empty bay", c.PlugDrive(1, 0, DriveSpec{Serial: "X"}), ErrNoSled, "bay 1: no sled"},
		{"bad warning", c.SetDriveHealth(0, 0, DriveHealthChange{Warnings: &[]string{"hot"}}), ErrInvalidSpec, `unknown warning "hot"`},
		{"empty change", c.SetDriveHealth(0, 0, DriveHealthChange{}), ErrInvalidSpec, "nothing to change"},
		{"too hot for lm75", c.SetSledTemperature(0, 300), ErrInvalidSpec, "bay 0: temperature: 300"},
		{"sled slot not in layout", c.PlugSled(1, SledSpec{Drives: []DriveSpec{{Slot: 5}}}), ErrNoSuchSlot, "slot 5"},
		{"long serial", c.PlugDrive(0, 3, DriveSpec{Serial: strings.Repeat("9", 21)}), ErrInvalidSpec, "20 characters"},
	} {
		if !errors.Is(tc.err, tc.is) {
			t.Errorf("%s: err %v, want %v", tc.name, tc.err, tc.is)
			continue
		}
		if !strings.Contains(tc.err.Error(), tc.msg) {
			t.Errorf("%s: err %q does not say %q", tc.name, tc.err, tc.msg)
		}
	}
	// A failed plug leaves the bay as it was.
	if c.State().Bays[1].Present {
		t.Error("bay 1 is present after failed plugs")
	}
}

func TestHealthAndTemperature(t *testing.T) {
	c := testChassis(t)
	bus := mustBus(t, c)
	err := c.SetDriveHealth(0, 0, DriveHealthChange{
		Temperature: ptr(71), PercentUsed: ptr(90), Warnings: &[]string{"spare", "temperature"},
	})
	if err != nil {
		t.Fatal(err)
	}
	selectPath(t, bus, 0, 0)
	r := make([]byte, 8)
	if err := bus.Tx(0x6a, []byte{0}, r); err != nil {
		t.Fatal(err)
	}
	// SWARN is inverted: bits 0 (spare) and 1 (temperature) clear.
	if r[2] != 0xfc || r[3] != 71 || r[4] != 90 {
		t.Errorf("status % x: want SWARN fc, CTemp 71, PDLU 90", r)
	}
	// Only what was given changes.
	if err := c.SetDriveHealth(0, 0, DriveHealthChange{Temperature: ptr(40)}); err != nil {
		t.Fatal(err)
	}
	d := c.State().Bays[0].Sled.Slots[0].Drive
	if *d.Temperature != 40 || d.PercentUsed != 90 || len(d.Warnings) != 2 {
		t.Errorf("drive state after partial change: %+v", d)
	}

	if err := c.SetSledTemperature(0, 40.5); err != nil {
		t.Fatal(err)
	}
	selectPath(t, bus, 0, -1)
	tr := make([]byte, 2)
	if err := bus.Tx(0x48, []byte{0}, tr); err != nil {
		t.Fatal(err)
	}
	if tr[0] != 40 || tr[1] != 0x80 {
		t.Errorf("LM75 reads % x, want 28 80 (40.5 °C)", tr)
	}
	if got := *c.State().Bays[0].Sled.Temperature; got != 40.5 {
		t.Errorf("state temperature %v, want 40.5", got)
	}
}

func TestCorruptFRU(t *testing.T) {
	c := testChassis(t)
	before := c.bays[0].sled.fru.Contents()
	if err := c.CorruptFRU(0); err != nil {
		t.Fatal(err)
	}
	if err := c.CorruptFRU(0); err != nil { // idempotent
		t.Fatal(err)
	}
	after := c.bays[0].sled.fru.Contents()
	start := int(after[3]) * 8
	n := int(after[start+1]) * 8
	var sum byte
	for _, v := range after[start : start+n] {
		sum += v
	}
	if sum == 0 {
		t.Error("board area still sums to zero after CorruptFRU")
	}
	diff := 0
	for i := range before {
		if before[i] != after[i] {
			diff++
		}
	}
	if diff != 1 || !c.State().Bays[0].Sled.CorruptFRU {
		t.Errorf("%d bytes changed, want 1; state corrupt_fru %v", diff, c.State().Bays[0].Sled.CorruptFRU)
	}

	// corrupt_fru in a spec does the same at plug time.
	s := testSled("Z")
	s.CorruptFRU = true
	if err := c.PlugSled(1, s); err != nil {
		t.Fatal(err)
	}
	img := c.bays[1].sled.fru.Contents()
	start = int(img[3]) * 8
	sum = 0
	for _, v := range img[start : start+int(img[start+1])*8] {
		sum += v
	}
	if sum == 0 {
		t.Error("corrupt_fru: true plugged a sled with a good board area")
	}
}

func TestHardwareInterface(t *testing.T) {
	c := testChassis(t)
	if _, err := c.UART(board.UART{Device: "/dev/ttyS1"}); !errors.Is(err, ErrNoUART) {
		t.Errorf("UART: err %v, want ErrNoUART", err)
	}
	if _, err := c.I2C("i2c-9"); err == nil {
		t.Error("I2C(i2c-9) on a board without it succeeded")
	}
	if _, err := c.GPIO(board.Line{Chip: "sim", Offset: 99}); err == nil {
		t.Error("GPIO of a line the board does not name succeeded")
	}
	pres, _ := c.GPIO(*c.Board().Bays[0].Presence)
	if err := pres.Out(gpio.Low); err == nil {
		t.Error("driving a presence line succeeded")
	}
	rst, err := c.GPIO(*c.Board().Bays[0].Reset)
	if err != nil {
		t.Fatal(err)
	}
	if rst.Read() != gpio.High {
		t.Error("active-low reset line does not start deasserted (High)")
	}
	if err := rst.Out(gpio.Low); err != nil || rst.Read() != gpio.Low {
		t.Errorf("reset Out(Low): err %v, reads %v", err, rst.Read())
	}
	if len(c.Buses()) != 1 || c.Buses()["i2c-1"] == nil {
		t.Errorf("Buses() = %v", c.Buses())
	}
	c.Close()
	if _, err := c.I2C("i2c-1"); !errors.Is(err, ErrClosed) {
		t.Errorf("I2C after Close: %v", err)
	}
	if err := c.UnplugSled(0); !errors.Is(err, ErrClosed) {
		t.Errorf("UnplugSled after Close: %v", err)
	}
}

func TestPinWaitForEdge(t *testing.T) {
	p := newPin(lineKey{name: "sim:1", number: 1}, rolePresence, gpio.High)
	if err := p.In(gpio.PullNoChange, gpio.RisingEdge); err != nil {
		t.Fatal(err)
	}
	p.setLevel(gpio.Low) // falling: not asked for
	if p.WaitForEdge(10 * time.Millisecond) {
		t.Error("falling edge reported on a rising-edge line")
	}
	p.setLevel(gpio.High)
	if !p.WaitForEdge(0) {
		t.Error("rising edge not reported")
	}
	// In() ends a wait in progress with false.
	done := make(chan bool)
	go func() { done <- p.WaitForEdge(-1) }()
	time.Sleep(10 * time.Millisecond)
	if err := p.In(gpio.PullNoChange, gpio.BothEdges); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-done:
		if got {
			t.Error("WaitForEdge interrupted by In returned true")
		}
	case <-time.After(time.Second):
		t.Fatal("In did not end WaitForEdge")
	}
}

func TestBoardErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(b *board.Board)
		sc     *Scenario
		want   string
	}{
		{"kernel mux channel", func(b *board.Board) {
			b.Buses = append(b.Buses, board.Bus{Name: "i2c-20", Parent: "i2c-1"})
		}, nil, "kernel-owned mux channels are not simulated"},
		{"bay path through missing mux", func(b *board.Board) {
			b.Bays[1].I2C.Hops[0].Mux = 0x74
		}, nil, "bay 1: path i2c-1 ch1: no mux at 0x74"},
		{"channel beyond mux", func(b *board.Board) {
			b.Bays[1].I2C.Hops[0].Channel = 8
		}, nil, "no channel 8"},
		{"scenario bay not on board", func(*board.Board) {},
			&Scenario{Bays: []BayContents{{Bay: 9, Sled: ptr(testSled("A"))}}}, "scenario: bay 9: no such bay"},
		{"scenario slot not in layout", func(*board.Board) {},
			&Scenario{Bays: []BayContents{{Bay: 0, Sled: &SledSpec{Drives: []DriveSpec{{Slot: 6}}}}}}, "slot 6: no such slot"},
		{"FRU image too big for a 24c02", func(*board.Board) {},
			&Scenario{Bays: []BayContents{{Bay: 0, Sled: &SledSpec{FRU: FRUSpec{
				Manufacturer: strings.Repeat("M", 60), Product: strings.Repeat("P", 60),
				PartNumber: strings.Repeat("N", 60), SerialNumber: strings.Repeat("S", 60),
			}}}}}, "does not fit a 24c02"},
	} {
		b := testBoard()
		tc.change(b)
		_, err := New(b, tc.sc, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestConcurrentTrafficAndChanges runs bus traffic against plugging and
// pulling; run with -race.
func TestConcurrentTrafficAndChanges(t *testing.T) {
	c := testChassis(t)
	bus := mustBus(t, c)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_ = bus.Tx(0x70, []byte{1 << (i % 3)}, nil)
				_ = bus.Tx(0x71, []byte{1 << (w % 4)}, nil)
				_ = bus.Tx(0x6a, []byte{0}, make([]byte, 8))
				_, _ = readEEPROM(bus, 0x50, 1, 16)
				_ = bus.Tx(0x48, []byte{0}, make([]byte, 2))
			}
		}()
	}
	for i := range 50 {
		_ = c.UnplugSled(1)
		_ = c.PlugSled(1, testSled("R"))
		_ = c.UnplugDrive(0, 0)
		_ = c.PlugDrive(0, 0, DriveSpec{Serial: "R"})
		_ = c.SetDriveHealth(0, 1, DriveHealthChange{Temperature: ptr(30 + i%10)})
		_ = c.SetSledTemperature(2, float64(i%40))
		_ = c.CorruptFRU(2)
		_ = c.State()
	}
	close(stop)
	wg.Wait()
}

func TestStateViewQueries(t *testing.T) {
	st := testChassis(t).State()
	for _, tc := range []struct {
		bay, slot   int
		sled, drive bool
	}{
		{0, 0, true, true}, {0, 1, true, true}, {0, 2, true, false},
		{1, 0, false, false}, {2, 1, true, true}, {9, 0, false, false},
	} {
		if got := st.SledPresent(tc.bay); got != tc.sled {
			t.Errorf("SledPresent(%d) = %v", tc.bay, got)
		}
		if got := st.DrivePresent(tc.bay, tc.slot); got != tc.drive {
			t.Errorf("DrivePresent(%d, %d) = %v", tc.bay, tc.slot, got)
		}
	}
}
