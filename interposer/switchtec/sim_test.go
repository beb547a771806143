package switchtec_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim/i2csim"
	sim "github.com/chassisd/chassisd/board/sim/switchtec"
	"github.com/chassisd/chassisd/interposer"
	"github.com/chassisd/chassisd/interposer/switchtec"
	"periph.io/x/conn/v3/i2c"
)

// The driver against the emulated switch over an emulated 400 kHz bus.

func simConfig() sim.Config {
	return sim.Config{
		Hosts: []sim.Port{{Phys: 0, Width: 4, SpeedGTs: 16}, {Phys: 8, Width: 4, SpeedGTs: 16}},
		Drives: []sim.Port{
			{Phys: 2, Width: 4, SpeedGTs: 16}, {Phys: 3, Width: 4, SpeedGTs: 16},
			{Phys: 5, Width: 4, SpeedGTs: 16}, {Phys: 6, Width: 2, SpeedGTs: 8},
			{Phys: 7, Width: 4, SpeedGTs: 16, Disabled: true},
		},
		Bindings: []sim.Binding{{Partition: 1, Logical: 1, Phys: 2}},
	}
}

type rig struct {
	sw  *switchtec.Switch
	dev *sim.Device
	bus *i2csim.Bus
	// before, when set, runs before each bus session with its number.
	before func(n int)
	runs   atomic.Int32
}

func newRig(t testing.TB, cfg sim.Config) *rig {
	r := &rig{bus: i2csim.NewBus("i2c-5", 400000), dev: sim.New(cfg)}
	r.bus.Root().Attach(0x20, r.dev)
	r.sw = switchtec.New(func(ctx context.Context, fn func(i2c.Bus) error) error {
		n := int(r.runs.Add(1))
		if r.before != nil {
			r.before(n)
		}
		return fn(r.bus)
	}, 0x20)
	r.sw.SetPolling(0, 2*time.Second)
	return r
}

var ctx = context.Background()

func TestEndToEnd(t *testing.T) {
	r := newRig(t, simConfig())
	id, err := r.sw.Identify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (interposer.Identity{VendorID: 0x11F8, DeviceID: 0x4028, FirmwareVersion: "4.70 B021", Partitions: 2, Generation: "Gen4"}); id != want {
		t.Errorf("identity %+v, want %+v", id, want)
	}
	ports, err := r.sw.Ports(ctx)
	if err != nil {
		t.Fatal(err)
	}
	up := func(phys int, role interposer.PortRole, part, w, maxw int, gts float64) interposer.Port {
		return interposer.Port{Phys: phys, Role: role, Partition: part, LinkUp: true, LTSSM: "L0",
			Width: w, MaxWidth: maxw, SpeedGTs: gts, MaxSpeedGTs: 16}
	}
	D, U := interposer.Downstream, interposer.Upstream
	want := []interposer.Port{
		up(0, U, 0, 4, 4, 16), up(2, D, -1, 4, 4, 16), up(3, D, -1, 4, 4, 16), up(5, D, -1, 4, 4, 16),
		up(6, D, -1, 2, 2, 8), up(7, D, -1, 4, 4, 16), up(8, U, 1, 4, 4, 16),
	}
	if !reflect.DeepEqual(ports, want) {
		t.Errorf("ports\n%+v\nwant\n%+v", ports, want)
	}

	if err := r.sw.Bind(ctx, interposer.Binding{Partition: 0, Logical: 2, Phys: 5}); err != nil {
		t.Fatal(err)
	}
	b, ok, err := r.sw.PortBinding(ctx, 5)
	if err != nil || !ok || b != (interposer.Binding{Partition: 0, Logical: 2, Phys: 5}) {
		t.Errorf("port 5 read-back %+v %v %v", b, ok, err)
	}
	if _, ok, err := r.sw.PortBinding(ctx, 3); ok || err != nil {
		t.Errorf("port 3 read-back %v %v", ok, err)
	}
	all, err := r.sw.Bindings(ctx)
	if wantB := []interposer.Binding{{Partition: 0, Logical: 2, Phys: 5}, {Partition: 1, Logical: 1, Phys: 2}}; err != nil || !reflect.DeepEqual(all, wantB) {
		t.Errorf("bindings %v %v, want %v", all, err, wantB)
	}
	if err := r.sw.Unbind(ctx, 0, 2); err != nil {
		t.Fatal(err)
	}
	if got := r.dev.Bindings(); !reflect.DeepEqual(got, []sim.Binding{{Partition: 1, Logical: 1, Phys: 2}}) {
		t.Errorf("switch bindings after unbind %v", got)
	}

	r.dev.SetLink(5, false)
	ports, _ = r.sw.Ports(ctx)
	if p := ports[3]; p.Phys != 5 || p.LinkUp || p.Width != 0 || p.SpeedGTs != 0 || p.LTSSM != "Detect" || p.MaxWidth != 4 {
		t.Errorf("port 5 with link down: %+v", p)
	}
	r.dev.SetLink(5, true)
	ports, _ = r.sw.Ports(ctx)
	if p := ports[3]; !p.LinkUp || p.Width != 4 || p.SpeedGTs != 16 {
		t.Errorf("port 5 with link back: %+v", p)
	}
}

