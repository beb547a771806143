package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/sideband"
	"github.com/chassisd/chassisd/sled"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
)

// Config is what the agent needs to run a chassis.
type Config struct {
	Board    *board.Board
	Hardware board.Hardware
	// PollInterval is how often every bay's presence and health is polled;
	// presence edges are handled at once in between.
	PollInterval time.Duration
	Logger       *slog.Logger
	Simulated    bool
	Version      string
	Commit       string
	// StateDir keeps the interposer's routing (routing.json); "" keeps it
	// in memory only.
	StateDir string
	// ResetSettle is how long a sled's controller is given to boot after
	// a reset pulse before it is asked anything again [50ms].
	ResetSettle time.Duration
	// OnChanges, when set, is called with what changed between two
	// published snapshots (sleds and drives added, removed, changing
	// health), in order. It runs on the publishing goroutine and must not
	// block: the Redfish event broker queues and returns.
	OnChanges func([]Change)
}

// Agent owns the chassis state. Its methods are safe for concurrent use.
type Agent struct {
	cfg    Config
	log    *slog.Logger
	owners map[string]*sideband.Owner // by board bus name (every alias)
	roots  []*sideband.Owner          // one per physical bus
	bays   []*bayState
	start  time.Time

	snap atomic.Pointer[Snapshot]
	gen  atomic.Uint64
	// pubMu serialises building and publishing snapshots.
	pubMu sync.Mutex
	// wake tells Run that some bay's pending flag is set (a presence edge,
	// a reset a client asked for). Flags, not a queue of bay numbers: a
	// line that bounces during another bay's long bring-up cannot crowd
	// out the other bays' edges.
	wake chan struct{}

	// targets are the BMC's I2C target addresses, one per physical bus,
	// opened on first use (links.go).
	targetsMu sync.Mutex
	targets   map[*sideband.Owner]*busTarget

	// fabric is the interposer's switch; nil when the board has none.
	fabric *fabricState
}

// bayState is the agent's own record of one bay. Only the goroutine walking
// the bay's bus writes it; publish reads it under mu.
type bayState struct {
	bay      board.Bay
	owner    *sideband.Owner
	presence gpio.PinIO // nil: probe the FRU instead
	// pending is set when the bay must be refreshed at once.
	pending atomic.Bool
	reset   gpio.PinIO // nil when the board has no reset line
	power   gpio.PinIO // nil when the board has no power enable

	mu      sync.Mutex
	present bool
	sled    *sled.Sled
	// link is the open UART link of a sled managed over UART, and i2cErr
	// why its I2C path was given up.
	link   *uartLink
	i2cErr string
}

