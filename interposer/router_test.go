package interposer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/chassisd/chassisd/board"
)

// testBoard: two hosts (partitions 0 and 1) and four drive ports. The fake
// switch also has partition 2, which no host owns, and port 30, which is
// not on the board: the router must leave both alone.
func testBoard() *board.Interposer {
	return &board.Interposer{
		Type: "switchtec-pfx",
		Hosts: []board.HostPort{
			{Name: "Host 0", Partition: 0, Port: 0},
			{Name: "Host 1", Partition: 1, Port: 8},
		},
		DrivePorts: []board.DrivePort{
			{Port: 16, Bay: 0, Slot: 0}, {Port: 17, Bay: 0, Slot: 1},
			{Port: 18, Bay: 1, Slot: 0}, {Port: 19, Bay: 1, Slot: 1},
		},
	}
}

// foreign is a binding of a port the board does not list: the switch's
// configuration put it there, and it holds logical port 1 of partition 0.
var foreign = Binding{Partition: 0, Logical: 1, Phys: 30}

func rt(hosts map[string][]int) Routing { return Routing{Hosts: hosts} }

type harness struct {
	t       *testing.T
	sw      *fakeSwitch
	dir     string
	r       *Router
	present map[int]bool
	changes [][2]Routing
	mu      sync.Mutex
}

// newHarness makes a router on a fresh fake switch (holding foreign) and
// state directory, and starts it.
func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, sw: newFakeSwitch(0, 1, 2), dir: t.TempDir(), present: map[int]bool{16: true, 17: true, 18: true, 19: true}}
	h.sw.set(foreign)
	h.r = h.router()
	if _, err := h.r.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return h
}

// router makes a router on the harness's switch and state directory.
func (h *harness) router() *Router {
	h.t.Helper()
	r, err := NewRouter(Config{
		Switch:   h.sw,
		Board:    testBoard(),
		StateDir: h.dir,
		Present: func(p int) bool {
			h.mu.Lock()
			defer h.mu.Unlock()
			return h.present[p]
		},
		OnChange: func(old, new Routing) {
			h.mu.Lock()
			h.changes = append(h.changes, [2]Routing{old, new})
			h.mu.Unlock()
		},
	})
	if err != nil {
		h.t.Fatalf("NewRouter: %v", err)
	}
	return r
}

func (h *harness) file() string {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.dir, RoutingFile))
	if err != nil {
		h.t.Fatalf("read routing file: %v", err)
	}
	return string(data)
}

func (h *harness) wantSwitch(want ...Binding) {
	h.t.Helper()
	if got := h.sw.state(); !reflect.DeepEqual(got, sortedBindings(want)) {
		h.t.Errorf("switch holds %v, want %v", got, sortedBindings(want))
	}
}

// TestApplyProgramsAndPersists: bindings take the lowest free logical port
// from 1 (port 30 holds logical 1 of partition 0, so Host 0's drives start
// at 2, and a freed number is reused), the file and Version follow, and
// OnChange sees each change.
func TestApplyProgramsAndPersists(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	v0 := h.r.Version()
	if err := h.r.Apply(ctx, rt(map[string][]int{"Host 0": {17, 16}, "Host 1": {18}})); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	h.wantSwitch(foreign, Binding{0, 2, 16}, Binding{0, 3, 17}, Binding{1, 1, 18})
	want := rt(map[string][]int{"Host 0": {16, 17}, "Host 1": {18}})
	if got := h.r.Current(); !got.Equal(want) {
		t.Errorf("Current = %v", got)
	}
	v1 := h.r.Version()
	if v1 == v0 {
		t.Error("Version did not change")
	}
	if got, v, err := parseRouting([]byte(h.file())); err != nil || !got.Equal(want) || v != v1 {
		t.Errorf("persisted %v version %d (%v), want %v version %d", got, v, err, want, v1)
	}
	// Take 16 from Host 0 and give 19 to it: 19 gets 16's logical port 2.
	if err := h.r.Detach(ctx, "Host 0", 16); err != nil {
		t.Fatalf("Detach: %v", err)
	}
	if err := h.r.Attach(ctx, "Host 0", 19); err != nil {
		t.Fatalf("Attach: %v", err)
	}
	h.wantSwitch(foreign, Binding{0, 2, 19}, Binding{0, 3, 17}, Binding{1, 1, 18})
	if len(h.changes) != 3 || !h.changes[0][0].Equal(Routing{}) || !h.changes[0][1].Equal(want) ||
		!h.changes[2][1].Equal(rt(map[string][]int{"Host 0": {17, 19}, "Host 1": {18}})) {
		t.Errorf("OnChange saw %v", h.changes)
	}
	// The same routing again is no change: no write, no new version.
	writes, v := h.sw.writes, h.r.Version()
	if err := h.r.Attach(ctx, "Host 0", 19); err != nil || h.sw.writes != writes || h.r.Version() != v || len(h.changes) != 3 {
		t.Errorf("repeated Attach: %v, %d writes, version %d->%d", err, h.sw.writes-writes, v, h.r.Version())
	}
}

