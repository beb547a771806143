package sideband

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/chassisd/chassisd/board"
	"periph.io/x/conn/v3/i2c"
)

// Level is the service level a piece of bus work runs at. An operator's
// action must never queue behind background polling, and polling must never
// be starved by a burst of actions.
type Level int

// Service levels, most urgent first.
const (
	// Interactive is work a client is waiting for: an LED, a reset, a
	// routing change.
	Interactive Level = iota
	// Normal is discovery and bring-up.
	Normal
	// Background is periodic health polling and probing of broken paths.
	Background
	numLevels
)

func (l Level) String() string {
	switch l {
	case Interactive:
		return "interactive"
	case Normal:
		return "normal"
	case Background:
		return "background"
	}
	return fmt.Sprintf("level(%d)", int(l))
}

// starvationLimit is how many jobs of more urgent levels may run in a row
// while a less urgent job waits before that job is let through.
const starvationLimit = 8

// ErrClosed is returned for work submitted to, or pending in, a closed owner.
var ErrClosed = errors.New("bus owner closed")

// Owner serialises all work on one physical I2C bus: every transaction, and
// the mux selection before it, passes through its single worker, so that
// selecting a channel and the transaction behind it are atomic however many
// goroutines use the bus. Adapters that are kernel mux channels of the same
// wires share one Owner.
type Owner struct {
	name  string
	buses map[string]i2c.Bus

	mu      sync.Mutex
	queues  [numLevels][]*job
	skipped [numLevels]int // consecutive jobs that jumped ahead of this level
	wake    chan struct{}
	closed  bool
	done    chan struct{}
	served  [numLevels]uint64

	// muxes caches, per mux, the control byte last written, keyed by the
	// path that reaches the mux. Only the worker touches it. Like Linux's
	// pca954x driver it lets repeated work on one segment skip the select.
	muxes map[string]byte
}

type job struct {
	ctx   context.Context
	level Level
	path  board.Path
	fn    func(i2c.Bus) error
	err   chan error
	// state is jobQueued until the worker takes the job (jobRunning) or
	// Do gives up on it first (jobAbandoned): exactly one of them wins.
	state atomic.Int32
}

const (
	jobQueued int32 = iota
	jobRunning
	jobAbandoned
)

// NewOwner starts the owner of the wires behind buses (keyed by board bus
// name: the root adapter and any kernel mux channel adapters on it).
func NewOwner(name string, buses map[string]i2c.Bus) *Owner {
	o := &Owner{
		name:  name,
		buses: buses,
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
		muxes: map[string]byte{},
	}
	go o.serve()
	return o
}

// String names the physical bus.
func (o *Owner) String() string { return o.name }

// Do runs fn with exclusive use of the bus, after selecting path's mux
// channels, at the given service level. fn receives the adapter for
// path.Bus and may issue several transactions; nothing else reaches the bus
// until it returns. Do returns fn's error, a mux selection error, or the
// context's error if ctx ends before the work starts.
func (o *Owner) Do(ctx context.Context, level Level, path board.Path, fn func(bus i2c.Bus) error) error {
	if level < 0 || level >= numLevels {
		return fmt.Errorf("%s: invalid service level %d", o.name, level)
	}
	j := &job{ctx: ctx, level: level, path: path, fn: fn, err: make(chan error, 1)}
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return fmt.Errorf("%s: %w", o.name, ErrClosed)
	}
	o.queues[level] = append(o.queues[level], j)
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	select {
	case err := <-j.err:
		return err
	case <-ctx.Done():
		// A job not started yet is abandoned and never runs. One already
		// running is waited for: fn owns the caller's variables until it
		// returns, so Do must not return while it still runs.
		if j.state.CompareAndSwap(jobQueued, jobAbandoned) {
			return ctx.Err()
		}
		<-j.err
		return ctx.Err()
	}
}

// Invalidate forgets every cached mux selection, so the next work selects
// its channels again. Call it when a sled was plugged or pulled: the sled's
// own mux powers up with no channel selected.
func (o *Owner) Invalidate() {
	// Run on the worker so the cache has one owner.
	_ = o.Do(context.Background(), Interactive, board.Path{}, func(i2c.Bus) error {
		clear(o.muxes)
		return nil
	})
}

// Served returns how many jobs ran at each level, most urgent first.
func (o *Owner) Served() [numLevels]uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.served
}

// Close stops the worker; pending and later work fails with ErrClosed.
func (o *Owner) Close() {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return
	}
	o.closed = true
	o.mu.Unlock()
	close(o.done)
}

func (o *Owner) serve() {
	for {
		j := o.next()
		if j == nil {
			select {
			case <-o.wake:
				continue
			case <-o.done:
				o.failPending()
				return
			}
		}
		if !j.state.CompareAndSwap(jobQueued, jobRunning) {
			continue // Do gave up on it
		}
		if err := j.ctx.Err(); err != nil {
			j.err <- err
			continue
		}
		j.err <- o.run(j)
	}
}

// next picks the most urgent waiting job, unless a less urgent one has been
// passed over starvationLimit times.
func (o *Owner) next() *job {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	pick := -1
	for l := numLevels - 1; l > 0; l-- {
		if len(o.queues[l]) > 0 && o.skipped[l] >= starvationLimit {
			pick = int(l)
			break
		}
	}
	if pick < 0 {
		for l := range numLevels {
			if len(o.queues[l]) > 0 {
				pick = int(l)
				break
			}
		}
	}
	if pick < 0 {
		return nil
	}
	j := o.queues[pick][0]
	o.queues[pick][0] = nil
	o.queues[pick] = o.queues[pick][1:]
	o.skipped[pick] = 0
	for l := pick + 1; l < int(numLevels); l++ {
		if len(o.queues[l]) > 0 {
			o.skipped[l]++
		}
	}
	o.served[pick]++
	return j
}

func (o *Owner) failPending() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for l := range o.queues {
		for _, j := range o.queues[l] {
			j.err <- fmt.Errorf("%s: %w", o.name, ErrClosed)
		}
		o.queues[l] = nil
	}
}

func (o *Owner) run(j *job) error {
	if j.path.Bus == "" { // owner-internal work
		return j.fn(nil)
	}
	bus, ok := o.buses[j.path.Bus]
	if !ok {
		return fmt.Errorf("%s: no bus %q on these wires", o.name, j.path.Bus)
	}
	if err := o.selectPath(bus, j.path); err != nil {
		clear(o.muxes)
		return err
	}
	if err := j.fn(bus); err != nil {
		// A failed transaction may mean a sled was pulled or a mux was
		// reset: select again next time rather than trust the cache.
		clear(o.muxes)
		return err
	}
	return nil
}

// selectPath writes each mux on the path whose cached selection differs.
// PCA954x switches connect every channel whose bit is set, so exactly one
// bit is written: other channels (other bays) drop off the bus.
func (o *Owner) selectPath(bus i2c.Bus, p board.Path) error {
	var key strings.Builder
	key.WriteString(p.Bus)
	for _, h := range p.Hops {
		fmt.Fprintf(&key, "/%02x", h.Mux)
		k := key.String()
		want := byte(1) << h.Channel
		if got, ok := o.muxes[k]; !ok || got != want {
			if err := bus.Tx(h.Mux, []byte{want}, nil); err != nil {
				return fmt.Errorf("%s: mux %#02x: select channel %d: %w", p.Bus, h.Mux, h.Channel, err)
			}
			o.muxes[k] = want
		}
		fmt.Fprintf(&key, ".%d", h.Channel)
	}
	return nil
}