// New opens the board's buses and presence lines and returns an agent that
// has not yet walked anything; call Walk or Run.
func New(cfg Config) (*Agent, error) {
	if cfg.Board == nil || cfg.Hardware == nil {
		return nil, errors.New("agent: board and hardware are required")
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ResetSettle <= 0 {
		cfg.ResetSettle = 50 * time.Millisecond
	}
	a := &Agent{
		cfg:     cfg,
		log:     cfg.Logger,
		owners:  map[string]*sideband.Owner{},
		start:   time.Now(),
		wake:    make(chan struct{}, 1),
		targets: map[*sideband.Owner]*busTarget{},
	}
	if err := a.openBuses(); err != nil {
		a.Close()
		return nil, err
	}
	for _, b := range cfg.Board.Bays {
		st := &bayState{bay: b, owner: a.owners[b.I2C.Bus]}
		if st.owner == nil {
			a.Close()
			return nil, fmt.Errorf("bay %d: bus %q is not on the board", b.Index, b.I2C.Bus)
		}
		if b.Presence != nil {
			pin, err := cfg.Hardware.GPIO(*b.Presence)
			if err != nil {
				a.Close()
				return nil, fmt.Errorf("bay %d: presence line %s: %w", b.Index, b.Presence, err)
			}
			if err := pin.In(gpio.PullNoChange, gpio.BothEdges); err != nil {
				a.Close()
				return nil, fmt.Errorf("bay %d: presence line %s: configure input: %w", b.Index, b.Presence, err)
			}
			st.presence = pin
		}
		if b.Reset != nil {
			pin, err := cfg.Hardware.GPIO(*b.Reset)
			if err != nil {
				a.Close()
				return nil, fmt.Errorf("bay %d: reset line %s: %w", b.Index, b.Reset, err)
			}
			// Released: a sled that is running stays running.
			if err := pin.Out(gpio.Level(b.Reset.ActiveLow)); err != nil {
				a.Close()
				return nil, fmt.Errorf("bay %d: reset line %s: release: %w", b.Index, b.Reset, err)
			}
			st.reset = pin
		}
		if b.Power != nil {
			pin, err := cfg.Hardware.GPIO(*b.Power)
			if err != nil {
				a.Close()
				return nil, fmt.Errorf("bay %d: power line %s: %w", b.Index, b.Power, err)
			}
			st.power = pin
		}
		a.bays = append(a.bays, st)
	}
	if err := a.openFabric(); err != nil {
		a.Close()
		return nil, err
	}
	a.publish()
	return a, nil
}

// openBuses makes one owner per physical bus; adapters that are kernel mux
// channels of a root share its owner.
func (a *Agent) openBuses() error {
	root := func(name string) string {
		for range len(a.cfg.Board.Buses) {
			b := a.busByName(name)
			if b == nil || b.Parent == "" {
				return name
			}
			name = b.Parent
		}
		return name
	}
	groups := map[string]map[string]i2c.Bus{}
	var order []string
	for _, b := range a.cfg.Board.Buses {
		bus, err := a.cfg.Hardware.I2C(b.Name)
		if err != nil {
			return fmt.Errorf("bus %s: %w", b.Name, err)
		}
		r := root(b.Name)
		if groups[r] == nil {
			groups[r] = map[string]i2c.Bus{}
			order = append(order, r)
		}
		groups[r][b.Name] = bus
	}
	for _, r := range order {
		o := sideband.NewOwner(r, groups[r])
		a.roots = append(a.roots, o)
		for name := range groups[r] {
			a.owners[name] = o
		}
	}
	return nil
}

func (a *Agent) busByName(name string) *board.Bus {
	for i := range a.cfg.Board.Buses {
		if a.cfg.Board.Buses[i].Name == name {
			return &a.cfg.Board.Buses[i]
		}
	}
	return nil
}

// Close stops the bus owners. It does not close the hardware: whoever opened
// it does.
func (a *Agent) Close() {
	for _, st := range a.bays {
		a.dropLink(st)
	}
	for _, o := range a.roots {
		o.Close()
	}
	a.targetsMu.Lock()
	for _, bt := range a.targets {
		if bt.t != nil {
			bt.t.Close()
		}
	}
	a.targetsMu.Unlock()
}

// Snapshot returns the latest published snapshot; it is never nil.
func (a *Agent) Snapshot() *Snapshot { return a.snap.Load() }

// Walk discovers every bay once: presence, then a full read of each present
// sled. Bays on independent buses are walked in parallel. The new state is
// published before Walk returns.
func (a *Agent) Walk(ctx context.Context) *Snapshot {
	a.walkBays(ctx)
	a.refreshFabric(ctx, sideband.Normal)
	return a.publish()
}

// walkBays brings every bay up to date in full: presence, bring-up and a
// full read of each present sled.
func (a *Agent) walkBays(ctx context.Context) {
	a.forEachBus(func(st *bayState) { a.refresh(ctx, st, true) })
}

// Run walks the chassis, then polls it until ctx ends, re-reading a bay at
// once when its presence line changes.
func (a *Agent) Run(ctx context.Context) {
	a.Walk(ctx)
	var wg sync.WaitGroup
	for _, st := range a.bays {
		if st.presence == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.watchPresence(ctx, st)
		}()
	}
	defer wg.Wait()
	tick := time.NewTicker(a.cfg.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			a.forEachBus(func(st *bayState) { a.refresh(ctx, st, false) })
			a.refreshFabric(ctx, sideband.Background)
			a.publish()
		case <-a.wake:
			// Each bus on its own goroutine: a long bring-up on one bus
			// never holds up a plug on another.
			a.forEachBus(func(st *bayState) {
				if st.pending.Swap(false) {
					a.refresh(ctx, st, false)
				}
			})
			a.publish()
		}
	}
}

// watchPresence turns presence-line edges into immediate re-reads. The wait
// is bounded so the goroutine notices ctx ending.
func (a *Agent) watchPresence(ctx context.Context, st *bayState) {
	for ctx.Err() == nil {
		if st.presence.WaitForEdge(250 * time.Millisecond) {
			a.kickBay(st)
		}
	}
}

// kickBay asks Run to refresh the bay at once.
func (a *Agent) kickBay(st *bayState) {
	st.pending.Store(true)
	select {
	case a.wake <- struct{}{}:
	default: // Run is already woken; it will see the flag
	}
}

// forEachBus runs fn for every bay, one goroutine per physical bus, bays of
// one bus in order (they share the wires, so running them concurrently would
// only add mux switches).
func (a *Agent) forEachBus(fn func(*bayState)) {
	var wg sync.WaitGroup
	for _, o := range a.roots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, st := range a.bays {
				if st.owner == o {
					fn(st)
				}
			}
		}()
	}
	wg.Wait()
}