func TestGen3(t *testing.T) {
	cfg := simConfig()
	cfg.Generation, cfg.DeviceID = 3, 0x8536
	for _, ports := range [][]sim.Port{cfg.Hosts, cfg.Drives} {
		for i := range ports {
			ports[i].SpeedGTs = 8
		}
	}
	r := newRig(t, cfg)
	id, err := r.sw.Identify(ctx)
	if err != nil || id.Generation != "Gen3" || id.DeviceID != 0x8536 {
		t.Fatalf("%+v %v", id, err)
	}
	ports, err := r.sw.Ports(ctx)
	if err != nil || len(ports) != 7 || ports[1].MaxSpeedGTs != 8 {
		t.Errorf("%d ports %+v %v", len(ports), ports, err)
	}
}

func TestErrorCounters(t *testing.T) {
	r := newRig(t, simConfig())
	var zero interposer.ErrorCounters
	if ec, err := r.sw.Errors(ctx, 5); err != nil || ec != zero {
		t.Fatalf("first read (arms the counters): %+v %v", ec, err)
	}
	r.dev.InjectErrors(5, 3)
	r.dev.InjectEvent(5, sim.EventBadDLLP, 2)
	r.dev.InjectEvent(5, sim.EventReplayTimeout, 1)
	r.dev.InjectEvent(5, sim.EventReplayRollover, 4)
	r.dev.InjectErrors(6, 100) // another port of the same stack
	r.dev.InjectErrors(8, 100) // same port number in another stack
	want := interposer.ErrorCounters{BadTLP: 3, BadDLLP: 2, ReceiverErrors: 3, ReplayTimeouts: 1, ReplayRollovers: 4}
	if ec, err := r.sw.Errors(ctx, 5); err != nil || ec != want {
		t.Errorf("counters %+v %v, want %+v", ec, err, want)
	}
	if ec, err := r.sw.Errors(ctx, 8); err != nil || ec != zero {
		t.Errorf("port 8 first read %+v %v", ec, err)
	}
	// A reset clears and unarms the counters; the driver re-arms them.
	r.dev.Reset()
	if ec, err := r.sw.Errors(ctx, 5); err != nil || ec != zero {
		t.Errorf("after reset %+v %v", ec, err)
	}
	r.dev.InjectErrors(5, 1)
	if ec, err := r.sw.Errors(ctx, 5); err != nil || ec.BadTLP != 1 || ec.ReceiverErrors != 1 || ec.BadDLLP != 0 {
		t.Errorf("after reset and one error %+v %v", ec, err)
	}
	if _, err := r.sw.Errors(ctx, 4); err == nil || !strings.Contains(err.Error(), "no physical port 4") {
		t.Errorf("missing port: %v", err)
	}
}

