package interposer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/chassisd/chassisd/board"
)

// Config is what a Router works with.
type Config struct {
	// Switch is the interposer's switch, already bound to the service level
	// routing changes run at.
	Switch Switch
	// Board names the hosts and the drive ports: the only ports a Router
	// binds or unbinds.
	Board *board.Interposer
	// StateDir holds routing.json; "" keeps the routing in memory only.
	StateDir string
	// Present says whether a drive is present behind a drive port (from
	// the agent's latest snapshot). Nil: every port counts as present.
	Present func(phys int) bool
	// OnChange is called after each change Apply makes, in order, with the
	// routing before and after; nil for none. It runs while the next change
	// waits, so it must not call Apply, Update, Attach, Detach or Start.
	OnChange func(old, new Routing)
	Logger   *slog.Logger
}

// Router holds the interposer's routing and changes it as transactions:
// validate, write, read back and compare, roll back on any failure, and
// persist only once the switch matches. Changes are serialized. Current
// never shows a change in progress.
//
// The persisted routing is the truth. A power cut between programming the
// switch and persisting the routing leaves the switch ahead of the file;
// Start then reports the difference as drift and programs the persisted
// routing again, so after a restart the switch, the file and Current agree.
type Router struct {
	cfg    Config
	log    *slog.Logger
	path   string
	hosts  map[string]board.HostPort
	drives map[int]board.DrivePort

	tx sync.Mutex // held for a whole transaction; guards what follows up to mu

	// truth is the persisted routing (or, without a state directory, the
	// last one applied): what Start programs. hasTruth is false until there
	// is one; unreadable says why routing.json could not be used.
	truth        Routing
	truthVersion uint64
	hasTruth     bool
	unreadable   error

	mu      sync.RWMutex // guards what follows
	cur     Routing
	version uint64
	started bool
}

// NewRouter checks the configuration and reads the persisted routing. An
// unreadable routing.json is not an error here: Start reports it and starts
// from what the switch holds.
func NewRouter(cfg Config) (*Router, error) {
	if cfg.Switch == nil || cfg.Board == nil {
		return nil, errors.New("interposer: router needs a switch and the board's interposer")
	}
	r := &Router{
		cfg:    cfg,
		log:    cfg.Logger,
		hosts:  map[string]board.HostPort{},
		drives: map[int]board.DrivePort{},
		cur:    Routing{Hosts: map[string][]int{}},
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	for _, h := range cfg.Board.Hosts {
		r.hosts[h.Name] = h
	}
	for _, d := range cfg.Board.DrivePorts {
		r.drives[d.Port] = d
	}
	if cfg.StateDir != "" {
		r.path = filepath.Join(cfg.StateDir, RoutingFile)
	}
	rt, v, ok, bad, err := loadRouting(r.path)
	if err != nil {
		return nil, err
	}
	if ok {
		// A routing that does not fit this board (the board file changed)
		// cannot be programmed; it is as unusable as a torn file.
		if verr := r.validate(Routing{}, rt); verr != nil && !errors.Is(verr, ErrDriveAbsent) {
			ok, bad = false, fmt.Errorf("%s does not fit the board: %w", r.path, verr)
		}
	}
	if v == 0 {
		v = 1 // 0 is the version of a router that has not started
	}
	r.truth, r.truthVersion, r.hasTruth, r.unreadable = rt, v, ok, bad
	return r, nil
}

// Drift is what Start found on the switch that differed from the routing
// it programmed.
type Drift struct {
	// Found is the routing the switch held; Want the one Start programmed
	// (the persisted routing, or Found when there was none to use).
	Found, Want Routing
	// Stray are bindings of the board's drive ports into partitions no
	// host owns (or a second binding of one port); Start removed them.
	Stray []Binding
	// Unreadable says why the persisted routing could not be used; nil
	// when it was, or when there was none yet. The switch's routing was
	// then taken as the truth and persisted.
	Unreadable error
}

// Drifted says whether the switch differed from the persisted routing.
func (d Drift) Drifted() bool { return !d.Found.Equal(d.Want) || len(d.Stray) > 0 }

// String describes the drift for the event log.
func (d Drift) String() string {
	s := ""
	if d.Unreadable != nil {
		s = fmt.Sprintf("persisted routing unusable (%v), kept the switch's; ", d.Unreadable)
	}
	if !d.Drifted() {
		return s + "switch matches the routing: " + d.Want.String()
	}
	s += fmt.Sprintf("switch held %s, set to %s", d.Found, d.Want)
	for _, b := range d.Stray {
		s += fmt.Sprintf("; removed drive port %d from partition %d", b.Phys, b.Partition)
	}
	return s
}

// Start reads the switch, compares it with the persisted routing and
// programs that routing when they differ. With no usable persisted routing,
// the switch's own routing (without stray bindings) becomes the truth and is
// persisted. Start may be called again later (after the switch was reset,
// say) to reconcile with the current routing.
//
// When programming fails the switch is rolled back to what it held and
// Current shows that; the persisted routing stays the truth and is tried
// again at the next Start. Until a Start succeeds, changes are refused with
// ErrNotStarted.
func (r *Router) Start(ctx context.Context) (Drift, error) {
	r.tx.Lock()
	defer r.tx.Unlock()
	bs, err := r.cfg.Switch.Bindings(ctx)
	if err != nil {
		return Drift{}, fmt.Errorf("interposer: start: read bindings: %w", err)
	}
	found, stray := r.found(bs)
	d := Drift{Found: found, Stray: stray, Want: r.truth.Clone()}
	version := r.truthVersion
	adopt := !r.hasTruth
	if adopt {
		// A version no earlier life handed out, so old ETags do not match.
		d.Want, version = found, uint64(time.Now().UnixNano())
		d.Unreadable = r.unreadable
	}
	if d.Drifted() {
		r.log.Warn("interposer: switch routing drifted", "drift", d.String())
		if err := r.transact(ctx, d.Want, found); err != nil {
			// The switch holds found again (or nothing known): show that,
			// under version 0, which no started router hands out.
			r.setCurrent(found, 0, false)
			return d, fmt.Errorf("interposer: start: %w", err)
		}
	}
	if adopt {
		if d.Unreadable != nil && r.path != "" {
			if err := keepUnreadable(r.path); err != nil {
				r.log.Warn("interposer: could not keep the unreadable routing file", "err", err)
			}
		}
		if err := saveRouting(r.path, d.Want, version); err != nil {
			r.setCurrent(d.Want, 0, false)
			return d, fmt.Errorf("interposer: start: %w", err)
		}
		r.truth, r.truthVersion, r.hasTruth, r.unreadable = d.Want.Clone(), version, true, nil
	}
	r.setCurrent(d.Want, version, true)
	return d, nil
}

func (r *Router) setCurrent(rt Routing, version uint64, started bool) {
	r.mu.Lock()
	r.cur, r.version, r.started = rt.Clone(), version, started
	r.mu.Unlock()
}

// Current returns the last routing the switch is known to match: never a
// change half made.
func (r *Router) Current() Routing {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.cur.Clone()
}

// Version changes with every routing applied, and is kept across restarts:
// an ETag made from it never comes back for another routing. It is 0 until
// Start succeeds.
func (r *Router) Version() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.version
}