// TestValidation: every refusal, with nothing written to the switch.
func TestValidation(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := h.r.Apply(ctx, rt(map[string][]int{"Host 1": {18}})); err != nil {
		t.Fatal(err)
	}
	h.present[19] = false
	h.present[18] = false // pulled after it was routed
	cases := []struct {
		name string
		next Routing
		is   error
		conf *ConflictError
	}{
		{"unknown host", rt(map[string][]int{"Host 9": {16}}), ErrUnknownHost, nil},
		{"host port is not a drive port", rt(map[string][]int{"Host 0": {8}}), ErrUnknownPort, nil},
		{"port not on the board", rt(map[string][]int{"Host 0": {30}}), ErrUnknownPort, nil},
		{"one port to two hosts", rt(map[string][]int{"Host 0": {16}, "Host 1": {16, 18}}), nil,
			&ConflictError{Port: 16, Host: "Host 1", OtherHost: "Host 0"}},
		{"port another host reaches", rt(map[string][]int{"Host 0": {18}}), nil,
			&ConflictError{Port: 18, Host: "Host 0", OtherHost: "Host 1"}},
		{"absent drive", rt(map[string][]int{"Host 0": {19}, "Host 1": {18}}), ErrDriveAbsent, nil},
	}
	writes := h.sw.writes
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := h.r.Apply(ctx, tc.next)
			var ce *ConflictError
			switch {
			case tc.conf != nil:
				if !errors.As(err, &ce) || *ce != *tc.conf {
					t.Errorf("Apply = %v, want %v", err, tc.conf)
				}
			case !errors.Is(err, tc.is):
				t.Errorf("Apply = %v, want %v", err, tc.is)
			}
		})
	}
	if h.sw.writes != writes {
		t.Errorf("%d writes for refused routings", h.sw.writes-writes)
	}
	// A routed drive that was pulled does not block other changes.
	h.present[17] = true
	if err := h.r.Apply(ctx, rt(map[string][]int{"Host 0": {17}, "Host 1": {18}})); err != nil {
		t.Errorf("Apply with a pulled, routed drive: %v", err)
	}
	if err := h.r.Detach(ctx, "Host 0", 16); !errors.Is(err, ErrNotRouted) {
		t.Errorf("Detach of an unrouted port = %v", err)
	}
	if err := h.r.Detach(ctx, "Host 7", 16); !errors.Is(err, ErrUnknownHost) {
		t.Errorf("Detach from an unknown host = %v", err)
	}
}

// failedChange checks what every failed change leaves: the switch, the
// file, Current and Version as before, and no OnChange.
func (h *harness) failedChange(err error, cause error, before []Binding, file string, cur Routing, version uint64) {
	h.t.Helper()
	var ce *ChangeError
	if !errors.As(err, &ce) || !errors.Is(err, cause) || ce.Rollback != nil {
		h.t.Fatalf("Apply = %v, want a rolled back *ChangeError for %v", err, cause)
	}
	h.wantSwitch(before...)
	if got := h.file(); got != file {
		h.t.Errorf("persisted routing changed:\n%s\nwas\n%s", got, file)
	}
	if !h.r.Current().Equal(cur) || h.r.Version() != version {
		h.t.Errorf("Current %v version %d, want %v version %d", h.r.Current(), h.r.Version(), cur, version)
	}
}

