package agent

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim"
	"github.com/chassisd/chassisd/board/sim/i2csim"
	"github.com/chassisd/chassisd/sideband"
	"github.com/chassisd/chassisd/sled/fru"
)

// The lower bound of a walk's bus time is the least that must cross the
// wire to learn what a walk reports, given the board's topology. Every
// transaction costs a START, a STOP and a repeated START between its write
// and read parts (one bit time each) and 9 bit times per byte (8 data bits
// and the ACK). For each occupied bay (presence comes from GPIO, free on
// the bus):
//   - select the bay's mux channel: one write of the control byte;
//   - the sled FRU: ONE combined transaction (address, offset, Sr, address)
//     reading exactly the bytes in use: the 8-byte header and every area;
//   - the temperature: one combined transaction reading the 2-byte register;
//   - per slot: select the slot's channel on the sled mux; then for a drive
//     one combined transaction of the 32 bytes of NVMe-MI status and
//     identification (both with PEC) and one combined read of its VPD's
//     bytes in use; for an empty slot one address byte that is not
//     acknowledged.
//
// A reader cannot in fact know an image's length before reading its header,
// so the bound is strictly below what any reader can do.
func walkLowerBound(tb testing.TB, c *sim.Chassis, b *board.Board) time.Duration {
	tb.Helper()
	dir := tb.TempDir()
	if _, err := c.ExportFRU(dir); err != nil {
		tb.Fatal(err)
	}
	bits := 0
	const (
		writeByte = 1 + 9*2 + 1 // S addr data P
		nack      = 1 + 9 + 1   // S addr(NACK) P
	)
	combined := func(offsetBytes, n int) int { return 1 + 9*(1+offsetBytes) + 1 + 9*(1+n) + 1 }
	state := c.State()
	for _, bay := range b.Bays {
		if !state.SledPresent(bay.Index) {
			continue
		}
		bits += writeByte * len(bay.I2C.Hops)
		bits += combined(int(addressing(bay.Sled.FRU)), inUse(tb, filepath.Join(dir, sim.SledFRUFile(bay.Index))))
		if bay.Sled.Temp != nil {
			bits += combined(1, 2)
		}
		for _, slot := range bay.Sled.Slots {
			if slot.Hop != nil {
				bits += writeByte
			}
			if !state.DrivePresent(bay.Index, slot.Index) {
				bits += nack
				continue
			}
			bits += combined(1, 32)
			if slot.VPD.Addr != 0 {
				bits += combined(int(addressing(slot.VPD)), inUse(tb, filepath.Join(dir, sim.DriveVPDFile(bay.Index, slot.Index))))
			}
		}
	}
	return time.Duration(bits) * time.Second / time.Duration(b.Buses[0].SpeedHz)
}

func addressing(e board.EEPROM) board.EEPROMAddressing {
	if e.Addressing == board.AddressingAuto {
		return board.AddressingOne
	}
	return e.Addressing
}

// inUse is how many bytes of a FRU image the header and areas occupy.
func inUse(tb testing.TB, path string) int {
	tb.Helper()
	img, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	n := 8
	for {
		more, err := fru.NextRead(img[:n])
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		if more == 0 {
			return n
		}
		n += more
	}
}

// BenchmarkWalk walks the default simulated chassis's bays and reports the
// bus time the simulator charged per walk against the lower bound. The
// interposer's refresh, which shares the bus, is reported apart
// (fabric-bus-µs): it is not part of learning what the sleds hold.
func BenchmarkWalk(b *testing.B) {
	bd, c := defaultSim(b)
	a, err := New(Config{Board: bd, Hardware: c, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	bound := walkLowerBound(b, c, bd)
	bus := c.Buses()[bd.Buses[0].Name]
	bus.ResetStats()
	b.ResetTimer()
	var st i2csim.Stats // the bays' walks only
	var fabric time.Duration
	for range b.N {
		start := bus.Stats()
		a.walkBays(context.Background())
		walked := bus.Stats()
		a.refreshFabric(context.Background(), sideband.Normal)
		fabric += bus.Stats().BusTime - walked.BusTime
		st.BusTime += walked.BusTime - start.BusTime
		st.Transactions += walked.Transactions - start.Transactions
	}
	b.StopTimer()
	b.ReportMetric(float64((fabric / time.Duration(b.N)).Microseconds()), "fabric-bus-µs")
	perWalk := st.BusTime / time.Duration(b.N)
	b.ReportMetric(float64(perWalk.Microseconds()), "bus-µs/walk")
	b.ReportMetric(float64(bound.Microseconds()), "bound-µs")
	b.ReportMetric(float64(perWalk)/float64(bound), "x-bound")
	b.ReportMetric(float64(st.Transactions)/float64(b.N), "tx/walk")
}