// Apply makes next the routing: it validates next against the board and
// the current routing (a drive port another host reaches is a
// *ConflictError: take it away first), programs the switch, reads it back,
// rolls back on any failure (a *ChangeError), and persists next once the
// switch matches it. Changes are serialized: a second Apply waits for the
// first and is validated against its outcome.
func (r *Router) Apply(ctx context.Context, next Routing) error {
	return r.Update(ctx, func(Routing, uint64) (Routing, error) { return next, nil })
}

// Update is Apply with the new routing computed from the current one and
// its version, while no other change can come between: a compare-and-set
// for ETags, or a read-modify-write. An error from fn is returned as is and
// nothing changes.
func (r *Router) Update(ctx context.Context, fn func(cur Routing, version uint64) (Routing, error)) error {
	r.tx.Lock()
	defer r.tx.Unlock()
	r.mu.RLock()
	cur, version, started := r.cur.Clone(), r.version, r.started
	r.mu.RUnlock()
	if !started {
		return fmt.Errorf("interposer: %w", ErrNotStarted)
	}
	next, err := fn(cur.Clone(), version)
	if err != nil {
		return err
	}
	next = next.Clone()
	if err := r.validate(cur, next); err != nil {
		return err
	}
	if next.Equal(cur) {
		return nil
	}
	if err := r.transact(ctx, next, cur); err != nil {
		return err
	}
	if err := saveRouting(r.path, next, version+1); err != nil {
		// The file is the truth: a switch ahead of it would be put back at
		// the next start anyway, so put it back now and say so.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		rb := r.program(rctx, cur)
		return &ChangeError{Want: next, Cause: err, Rollback: rb}
	}
	r.truth, r.truthVersion, r.hasTruth = next.Clone(), version+1, true
	r.setCurrent(next, version+1, true)
	r.log.Info("interposer: routing changed", "routing", next.String(), "version", version+1)
	if r.cfg.OnChange != nil {
		r.cfg.OnChange(cur, next.Clone())
	}
	return nil
}

// Attach routes a drive port to a host (Zone.AddEndpoint). A port the
// host already reaches is no change.
func (r *Router) Attach(ctx context.Context, host string, port int) error {
	return r.Update(ctx, func(cur Routing, _ uint64) (Routing, error) {
		return cur.With(host, port), nil
	})
}

// Detach takes a drive port away from a host (Zone.RemoveEndpoint).
func (r *Router) Detach(ctx context.Context, host string, port int) error {
	return r.Update(ctx, func(cur Routing, _ uint64) (Routing, error) {
		if _, ok := r.hosts[host]; !ok {
			return Routing{}, fmt.Errorf("interposer: host %q: %w", host, ErrUnknownHost)
		}
		for _, p := range cur.Hosts[host] {
			if p == port {
				return cur.Without(host, port), nil
			}
		}
		return Routing{}, fmt.Errorf("interposer: host %q: drive port %d: %w", host, port, ErrNotRouted)
	})
}
