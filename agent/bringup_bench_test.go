package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim"
	"github.com/chassisd/chassisd/sled"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
)

// The bring-up benchmarks give issue 4's figures: how long a sled takes
// from its presence edge to its first snapshot, healthy, with its I2C dead
// (fallback to the UART) and with a controller that answers only after a
// reset pulse. They run the agent as it runs in production (Run, presence
// edges, the default ResetSettle) on the default simulated chassis in real
// time, so every I2C transaction takes its bus time at 400 kHz and every
// byte the controller sends takes its wire time at 115200 8N1. The poll
// interval is an hour, so nothing but the plugged bay touches the bus while
// a bring-up is measured and the bus counters belong to it alone.
//
// The hardware is wrapped to time each step from the outside (bus
// transactions, bus recovery, the reset line, the UART), and the agent's
// log is kept with its timestamps; `go test -bench BringUp -v` prints the
// slowest bring-up's timeline.

// benchBay is the bay emptied and plugged again: bay 2 of the default
// scenario (the sled with a chassis area in its FRU).
const benchBay = 2

// BenchmarkBringUpHealthy: presence edge to the sled managed over I2C.
func BenchmarkBringUpHealthy(b *testing.B) {
	benchBringUp(b, sim.Faults{}, sled.SidebandI2C, "bringup")
}

// BenchmarkBringUpFallback: presence edge to the sled managed over its
// UART, every part on its I2C segment NACKing. tx/fallback is what the
// dead I2C path cost the bus.
func BenchmarkBringUpFallback(b *testing.B) {
	benchBringUp(b, sim.Faults{I2C: sim.FaultNACK}, sled.SidebandUART, "fallback")
}

// BenchmarkBringUpAfterReset: presence edge to the sled managed over I2C
// when its controller answers only after a reset pulse.
func BenchmarkBringUpAfterReset(b *testing.B) {
	benchBringUp(b, sim.Faults{MCU: sim.FaultAfterReset}, sled.SidebandI2C, "bringup")
}

// benchBringUp plugs the sled b.N times with faults and reports the mean
// time to the first snapshot showing it on want; per names the bus and
// UART figures' unit.
func benchBringUp(b *testing.B, faults sim.Faults, want, per string) {
	r := newBringUpRig(b)
	var sum phases
	var slowest cycleResult
	b.ResetTimer()
	b.StopTimer()
	for range b.N {
		res := r.cycle(faults, want)
		sum.add(res.phases)
		if res.total > slowest.total {
			slowest = res
		}
	}
	n := float64(b.N)
	b.ReportMetric(sum.total.Seconds()*1e3/n, "ms/bringup")
	b.ReportMetric(float64(sum.tx)/n, "tx/"+per)
	b.ReportMetric(sum.busTime.Seconds()*1e3/n, "bus-ms/"+per)
	if sum.uartTx+sum.uartRx > 0 {
		b.ReportMetric(float64(sum.uartTx+sum.uartRx)/n, "uart-B/"+per)
	}
	b.Log(sum.String(b.N))
	if testing.Verbose() {
		b.Logf("slowest bring-up (%.2f ms), ms after the presence edge:\n%s", slowest.total.Seconds()*1e3, timelineText(slowest.events))
	}
}

// bringUpRig is a running agent on a real-time simulated chassis whose
// bench bay is empty between bring-ups.
type bringUpRig struct {
	b      *testing.B
	c      *sim.Chassis
	a      *Agent
	tl     *timeline
	spec   sim.SledSpec
	mcu    uint16 // the bench bay's controller address
	notify chan struct{}
}

