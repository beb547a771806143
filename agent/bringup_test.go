package agent

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board/sim"
	"github.com/chassisd/chassisd/board/sim/simuart"
	"github.com/chassisd/chassisd/sled"
)

// recorder keeps what the agent reports, for assertions.
type recorder struct {
	mu  sync.Mutex
	all []Change
}

func (r *recorder) add(ch []Change) {
	r.mu.Lock()
	r.all = append(r.all, ch...)
	r.mu.Unlock()
}

// take returns the changes of a kind (every change for "") reported so
// far, and forgets every change recorded.
func (r *recorder) take(kind ChangeKind) []Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Change
	for _, c := range r.all {
		if c.Kind == kind || kind == "" {
			out = append(out, c)
		}
	}
	r.all = nil
	return out
}

// steps returns the bring-up messages about bay (any bay for -1), in
// order, and forgets everything recorded so far.
func (r *recorder) steps(bay int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.all {
		if c.Kind == BringUp && (c.Bay == bay || bay < 0) {
			out = append(out, c.Message)
		}
	}
	r.all = nil
	return out
}

// newFaultAgent is an agent on the default simulated chassis whose bays
// have the given faults before the first walk.
func newFaultAgent(t *testing.T, faults map[int]sim.Faults) (*Agent, *sim.Chassis, *recorder) {
	t.Helper()
	b, c := defaultSim(t)
	for bay, f := range faults {
		if err := c.SetFaults(bay, f); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{}
	a, err := New(Config{Board: b, Hardware: c, PollInterval: time.Hour, Logger: quietLogger(), Simulated: true,
		ResetSettle: time.Millisecond, OnChanges: rec.add})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a, c, rec
}

// hasSteps checks that the messages contain each want, in order.
func hasSteps(t *testing.T, got []string, want ...string) {
	t.Helper()
	i := 0
	for _, g := range got {
		for i < len(want) && strings.Contains(g, want[i]) {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("bring-up steps %q: missing %q (in this order: %q)", got, want[i], want)
	}
}

func problemsText(s *sled.Sled) string {
	var b strings.Builder
	for _, p := range s.Problems {
		b.WriteString(p.Message + "\n")
	}
	return b.String()
}

func TestHealthySledsComeUpOverI2C(t *testing.T) {
	a, _, rec := newFaultAgent(t, nil)
	snap := a.Walk(context.Background())
	checkAgainstScenario(t, snap, sim.DefaultScenario())
	for _, b := range snap.Bays {
		if b.Sled != nil && b.Sled.Sideband != sled.SidebandI2C {
			t.Errorf("bay %d managed over %q", b.Index, b.Sled.Sideband)
		}
		if steps := rec.steps(b.Index); len(steps) > 0 {
			t.Errorf("bay %d: healthy sled reported steps %q", b.Index, steps)
		}
	}
}

// TestFallbackToUART: a sled whose I2C is dead is brought up over its
// UART with the same identity, shows Warning and why, and moves back to
// I2C when I2C answers again.
func TestFallbackToUART(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults sim.Faults
	}{
		{"every part NACKs", sim.Faults{I2C: sim.FaultNACK}},
		{"mux channel dead", sim.Faults{I2C: sim.FaultMuxDead}},
		{"controller only on UART", sim.Faults{MCU: sim.FaultUARTOnly}},
		{"line noise on the UART", sim.Faults{I2C: sim.FaultNACK, UART: "noise"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, c, rec := newFaultAgent(t, map[int]sim.Faults{2: tc.faults})
			snap := a.Walk(context.Background())
			s := sledOf(snap, 2)
			want := sim.DefaultScenario().Bays[2].Sled
			if s == nil || s.Sideband != sled.SidebandUART || s.Health != sled.HealthWarning {
				t.Fatalf("bay 2: %+v", s)
			}
			if s.Identity.SerialNumber != want.FRU.SerialNumber || s.Identity.Manufacturer != want.FRU.Manufacturer {
				t.Errorf("identity over UART %+v, want %+v", s.Identity, want.FRU)
			}
			if !s.Temperature.Valid || presentDrives(s) != len(want.Drives) {
				t.Errorf("temperature %+v, %d drives (want %d)", s.Temperature, presentDrives(s), len(want.Drives))
			}
			if !strings.Contains(problemsText(s), "managed over UART because its I2C path failed") {
				t.Errorf("problems do not say why: %s", problemsText(s))
			}
			hasSteps(t, rec.steps(2), "I2C bring-up failed", "recovering the bus and pulsing", "failed again", "managed over UART")
			// The other bays are untouched.
			if o := sledOf(snap, 1); o == nil || o.Sideband != sled.SidebandI2C || o.Health != sled.HealthOK {
				t.Errorf("bay 1 next to the broken bay: %+v", o)
			}

			// A poll while I2C is still dead keeps it on UART.
			c.SetSledTemperature(2, 47)
			snap = a.poll()
			if s := sledOf(snap, 2); s.Sideband != sled.SidebandUART || s.Temperature.Celsius != 47 {
				t.Errorf("after a poll over UART: %s, %+v", s.Sideband, s.Temperature)
			}
			// The path heals: the background probe moves it back.
			c.SetFaults(2, sim.Faults{})
			snap = a.poll()
			if s := sledOf(snap, 2); s.Sideband != sled.SidebandI2C || s.Health != sled.HealthOK {
				t.Errorf("after I2C healed: %s %s %s", s.Sideband, s.Health, problemsText(s))
			}
			hasSteps(t, rec.steps(2), "I2C answers again")
		})
	}
}

// poll runs one poll of every bay and publishes, as Run's ticker does.
func (a *Agent) poll() *Snapshot {
	a.forEachBus(func(st *bayState) { a.refresh(context.Background(), st, false) })
	return a.publish()
}

// TestRecoveryKeepsI2C: faults that bus recovery or a reset pulse clear
// never reach the UART.
func TestRecoveryKeepsI2C(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults sim.Faults
		// reporter is the bay that meets the fault first: a stuck bus
		// fails the first bay walked on it, whichever holds SDA.
		reporter int
	}{
		{"controller answers only after reset", sim.Faults{MCU: sim.FaultAfterReset}, 4},
		{"stuck bus", sim.Faults{I2C: sim.FaultStuck}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _, rec := newFaultAgent(t, map[int]sim.Faults{4: tc.faults})
			snap := a.Walk(context.Background())
			s := sledOf(snap, 4)
			if s == nil || s.Sideband != sled.SidebandI2C || s.Health != sled.HealthOK {
				t.Fatalf("bay 4: %+v", s)
			}
			hasSteps(t, rec.steps(tc.reporter), "I2C bring-up failed", "I2C answers after bus recovery and reset")
			checkAgainstScenario(t, snap, sim.DefaultScenario())
		})
	}
}

