package redfish

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/sled"
)

// testFabric is an interposer with two hosts and four drive ports:
//   - port 0: Host 0's, x16 capable at 16 GT/s, trained x8 at 8 GT/s;
//   - port 1: Host 1's, no link (the host is off);
//   - port 8: Sled0 slot 0 (a drive), x4 at 16 GT/s, routed to Host 0;
//   - port 9: Sled0 slot 3 (a healthy drive) with no link;
//   - port 10: Sled0 slot 2, which is empty;
//   - port 11: Sled2 slot 0 (a drive), x4 at 8 GT/s.
//
// Host 0 has a zone holding port 8; Host 1 has none.
func testFabric() *agent.Fabric {
	return &agent.Fabric{
		Switch: agent.FabricSwitch{VendorID: 0x11F8, DeviceID: 0x4028, FirmwareVersion: "4.70 B0A5",
			Partitions: 2, Generation: "Gen4", Where: "i2c-1 0x20"},
		Health: sled.HealthOK,
		Hosts:  []string{"Host 0", "Host 1"},
		Ports: []agent.FabricPort{
			{Phys: 0, Role: agent.PortUpstream, Host: "Host 0", Partition: 0, Bay: -1, Slot: -1, LinkUp: true,
				LTSSM: "L0", Width: 8, MaxWidth: 16, SpeedGTs: 8, MaxSpeedGTs: 16, Health: sled.HealthOK},
			{Phys: 1, Role: agent.PortUpstream, Host: "Host 1", Partition: 1, Bay: -1, Slot: -1,
				LTSSM: "Detect", MaxWidth: 16, MaxSpeedGTs: 16, Health: sled.HealthOK},
			{Phys: 8, Role: agent.PortDownstream, Bay: 0, Slot: 0, LinkUp: true, LTSSM: "L0", Width: 4, MaxWidth: 4,
				SpeedGTs: 16, MaxSpeedGTs: 16, Health: sled.HealthOK,
				Errors: agent.FabricErrors{BadTLP: 1, BadDLLP: 2, ReceiverErrors: 3, ReplayTimeouts: 4, ReplayRollovers: 5}},
			{Phys: 9, Role: agent.PortDownstream, Bay: 0, Slot: 3, LTSSM: "Detect", MaxWidth: 4, MaxSpeedGTs: 16, Health: sled.HealthOK},
			{Phys: 10, Role: agent.PortDownstream, Bay: 0, Slot: 2, LTSSM: "Detect", MaxWidth: 4, MaxSpeedGTs: 16, Health: sled.HealthOK},
			{Phys: 11, Role: agent.PortDownstream, Bay: 2, Slot: 0, LinkUp: true, LTSSM: "L0", Width: 4, MaxWidth: 4,
				SpeedGTs: 8, MaxSpeedGTs: 16, Health: sled.HealthOK},
		},
		Routing: map[string][]int{"Host 0": {8}},
		Version: 5,
	}
}

// fabricSnapshot is testSnapshot with testFabric.
func fabricSnapshot() *agent.Snapshot {
	s := testSnapshot()
	s.Fabric = testFabric()
	return s
}

// fakeComposer applies edits to its own routing the way the agent does:
// at the version given or not at all, validated, then published as a new
// snapshot. fail, when set, is returned instead of applying the edit.
type fakeComposer struct {
	mu      sync.Mutex
	routing map[string][]int
	version uint64
	fail    error
	calls   int
	publish func(map[string][]int, uint64)
}

func (c *fakeComposer) Compose(_ context.Context, version uint64, edit func(map[string][]int) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.fail != nil {
		return fmt.Errorf("compose: %w", c.fail)
	}
	if version != c.version {
		return agent.ErrStaleRouting
	}
	next := map[string][]int{}
	for h, ps := range c.routing {
		next[h] = slices.Clone(ps)
	}
	if err := edit(next); err != nil {
		return err
	}
	owner := map[int]string{}
	for h, ps := range next {
		for _, p := range ps {
			if o, ok := owner[p]; ok {
				return &agent.RoutingConflict{Port: p, Host: h, OtherHost: o}
			}
			owner[p] = h
		}
	}
	c.routing, c.version = next, c.version+1
	if c.publish != nil {
		c.publish(maps.Clone(next), c.version)
	}
	return nil
}

func (c *fakeComposer) setFail(err error) {
	c.mu.Lock()
	c.fail = err
	c.mu.Unlock()
}

func (c *fakeComposer) callCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// fabricFixture is a service over a fabric snapshot that compositions
// replace, with accounts of its own (secFixture's) for the roles.
type fabricFixture struct {
	*secFixture
	snap atomic.Pointer[agent.Snapshot]
	comp *fakeComposer
}

func newFabricFixture(t testing.TB, withComposer bool) *fabricFixture {
	t.Helper()
	sf := newSecFixture(t)
	ff := &fabricFixture{secFixture: sf}
	svc, err := New(Config{Snapshot: ff.snap.Load, Accounts: sf.acc, Logger: quietLogger(), UUID: testUUID})
	if err != nil {
		t.Fatal(err)
	}
	ff.svc, ff.h = svc, svc.Handler()
	ff.reset()
	if withComposer {
		svc.SetComposer(ff.comp)
	}
	return ff
}

// reset puts back the fabric of testFabric.
func (ff *fabricFixture) reset() {
	ff.snap.Store(fabricSnapshot())
	f := testFabric()
	if ff.comp == nil {
		ff.comp = &fakeComposer{publish: ff.publish}
	}
	ff.comp.mu.Lock()
	ff.comp.routing, ff.comp.version, ff.comp.fail = f.Routing, f.Version, nil
	ff.comp.mu.Unlock()
}

// publish is the agent's new snapshot after a composition.
func (ff *fabricFixture) publish(routing map[string][]int, version uint64) {
	old := ff.snap.Load()
	next := *old
	fab := *old.Fabric
	fab.Routing, fab.Version = routing, version
	next.Fabric = &fab
	next.Generation++
	ff.snap.Store(&next)
}

// zoneETag fetches a zone's ETag header.
func (ff *fabricFixture) zoneETag(id string) string {
	ff.t.Helper()
	rec := ff.send(secAdmin, http.MethodGet, zonesPath+"/"+id, "")
	if rec.Code != http.StatusOK {
		ff.t.Fatalf("GET zone %s: %d", id, rec.Code)
	}
	return rec.Header().Get("ETag")
}

func (ff *fabricFixture) get(c secCred, path string) map[string]any {
	ff.t.Helper()
	return ff.expect(ff.send(c, http.MethodGet, path, ""), http.StatusOK, "")
}
