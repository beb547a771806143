package agent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/interposer"
	"github.com/chassisd/chassisd/interposer/switchtec"
	"github.com/chassisd/chassisd/sideband"
	"github.com/chassisd/chassisd/sled"
	"periph.io/x/conn/v3/i2c"
)

// Change kinds of the interposer. The Redfish layer turns them into the
// Chassisd registry's RoutingChanged and LinkStateChanged.
const (
	RoutingChanged   ChangeKind = "RoutingChanged"
	LinkStateChanged ChangeKind = "LinkStateChanged"
)

// fabricState is the agent's interposer: the switch driver, the router
// that changes its routing as transactions, and the ports as last read.
type fabricState struct {
	ip     *board.Interposer
	where  string
	sw     interposer.Switch
	router *interposer.Router

	mu       sync.Mutex
	ident    *interposer.Identity
	ports    []FabricPort
	problems []sled.Problem
	started  bool
	// downReported are drive ports whose link loss under a present drive
	// was reported, so its return is reported too.
	downReported map[int]bool
	// refreshes counts fabric refreshes, for counterEvery.
	refreshes int
}

// counterEvery is how many fabric refreshes pass between two reads of the
// ports' error counters (30 s at the default 5 s poll).
const counterEvery = 6

// levelKey carries the service level of switch work in its context: one
// driver serves both the interactive compositions and the background
// monitoring, and its Runner takes the level from the call.
type levelKey struct{}

func withLevel(ctx context.Context, l sideband.Level) context.Context {
	return context.WithValue(ctx, levelKey{}, l)
}

func levelOf(ctx context.Context) sideband.Level {
	if l, ok := ctx.Value(levelKey{}).(sideband.Level); ok {
		return l
	}
	return sideband.Background
}

// openFabric builds the switch driver and router when the board has an
// interposer.
func (a *Agent) openFabric() error {
	ip := a.cfg.Board.Interposer
	if ip == nil {
		return nil
	}
	o := a.owners[ip.Path.Bus]
	if o == nil {
		return fmt.Errorf("interposer: bus %q is not on the board", ip.Path.Bus)
	}
	run := func(ctx context.Context, fn func(bus i2c.Bus) error) error {
		return o.Do(ctx, levelOf(ctx), ip.Path, fn)
	}
	f := &fabricState{ip: ip, where: fmt.Sprintf("%s %#02x", ip.Path, ip.Addr), sw: switchtec.New(run, ip.Addr),
		downReported: map[int]bool{}}
	r, err := interposer.NewRouter(interposer.Config{
		Switch: f.sw, Board: ip, StateDir: a.cfg.StateDir, Present: a.drivePresent,
		OnChange: a.routingChanged, Logger: a.log,
	})
	if err != nil {
		return fmt.Errorf("interposer at %s: %w", f.where, err)
	}
	f.router = r
	a.fabric = f
	return nil
}