func TestFailedChangesRollBack(t *testing.T) {
	start := rt(map[string][]int{"Host 0": {16}, "Host 1": {18}})
	next := rt(map[string][]int{"Host 0": {16, 17, 19}})
	cases := []struct {
		name  string
		arm   func(f *fakeSwitch, writes, reads int)
		cause error
	}{
		// Unbind 18, bind 17, then the bind of 19 NACKs.
		{"write NACKs mid-change", func(f *fakeSwitch, w, _ int) { f.failWrite = w + 3 }, errFakeNACK},
		{"first write NACKs", func(f *fakeSwitch, w, _ int) { f.failWrite = w + 1 }, errFakeNACK},
		// Reads: bindings before writing, then the read-back.
		{"read-back differs", func(f *fakeSwitch, _, r int) { f.lieRead = r + 2 }, ErrMismatch},
		{"read-back fails", func(f *fakeSwitch, _, r int) { f.failRead = r + 2 }, errFakeNACK},
		{"first read fails", func(f *fakeSwitch, _, r int) { f.failRead = r + 1 }, errFakeNACK},
		// The switch resets (every binding gone, port 30's too) before the
		// second write; the writes go on and the read-back catches it.
		{"switch resets during the change", func(f *fakeSwitch, w, _ int) { f.resetWrite = w + 2 }, ErrMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			if err := h.r.Apply(ctx, start); err != nil {
				t.Fatal(err)
			}
			before, file, version := h.sw.state(), h.file(), h.r.Version()
			changes := len(h.changes)
			h.sw.arm(tc.arm)
			err := h.r.Apply(ctx, next)
			if tc.name == "switch resets during the change" {
				// The rollback restores the routing; port 30 is not the
				// router's to restore.
				before = []Binding{{0, 1, 16}, {1, 1, 18}}
			}
			h.failedChange(err, tc.cause, before, file, start, version)
			if len(h.changes) != changes {
				t.Errorf("OnChange called for a failed change")
			}
		})
	}
}

// TestRollbackFails: when putting the old routing back fails too, the
// error says so and nothing is persisted; the next change starts from what
// the switch holds.
func TestRollbackFails(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	start := rt(map[string][]int{"Host 0": {16}})
	if err := h.r.Apply(ctx, start); err != nil {
		t.Fatal(err)
	}
	file := h.file()
	h.sw.arm(func(f *fakeSwitch, _, _ int) { f.failAllBind = true })
	err := h.r.Apply(ctx, rt(map[string][]int{"Host 1": {17}}))
	var ce *ChangeError
	if !errors.As(err, &ce) || ce.Rollback == nil || !errors.Is(err, errFakeNACK) {
		t.Fatalf("Apply = %v, want a failed rollback", err)
	}
	if h.file() != file || !h.r.Current().Equal(start) {
		t.Errorf("state changed after a failed change: %v", h.r.Current())
	}
	h.sw.arm(func(f *fakeSwitch, _, _ int) { f.failAllBind = false })
	if err := h.r.Apply(ctx, rt(map[string][]int{"Host 0": {16, 17}})); err != nil {
		t.Fatalf("Apply after the switch recovered: %v", err)
	}
	h.wantSwitch(foreign, Binding{0, 2, 16}, Binding{0, 3, 17})
}

// TestPersistFails: a routing that cannot be persisted is not kept on the
// switch either, since the file is what the next start programs.
func TestPersistFails(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	before, cur, v := h.sw.state(), h.r.Current(), h.r.Version()
	if err := os.RemoveAll(h.dir); err != nil {
		t.Fatal(err)
	}
	var ce *ChangeError
	if err := h.r.Apply(ctx, rt(map[string][]int{"Host 0": {16}})); !errors.As(err, &ce) || ce.Rollback != nil {
		t.Fatalf("Apply = %v, want a rolled back *ChangeError", err)
	}
	h.wantSwitch(before...)
	if !h.r.Current().Equal(cur) || h.r.Version() != v {
		t.Errorf("Current %v version %d changed", h.r.Current(), h.r.Version())
	}
}

