package sim

import (
	"testing"

	"github.com/chassisd/chassisd/board"
	"periph.io/x/conn/v3/gpio"
)

// TestDefaultChassis builds the built-in chassis and checks it from the
// outside, as the agent sees it: presence lines and the bus.
func TestDefaultChassis(t *testing.T) {
	b, err := DefaultBoard()
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(b, DefaultScenario(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(b.Bays) != 8 || b.Bays[5].Sled.FRU.Addressing != board.AddressingTwo {
		t.Fatalf("default board: %d bays, bay 5 FRU %+v", len(b.Bays), b.Bays[5].Sled.FRU)
	}
	bus := mustBus(t, c)
	for _, bay := range b.Bays {
		present := bay.Index != 3 && bay.Index != 6
		p, err := c.GPIO(*bay.Presence)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.Read(), gpio.Level(!present); got != want {
			t.Errorf("bay %d: presence reads %v, want %v", bay.Index, got, want)
		}
		selectPath(t, bus, bay.Index, -1)
		hdr, err := readEEPROM(bus, 0x50, int(bay.Sled.FRU.Addressing), 8)
		if present != (err == nil) {
			t.Errorf("bay %d: FRU read err %v, present %v", bay.Index, err, present)
		}
		if present && hdr[0] != 1 {
			t.Errorf("bay %d: FRU header % x", bay.Index, hdr)
		}
	}
	drives := 0
	for _, bs := range c.State().Bays {
		if bs.Sled == nil {
			continue
		}
		for _, s := range bs.Sled.Slots {
			if s.Drive != nil {
				drives++
			}
		}
	}
	if drives != 23 {
		t.Errorf("%d drives, want 23 (24 slots, one empty)", drives)
	}
}
