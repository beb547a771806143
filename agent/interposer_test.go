package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim"
	simswitch "github.com/chassisd/chassisd/board/sim/switchtec"
	"github.com/chassisd/chassisd/interposer"
	"github.com/chassisd/chassisd/interposer/switchtec"
	"github.com/chassisd/chassisd/sled"
	"periph.io/x/conn/v3/i2c"
)

// The interposer on the default simulated chassis (board/sim/board.yaml):
// four hosts "Host 0".."Host 3" on ports 0..3 and partitions 0..3, and a
// drive port 8+4*bay+slot for every slot of the eight bays. The default
// scenario leaves bays 3 and 6 empty (ports 20..23, 32..35) and slot 2 of
// bay 4 (port 26).
const (
	simSwitchAddr = 0x20
	emptySlotPort = 26 // bay 4 slot 2
	emptyBayPort  = 20 // bay 3 slot 0
)

// fabricRig is an agent on the default simulated chassis with its state
// in a directory of its own, and a tap on the switch's bus so a test can
// act between two transactions of a composition.
type fabricRig struct {
	t     *testing.T
	board *board.Board
	sim   *sim.Chassis
	sw    *simswitch.Device
	dir   string
	a     *Agent
	log   *changeLog
	tap   *busTap
}

// newFabricRig builds the simulated chassis and an agent on it; the
// agent has not walked yet.
func newFabricRig(t *testing.T) *fabricRig {
	t.Helper()
	b, c := defaultSim(t)
	r := &fabricRig{t: t, board: b, sim: c, sw: c.Switch(), dir: t.TempDir()}
	if r.sw == nil {
		t.Fatal("the default simulated board has no interposer switch")
	}
	r.startAgent(time.Hour)
	return r
}

// startAgent starts a new agent on the rig's chassis and state directory,
// as a restarted chassisd would. The previous agent, if any, is closed.
func (r *fabricRig) startAgent(poll time.Duration) {
	r.t.Helper()
	if r.a != nil {
		r.a.Close()
	}
	r.log = &changeLog{}
	r.tap = &busTap{}
	a, err := New(Config{Board: r.board, Hardware: tappedHardware{Hardware: r.sim, tap: r.tap},
		PollInterval: poll, Logger: quietLogger(), Simulated: true, StateDir: r.dir, OnChanges: r.log.add})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(a.Close)
	r.a = a
}

// walk walks the chassis and returns the snapshot's fabric.
func (r *fabricRig) walk() *Fabric {
	r.t.Helper()
	f := r.a.Walk(context.Background()).Fabric
	if f == nil {
		r.t.Fatal("the snapshot has no fabric")
	}
	return f
}

// compose adds ports to host at the snapshot's routing version.
func (r *fabricRig) compose(host string, ports ...int) error {
	return r.a.Compose(context.Background(), r.a.Snapshot().Fabric.Version, addPorts(host, ports...))
}

// mustCompose is compose that must succeed.
func (r *fabricRig) mustCompose(host string, ports ...int) {
	r.t.Helper()
	if err := r.compose(host, ports...); err != nil {
		r.t.Fatalf("compose %s %v: %v", host, ports, err)
	}
}

func addPorts(host string, ports ...int) func(map[string][]int) error {
	return func(m map[string][]int) error {
		m[host] = append(m[host], ports...)
		return nil
	}
}

// switchRouting reads the routing the simulated switch holds, straight
// from the emulation: partition i is Host i on the default board.
func (r *fabricRig) switchRouting() interposer.Routing {
	rt := interposer.Routing{Hosts: map[string][]int{}}
	for _, b := range r.sw.Bindings() {
		h := fmt.Sprintf("Host %d", b.Partition)
		rt.Hosts[h] = append(rt.Hosts[h], b.Phys)
	}
	return rt.Clone()
}