// drivePresent reports whether the agent sees a drive behind a drive port.
func (a *Agent) drivePresent(phys int) bool {
	dp, ok := a.cfg.Board.Interposer.DrivePort(phys)
	if !ok {
		return false
	}
	for _, st := range a.bays {
		if st.bay.Index != dp.Bay {
			continue
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.sled == nil {
			return false
		}
		for _, d := range st.sled.Drives {
			if d.Slot == dp.Slot {
				return d.Present
			}
		}
	}
	return false
}

// refreshFabric reads the switch: its identity once, its ports' links and
// error counters every time, at the background level. The first time it
// also starts the router: the switch's routing is compared with the
// persisted one, a drift is reported, and the persisted one programmed.
func (a *Agent) refreshFabric(ctx context.Context, level sideband.Level) {
	f := a.fabric
	if f == nil {
		return
	}
	ctx = withLevel(ctx, level)
	var problems []sled.Problem
	f.mu.Lock()
	ident, started := f.ident, f.started
	f.mu.Unlock()
	if ident == nil {
		id, err := f.sw.Identify(ctx)
		if err != nil {
			problems = append(problems, sled.Problem{Health: sled.HealthCritical,
				Message: fmt.Sprintf("interposer switch at %s: %v", f.where, err)})
		} else {
			ident = &id
		}
	}
	// Every refresh, not only the first: a switch that restarted has lost
	// its dynamic bindings, and Start finds the drift, reports it and
	// programs the persisted routing again (one bind-info read when
	// nothing drifted).
	if ident != nil {
		startLevel := level
		if !started {
			startLevel = sideband.Interactive
		}
		drift, err := f.router.Start(withLevel(ctx, startLevel))
		switch {
		case err != nil:
			problems = append(problems, sled.Problem{Health: sled.HealthCritical,
				Message: fmt.Sprintf("interposer switch at %s: routing: %v", f.where, err)})
		default:
			started = true
			if drift.Drifted() || drift.Unreadable != nil {
				a.reportFabric(Change{Kind: RoutingChanged, Bay: -1, Slot: -1, BayName: "the interposer",
					From: drift.Found.String(), To: drift.Want.String(),
					Message: fmt.Sprintf("interposer: the switch held %s, the persisted routing is %s: %s", drift.Found, drift.Want, drift)})
			}
		}
	}
	var ports []FabricPort
	if ident != nil {
		defer func() { f.refreshes++ }()
		ps, err := f.sw.Ports(ctx)
		if err != nil {
			problems = append(problems, sled.Problem{Health: sled.HealthCritical,
				Message: fmt.Sprintf("interposer switch at %s: link status: %v", f.where, err)})
			f.mu.Lock()
			ports = f.ports // keep the last known ports rather than none
			f.mu.Unlock()
		} else {
			counters := level != sideband.Background || f.refreshes%counterEvery == 0
			ports = a.fabricPorts(ctx, ps, counters)
		}
	}
	f.mu.Lock()
	old := f.ports
	f.ident, f.started, f.ports, f.problems = ident, started, ports, problems
	f.mu.Unlock()
	a.linkChanges(old, ports)
}

// fabricPorts turns the switch's ports into the snapshot's, with what the
// board says is wired to each and its error counters.
func (a *Agent) fabricPorts(ctx context.Context, ps []interposer.Port, counters bool) []FabricPort {
	ip := a.fabric.ip
	var out []FabricPort
	for _, p := range ps {
		fp := FabricPort{Phys: p.Phys, Role: string(p.Role), Partition: p.Partition, Bay: -1, Slot: -1,
			LinkUp: p.LinkUp, LTSSM: p.LTSSM, Width: p.Width, MaxWidth: p.MaxWidth,
			SpeedGTs: p.SpeedGTs, MaxSpeedGTs: p.MaxSpeedGTs, Health: sled.HealthOK}
		wired := false
		for _, h := range ip.Hosts {
			if h.Port == p.Phys {
				fp.Host, fp.Role, wired = h.Name, PortUpstream, true
			}
		}
		if dp, ok := ip.DrivePort(p.Phys); ok {
			fp.Bay, fp.Slot, fp.Role, wired = dp.Bay, dp.Slot, PortDownstream, true
		}
		if !wired {
			continue // ports the board does not wire are not the agent's
		}
		// Counters move only while a link is up: a port that is down keeps
		// the figures last read, and costs no MRPC. Reading them costs two
		// MRPCs a port (about 5 ms of bus time at 400 kHz), so background
		// polls read them every counterEvery refreshes, links every time.
		if fp.LinkUp && counters {
			if ec, err := a.fabric.sw.Errors(ctx, p.Phys); err == nil {
				fp.Errors = FabricErrors(ec)
			}
		} else {
			fp.Errors = a.fabric.lastErrors(p.Phys)
		}
		if !fp.LinkUp && (fp.Role == PortUpstream || a.drivePresent(p.Phys)) {
			fp.Health = sled.HealthWarning
		}
		out = append(out, fp)
	}
	return out
}

// lastErrors is a port's counters as last read.
func (f *fabricState) lastErrors(phys int) FabricErrors {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.ports {
		if p.Phys == phys {
			return p.Errors
		}
	}
	return FabricErrors{}
}

// linkChanges reports ports whose link went down or came back. A drive
// port's link follows its drive: a pull or a plug is not news (the sled or
// drive event says it), so a drive port is reported when its link drops
// under a present drive, and when that link comes back.
func (a *Agent) linkChanges(old, now []FabricPort) {
	f := a.fabric
	was := map[int]bool{}
	for _, p := range old {
		was[p.Phys] = p.LinkUp
	}
	for _, p := range now {
		up, known := was[p.Phys]
		if !known || up == p.LinkUp {
			continue
		}
		if p.Role == PortDownstream {
			f.mu.Lock()
			reported := f.downReported[p.Phys]
			switch {
			case !p.LinkUp && a.drivePresent(p.Phys):
				f.downReported[p.Phys] = true
			case p.LinkUp && reported:
				delete(f.downReported, p.Phys)
			default:
				f.mu.Unlock()
				continue
			}
			f.mu.Unlock()
		}
		from, to := "LinkDown", "LinkUp"
		if !p.LinkUp {
			from, to = to, from
		}
		what := fmt.Sprintf("interposer port %d", p.Phys)
		if p.Host != "" {
			what += " (" + p.Host + ")"
		} else if p.Bay >= 0 {
			what += fmt.Sprintf(" (bay %d slot %d)", p.Bay, p.Slot)
		}
		// The registry's message names the place: "slot 2 of the sled in
		// Bay 3", or the host's port.
		place := fmt.Sprintf("the interposer's port %d (%s)", p.Phys, p.Host)
		if p.Bay >= 0 {
			place = a.bayName(p.Bay)
		}
		a.reportFabric(Change{Kind: LinkStateChanged, Bay: p.Bay, Slot: p.Slot, From: from, To: to,
			BayName: place, Message: what + ": link " + to})
	}
}

// routingChanged is the router's OnChange: an event per applied routing.
func (a *Agent) routingChanged(old, now interposer.Routing) {
	a.reportFabric(Change{Kind: RoutingChanged, Bay: -1, Slot: -1, BayName: "the interposer",
		From: old.String(), To: now.String(),
		Message: fmt.Sprintf("interposer routing changed from %s to %s", old, now)})
}

// bayName is the board's label of a bay.
func (a *Agent) bayName(index int) string {
	for _, st := range a.bays {
		if st.bay.Index == index && st.bay.Name != "" {
			return st.bay.Name
		}
	}
	return fmt.Sprintf("Bay %d", index)
}

// reportFabric hands one interposer change to OnChanges.
func (a *Agent) reportFabric(c Change) {
	a.log.Info("interposer", "change", c.Message)
	if a.cfg.OnChanges == nil {
		return
	}
	a.pubMu.Lock()
	defer a.pubMu.Unlock()
	a.cfg.OnChanges([]Change{c})
}

// fabricSnapshot is the fabric for a new snapshot; nil without one.
func (a *Agent) fabricSnapshot() *Fabric {
	f := a.fabric
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &Fabric{Health: sled.HealthOK, Problems: slices.Clone(f.problems), Ports: slices.Clone(f.ports),
		Routing: map[string][]int{}, Switch: FabricSwitch{Where: f.where}}
	if f.ident != nil {
		out.Switch = FabricSwitch{VendorID: f.ident.VendorID, DeviceID: f.ident.DeviceID,
			FirmwareVersion: f.ident.FirmwareVersion, Partitions: f.ident.Partitions,
			Generation: f.ident.Generation, Where: f.where}
	}
	for _, h := range f.ip.Hosts {
		out.Hosts = append(out.Hosts, h.Name)
	}
	if f.started {
		cur := f.router.Current()
		for h, ports := range cur.Hosts {
			out.Routing[h] = slices.Clone(ports)
		}
		out.Version = f.router.Version()
	}
	for _, p := range out.Problems {
		out.Health = sled.Worse(out.Health, p.Health)
	}
	for _, p := range out.Ports {
		out.Health = sled.Worse(out.Health, p.Health)
	}
	return out
}

// Compose changes the interposer's routing (the Redfish layer's
// Composer): if the routing is still at version, edit gets a copy of it
// (host name to drive ports) and the result is programmed, verified and
// persisted. It runs at the interactive service level.
func (a *Agent) Compose(ctx context.Context, version uint64, edit func(routing map[string][]int) error) error {
	f := a.fabric
	if f == nil {
		return ErrNoFabric
	}
	ctx = withLevel(ctx, sideband.Interactive)
	err := f.router.Update(ctx, func(cur interposer.Routing, v uint64) (interposer.Routing, error) {
		if v != version {
			return interposer.Routing{}, fmt.Errorf("routing version %d, the client had %d: %w", v, version, ErrStaleRouting)
		}
		m := map[string][]int{}
		for h, ports := range cur.Hosts {
			m[h] = slices.Clone(ports)
		}
		if err := edit(m); err != nil {
			return interposer.Routing{}, err
		}
		return interposer.Routing{Hosts: maps.Clone(m)}, nil
	})
	switch {
	case err == nil:
		a.publish()
		return nil
	case errors.Is(err, interposer.ErrUnknownHost):
		return fmt.Errorf("%w: %w", err, ErrUnknownPort)
	case errors.Is(err, interposer.ErrNotStarted):
		return fmt.Errorf("%v: %w", err, ErrNoFabric)
	}
	return err
}