// TestMRPCErrorCodes reaches every PORTPARTP2P return code through the
// driver: the ones the emulated switch produces by itself, and the ones only
// its firmware's internals would (injected).
func TestMRPCErrorCodes(t *testing.T) {
	bind := func(p, l, ph int) func(*rig) error {
		return func(r *rig) error { return r.sw.Bind(ctx, interposer.Binding{Partition: p, Logical: l, Phys: ph}) }
	}
	unbind := func(p, l int) func(*rig) error { return func(r *rig) error { return r.sw.Unbind(ctx, p, l) } }
	info := func(ph int) func(*rig) error {
		return func(r *rig) error { _, _, err := r.sw.PortBinding(ctx, ph); return err }
	}
	inject := func(code uint32, op func(*rig) error) func(*rig) error {
		return func(r *rig) error { r.dev.FailNextMRPC(code); return op(r) }
	}
	tests := []struct {
		code uint32
		name string
		op   func(*rig) error
	}{
		{switchtec.CodePhysPortBound, "physical port already bound", bind(0, 3, 2)},
		{switchtec.CodeLogicalPortBound, "logical port already bound", bind(1, 1, 3)},
		{switchtec.CodeNoPartition, "partition does not exist", bind(2, 1, 3)},
		{switchtec.CodeNoPhysPort, "physical port does not exist", bind(0, 1, 4)},
		{switchtec.CodePhysPortDisabled, "physical port is disabled", bind(0, 1, 7)},
		{switchtec.CodeNoLogicalPort, "logical port does not exist", bind(0, 9, 3)},
		{switchtec.CodeBindInProgress, "in progress", inject(0x07, bind(0, 1, 3))},
		{switchtec.CodeTargetIsUpstream, "target is an upstream port", bind(0, 1, 8)},
		{switchtec.CodeBadSubcommand, "invalid sub-command", inject(0x09, unbind(1, 1))},
		{switchtec.CodeLinkActive, "link is active", inject(0x0A, unbind(1, 1))},
		{switchtec.CodeLogicalNotBound, "not bound to a physical port", unbind(0, 1)},
		{switchtec.CodeBadUnbindOption, "invalid unbind option", inject(0x0C, unbind(1, 1))},
		{switchtec.CodeBindCheckFailed, "bind check failed", inject(0x0D, bind(0, 1, 3))},
		{switchtec.CodeNoPhysPort, "physical port does not exist", info(4)},
		{switchtec.CodeTargetIsUpstream, "target is an upstream port", info(0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, simConfig())
			before := r.dev.Bindings()
			err := tc.op(r)
			var me *switchtec.MRPCError
			if !errors.As(err, &me) || me.Code != tc.code || me.Command != 0x0C {
				t.Fatalf("error %v, want PORTPARTP2P code %#x", err, tc.code)
			}
			if !strings.Contains(err.Error(), tc.name) || !strings.HasPrefix(err.Error(), "switchtec 0x20: ") {
				t.Errorf("message %q", err)
			}
			if !reflect.DeepEqual(r.dev.Bindings(), before) {
				t.Errorf("refused command changed bindings to %v", r.dev.Bindings())
			}
		})
	}
}

func TestNACKMidWrite(t *testing.T) {
	r := newRig(t, simConfig())
	r.dev.FailNextWrites(1)
	err := r.sw.Bind(ctx, interposer.Binding{Partition: 0, Logical: 2, Phys: 5})
	if !errors.Is(err, board.ErrNACK) || !strings.Contains(err.Error(), "GAS write 0x0000") {
		t.Fatalf("error %v, want a NACK on the payload write", err)
	}
	if got := r.dev.Bindings(); len(got) != 1 {
		t.Errorf("NACKed bind changed the switch: %v", got)
	}
	if err := r.sw.Bind(ctx, interposer.Binding{Partition: 0, Logical: 2, Phys: 5}); err != nil {
		t.Fatalf("bind after the fault: %v", err)
	}
	if st := r.bus.Stats(); st.NACKs != 1 {
		t.Errorf("bus saw %d NACKs", st.NACKs)
	}
}

func TestPECCorruption(t *testing.T) {
	r := newRig(t, simConfig())
	r.dev.CorruptNextReads(2) // E0 once, then a read: both retried
	if _, err := r.sw.Bindings(ctx); err != nil {
		t.Fatalf("two damaged frames not recovered: %v", err)
	}
	r.dev.CorruptNextReads(1000)
	if _, err := r.sw.Bindings(ctx); !errors.Is(err, switchtec.ErrPEC) {
		t.Fatalf("persistent corruption: %v, want ErrPEC", err)
	}
	r.dev.CorruptNextReads(0)
	if _, err := r.sw.Ports(ctx); err != nil {
		t.Fatalf("after the noise stopped: %v", err)
	}
}

