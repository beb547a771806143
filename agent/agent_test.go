package agent

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim"
	"github.com/chassisd/chassisd/sled"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// defaultSim is the default simulated board and chassis, in simulated
// (not wall-clock) bus time, closed when the test ends.
func defaultSim(tb testing.TB) (*board.Board, *sim.Chassis) {
	tb.Helper()
	b, err := sim.DefaultBoard()
	if err != nil {
		tb.Fatal(err)
	}
	c, err := sim.New(b, sim.DefaultScenario(), sim.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return b, c
}

// newSimAgent starts an agent on the default simulated chassis, in
// simulated (not wall-clock) bus time so tests run fast.
func newSimAgent(t *testing.T, edit func(*board.Board), poll time.Duration) (*Agent, *sim.Chassis) {
	t.Helper()
	b, err := sim.DefaultBoard()
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(b)
	}
	c, err := sim.New(b, sim.DefaultScenario(), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	a, err := New(Config{Board: b, Hardware: c, PollInterval: poll, Logger: quietLogger(), Simulated: true, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a, c
}

func sledOf(s *Snapshot, bay int) *sled.Sled {
	for _, b := range s.Bays {
		if b.Index == bay {
			return b.Sled
		}
	}
	return nil
}

// TestWalkMatchesScenario checks every identity and drive the walk reports
// against what the scenario put into the simulated EEPROMs and endpoints.
func TestWalkMatchesScenario(t *testing.T) {
	for _, name := range []string{"presence lines", "FRU probe"} {
		t.Run(name, func(t *testing.T) {
			var edit func(*board.Board)
			if name == "FRU probe" {
				edit = func(b *board.Board) {
					for i := range b.Bays {
						b.Bays[i].Presence = nil
					}
				}
			}
			a, _ := newSimAgent(t, edit, time.Hour)
			snap := a.Walk(context.Background())
			checkAgainstScenario(t, snap, sim.DefaultScenario())
		})
	}
}

func checkAgainstScenario(t *testing.T, snap *Snapshot, sc *sim.Scenario) {
	t.Helper()
	if len(snap.Bays) != 8 {
		t.Fatalf("%d bays, want 8", len(snap.Bays))
	}
	want := map[int]*sim.SledSpec{}
	for _, bc := range sc.Bays {
		want[bc.Bay] = bc.Sled
	}
	drives := 0
	for _, bay := range snap.Bays {
		spec := want[bay.Index]
		if (spec != nil) != bay.Present || (spec != nil) != (bay.Sled != nil) {
			t.Errorf("bay %d: present %v, sled %v, scenario has sled %v", bay.Index, bay.Present, bay.Sled != nil, spec != nil)
			continue
		}
		if spec == nil {
			continue
		}
		s := bay.Sled
		if !s.FRUValid || s.Identity.Manufacturer != spec.FRU.Manufacturer || s.Identity.SerialNumber != spec.FRU.SerialNumber ||
			s.Identity.PartNumber != spec.FRU.PartNumber || s.Identity.Model != spec.FRU.Product {
			t.Errorf("bay %d identity %+v (FRU valid %v), scenario %+v", bay.Index, s.Identity, s.FRUValid, spec.FRU)
		}
		if !s.Temperature.Valid {
			t.Errorf("bay %d temperature %+v", bay.Index, s.Temperature)
		}
		for _, ds := range spec.Drives {
			d := s.Drives[ds.Slot]
			drives++
			if !d.Present || d.SerialNumber != ds.Serial || d.Identity.Model != ds.Model || d.VendorID != uint16(ds.VendorID) {
				t.Errorf("bay %d slot %d: %+v, scenario %+v", bay.Index, ds.Slot, d, ds)
			}
			wantHealth := sled.HealthOK
			if len(ds.Warnings) > 0 {
				wantHealth = sled.HealthWarning
			}
			if d.Health != wantHealth {
				t.Errorf("bay %d slot %d health %s, want %s (problems %v)", bay.Index, ds.Slot, d.Health, wantHealth, d.Problems)
			}
		}
		if s.Health != sled.HealthOK {
			t.Errorf("bay %d sled health %s: %v", bay.Index, s.Health, s.Problems)
		}
	}
	if drives != 23 {
		t.Errorf("%d drives in the scenario, want 23", drives)
	}
	if snap.Enclosure.Health != sled.HealthWarning {
		t.Errorf("enclosure health %s, want Warning (bay 2 slot 1 runs hot)", snap.Enclosure.Health)
	}
}

func TestCorruptFRUIsAWarningNotAFailure(t *testing.T) {
	a, c := newSimAgent(t, nil, time.Hour)
	if err := c.CorruptFRU(1); err != nil {
		t.Fatal(err)
	}
	snap := a.Walk(context.Background())
	s := sledOf(snap, 1)
	if s == nil {
		t.Fatal("bay 1 vanished with a corrupt FRU")
	}
	if s.FRUValid || s.Health != sled.HealthWarning || len(s.Problems) == 0 {
		t.Fatalf("bay 1: FRU valid %v, health %s, problems %v", s.FRUValid, s.Health, s.Problems)
	}
	if msg := s.Problems[0].Message; !strings.Contains(msg, "bay 1 FRU at 0x50 on i2c-1 ch1") {
		t.Errorf("problem %q does not name bay, bus and address", msg)
	}
	// The drives of the sled and the other sleds are unaffected.
	if n := presentDrives(s); n != 4 {
		t.Errorf("bay 1 shows %d drives, want 4", n)
	}
	if o := sledOf(snap, 0); o == nil || o.Health != sled.HealthOK {
		t.Errorf("bay 0 affected by bay 1's FRU: %+v", o)
	}
}

func presentDrives(s *sled.Sled) int {
	n := 0
	for _, d := range s.Drives {
		if d.Present {
			n++
		}
	}
	return n
}

// waitFor polls the agent's snapshot until cond holds; the agent reacts to
// presence edges and poll ticks on its own goroutines.
func waitFor(t *testing.T, a *Agent, what string, cond func(*Snapshot) bool) *Snapshot {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s := a.Snapshot(); cond(s) {
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
	return nil
}

// TestPresenceEdgesReReadABay unplugs and replugs a sled with the poll
// interval far away: only the presence line's edges can make the agent see it.
func TestPresenceEdgesReReadABay(t *testing.T) {
	a, c := newSimAgent(t, nil, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	waitFor(t, a, "first walk", func(s *Snapshot) bool { return sledOf(s, 1) != nil })
	spec := sim.DefaultScenario().Bays[1].Sled
	if err := c.UnplugSled(1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, a, "bay 1 empty", func(s *Snapshot) bool { return sledOf(s, 1) == nil && !s.Bays[1].Present })

	spec.FRU.SerialNumber = "REPLACED-001"
	if err := c.PlugSled(1, *spec); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, a, "bay 1 re-read", func(s *Snapshot) bool { return sledOf(s, 1) != nil })
	if got := sledOf(s, 1).Identity.SerialNumber; got != "REPLACED-001" {
		t.Errorf("replugged sled serial %q, want the new sled's", got)
	}
}

func TestPollSeesDriveHealthChange(t *testing.T) {
	a, c := newSimAgent(t, nil, 10*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	waitFor(t, a, "first walk", func(s *Snapshot) bool { return sledOf(s, 0) != nil })
	warn := []string{"spare"}
	if err := c.SetDriveHealth(0, 2, sim.DriveHealthChange{Warnings: &warn}); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, a, "bay 0 slot 2 critical", func(s *Snapshot) bool {
		sl := sledOf(s, 0)
		return sl != nil && sl.Drives[2].Health == sled.HealthCritical
	})
	if d := sledOf(s, 0).Drives[2]; !d.Warnings.SpareLow || d.SerialNumber == "" {
		t.Errorf("drive after poll: %+v", d)
	}
	if s.Enclosure.Health != sled.HealthCritical {
		t.Errorf("enclosure health %s, want Critical", s.Enclosure.Health)
	}
}

func TestSnapshotsAreImmutable(t *testing.T) {
	a, c := newSimAgent(t, nil, time.Hour)
	first := a.Walk(context.Background())
	serial := sledOf(first, 0).Identity.SerialNumber
	if err := c.UnplugSled(0); err != nil {
		t.Fatal(err)
	}
	second := a.Walk(context.Background())
	if second.Generation <= first.Generation {
		t.Errorf("generation %d after %d", second.Generation, first.Generation)
	}
	if sledOf(second, 0) != nil {
		t.Error("bay 0 still shows a sled after unplug")
	}
	if s := sledOf(first, 0); s == nil || s.Identity.SerialNumber != serial {
		t.Error("an earlier snapshot changed after a later walk")
	}
}

func TestNewRejectsUnknownBus(t *testing.T) {
	b, c := defaultSim(t)
	b.Bays[0].I2C.Bus = "i2c-9"
	if _, err := New(Config{Board: b, Hardware: c, Logger: quietLogger()}); err == nil || !strings.Contains(err.Error(), "bay 0") {
		t.Errorf("New with a bay on an unknown bus: %v", err)
	}
}

func TestOnChangesReportsUnplug(t *testing.T) {
	b, c := defaultSim(t)
	var got []Change
	a, err := New(Config{Board: b, Hardware: c, Logger: quietLogger(), OnChanges: func(ch []Change) { got = append(got, ch...) }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Walk(context.Background())
	added := 0
	for _, ch := range got {
		if ch.Kind == SledAdded {
			added++
		}
	}
	if added != 6 {
		t.Fatalf("first walk reported %d sleds added, want 6: %+v", added, got)
	}
	got = nil
	if err := c.UnplugSled(4); err != nil {
		t.Fatal(err)
	}
	a.Walk(context.Background())
	if len(got) != 1 || got[0].Kind != SledRemoved || got[0].Bay != 4 {
		t.Errorf("after unplugging bay 4: %+v", got)
	}
}
