package board

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: no input panics, and every board Parse accepts keeps the
// promises the rest of the agent relies on.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	broken, _ := filepath.Glob("testdata/broken/*.yaml")
	seeds = append(append(seeds, broken...), "sim/board.yaml", "../examples/boards/two-sled.yaml")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse("fuzz.yaml", data)
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) || len(le.Problems) == 0 {
				t.Fatalf("error %v is not a *LoadError with problems", err)
			}
			if b != nil {
				t.Fatal("a board and an error")
			}
			for _, p := range le.Problems {
				if p.Msg == "" || p.Line < 0 || p.Column < 0 {
					t.Fatalf("bad problem %+v", p)
				}
			}
			return
		}
		checkBoard(t, b)
	})
}

// checkBoard asserts the invariants of a board that loaded.
func checkBoard(t *testing.T, b *Board) {
	t.Helper()
	if b.Name == "" || len(b.Buses) == 0 || len(b.Bays) == 0 {
		t.Fatalf("board missing essentials: %+v", b)
	}
	buses := map[string]bool{}
	for _, bus := range b.Buses {
		if buses[bus.Name] || bus.SpeedHz <= 0 {
			t.Fatalf("bad bus %+v", bus)
		}
		buses[bus.Name] = true
	}
	muxes := map[uint16]Mux{}
	for _, m := range b.Muxes {
		if !buses[m.Bus] || m.Addr < muxLo || m.Addr > muxHi || m.Channels <= 0 {
			t.Fatalf("bad mux %+v", m)
		}
		muxes[m.Addr] = m
	}
	okAddr := func(a uint16) bool { return a >= devLo && a <= devHi }
	for i, bay := range b.Bays {
		if bay.Index != i {
			t.Fatalf("bay %d has index %d", i, bay.Index)
		}
		if !buses[bay.I2C.Bus] {
			t.Fatalf("bay %d on unknown bus %q", i, bay.I2C.Bus)
		}
		for _, h := range bay.I2C.Hops {
			if h.Channel < 0 || h.Channel >= 8 {
				t.Fatalf("bay %d hop %+v", i, h)
			}
		}
		if bay.UART != nil && (bay.UART.Baud <= 0 || bay.UART.Device == "") {
			t.Fatalf("bay %d uart %+v", i, bay.UART)
		}
		for _, l := range []*Line{bay.Presence, bay.Reset, bay.Power} {
			if l != nil && (l.Chip == "" || (l.Name == "") == (l.Offset < 0)) {
				t.Fatalf("bay %d line %+v", i, l)
			}
		}
		if !okAddr(bay.Sled.FRU.Addr) {
			t.Fatalf("bay %d FRU %+v", i, bay.Sled.FRU)
		}
		for j, s := range bay.Sled.Slots {
			if j > 0 && bay.Sled.Slots[j-1].Index >= s.Index {
				t.Fatalf("bay %d slots not sorted or repeated", i)
			}
			if !okAddr(s.NVMeMI) || s.FormFactor == "" {
				t.Fatalf("bay %d slot %+v", i, s)
			}
		}
	}
	if b.Interposer != nil {
		checkInterposerPorts(t, b)
	}
}

// checkInterposerPorts asserts what the router relies on: every port is
// one host's or one drive's, each host has its own partition, and each
// drive port reaches a slot that exists, which no other port reaches.
func checkInterposerPorts(t *testing.T, b *Board) {
	t.Helper()
	ip := b.Interposer
	ports := map[int]bool{}
	names := map[string]bool{}
	parts := map[int]bool{}
	for _, h := range ip.Hosts {
		if h.Name == "" || names[h.Name] || parts[h.Partition] || ports[h.Port] ||
			h.Port < 0 || h.Port > maxPortNumber || h.Partition < 0 || h.Partition > maxPortNumber {
			t.Fatalf("bad host %+v", h)
		}
		names[h.Name], parts[h.Partition], ports[h.Port] = true, true, true
	}
	slots := map[[2]int]bool{}
	for _, d := range ip.DrivePorts {
		if ports[d.Port] || d.Port < 0 || d.Port > maxPortNumber || slots[[2]int{d.Bay, d.Slot}] {
			t.Fatalf("bad drive port %+v", d)
		}
		ports[d.Port], slots[[2]int{d.Bay, d.Slot}] = true, true
		if d.Bay < 0 || d.Bay >= len(b.Bays) {
			t.Fatalf("drive port %+v: no such bay", d)
		}
		found := false
		for _, s := range b.Bays[d.Bay].Sled.Slots {
			found = found || s.Index == d.Slot
		}
		if !found {
			t.Fatalf("drive port %+v: no such slot", d)
		}
	}
}
