package i2csim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chassisd/chassisd/board"
)

// targetQueue bounds the writes a target holds unread: an agent that stops
// reading loses the oldest, as a kernel target driver's buffer would.
const targetQueue = 64

// ErrTargetClosed is returned by a closed Target.
var ErrTargetClosed = errors.New("i2c target closed")

// Target is the adapter's own address in target (slave) mode: what another
// master on the bus writes to it is queued for Receive. MCTP over SMBus
// needs it because a device answers a request by writing to the BMC as a
// master.
type Target struct {
	bus  *Bus
	addr uint16
	ch   chan []byte
	done chan struct{}
	once sync.Once
}

// AttachTarget makes the adapter answer as a target at addr.
func (b *Bus) AttachTarget(addr uint16) (*Target, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if addr > 0x7F {
		return nil, fmt.Errorf("%s: target address %#x is not a 7-bit address", b.name, addr)
	}
	if b.targets == nil {
		b.targets = map[uint16]*Target{}
	}
	if _, ok := b.targets[addr]; ok {
		return nil, fmt.Errorf("%s: target address %#02x: %w", b.name, addr, board.ErrBusy)
	}
	t := &Target{bus: b, addr: addr, ch: make(chan []byte, targetQueue), done: make(chan struct{})}
	b.targets[addr] = t
	return t, nil
}

// Receive returns the next write addressed to the target: the bytes after
// the address byte.
func (t *Target) Receive(ctx context.Context) ([]byte, error) {
	select {
	case w := <-t.ch:
		return w, nil
	case <-t.done:
		return nil, ErrTargetClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops answering at the address.
func (t *Target) Close() error {
	t.once.Do(func() {
		t.bus.mu.Lock()
		if t.bus.targets[t.addr] == t {
			delete(t.bus.targets, t.addr)
		}
		t.bus.mu.Unlock()
		close(t.done)
	})
	return nil
}

// MasterWrite is a device on the bus acting as a master: it writes w to
// the target at addr, taking the bus (and its wire time) like any
// transaction. It fails with board.ErrNACK when no target answers there.
func (b *Bus) MasterWrite(addr uint16, w []byte) error {
	b.mu.Lock()
	b.stats.Transactions++
	var err error
	t := b.targets[addr]
	switch {
	case b.stuck:
		err = fmt.Errorf("%s: write to target %#02x: SDA held low: %w", b.name, addr, board.ErrBusError)
	case t == nil:
		b.stats.NACKs++
		err = fmt.Errorf("%s: write to target %#02x: %w", b.name, addr, board.ErrNACK)
	}
	bytes := 1
	if err == nil {
		bytes += len(w)
	}
	sleep := b.chargeLocked(2+9*bytes, bytes)
	b.mu.Unlock()
	if sleep > 0 {
		time.Sleep(sleep)
	}
	if err != nil {
		return err
	}
	msg := append([]byte(nil), w...)
	for {
		select {
		case t.ch <- msg:
			return nil
		case <-t.done:
			return fmt.Errorf("%s: write to target %#02x: %w", b.name, addr, board.ErrNACK)
		default:
			// Full: drop the oldest so the newest gets through.
			select {
			case <-t.ch:
			default:
			}
		}
	}
}