// TestConcurrentApplySameDrive: two clients give drive 17 to different
// hosts from the same view; changes are serialized, so the second sees
// the first's outcome and is refused with a conflict.
func TestConcurrentApplySameDrive(t *testing.T) {
	for range 20 {
		h := newHarness(t)
		view := h.r.Current()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, host := range []string{"Host 0", "Host 1"} {
			wg.Go(func() { errs[i] = h.r.Apply(context.Background(), view.With(host, 17)) })
		}
		wg.Wait()
		var ce *ConflictError
		switch {
		case errs[0] == nil && errors.As(errs[1], &ce) && ce.Host == "Host 1" && ce.OtherHost == "Host 0":
		case errs[1] == nil && errors.As(errs[0], &ce) && ce.Host == "Host 0" && ce.OtherHost == "Host 1":
		default:
			t.Fatalf("results %v, want one success and one conflict", errs)
		}
		if ce.Port != 17 {
			t.Errorf("conflict on port %d", ce.Port)
		}
		winner, _ := h.r.Current().HostOf(17)
		part := map[string]int{"Host 0": 0, "Host 1": 1}[winner]
		want := []Binding{foreign, {part, 1, 17}}
		if part == 0 {
			want[1].Logical = 2
		}
		h.wantSwitch(want...)
	}
}

// TestRestartConsistency: a new router on the same state directory and
// switch starts where the old one stopped: no drift, same routing and
// version.
func TestRestartConsistency(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	want := rt(map[string][]int{"Host 0": {16, 19}, "Host 1": {17}})
	if err := h.r.Apply(ctx, want); err != nil {
		t.Fatal(err)
	}
	v := h.r.Version()
	writes := h.sw.writes
	r2 := h.router()
	if err := r2.Apply(ctx, Routing{}); !errors.Is(err, ErrNotStarted) {
		t.Errorf("Apply before Start = %v", err)
	}
	d, err := r2.Start(ctx)
	if err != nil || d.Drifted() || d.Unreadable != nil {
		t.Fatalf("Start = %v, %v", d, err)
	}
	if !r2.Current().Equal(want) || r2.Version() != v || h.sw.writes != writes {
		t.Errorf("after restart: %v version %d (want %d), %d writes", r2.Current(), r2.Version(), v, h.sw.writes-writes)
	}
}

// TestPowerCutBetweenWriteAndPersist: the switch was programmed with a
// routing that never reached the file (the process died in between). The
// file is the truth: the next start reports the drift and programs it.
func TestPowerCutBetweenWriteAndPersist(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	persisted := rt(map[string][]int{"Host 0": {16}})
	if err := h.r.Apply(ctx, persisted); err != nil {
		t.Fatal(err)
	}
	v, file := h.r.Version(), h.file()
	// What the dead process had written: 16 moved to Host 1, 18 added.
	h.sw.set(foreign, Binding{1, 1, 16}, Binding{1, 2, 18})
	r2 := h.router()
	d, err := r2.Start(ctx)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if !d.Drifted() || !d.Found.Equal(rt(map[string][]int{"Host 1": {16, 18}})) || !d.Want.Equal(persisted) {
		t.Errorf("drift = %v", d)
	}
	h.wantSwitch(foreign, Binding{0, 2, 16})
	if !r2.Current().Equal(persisted) || r2.Version() != v || h.file() != file {
		t.Errorf("after restart: %v version %d, want %v version %d", r2.Current(), r2.Version(), persisted, v)
	}
}

// TestStartRemovesStrayBindings: a board drive port bound into a partition
// no host owns is reported and unbound; port 30 is not the router's.
func TestStartRemovesStrayBindings(t *testing.T) {
	h := newHarness(t)
	stray := Binding{Partition: 2, Logical: 1, Phys: 19}
	h.sw.set(foreign, stray)
	d, err := h.router().Start(context.Background())
	if err != nil || !d.Drifted() || !reflect.DeepEqual(d.Stray, []Binding{stray}) {
		t.Fatalf("Start = %v, %v", d, err)
	}
	h.wantSwitch(foreign)
}