// refresh brings one bay up to date: presence first; a newly present sled
// (or any sled when full is set) is read in full, a known one polled.
func (a *Agent) refresh(ctx context.Context, st *bayState, full bool) {
	// Polling is background work; discovery and bring-up, including a
	// sled that has just appeared, are normal.
	level := sideband.Background
	st.mu.Lock()
	if full || !st.present {
		level = sideband.Normal
	}
	st.mu.Unlock()
	run := a.runner(ctx, st.owner, level)
	present, err := a.detect(st, run)
	if err != nil {
		a.log.Warn("presence check failed", "bay", st.bay.Index, "err", err)
		return
	}
	st.mu.Lock()
	was, prev := st.present, st.sled
	st.mu.Unlock()

	var next *sled.Sled
	switch {
	case !present:
		if was {
			a.log.Info("sled removed", "bay", st.bay.Index)
			st.owner.Invalidate()
			a.dropLink(st)
		}
	case !was || prev == nil || full:
		if !was {
			st.owner.Invalidate()
		}
		next = a.bringUp(ctx, st, run, false)
		if next == nil {
			return // pulled during bring-up, or the agent stopped
		}
		a.log.Info("sled found", "bay", st.bay.Index, "sideband", next.Sideband, "manufacturer", next.Identity.Manufacturer,
			"model", next.Identity.Model, "serial", next.Identity.SerialNumber, "health", next.Health)
		a.logProblems(st.bay.Index, nil, next)
	default:
		next = a.pollManaged(ctx, st, *prev, run)
		if next == nil {
			return
		}
		a.logProblems(st.bay.Index, prev, next)
	}
	if ctx.Err() != nil {
		return // a cancelled walk reads nothing worth keeping
	}
	st.mu.Lock()
	st.present, st.sled = present, next
	st.mu.Unlock()
}

// detect reads the presence line or, on a board without one, probes the FRU
// EEPROM with a one-byte current-address read.
func (a *Agent) detect(st *bayState, run sled.Runner) (bool, error) {
	if st.presence != nil {
		lvl := st.presence.Read()
		return (lvl == gpio.Low) == st.bay.Presence.ActiveLow, nil
	}
	err := a.probeFRU(st, run)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, board.ErrNACK):
		return false, nil
	}
	return false, fmt.Errorf("probe %w", err)
}

func (a *Agent) runner(ctx context.Context, o *sideband.Owner, level sideband.Level) sled.Runner {
	return func(path board.Path, fn func(i2c.Bus) error) error {
		return o.Do(ctx, level, path, fn)
	}
}

// logProblems logs each problem that is new since prev, once.
func (a *Agent) logProblems(bay int, prev, next *sled.Sled) {
	seen := map[string]bool{}
	if prev != nil {
		for _, m := range problemMessages(prev) {
			seen[m] = true
		}
	}
	for _, m := range problemMessages(next) {
		if !seen[m] {
			a.log.Warn("sled problem", "bay", bay, "problem", m)
		}
	}
	if prev != nil && prev.Health != next.Health {
		a.log.Info("sled health changed", "bay", bay, "from", prev.Health, "to", next.Health)
	}
}

func problemMessages(s *sled.Sled) []string {
	var out []string
	for _, p := range s.Problems {
		out = append(out, p.Message)
	}
	for _, d := range s.Drives {
		for _, p := range d.Problems {
			out = append(out, p.Message)
		}
	}
	return out
}

// publish builds a snapshot from the bays' current state and swaps it in.
func (a *Agent) publish() *Snapshot {
	a.pubMu.Lock()
	defer a.pubMu.Unlock()
	b := a.cfg.Board
	s := &Snapshot{
		Generation: a.gen.Add(1),
		Taken:      time.Now(),
		Enclosure: Enclosure{
			ID:           "Enclosure",
			Name:         "Storage enclosure",
			Manufacturer: b.Manufacturer,
			Model:        b.Model,
			BoardName:    b.Name,
			Simulated:    a.cfg.Simulated,
			Health:       sled.HealthOK,
		},
		Manager: Manager{
			Version:      a.cfg.Version,
			Commit:       a.cfg.Commit,
			GoVersion:    runtime.Version(),
			Started:      a.start,
			PollInterval: a.cfg.PollInterval,
		},
	}
	for _, st := range a.bays {
		st.mu.Lock()
		bay := Bay{Index: st.bay.Index, Name: st.bay.Name, Present: st.present, Sled: st.sled}
		st.mu.Unlock()
		if bay.Sled != nil {
			s.Enclosure.Health = sled.Worse(s.Enclosure.Health, bay.Sled.Health)
			for _, d := range bay.Sled.Drives {
				s.Enclosure.Health = sled.Worse(s.Enclosure.Health, d.Health)
			}
		}
		s.Bays = append(s.Bays, bay)
	}
	s.Fabric = a.fabricSnapshot()
	prev := a.snap.Load()
	a.snap.Store(s)
	if a.cfg.OnChanges != nil && prev != nil {
		// The first snapshot (nothing walked yet) is not compared: the
		// first walk reports each sled it finds as added.
		if ch := Changes(prev, s); len(ch) > 0 {
			a.cfg.OnChanges(ch)
		}
	}
	return s
}
