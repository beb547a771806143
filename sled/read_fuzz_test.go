package sled

import (
	"testing"

	"github.com/chassisd/chassisd/board"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
)

// anyBus answers every read with the next bytes of data (zeros when it runs
// out): whatever a broken or hostile device could put on the wire.
type anyBus struct{ data []byte }

func (b *anyBus) String() string                  { return "fuzz" }
func (b *anyBus) SetSpeed(physic.Frequency) error { return nil }
func (b *anyBus) Tx(addr uint16, w, r []byte) error {
	n := copy(r, b.data)
	clear(r[n:])
	b.data = b.data[n:]
	return nil
}

// FuzzReadSled feeds arbitrary device replies to a whole-sled read and a
// poll: they must never panic, and every slot must come back in order.
func FuzzReadSled(f *testing.F) {
	f.Add(append(append(append([]byte{}, eepromBoardImage...), 0x19, 0x00), append(append([]byte{}, goldenStatus...), goldenIdent...)...))
	f.Add([]byte{0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x05})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		bay := testBay
		bay.Sled.Slots = append(bay.Sled.Slots, board.Slot{Index: 1, FormFactor: board.FormFactorM2_2280, NVMeMI: 0x6A,
			VPD: board.EEPROM{Addr: 0x53, Addressing: board.AddressingAuto}})
		bus := &anyBus{data: data}
		run := func(_ board.Path, fn func(i2c.Bus) error) error { return fn(bus) }
		s := Read(bay, run)
		if len(s.Drives) != 2 || s.Drives[0].Slot != 0 || s.Drives[1].Slot != 1 {
			t.Fatalf("drives %+v", s.Drives)
		}
		bus.data = data
		p := Poll(s, bay, run)
		if len(p.Drives) != 2 {
			t.Fatalf("poll drives %+v", p.Drives)
		}
	})
}