// TestUnreadableRoutingFile: a torn or foreign routing.json is reported,
// kept aside, and the switch's routing becomes the truth.
func TestUnreadableRoutingFile(t *testing.T) {
	for name, content := range map[string]string{
		"torn":               `{"version": 3, "hosts": {"Host 0": [16`,
		"unknown host":       `{"version": 3, "hosts": {"Host 7": [16]}}`,
		"one port two hosts": `{"version": 3, "hosts": {"Host 0": [16], "Host 1": [16]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.sw.set(foreign, Binding{1, 1, 18})
			path := filepath.Join(h.dir, RoutingFile)
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			r := h.router()
			d, err := r.Start(context.Background())
			if err != nil || d.Unreadable == nil || d.Drifted() {
				t.Fatalf("Start = %v, %v; want an unreadable file reported and no drift", d, err)
			}
			want := rt(map[string][]int{"Host 1": {18}})
			if !r.Current().Equal(want) {
				t.Errorf("Current = %v", r.Current())
			}
			if got, _, err := parseRouting([]byte(h.file())); err != nil || !got.Equal(want) {
				t.Errorf("persisted %v, %v", got, err)
			}
			if kept, _ := os.ReadFile(path + ".unreadable"); string(kept) != content {
				t.Errorf("unreadable file kept as %q", kept)
			}
		})
	}
}

// TestStartFailure: a persisted routing the switch will not take leaves
// the switch as it was, Current showing it, and changes refused until a
// Start succeeds.
func TestStartFailure(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	persisted := rt(map[string][]int{"Host 0": {16}})
	if err := h.r.Apply(ctx, persisted); err != nil {
		t.Fatal(err)
	}
	h.sw.set(foreign) // the switch lost its routing
	h.sw.arm(func(f *fakeSwitch, _, _ int) { f.failAllBind = true })
	r := h.router()
	if _, err := r.Start(ctx); !errors.Is(err, errFakeNACK) {
		t.Fatalf("Start = %v", err)
	}
	if !r.Current().Equal(Routing{}) || r.Version() != 0 {
		t.Errorf("Current = %v version %d, want the switch's routing at version 0", r.Current(), r.Version())
	}
	if err := r.Attach(ctx, "Host 1", 17); !errors.Is(err, ErrNotStarted) {
		t.Errorf("Attach after a failed start = %v", err)
	}
	h.sw.arm(func(f *fakeSwitch, _, _ int) { f.failAllBind = false })
	if d, err := r.Start(ctx); err != nil || !d.Want.Equal(persisted) {
		t.Fatalf("second Start = %v, %v", d, err)
	}
	h.wantSwitch(foreign, Binding{0, 2, 16})
	if r.Version() != h.r.Version() {
		t.Errorf("version %d after the second Start, want the persisted %d", r.Version(), h.r.Version())
	}
}

// TestNoStateDir: without a state directory the switch's routing is
// adopted at start and changes live in memory.
func TestNoStateDir(t *testing.T) {
	sw := newFakeSwitch(0, 1)
	sw.set(Binding{0, 1, 17})
	r, err := NewRouter(Config{Switch: sw, Board: testBoard()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if d, err := r.Start(ctx); err != nil || d.Drifted() || !r.Current().Equal(rt(map[string][]int{"Host 0": {17}})) {
		t.Fatalf("Start = %v, %v; Current %v", d, err, r.Current())
	}
	if err := r.Attach(ctx, "Host 1", 18); err != nil {
		t.Fatal(err)
	}
	sw.set() // a switch reset; Start reconciles with the last applied routing
	if d, err := r.Start(ctx); err != nil || !d.Drifted() {
		t.Fatalf("Start after reset = %v, %v", d, err)
	}
	if got := sw.state(); !reflect.DeepEqual(got, []Binding{{0, 1, 17}, {1, 1, 18}}) {
		t.Errorf("switch holds %v", got)
	}
}

func TestNewRouterNeedsSwitchAndBoard(t *testing.T) {
	if _, err := NewRouter(Config{Board: testBoard()}); err == nil {
		t.Error("NewRouter without a switch")
	}
	if _, err := NewRouter(Config{Switch: newFakeSwitch()}); err == nil {
		t.Error("NewRouter without a board")
	}
}

// BenchmarkAttachDetach is the router's own cost of routing one drive to
// a host and back (each: validate, two reads, one write, compare, persist)
// on a switch that answers at once; bus time is the driver's and the
// simulator's to measure.
func BenchmarkAttachDetach(b *testing.B) {
	sw := newFakeSwitch(0, 1)
	r, err := NewRouter(Config{Switch: sw, Board: testBoard(), StateDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := r.Start(ctx); err != nil {
		b.Fatal(err)
	}
	hosts := []string{"Host 0", "Host 1"}
	for i := 0; b.Loop(); i++ {
		if err := r.Attach(ctx, hosts[i%2], 16); err != nil {
			b.Fatal(err)
		}
		if err := r.Detach(ctx, hosts[i%2], 16); err != nil {
			b.Fatal(err)
		}
	}
}
