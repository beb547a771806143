package interposer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// errFakeNACK is what the fake switch fails a write with, as a driver would
// report a NACK on the bus.
var errFakeNACK = errors.New("fake: no acknowledge")

// fakeSwitch keeps bindings the way a Switchtec does: a physical port is
// bound once, a logical port of a partition holds one physical port, only
// existing partitions take bindings. Faults are armed by counting calls
// from the moment they are set.
type fakeSwitch struct {
	mu    sync.Mutex
	parts map[int]bool
	binds []Binding

	writes, reads int // calls so far

	failWrite   int  // the write with this number fails (0: none)
	resetWrite  int  // before the write with this number, every binding vanishes
	lieRead     int  // the read with this number leaves out the last binding
	failRead    int  // the read with this number fails
	failAllBind bool // every Bind fails (a switch that stopped answering)
	onWrite     func(n int)
}

func newFakeSwitch(parts ...int) *fakeSwitch {
	f := &fakeSwitch{parts: map[int]bool{}}
	for _, p := range parts {
		f.parts[p] = true
	}
	return f
}

// arm sets faults counted from now: write and read numbers are relative.
func (f *fakeSwitch) arm(fn func(f *fakeSwitch, writes, reads int)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f, f.writes, f.reads)
}

func (f *fakeSwitch) state() []Binding {
	f.mu.Lock()
	defer f.mu.Unlock()
	return sortedBindings(f.binds)
}

func (f *fakeSwitch) set(bs ...Binding) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.binds = slices.Clone(bs)
}

func sortedBindings(bs []Binding) []Binding {
	out := slices.Clone(bs)
	slices.SortFunc(out, func(a, b Binding) int {
		return cmp.Or(cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Logical, b.Logical), cmp.Compare(a.Phys, b.Phys))
	})
	return out
}

func (f *fakeSwitch) Identify(context.Context) (Identity, error) {
	return Identity{VendorID: 0x11f8, DeviceID: 0x4028, FirmwareVersion: "4.70 B0AA", Partitions: len(f.parts), Generation: "Gen4"}, nil
}

func (f *fakeSwitch) Ports(context.Context) ([]Port, error) { return nil, nil }

func (f *fakeSwitch) Errors(context.Context, int) (ErrorCounters, error) {
	return ErrorCounters{}, nil
}

func (f *fakeSwitch) Bindings(ctx context.Context) ([]Binding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.reads == f.failRead {
		return nil, fmt.Errorf("read port bind info: %w", errFakeNACK)
	}
	out := slices.Clone(f.binds)
	if f.reads == f.lieRead && len(out) > 0 {
		out = out[:len(out)-1]
	}
	return out, nil
}

// write counts a write and applies the faults armed for it.
func (f *fakeSwitch) write() error {
	f.writes++
	if f.onWrite != nil {
		f.onWrite(f.writes)
	}
	if f.writes == f.resetWrite {
		f.binds = nil
	}
	if f.writes == f.failWrite {
		return errFakeNACK
	}
	return nil
}

func (f *fakeSwitch) Bind(ctx context.Context, b Binding) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.write(); err != nil {
		return fmt.Errorf("bind %d/%d/%d: %w", b.Partition, b.Logical, b.Phys, err)
	}
	if f.failAllBind {
		return fmt.Errorf("bind: %w", errFakeNACK)
	}
	if !f.parts[b.Partition] {
		return fmt.Errorf("bind: error 0x3: no partition %d", b.Partition)
	}
	for _, x := range f.binds {
		switch {
		case x.Phys == b.Phys:
			return fmt.Errorf("bind: error 0x1: phys port %d already bound", b.Phys)
		case x.Partition == b.Partition && x.Logical == b.Logical:
			return fmt.Errorf("bind: error 0x2: logical port %d/%d already bound", b.Partition, b.Logical)
		}
	}
	f.binds = append(f.binds, b)
	return nil
}

func (f *fakeSwitch) Unbind(ctx context.Context, partition, logical int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.write(); err != nil {
		return fmt.Errorf("unbind %d/%d: %w", partition, logical, err)
	}
	i := slices.IndexFunc(f.binds, func(x Binding) bool { return x.Partition == partition && x.Logical == logical })
	if i < 0 {
		return fmt.Errorf("unbind: error 0xB: logical port %d/%d not bound", partition, logical)
	}
	f.binds = slices.Delete(f.binds, i, i+1)
	return nil
}