func TestNoSidebandAnswers(t *testing.T) {
	a, c, rec := newFaultAgent(t, map[int]sim.Faults{5: {I2C: sim.FaultNACK, MCU: sim.FaultMute}})
	snap := a.Walk(context.Background())
	s := sledOf(snap, 5)
	if s == nil || s.Sideband != sled.SidebandNone || s.Health != sled.HealthCritical || !snap.Bays[5].Present {
		t.Fatalf("bay 5: %+v", s)
	}
	hasSteps(t, rec.steps(5), "I2C bring-up failed", "failed again", "UART bring-up failed")
	// Retried quietly at each poll; when the controller answers on UART
	// again the sled is managed.
	snap = a.poll()
	if got := rec.steps(5); len(got) != 0 {
		t.Errorf("a failed sled retried loudly: %q", got)
	}
	c.SetFaults(5, sim.Faults{I2C: sim.FaultNACK})
	snap = a.poll()
	if s := sledOf(snap, 5); s.Sideband != sled.SidebandUART {
		t.Errorf("after the controller came back: %+v", s)
	}
	hasSteps(t, rec.steps(5), "managed over UART", "answers on UART now")
}

// TestUnplugDuringBringUp pulls a sled while its bring-up waits on a mute
// controller: the bring-up stops, the bay ends empty, nothing else moves.
func TestUnplugDuringBringUp(t *testing.T) {
	a, c, _ := newFaultAgent(t, map[int]sim.Faults{7: {I2C: sim.FaultNACK, MCU: sim.FaultMute}})
	done := make(chan *Snapshot)
	go func() { done <- a.Walk(context.Background()) }()
	time.Sleep(50 * time.Millisecond) // the UART tries take several hundred ms
	if err := c.UnplugSled(7); err != nil {
		t.Fatal(err)
	}
	snap := <-done
	if s := sledOf(snap, 7); s != nil {
		t.Errorf("pulled sled still listed: %+v", s)
	}
	snap = a.Walk(context.Background())
	if snap.Bays[7].Present || sledOf(snap, 7) != nil {
		t.Errorf("bay 7 after the pull: %+v", snap.Bays[7])
	}
	if s := sledOf(snap, 0); s == nil || s.Sideband != sled.SidebandI2C {
		t.Errorf("bay 0 meanwhile: %+v", s)
	}
}

