package sim

import (
	"errors"
	"fmt"
	"testing"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim/i2csim"
)

// testBoard is a small board built in Go, so these tests do not depend on
// the board loader: three bays behind a PCA9548 at 0x70, four slots per
// sled behind a PCA9546 at 0x71; bay 2 keeps its FRU in a 24C64.
func testBoard() *board.Board {
	b := &board.Board{
		Name:  "test-3bay",
		Buses: []board.Bus{{Name: "i2c-1", SpeedHz: 400000}},
		Muxes: []board.Mux{{Name: "bay-mux", Type: board.MuxPCA9548, Bus: "i2c-1", Addr: 0x70, Channels: 8}},
	}
	for i := range 3 {
		layout := board.Sled{
			FRU:  board.EEPROM{Addr: 0x50, Addressing: board.AddressingOne, Size: 256},
			Temp: &board.TempSensor{Addr: 0x48, Type: board.SensorLM75},
			MCU:  0x1d,
		}
		if i == 2 {
			layout.FRU = board.EEPROM{Addr: 0x50, Addressing: board.AddressingTwo, Size: 8192}
		}
		for s := range 4 {
			layout.Slots = append(layout.Slots, board.Slot{
				Index:      s,
				FormFactor: board.FormFactorM2_2280,
				Hop:        &board.Hop{Mux: 0x71, Channel: s},
				NVMeMI:     0x6a,
				VPD:        board.EEPROM{Addr: 0x53, Addressing: board.AddressingOne, Size: 256},
			})
		}
		b.Bays = append(b.Bays, board.Bay{
			Index:    i,
			Name:     fmt.Sprintf("Bay %d", i),
			I2C:      board.Path{Bus: "i2c-1", Hops: []board.Hop{{Mux: 0x70, Channel: i}}},
			Presence: &board.Line{Chip: "sim", Offset: 10 + i, ActiveLow: true},
			Reset:    &board.Line{Chip: "sim", Offset: 18 + i, ActiveLow: true},
			UART:     &board.UART{Device: fmt.Sprintf("sim:bay%d", i), Baud: 115200},
			Sled:     layout,
		})
	}
	return b
}

func ptr[T any](v T) *T { return &v }

// testSled is a sled with drives in slots 0 and 1.
func testSled(serial string) SledSpec {
	return SledSpec{
		FRU: FRUSpec{
			Manufacturer: "Acme Storage", Product: "AS-4", PartNumber: "AS4-01",
			SerialNumber: serial, Version: "A", AssetTag: "T1",
		},
		Temperature: ptr(31.5),
		Drives: []DriveSpec{
			{Slot: 0, VendorID: 0x144d, Serial: serial + "-D0", Model: "PM9A3", Manufacturer: "Samsung",
				PartNumber: "MZ1L2", Temperature: ptr(38), PercentUsed: 3},
			{Slot: 1, VendorID: 0x1344, Serial: serial + "-D1", Model: "7450", Manufacturer: "Micron",
				PartNumber: "MTFD", Temperature: ptr(40), PercentUsed: 7},
		},
	}
}

// testChassis has sleds in bays 0 and 2; bay 1 is empty.
func testChassis(t *testing.T) *Chassis {
	t.Helper()
	sc := &Scenario{Bays: []BayContents{
		{Bay: 0, Sled: ptr(testSled("SN0"))},
		{Bay: 1},
		{Bay: 2, Sled: ptr(testSled("SN2"))},
	}}
	c, err := New(testBoard(), sc, Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// selectPath selects a bay's channel on the bay mux and, if slot >= 0, the
// slot's channel on the sled mux, as the agent's sideband does.
func selectPath(t *testing.T, bus *i2csim.Bus, bay, slot int) {
	t.Helper()
	if err := bus.Tx(0x70, []byte{1 << bay}, nil); err != nil {
		t.Fatalf("select bay %d: %v", bay, err)
	}
	if slot >= 0 {
		if err := bus.Tx(0x71, []byte{1 << slot}, nil); err != nil {
			t.Fatalf("select slot %d: %v", slot, err)
		}
	}
}

// readEEPROM reads n bytes from offset 0 of an EEPROM with the given
// address width, by a dummy address write and a read.
func readEEPROM(bus *i2csim.Bus, addr uint16, addrBytes, n int) ([]byte, error) {
	buf := make([]byte, n)
	return buf, bus.Tx(addr, make([]byte, addrBytes), buf)
}

func mustBus(t *testing.T, c *Chassis) *i2csim.Bus {
	t.Helper()
	b, err := c.I2C("i2c-1")
	if err != nil {
		t.Fatal(err)
	}
	return b.(*i2csim.Bus)
}

func isNACK(err error) bool { return errors.Is(err, board.ErrNACK) }
