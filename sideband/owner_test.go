package sideband

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim/i2csim"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

// regDevice answers every read with its own fixed byte.
type regDevice byte

func (d regDevice) Transfer(w, r []byte) error {
	for i := range r {
		r[i] = byte(d)
	}
	return nil
}

// newMuxedBus is a bus with a PCA9548 at 0x70 and, behind channel n, a
// device at 0x50 answering n.
func newMuxedBus() *i2csim.Bus {
	b := i2csim.NewBus("i2c-1", 400000)
	m := i2csim.NewMux(b, 8)
	b.Root().Attach(0x70, m)
	for ch := range 8 {
		m.Channel(ch).Attach(0x50, regDevice(ch))
	}
	return b
}

func TestOwnerSelectsMuxAtomically(t *testing.T) {
	bus := newMuxedBus()
	o := NewOwner("i2c-1", map[string]i2c.Bus{"i2c-1": bus})
	defer o.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8*50)
	for ch := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := board.Path{Bus: "i2c-1", Hops: []board.Hop{{Mux: 0x70, Channel: ch}}}
			for range 50 {
				err := o.Do(context.Background(), Level(ch%3), p, func(b i2c.Bus) error {
					r := make([]byte, 1)
					if err := b.Tx(0x50, []byte{0}, r); err != nil {
						return err
					}
					if r[0] != byte(ch) {
						return fmt.Errorf("channel %d read device of channel %d", ch, r[0])
					}
					return nil
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestOwnerCachesMuxSelection(t *testing.T) {
	rec := &i2ctest.Record{Bus: newMuxedBus()}
	o := NewOwner("i2c-1", map[string]i2c.Bus{"i2c-1": rec})
	defer o.Close()
	p := board.Path{Bus: "i2c-1", Hops: []board.Hop{{Mux: 0x70, Channel: 2}}}
	read := func() error {
		return o.Do(context.Background(), Normal, p, func(b i2c.Bus) error {
			return b.Tx(0x50, []byte{0}, make([]byte, 1))
		})
	}
	for range 3 {
		if err := read(); err != nil {
			t.Fatal(err)
		}
	}
	if got := countWrites(rec.Ops, 0x70); got != 1 {
		t.Errorf("mux written %d times for three reads on one channel, want 1", got)
	}
	o.Invalidate()
	if err := read(); err != nil {
		t.Fatal(err)
	}
	if got := countWrites(rec.Ops, 0x70); got != 2 {
		t.Errorf("after Invalidate mux written %d times in all, want 2", got)
	}
}

func countWrites(ops []i2ctest.IO, addr uint16) int {
	n := 0
	for _, op := range ops {
		if op.Addr == addr && len(op.W) > 0 {
			n++
		}
	}
	return n
}

func TestOwnerReselectsAfterError(t *testing.T) {
	bus := newMuxedBus()
	rec := &i2ctest.Record{Bus: bus}
	o := NewOwner("i2c-1", map[string]i2c.Bus{"i2c-1": rec})
	defer o.Close()
	p := board.Path{Bus: "i2c-1", Hops: []board.Hop{{Mux: 0x70, Channel: 1}}}
	// A NACK (nobody at 0x51) must drop the cache.
	err := o.Do(context.Background(), Normal, p, func(b i2c.Bus) error {
		return b.Tx(0x51, nil, make([]byte, 1))
	})
	if !errors.Is(err, board.ErrNACK) {
		t.Fatalf("err = %v, want NACK", err)
	}
	if err := o.Do(context.Background(), Normal, p, func(b i2c.Bus) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := countWrites(rec.Ops, 0x70); got != 2 {
		t.Errorf("mux written %d times, want 2 (select, reselect after the error)", got)
	}
}

func TestOwnerMuxNACKNamesMux(t *testing.T) {
	bus := i2csim.NewBus("i2c-1", 100000)
	o := NewOwner("i2c-1", map[string]i2c.Bus{"i2c-1": bus})
	defer o.Close()
	p := board.Path{Bus: "i2c-1", Hops: []board.Hop{{Mux: 0x70, Channel: 5}}}
	err := o.Do(context.Background(), Normal, p, func(b i2c.Bus) error { return nil })
	if !errors.Is(err, board.ErrNACK) {
		t.Fatalf("err = %v, want NACK", err)
	}
	const want = "i2c-1: mux 0x70: select channel 5: "
	if got := err.Error(); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("error %q does not start with %q", got, want)
	}
}

// TestOwnerPriority holds the worker busy, queues work at every level, and
// checks the order it is served in.
func TestOwnerPriority(t *testing.T) {
	o := NewOwner("bus", map[string]i2c.Bus{"bus": i2csim.NewBus("bus", 100000)})
	defer o.Close()
	p := board.Path{Bus: "bus"}
	release := make(chan struct{})
	started := make(chan struct{})
	go o.Do(context.Background(), Background, p, func(i2c.Bus) error {
		close(started)
		<-release
		return nil
	})
	<-started

	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	submit := func(l Level, name string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.Do(context.Background(), l, p, func(i2c.Bus) error {
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
				return nil
			})
		}()
	}
	// Queue 10 background jobs first, then 10 interactive ones.
	for i := range 10 {
		submit(Background, fmt.Sprintf("b%d", i))
	}
	waitQueued(t, o, Background, 10)
	for i := range 10 {
		submit(Interactive, fmt.Sprintf("i%d", i))
	}
	waitQueued(t, o, Interactive, 10)
	close(release)
	wg.Wait()

	// Interactive work goes first, but after starvationLimit of it one
	// background job is let through.
	firstBackground := -1
	for i, name := range order {
		if name[0] == 'b' {
			firstBackground = i
			break
		}
	}
	if firstBackground != starvationLimit {
		t.Errorf("first background job ran at position %d, want %d; order %v", firstBackground, starvationLimit, order)
	}
}

func waitQueued(t *testing.T, o *Owner, l Level, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		o.mu.Lock()
		got := len(o.queues[l])
		o.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d jobs never queued at %v", n, l)
}

func TestOwnerContextAndClose(t *testing.T) {
	o := NewOwner("bus", map[string]i2c.Bus{"bus": i2csim.NewBus("bus", 100000)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Do(ctx, Normal, board.Path{Bus: "bus"}, func(i2c.Bus) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
	if err := o.Do(context.Background(), Normal, board.Path{Bus: "nope"}, func(i2c.Bus) error { return nil }); err == nil {
		t.Error("unknown bus: no error")
	}
	o.Close()
	if err := o.Do(context.Background(), Normal, board.Path{Bus: "bus"}, func(i2c.Bus) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("closed owner: err = %v", err)
	}
}

// TestOwnerDoWaitsForRunningWork: when the caller's context ends while its
// work is on the bus, Do returns only after the work has: the work writes
// the caller's variables, which the caller may read as soon as Do returns.
// Work that had not started never runs.
func TestOwnerDoWaitsForRunningWork(t *testing.T) {
	o := NewOwner("bus", map[string]i2c.Bus{"bus": i2csim.NewBus("bus", 100000)})
	defer o.Close()
	ctx, cancel := context.WithCancel(context.Background())
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	done := make(chan error)
	go func() {
		done <- o.Do(ctx, Background, board.Path{Bus: "bus"}, func(i2c.Bus) error {
			close(started)
			<-release
			finished.Store(true)
			return nil
		})
	}()
	<-started
	// Queue a second job behind the running one, then cancel both.
	var ranSecond atomic.Bool
	second := make(chan error)
	go func() {
		second <- o.Do(ctx, Background, board.Path{Bus: "bus"}, func(i2c.Bus) error { ranSecond.Store(true); return nil })
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Errorf("queued job: %v", err)
	}
	select {
	case err := <-done:
		t.Fatalf("Do returned (%v) while its work still ran", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if err := <-done; !errors.Is(err, context.Canceled) || !finished.Load() {
		t.Errorf("running job: %v, finished %v", err, finished.Load())
	}
	// A later job runs; the abandoned one never did.
	if err := o.Do(context.Background(), Background, board.Path{Bus: "bus"}, func(i2c.Bus) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ranSecond.Load() {
		t.Error("an abandoned job ran")
	}
}