// TestUARTGarbage: a controller whose every UART frame is mangled cannot
// be managed; the sled ends Failed with the UART's reason, the other bays
// are untouched, and re-plugging brings it up again once the line is clean.
func TestUARTGarbage(t *testing.T) {
	for _, f := range []string{"bad-fcs", "truncate", "broken-escape", "silent"} {
		t.Run(f, func(t *testing.T) {
			a, c, rec := newFaultAgent(t, map[int]sim.Faults{2: {I2C: sim.FaultNACK, UART: simuartFault(f)}})
			snap := a.Walk(context.Background())
			s := sledOf(snap, 2)
			if s == nil || s.Sideband != sled.SidebandNone || s.Health != sled.HealthCritical {
				t.Fatalf("bay 2: %+v", s)
			}
			if !strings.Contains(problemsText(s), "UART bring-up failed") {
				t.Errorf("problems: %s", problemsText(s))
			}
			hasSteps(t, rec.steps(2), "UART bring-up failed")
			if o := sledOf(snap, 4); o == nil || o.Sideband != sled.SidebandI2C {
				t.Errorf("bay 4: %+v", o)
			}
			// Re-plug with a clean line (the I2C fault stays with the bay).
			spec := sim.DefaultScenario().Bays[2].Sled
			c.UnplugSled(2)
			a.poll()
			c.SetFaults(2, sim.Faults{I2C: sim.FaultNACK})
			c.PlugSled(2, *spec)
			snap = a.poll()
			if s := sledOf(snap, 2); s == nil || s.Sideband != sled.SidebandUART {
				t.Errorf("re-plugged: %+v", s)
			}
		})
	}
}

func simuartFault(name string) simuart.Fault { return simuart.Fault(name) }

// TestEdgesNotLostDuringBringUp: while one bay's bring-up waits on a mute
// controller, another bay's line bounces many times; a third bay's plug
// must still be seen from its edge alone (polling is an hour away).
func TestEdgesNotLostDuringBringUp(t *testing.T) {
	a, c, _ := newFaultAgent(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, a, "first walk", func(s *Snapshot) bool { return sledOf(s, 0) != nil })

	spec := sim.DefaultScenario().Bays[2].Sled
	c.UnplugSled(2)
	waitFor(t, a, "bay 2 empty", func(s *Snapshot) bool { return !s.Bays[2].Present })
	c.SetFaults(2, sim.Faults{I2C: sim.FaultNACK, MCU: sim.FaultMute})
	c.PlugSled(2, *spec) // a bring-up of several hundred ms starts
	for range 12 {
		c.PlugSled(3, *spec)
		c.UnplugSled(3)
	}
	c.PlugSled(6, *spec)
	waitFor(t, a, "bay 6 from its edge", func(s *Snapshot) bool { return sledOf(s, 6) != nil })
}