func newBringUpRig(b *testing.B) *bringUpRig {
	b.Helper()
	bd, err := sim.DefaultBoard()
	if err != nil {
		b.Fatal(err)
	}
	sc := sim.DefaultScenario()
	r := &bringUpRig{b: b, tl: &timeline{}, notify: make(chan struct{}, 1)}
	found := false
	for _, bc := range sc.Bays {
		if bc.Bay == benchBay && bc.Sled != nil {
			r.spec, found = *bc.Sled, true
		}
	}
	if !found {
		b.Fatalf("the default scenario has no sled in bay %d", benchBay)
	}
	var reset string
	for _, bay := range bd.Bays {
		if bay.Index == benchBay {
			r.mcu = bay.Sled.MCU
			if bay.Reset != nil {
				reset = bay.Reset.String()
			}
		}
	}
	r.c, err = sim.New(bd, sc, sim.Options{RealTime: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.c.Close() })
	hw := &timedHardware{Chassis: r.c, tl: r.tl, reset: reset}
	r.a, err = New(Config{Board: bd, Hardware: hw, PollInterval: time.Hour, Simulated: true,
		Logger: slog.New(timelineHandler{r.tl}), OnChanges: func([]Change) { r.wake() }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.a.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.a.Run(ctx)
	}()
	// Cleanups run last first: the agent stops before it is closed.
	b.Cleanup(func() { cancel(); <-done })
	// New publishes generation 1; Run's first walk publishes the next.
	r.wait("the first walk", func(s *Snapshot) bool { return s.Generation >= 2 })
	r.empty()
	return r
}

// wake is OnChanges: a snapshot with changes was published. It must not
// block the agent.
func (r *bringUpRig) wake() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// wait returns the first snapshot for which ok holds.
func (r *bringUpRig) wait(what string, ok func(*Snapshot) bool) *Snapshot {
	r.b.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if s := r.a.Snapshot(); ok(s) {
			return s
		}
		select {
		case <-r.notify:
		// Only a publish with changes wakes us; the bring-up's end time
		// is the snapshot's own, so this poll only guards against a miss.
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			r.b.Fatalf("bay %d: no snapshot with %s in 20 s; timeline:\n%s", benchBay, what, timelineText(r.tl.events()))
		}
	}
}

// empty pulls the bench bay's sled and waits until the agent has seen it
// go, then clears the bay's faults.
func (r *bringUpRig) empty() {
	r.b.Helper()
	if err := r.c.UnplugSled(benchBay); err != nil {
		r.b.Fatal(err)
	}
	r.wait("the bay empty", func(s *Snapshot) bool { return !s.Bays[benchBay].Present && sledOf(s, benchBay) == nil })
	if err := r.c.SetFaults(benchBay, sim.Faults{}); err != nil {
		r.b.Fatal(err)
	}
}

type cycleResult struct {
	phases
	events []event
}

// cycle plugs the sled into the empty bench bay with the given faults,
// times it until the first snapshot that lists it, checks it is managed
// over want, and empties the bay again.
func (r *bringUpRig) cycle(faults sim.Faults, want string) cycleResult {
	r.b.Helper()
	if err := r.c.SetFaults(benchBay, faults); err != nil {
		r.b.Fatal(err)
	}
	bus := r.c.Buses()["i2c-1"]
	bus.ResetStats()
	t0 := time.Now()
	r.tl.restart(t0)
	r.b.StartTimer()
	if err := r.c.PlugSled(benchBay, r.spec); err != nil {
		r.b.Fatal(err)
	}
	// The agent publishes once per bring-up, so the first snapshot with
	// the sled is the outcome.
	s := r.wait("the sled", func(s *Snapshot) bool { return sledOf(s, benchBay) != nil })
	r.b.StopTimer()
	st := bus.Stats()
	got := sledOf(s, benchBay)
	if got.Sideband != want {
		r.b.Fatalf("bay %d: sled managed over %q, want %q: %s\ntimeline:\n%s", benchBay, got.Sideband, want,
			problemsText(got), timelineText(r.tl.events()))
	}
	res := cycleResult{events: r.tl.events()}
	res.phases = measure(t0, s.Taken, r.mcu, res.events)
	res.tx, res.busTime = st.Transactions, st.BusTime
	r.empty()
	return res
}

// phases is where one bring-up's time went, measured from the outside.
// Durations that do not apply to the path taken stay zero.
type phases struct {
	total   time.Duration // presence edge to the snapshot listing the sled
	edge    time.Duration // presence edge to the first bus transaction
	try1    time.Duration // first bus transaction to the first I2C failure
	recov   time.Duration // bus recovery and reset pulse
	settle  time.Duration // reset released to the next bus transaction
	try2    time.Duration // the second I2C attempt
	uart    time.Duration // second I2C failure to the snapshot
	open    time.Duration // opening the UART
	setEID  time.Duration // the successful Set Endpoint ID over SMBus
	i2cRead time.Duration // the sled's read over I2C after it
	tx      int
	busTime time.Duration
	// UART bytes the agent wrote and read, and its request frames.
	uartTx, uartRx, frames int
}