// routingFile is routing.json's bytes; nil when there is none.
func (r *fabricRig) routingFile() []byte {
	r.t.Helper()
	data, err := os.ReadFile(filepath.Join(r.dir, interposer.RoutingFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		r.t.Fatal(err)
	}
	return data
}

// persisted parses routing.json.
func (r *fabricRig) persisted() (interposer.Routing, uint64) {
	r.t.Helper()
	data := r.routingFile()
	if data == nil {
		r.t.Fatalf("no %s in the state directory", interposer.RoutingFile)
	}
	var f struct {
		Version uint64           `json:"version"`
		Hosts   map[string][]int `json:"hosts"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		r.t.Fatalf("%s: %v\n%s", interposer.RoutingFile, err, data)
	}
	return interposer.Routing{Hosts: f.Hosts}, f.Version
}

// consistent checks that the switch, the published snapshot and
// routing.json all hold want.
func (r *fabricRig) consistent(want interposer.Routing) {
	r.t.Helper()
	if got := r.switchRouting(); !got.Equal(want) {
		r.t.Errorf("switch holds %s, want %s", got, want)
	}
	f := r.a.Snapshot().Fabric
	if got := (interposer.Routing{Hosts: f.Routing}); !got.Equal(want) {
		r.t.Errorf("snapshot shows %s, want %s", got, want)
	}
	if got, _ := r.persisted(); !got.Equal(want) {
		r.t.Errorf("%s holds %s, want %s", interposer.RoutingFile, got, want)
	}
}

func wantRouting(hosts map[string][]int) interposer.Routing { return interposer.Routing{Hosts: hosts} }

// changeLog is the recorder of bringup_test.go.
type changeLog = recorder

// busTap calls a hook after every transaction with the switch, on the
// goroutine that owns the bus, so that a test can change the switch
// between two steps of a composition (after the write, before the read-back).
type busTap struct {
	hook atomic.Pointer[func(w []byte)]
}

func (b *busTap) set(fn func(w []byte)) {
	if fn == nil {
		b.hook.Store(nil)
		return
	}
	b.hook.Store(&fn)
}

// tappedHardware hands out the simulated buses wrapped in the tap.
type tappedHardware struct {
	board.Hardware
	tap *busTap
}

func (h tappedHardware) I2C(name string) (i2c.Bus, error) {
	bus, err := h.Hardware.I2C(name)
	if err != nil {
		return nil, err
	}
	return &tappedBus{Bus: bus, tap: h.tap}, nil
}

type tappedBus struct {
	i2c.Bus
	tap *busTap
}

func (b *tappedBus) Tx(addr uint16, w, r []byte) error {
	err := b.Bus.Tx(addr, w, r)
	if addr == simSwitchAddr {
		if fn := b.tap.hook.Load(); fn != nil {
			(*fn)(w)
		}
	}
	return err
}

// Recover passes bus recovery through, as bring-up uses it.
func (b *tappedBus) Recover() error {
	if rc, ok := b.Bus.(interface{ Recover() error }); ok {
		return rc.Recover()
	}
	return errors.New("tapped bus: no recovery")
}

// onceWhen arms fn to run once, after the first switch transaction at
// which cond holds; cond gets the bytes the transaction wrote.
func (r *fabricRig) onceWhen(cond func(w []byte) bool, fn func()) {
	var done atomic.Bool
	r.tap.set(func(w []byte) {
		if !done.Load() && cond(w) {
			done.Store(true)
			fn()
		}
	})
}

// TestFabricAfterWalk: the first walk reads the switch's identity and
// every wired port's link, and starts the router on an empty routing.
func TestFabricAfterWalk(t *testing.T) {
	r := newFabricRig(t)
	snap := r.a.Walk(context.Background())
	f := snap.Fabric
	if f == nil {
		t.Fatal("no fabric in the snapshot")
	}
	if f.Switch.VendorID != 0x11F8 || f.Switch.DeviceID != 0x4052 {
		t.Errorf("switch %#04x:%#04x, want Microchip 0x11f8:0x4052", f.Switch.VendorID, f.Switch.DeviceID)
	}
	if f.Switch.FirmwareVersion == "" || f.Switch.Where != "i2c-1 0x20" {
		t.Errorf("switch firmware %q at %q", f.Switch.FirmwareVersion, f.Switch.Where)
	}
	if want := []string{"Host 0", "Host 1", "Host 2", "Host 3"}; !slices.Equal(f.Hosts, want) {
		t.Errorf("hosts %q, want %q", f.Hosts, want)
	}
	if len(f.Ports) != 36 {
		t.Fatalf("%d ports, want the 36 the board wires (4 hosts, 32 drive slots)", len(f.Ports))
	}
	for _, p := range f.Ports {
		if p.Phys < 8 {
			if p.Role != PortUpstream || p.Host != fmt.Sprintf("Host %d", p.Phys) || !p.LinkUp || p.Health != sled.HealthOK {
				t.Errorf("host port %d: %+v", p.Phys, p)
			}
			continue
		}
		bay, slot := (p.Phys-8)/4, (p.Phys-8)%4
		if p.Role != PortDownstream || p.Bay != bay || p.Slot != slot {
			t.Errorf("port %d: role %s bay %d slot %d, want Downstream bay %d slot %d", p.Phys, p.Role, p.Bay, p.Slot, bay, slot)
		}
		present := drivePresentIn(snap, bay, slot)
		if p.LinkUp != present {
			t.Errorf("port %d (bay %d slot %d): link up %v, drive present %v", p.Phys, bay, slot, p.LinkUp, present)
		}
		// An empty slot's link is down, which is no problem.
		if p.Health != sled.HealthOK {
			t.Errorf("port %d: health %s", p.Phys, p.Health)
		}
	}
	up := 0
	for _, p := range f.Ports {
		if p.Role == PortDownstream && p.LinkUp {
			up++
		}
	}
	// Six sleds of four slots, one slot empty.
	if up != 23 {
		t.Errorf("%d drive links up, want the scenario's 23 drives", up)
	}
	for _, phys := range []int{emptySlotPort, emptyBayPort, 35} {
		if p := fabricPort(f, phys); p == nil || p.LinkUp {
			t.Errorf("empty slot's port %d: %+v, want LinkDown", phys, p)
		}
	}
	if len(f.Routing) != 0 {
		t.Errorf("routing %v on a fresh switch", f.Routing)
	}
	if f.Version == 0 {
		t.Error("routing version 0 after the walk: the router did not start")
	}
	if f.Health != sled.HealthOK || len(f.Problems) > 0 {
		t.Errorf("fabric health %s, problems %v", f.Health, f.Problems)
	}
}

func drivePresentIn(s *Snapshot, bay, slot int) bool {
	sl := sledOf(s, bay)
	if sl == nil {
		return false
	}
	for _, d := range sl.Drives {
		if d.Slot == slot {
			return d.Present
		}
	}
	return false
}

func fabricPort(f *Fabric, phys int) *FabricPort {
	for i := range f.Ports {
		if f.Ports[i].Phys == phys {
			return &f.Ports[i]
		}
	}
	return nil
}

// TestComposeProgramsTheSwitch: two drives for Host 0 end up bound into
// partition 0, persisted, published and reported.
func TestComposeProgramsTheSwitch(t *testing.T) {
	r := newFabricRig(t)
	before := r.walk()
	r.log.take("")
	if err := r.a.Compose(context.Background(), before.Version, addPorts("Host 0", 9, 8)); err != nil {
		t.Fatal(err)
	}
	// The router binds in port order, each at the partition's lowest free
	// logical port.
	want0 := []simswitch.Binding{{Partition: 0, Logical: 1, Phys: 8}, {Partition: 0, Logical: 2, Phys: 9}}
	if got := r.sw.Bindings(); !slices.Equal(got, want0) {
		t.Errorf("switch bindings %+v, want %+v", got, want0)
	}
	want := wantRouting(map[string][]int{"Host 0": {8, 9}})
	r.consistent(want)
	after := r.a.Snapshot().Fabric
	if after.Version == before.Version {
		t.Errorf("routing version still %d after a change", after.Version)
	}
	if _, v := r.persisted(); v != after.Version {
		t.Errorf("%s version %d, snapshot's %d", interposer.RoutingFile, v, after.Version)
	}
	if !slices.Equal(after.Routing["Host 0"], []int{8, 9}) {
		t.Errorf("snapshot routing %v, want Host 0: [8 9] in port order", after.Routing)
	}
	ch := r.log.take(RoutingChanged)
	if len(ch) != 1 {
		t.Fatalf("RoutingChanged reported %d times: %+v", len(ch), ch)
	}
	if ch[0].From != "no drives routed" || ch[0].To != `"Host 0": 8 9` {
		t.Errorf("change from %q to %q", ch[0].From, ch[0].To)
	}
}

// TestComposeRefusals: a composition the agent refuses changes nothing:
// not the switch, not routing.json, not the snapshot's routing or version.
func TestComposeRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stale bool
		edit  func(map[string][]int) error
		check func(error) bool
	}{
		{"stale version", true, addPorts("Host 0", 12), func(err error) bool { return errors.Is(err, ErrStaleRouting) }},
		{"drive of Host 0 to Host 1", false, addPorts("Host 1", 8), func(err error) bool {
			var rc *RoutingConflict
			return errors.As(err, &rc) && rc.Port == 8 && rc.Host == "Host 1" && rc.OtherHost == "Host 0"
		}},
		// Moving a drive is two changes (interposer.ConflictError), so a
		// client working from an old view never takes a drive away by
		// accident: one routing that takes it from Host 0 and gives it to
		// Host 1 is refused too.
		{"moved in one step", false, func(m map[string][]int) error {
			m["Host 1"] = []int{8}
			delete(m, "Host 0")
			return nil
		}, func(err error) bool {
			var rc *RoutingConflict
			return errors.As(err, &rc) && rc.Port == 8 && rc.Host == "Host 1" && rc.OtherHost == "Host 0"
		}},
		{"unknown port", false, addPorts("Host 1", 99), func(err error) bool { return errors.Is(err, ErrUnknownPort) }},
		{"host port as a drive", false, addPorts("Host 1", 2), func(err error) bool { return errors.Is(err, ErrUnknownPort) }},
		{"unknown host", false, addPorts("Host 9", 12), func(err error) bool { return errors.Is(err, ErrUnknownPort) }},
		{"empty slot", false, addPorts("Host 1", emptySlotPort), func(err error) bool { return errors.Is(err, ErrDriveAbsent) }},
		{"empty bay", false, addPorts("Host 1", emptyBayPort), func(err error) bool { return errors.Is(err, ErrDriveAbsent) }},
		{"edit fails", false, func(map[string][]int) error { return errEditRefused },
			func(err error) bool { return errors.Is(err, errEditRefused) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newFabricRig(t)
			r.walk()
			r.mustCompose("Host 0", 8, 9)
			r.log.take("")
			file, bindings, f := r.routingFile(), r.sw.Bindings(), r.a.Snapshot().Fabric
			v := f.Version
			if tc.stale {
				v--
			}
			err := r.a.Compose(context.Background(), v, tc.edit)
			if err == nil || !tc.check(err) {
				t.Fatalf("Compose: %v (%T)", err, err)
			}
			if got := r.sw.Bindings(); !slices.Equal(got, bindings) {
				t.Errorf("switch bindings changed: %+v, were %+v", got, bindings)
			}
			if got := r.routingFile(); string(got) != string(file) {
				t.Errorf("%s changed: %s, was %s", interposer.RoutingFile, got, file)
			}
			now := r.a.Snapshot().Fabric
			if now.Version != f.Version || !maps.EqualFunc(now.Routing, f.Routing, slices.Equal) {
				t.Errorf("snapshot routing %v v%d, was %v v%d", now.Routing, now.Version, f.Routing, f.Version)
			}
			if ch := r.log.take(RoutingChanged); len(ch) > 0 {
				t.Errorf("a refused composition reported %+v", ch)
			}
		})
	}
}

var errEditRefused = errors.New("the edit refused")

// TestComposeRace: two clients compose the same drive to different hosts
// at the same routing version; exactly one wins.
func TestComposeRace(t *testing.T) {
	r := newFabricRig(t)
	r.walk()
	want := interposer.Routing{}
	// Ten drives present in bays 0, 1 and 2.
	for i, port := range []int{8, 9, 10, 11, 12, 13, 14, 15, 16, 17} {
		v := r.a.Snapshot().Fabric.Version
		hosts := []string{"Host 0", "Host 1"}
		if i%2 == 1 {
			hosts = []string{"Host 3", "Host 2"}
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for j, h := range hosts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[j] = r.a.Compose(context.Background(), v, addPorts(h, port))
			}()
		}
		close(start)
		wg.Wait()
		won := -1
		for j, err := range errs {
			var rc *RoutingConflict
			switch {
			case err == nil:
				if won >= 0 {
					t.Fatalf("port %d: both %s and %s won", port, hosts[won], hosts[j])
				}
				won = j
			case errors.Is(err, ErrStaleRouting), errors.As(err, &rc):
			default:
				t.Fatalf("port %d: %s: %v, want a stale routing or a conflict", port, hosts[j], err)
			}
		}
		if won < 0 {
			t.Fatalf("port %d: neither composition won: %v", port, errs)
		}
		want = want.With(hosts[won], port)
		r.consistent(want)
	}
}

// TestComposeFaults: a change the switch does not take is rolled back;
// the switch, the snapshot and routing.json keep the last good routing,
// and the next composition works.
func TestComposeFaults(t *testing.T) {
	good := wantRouting(map[string][]int{"Host 1": {12}})
	// bound is a tap condition: the switch holds n of the change's drive
	// ports (8, then 9) in partition 0. With done, it also has just
	// answered a GAS read (E9), the status read that finds the bind
	// "done"; without, the bind's command write has just reached it and
	// the driver has not yet seen it complete.
	bound := func(r *fabricRig, n int, done bool) func([]byte) bool {
		return func(w []byte) bool {
			if done && (len(w) == 0 || w[0] != 0xE9) {
				return false
			}
			return len(r.switchRouting().Hosts["Host 0"]) == n
		}
	}
	for _, tc := range []struct {
		name  string
		fault func(r *fabricRig)
		is    error  // the error the failure wraps, if one is known
		cause string // where it failed
	}{
		{"write NACK before the change", func(r *fabricRig) { r.sw.FailNextWrites(1) },
			board.ErrNACK, "read bindings"},
		{"write NACK mid-change", func(r *fabricRig) { r.onceWhen(bound(r, 1, false), func() { r.sw.FailNextWrites(1) }) },
			board.ErrNACK, "bind drive port 9"},
		{"read-back differs", func(r *fabricRig) { r.onceWhen(bound(r, 2, true), r.sw.CorruptNextReadback) },
			interposer.ErrMismatch, "drive port 8 is not bound"},
		{"bind info corrupt before the change", func(r *fabricRig) { r.sw.CorruptNextReadback() },
			interposer.ErrMismatch, "drive port 8 is not bound"},
		{"switch resets with the first bind in flight", func(r *fabricRig) { r.onceWhen(bound(r, 1, false), r.sw.Reset) },
			nil, "bind drive port 8"},
		{"switch resets between the binds", func(r *fabricRig) { r.onceWhen(bound(r, 1, true), r.sw.Reset) },
			interposer.ErrMismatch, "drive port 8 is not bound"},
		{"switch resets with the last bind in flight", func(r *fabricRig) { r.onceWhen(bound(r, 2, false), r.sw.Reset) },
			nil, "bind drive port 9"},
		// The reset also loses Host 1's drive: the rollback binds it again.
		{"switch resets before the read-back", func(r *fabricRig) { r.onceWhen(bound(r, 2, true), r.sw.Reset) },
			interposer.ErrMismatch, "drive port 12 is not bound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newFabricRig(t)
			r.walk()
			r.mustCompose("Host 1", 12)
			r.log.take("")
			file, v := r.routingFile(), r.a.Snapshot().Fabric.Version

			tc.fault(r)
			err := r.compose("Host 0", 8, 9)
			r.tap.set(nil)
			var ce *interposer.ChangeError
			if !errors.As(err, &ce) {
				t.Fatalf("Compose: %v (%T), want a *interposer.ChangeError", err, err)
			}
			if ce.Rollback != nil {
				t.Fatalf("rollback failed: %v", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Compose: %v, want one wrapping %v", err, tc.is)
			}
			if !strings.Contains(ce.Cause.Error(), tc.cause) {
				t.Errorf("Compose failed with %q, want it to fail at %q", ce.Cause, tc.cause)
			}
			r.consistent(good)
			if got := r.routingFile(); string(got) != string(file) {
				t.Errorf("%s changed: %s, was %s", interposer.RoutingFile, got, file)
			}
			if now := r.a.Snapshot().Fabric.Version; now != v {
				t.Errorf("routing version %d after a failed change, was %d", now, v)
			}
			if ch := r.log.take(RoutingChanged); len(ch) > 0 {
				t.Errorf("a failed composition reported %+v", ch)
			}
			// A walk after the fault finds nothing to repair, and the
			// next composition goes through.
			r.walk()
			r.consistent(good)
			r.mustCompose("Host 0", 8, 9)
			r.consistent(wantRouting(map[string][]int{"Host 0": {8, 9}, "Host 1": {12}}))
		})
	}
}

// TestSwitchResetBetweenChanges: a switch that restarts while no change
// is running loses its dynamic bindings; the agent's next poll must notice
// and program the routing again (Router.Start says it may be called again
// for this).
func TestSwitchResetBetweenChanges(t *testing.T) {
	r := newFabricRig(t)
	r.walk()
	r.mustCompose("Host 0", 8, 9)
	want := wantRouting(map[string][]int{"Host 0": {8, 9}})
	r.log.take("")
	r.sw.Reset()
	r.walk()
	r.walk()
	if got := r.switchRouting(); !got.Equal(want) {
		t.Fatalf("after a switch reset outside a change the routing was not restored: switch holds %s, snapshot shows %v",
			got, r.a.Snapshot().Fabric.Routing)
	}
	r.consistent(want)
}

// TestRestartReconciles: a power cut between programming the switch and
// persisting the routing leaves the switch ahead of routing.json. A new
// agent on the same state directory puts the persisted routing back on its
// first walk and reports the drift.
func TestRestartReconciles(t *testing.T) {
	for _, tc := range []struct {
		name string
		// cut leaves the switch and routing.json disagreeing, and returns
		// what routing.json holds.
		cut func(t *testing.T, r *fabricRig) interposer.Routing
	}{
		{"switch written, not persisted", func(t *testing.T, r *fabricRig) interposer.Routing {
			// A second driver on the bus, standing in for the agent that
			// bound port 12 to Host 1 and lost power before it persisted.
			bus, err := r.sim.I2C("i2c-1")
			if err != nil {
				t.Fatal(err)
			}
			drv := switchtec.New(func(_ context.Context, fn func(i2c.Bus) error) error { return fn(bus) }, simSwitchAddr)
			ctx := context.Background()
			if err := drv.Bind(ctx, interposer.Binding{Partition: 1, Logical: 1, Phys: 12}); err != nil {
				t.Fatal(err)
			}
			if err := drv.Unbind(ctx, 0, bindingOf(t, r, 9).Logical); err != nil {
				t.Fatal(err)
			}
			return wantRouting(map[string][]int{"Host 0": {8, 9}})
		}},
		{"routing.json is the older routing", func(t *testing.T, r *fabricRig) interposer.Routing {
			older := []byte(`{"version":1,"hosts":{"Host 2":[16]}}` + "\n")
			if err := os.WriteFile(filepath.Join(r.dir, interposer.RoutingFile), older, 0o644); err != nil {
				t.Fatal(err)
			}
			return wantRouting(map[string][]int{"Host 2": {16}})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newFabricRig(t)
			r.walk()
			r.mustCompose("Host 0", 8, 9)
			r.a.Close()
			want := tc.cut(t, r)
			found := r.switchRouting()
			if found.Equal(want) {
				t.Fatalf("the cut left the switch matching routing.json (%s)", found)
			}

			r.startAgent(time.Hour)
			r.walk()
			r.consistent(want)
			ch := r.log.take(RoutingChanged)
			if len(ch) != 1 || ch[0].From != found.String() || ch[0].To != want.String() {
				t.Fatalf("drift reported as %+v, want one RoutingChanged from %q to %q", ch, found, want)
			}
			// The new agent composes from there.
			r.mustCompose("Host 3", 28)
			r.consistent(want.With("Host 3", 28))
		})
	}
}

// bindingOf finds a drive port's binding on the simulated switch.
func bindingOf(t *testing.T, r *fabricRig, phys int) simswitch.Binding {
	t.Helper()
	for _, b := range r.sw.Bindings() {
		if b.Phys == phys {
			return b
		}
	}
	t.Fatalf("drive port %d is not bound", phys)
	return simswitch.Binding{}
}

// TestLinkMonitoring: a drive port that loses its link under a present
// drive is reported and shown as Warning; its return is reported too.
// Error counters grow with the errors the switch sees.
func TestLinkMonitoring(t *testing.T) {
	r := newFabricRig(t)
	f := r.walk()
	r.log.take("")
	if p := fabricPort(f, 9); p == nil || !p.LinkUp || p.Health != sled.HealthOK {
		t.Fatalf("port 9 before: %+v", p)
	}

	if err := r.sw.SetLink(9, false); err != nil {
		t.Fatal(err)
	}
	f = r.walk()
	p := fabricPort(f, 9)
	if p.LinkUp || p.Health != sled.HealthWarning {
		t.Errorf("port 9 after its link dropped: up %v health %s, want down and Warning", p.LinkUp, p.Health)
	}
	if f.Health != sled.HealthWarning {
		t.Errorf("fabric health %s with a drive link down, want Warning", f.Health)
	}
	checkLinkChange(t, r.log.take(LinkStateChanged), 9, "LinkUp", "LinkDown")
	// Still down: nothing new to say.
	r.walk()
	if ch := r.log.take(LinkStateChanged); len(ch) > 0 {
		t.Errorf("a link still down reported again: %+v", ch)
	}

	if err := r.sw.SetLink(9, true); err != nil {
		t.Fatal(err)
	}
	f = r.walk()
	if p := fabricPort(f, 9); !p.LinkUp || p.Health != sled.HealthOK {
		t.Errorf("port 9 after its link came back: %+v", p)
	}
	checkLinkChange(t, r.log.take(LinkStateChanged), 9, "LinkDown", "LinkUp")

	// Counters are armed by the first walk; errors seen since count.
	before := fabricPort(f, 10).Errors
	if err := r.sw.InjectErrors(10, 7); err != nil {
		t.Fatal(err)
	}
	f = r.walk()
	after := fabricPort(f, 10).Errors
	if after.ReceiverErrors != before.ReceiverErrors+7 || after.BadTLP != before.BadTLP+7 {
		t.Errorf("port 10 counters %+v, were %+v; want 7 more receiver errors and bad TLPs", after, before)
	}
	if other := fabricPort(f, 11).Errors; other != (FabricErrors{}) {
		t.Errorf("port 11 counted errors injected on port 10: %+v", other)
	}
}

func checkLinkChange(t *testing.T, ch []Change, phys int, from, to string) {
	t.Helper()
	bay, slot := (phys-8)/4, (phys-8)%4
	if len(ch) != 1 {
		t.Fatalf("LinkStateChanged reported %d times: %+v", len(ch), ch)
	}
	c := ch[0]
	if c.From != from || c.To != to || c.Bay != bay || c.Slot != slot || !strings.Contains(c.Message, fmt.Sprintf("port %d", phys)) {
		t.Errorf("link change %+v, want port %d (bay %d slot %d) %s -> %s", c, phys, bay, slot, from, to)
	}
}

// TestLinkMonitoringByPolling: the Run loop's poll sees a link drop
// without a walk being asked for.
func TestLinkMonitoringByPolling(t *testing.T) {
	r := newFabricRig(t)
	r.startAgent(20 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, r.a, "first walk", func(s *Snapshot) bool { return s.Fabric != nil && s.Fabric.Version != 0 })
	if err := r.sw.SetLink(16, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r.a, "port 16 down", func(s *Snapshot) bool {
		p := fabricPort(s.Fabric, 16)
		return p != nil && !p.LinkUp && p.Health == sled.HealthWarning
	})
	// The change is reported before the snapshot that shows it.
	checkLinkChange(t, r.log.take(LinkStateChanged), 16, "LinkUp", "LinkDown")
}