func TestCorruptReadback(t *testing.T) {
	r := newRig(t, simConfig())
	if err := r.sw.Bind(ctx, interposer.Binding{Partition: 0, Logical: 2, Phys: 5}); err != nil {
		t.Fatal(err)
	}
	r.dev.CorruptNextReadback()
	if _, ok, err := r.sw.PortBinding(ctx, 5); ok || err != nil {
		t.Errorf("corrupted read-back: bound %v, %v", ok, err)
	}
	if _, ok, _ := r.sw.PortBinding(ctx, 5); !ok {
		t.Error("second read-back still wrong")
	}
}

// TestResetDuringChange: the switch restarts while a bind is running. The
// driver reports the lost command; the switch is left with its saved
// bindings only.
func TestResetDuringChange(t *testing.T) {
	cfg := simConfig()
	cfg.BusyPolls = 3
	r := newRig(t, cfg)
	if _, err := r.sw.Bindings(ctx); err != nil { // capability checked
		t.Fatal(err)
	}
	start := int(r.runs.Load())
	r.before = func(n int) {
		if n == start+3 { // the write session, one poll, then reset
			r.dev.Reset()
		}
	}
	err := r.sw.Bind(ctx, interposer.Binding{Partition: 0, Logical: 2, Phys: 5})
	if err == nil || !strings.Contains(err.Error(), "lost the command") {
		t.Fatalf("error %v", err)
	}
	r.before = nil
	if got, err := r.sw.Bindings(ctx); err != nil || !reflect.DeepEqual(got, []interposer.Binding{{Partition: 1, Logical: 1, Phys: 2}}) {
		t.Errorf("after reset %v %v", got, err)
	}
}

func TestTimeout(t *testing.T) {
	cfg := simConfig()
	cfg.BusyPolls = 1 << 30
	r := newRig(t, cfg)
	r.sw.SetPolling(time.Millisecond, 20*time.Millisecond)
	err := r.sw.Bind(ctx, interposer.Binding{Partition: 0, Logical: 2, Phys: 5})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("error %v", err)
	}
	// The next command finds the mailbox busy and says so.
	err = r.sw.Unbind(ctx, 1, 1)
	if err == nil || !strings.Contains(err.Error(), "MRPC engine busy") {
		t.Errorf("next command: %v", err)
	}
}

func TestCancelledWhileWaitingForTheSwitch(t *testing.T) {
	r := newRig(t, simConfig())
	release := make(chan struct{})
	entered := make(chan struct{})
	r.before = func(n int) {
		if n == 1 {
			close(entered)
			<-release
		}
	}
	go r.sw.Bindings(ctx)
	<-entered
	c, cancel := context.WithCancel(ctx)
	cancel()
	if err := r.sw.Bind(c, interposer.Binding{Partition: 0, Logical: 2, Phys: 5}); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
	close(release)
}

// BenchmarkBindAndVerify reports the bus time of moving one drive: bind, then
// the single-port read-back, at 400 kHz (bus-µs/op), and the same with the
// whole bind table read back (table-bus-µs/op).
func BenchmarkBindAndVerify(b *testing.B) {
	r := newRig(b, simConfig())
	if _, err := r.sw.Bindings(ctx); err != nil {
		b.Fatal(err)
	}
	var one, table time.Duration
	bind := interposer.Binding{Partition: 0, Logical: 2, Phys: 5}
	for b.Loop() {
		r.bus.ResetStats()
		if err := r.sw.Bind(ctx, bind); err != nil {
			b.Fatal(err)
		}
		if _, ok, err := r.sw.PortBinding(ctx, 5); err != nil || !ok {
			b.Fatal(ok, err)
		}
		one += r.bus.Stats().BusTime
		if _, err := r.sw.Bindings(ctx); err != nil {
			b.Fatal(err)
		}
		table += r.bus.Stats().BusTime
		if err := r.sw.Unbind(ctx, 0, 2); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(one.Microseconds())/float64(b.N), "bus-µs/op")
	b.ReportMetric(float64((table-one).Microseconds())/float64(b.N), "table-bus-µs/op")
}

func BenchmarkPorts(b *testing.B) {
	r := newRig(b, simConfig())
	r.sw.Ports(ctx)
	var bus time.Duration
	for b.Loop() {
		r.bus.ResetStats()
		if _, err := r.sw.Ports(ctx); err != nil {
			b.Fatal(err)
		}
		bus += r.bus.Stats().BusTime
	}
	b.ReportMetric(float64(bus.Microseconds())/float64(b.N), "bus-µs/op")
}