// measure splits a bring-up at the events that mark its steps: the agent's
// bring-up reports, the recovery and reset-line events, the transactions
// to the controller at mcu and the UART's traffic.
func measure(t0, done time.Time, mcu uint16, evs []event) phases {
	p := phases{total: done.Sub(t0)}
	var firstTx, fail1, release, afterRelease, fail2, mcuWrite, readStart time.Time
	for _, e := range evs {
		isTx := e.kind == "i2c"
		switch {
		case isTx && firstTx.IsZero():
			firstTx = e.at
		case isTx && !release.IsZero() && afterRelease.IsZero():
			afterRelease = e.at
		}
		switch {
		case e.kind == "log" && strings.Contains(e.text, "I2C bring-up failed (") && fail1.IsZero():
			fail1 = e.at
		case e.kind == "reset" && e.text == "released" && !fail1.IsZero() && release.IsZero():
			release = e.at
		case e.kind == "log" && strings.Contains(e.text, "failed again"):
			fail2 = e.at
		case e.kind == "uart-open":
			p.open += e.end.Sub(e.at)
		case e.kind == "uart-tx":
			p.uartTx += e.n
			p.frames++
		case e.kind == "uart-rx":
			p.uartRx += e.n
		}
		// On a path that ends on I2C, the one Set Endpoint ID write the
		// controller takes (a silent controller NACKs) is followed, once
		// its answer is in, by the sled's read.
		switch {
		case isTx && e.addr == mcu && e.err == "" && mcuWrite.IsZero():
			mcuWrite = e.at
		case isTx && e.addr != mcu && !mcuWrite.IsZero() && readStart.IsZero():
			readStart = e.at
		}
	}
	if !firstTx.IsZero() {
		p.edge = firstTx.Sub(t0)
	}
	if !fail1.IsZero() {
		p.try1 = fail1.Sub(firstTx)
		if !release.IsZero() {
			p.recov = release.Sub(fail1)
		}
		if !afterRelease.IsZero() {
			p.settle = afterRelease.Sub(release)
		}
	}
	switch {
	case !fail2.IsZero():
		p.try2 = fail2.Sub(afterRelease)
		p.uart = done.Sub(fail2)
	case !readStart.IsZero():
		p.setEID = readStart.Sub(mcuWrite)
		p.i2cRead = done.Sub(readStart)
	}
	return p
}

func (p *phases) add(q phases) {
	p.total += q.total
	p.edge += q.edge
	p.try1 += q.try1
	p.recov += q.recov
	p.settle += q.settle
	p.try2 += q.try2
	p.uart += q.uart
	p.open += q.open
	p.setEID += q.setEID
	p.i2cRead += q.i2cRead
	p.tx += q.tx
	p.busTime += q.busTime
	p.uartTx += q.uartTx
	p.uartRx += q.uartRx
	p.frames += q.frames
}

// String gives the mean of each phase over n bring-ups.
func (p phases) String(n int) string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", d.Seconds()*1e3/float64(n)) }
	var b strings.Builder
	fmt.Fprintf(&b, "mean of %d bring-ups: total %s; edge to first bus work %s", n, ms(p.total), ms(p.edge))
	if p.try1 > 0 || p.recov > 0 {
		fmt.Fprintf(&b, "; first I2C try %s; bus recovery + reset pulse %s; reset settle %s", ms(p.try1), ms(p.recov), ms(p.settle))
	}
	if p.try2 > 0 || p.uart > 0 {
		fmt.Fprintf(&b, "; second I2C try %s; UART (open %s, %.1f frames out, %.1f B out, %.1f B in, wire time in %s) %s",
			ms(p.try2), ms(p.open), float64(p.frames)/float64(n), float64(p.uartTx)/float64(n), float64(p.uartRx)/float64(n),
			ms(time.Duration(p.uartRx)*uartByteTime), ms(p.uart))
	}
	if p.i2cRead > 0 {
		fmt.Fprintf(&b, "; Set Endpoint ID over SMBus %s; reading the sled over I2C %s", ms(p.setEID), ms(p.i2cRead))
	}
	fmt.Fprintf(&b, "; %.1f bus transactions, %s of bus time", float64(p.tx)/float64(n), ms(p.busTime))
	return b.String()
}

// uartByteTime is one byte at 115200 8N1: ten bit times.
const uartByteTime = 10 * time.Second / 115200

// timeline keeps what happened during one bring-up, with when.
type timeline struct {
	mu sync.Mutex
	t0 time.Time
	ev []event
}

type event struct {
	at, end time.Time
	kind    string // i2c, recover, reset, uart-open, uart-tx, uart-rx, log
	text    string
	n       int    // bytes read (i2c) or moved (uart)
	addr    uint16 // i2c: the address
	err     string // i2c: why the transaction failed
}

func (tl *timeline) add(e event) {
	tl.mu.Lock()
	tl.ev = append(tl.ev, e)
	tl.mu.Unlock()
}

// restart forgets everything and times from t0.
func (tl *timeline) restart(t0 time.Time) {
	tl.mu.Lock()
	tl.t0, tl.ev = t0, nil
	tl.mu.Unlock()
}

// events returns those at or after t0, in the order they were recorded.
func (tl *timeline) events() []event {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var out []event
	for _, e := range tl.ev {
		if !e.at.Before(tl.t0) {
			out = append(out, e)
		}
	}
	return out
}

func timelineText(evs []event) string {
	if len(evs) == 0 {
		return "(nothing)"
	}
	var b strings.Builder
	t0 := evs[0].at
	for _, e := range evs {
		if e.at.Before(t0) {
			t0 = e.at
		}
	}
	for _, e := range evs {
		fmt.Fprintf(&b, "%9.3f  %-9s %s", e.at.Sub(t0).Seconds()*1e3, e.kind, e.text)
		if !e.end.IsZero() {
			fmt.Fprintf(&b, " (%.3f ms)", e.end.Sub(e.at).Seconds()*1e3)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// timelineHandler keeps the agent's log records, debug level included, on
// the timeline.
type timelineHandler struct{ tl *timeline }

func (h timelineHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h timelineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.tl.add(event{at: r.Time, kind: "log", text: b.String()})
	return nil
}

func (h timelineHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h timelineHandler) WithGroup(string) slog.Handler      { return h }

// timedHardware is the simulated chassis with its buses, the bench bay's
// reset line and the UARTs timed onto a timeline. It changes nothing the
// agent sees.
type timedHardware struct {
	*sim.Chassis
	tl    *timeline
	reset string // the bench bay's reset line
}

var _ board.Hardware = (*timedHardware)(nil)

func (h *timedHardware) I2C(name string) (i2c.Bus, error) {
	bus, err := h.Chassis.I2C(name)
	if err != nil {
		return nil, err
	}
	return &timedBus{Bus: bus, tl: h.tl}, nil
}

func (h *timedHardware) GPIO(l board.Line) (gpio.PinIO, error) {
	p, err := h.Chassis.GPIO(l)
	if err != nil || l.String() != h.reset {
		return p, err
	}
	return &timedPin{PinIO: p, tl: h.tl, active: gpio.Level(!l.ActiveLow)}, nil
}

func (h *timedHardware) UART(u board.UART) (io.ReadWriteCloser, error) {
	start := time.Now()
	p, err := h.Chassis.UART(u)
	h.tl.add(event{at: start, end: time.Now(), kind: "uart-open", text: u.Device})
	if err != nil {
		return nil, err
	}
	return &timedPort{ReadWriteCloser: p, tl: h.tl}, nil
}

// timedBus times each transaction. It keeps bus recovery, which the agent
// finds by a type assertion.
type timedBus struct {
	i2c.Bus
	tl *timeline
}

func (b *timedBus) Tx(addr uint16, w, r []byte) error {
	start := time.Now()
	err := b.Bus.Tx(addr, w, r)
	e := event{at: start, end: time.Now(), kind: "i2c", n: len(r), addr: addr,
		text: fmt.Sprintf("addr %#02x write %d read %d", addr, len(w), len(r))}
	if err != nil {
		e.err = err.Error()
		e.text += ": " + e.err
	}
	b.tl.add(e)
	return err
}

func (b *timedBus) Recover() error {
	rec, ok := b.Bus.(interface{ Recover() error })
	if !ok {
		return nil
	}
	start := time.Now()
	err := rec.Recover()
	b.tl.add(event{at: start, end: time.Now(), kind: "recover", text: "nine clocks and a STOP"})
	return err
}

// timedPin notes each level driven on the reset line.
type timedPin struct {
	gpio.PinIO
	tl     *timeline
	active gpio.Level
}

func (p *timedPin) Out(l gpio.Level) error {
	text := "released"
	if l == p.active {
		text = "asserted"
	}
	p.tl.add(event{at: time.Now(), kind: "reset", text: text})
	return p.PinIO.Out(l)
}

// timedPort counts and times what crosses a UART, as the agent sees it.
type timedPort struct {
	io.ReadWriteCloser
	tl *timeline
}

func (p *timedPort) Write(b []byte) (int, error) {
	start := time.Now()
	n, err := p.ReadWriteCloser.Write(b)
	p.tl.add(event{at: start, end: time.Now(), kind: "uart-tx", text: fmt.Sprintf("%d bytes", n), n: n})
	return n, err
}

func (p *timedPort) Read(b []byte) (int, error) {
	n, err := p.ReadWriteCloser.Read(b)
	if n > 0 {
		p.tl.add(event{at: time.Now(), kind: "uart-rx", text: fmt.Sprintf("%d bytes", n), n: n})
	}
	return n, err
}
