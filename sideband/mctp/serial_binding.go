package mctp

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// rxQueue is how many received packets a binding holds for a slow Recv
// caller before it drops new ones: a few messages' worth of packets.
const rxQueue = 32

// serialBinding is MCTP over one UART to one peer.
type serialBinding struct {
	port io.ReadWriter
	name string

	wmu sync.Mutex // one frame on the wire at a time

	rx     chan []byte
	closed chan struct{}
	once   sync.Once
	dead   chan struct{} // closed when the reader stops on a port error
	rerr   error         // the port error, set before dead is closed

	dmu sync.Mutex // guards dec, which the reader goroutine feeds
	dec SerialDecoder

	sent, received, queueDrops atomic.Uint64
}

// NewSerialBinding starts MCTP over a serial port (a go.bug.st/serial port on
// a BMC, a pseudo-terminal in the simulator); name is used in errors. A
// goroutine reads the port until Close or a read error. A read that returns
// no bytes and no error (a serial read timeout) is not the end of the line.
//
// Close stops the binding but does not close the port: the code that opened
// it closes it. The reader goroutine ends at the next return from Read after
// Close, so ports without a read timeout should be closed after the binding.
func NewSerialBinding(port io.ReadWriter, name string) Binding {
	b := &serialBinding{
		port:   port,
		name:   name,
		rx:     make(chan []byte, rxQueue),
		closed: make(chan struct{}),
		dead:   make(chan struct{}),
	}
	go b.read()
	return b
}

func (b *serialBinding) MTU() int { return BaselineMTU }

// Send writes one frame. ctx is checked before the write; a write already
// under way is not interrupted (a UART drains a frame in a few ms).
func (b *serialBinding) Send(ctx context.Context, pkt []byte) error {
	if len(pkt) < HeaderLen || len(pkt) > HeaderLen+b.MTU() {
		return fmt.Errorf("MCTP serial %s: packet of %d bytes, want %d..%d", b.name, len(pkt), HeaderLen, HeaderLen+b.MTU())
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("MCTP serial %s: send: %w", b.name, err)
	}
	select {
	case <-b.closed:
		return fmt.Errorf("MCTP serial %s: send: %w", b.name, ErrClosed)
	default:
	}
	frame := EncodeSerialFrame(pkt)
	b.wmu.Lock()
	defer b.wmu.Unlock()
	if _, err := b.port.Write(frame); err != nil {
		return fmt.Errorf("MCTP serial %s: write: %w", b.name, err)
	}
	b.sent.Add(1)
	return nil
}

func (b *serialBinding) Recv(ctx context.Context) ([]byte, error) {
	// Packets already queued are delivered even if the port has since died.
	select {
	case p := <-b.rx:
		return p, nil
	default:
	}
	select {
	case p := <-b.rx:
		return p, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("MCTP serial %s: receive: %w", b.name, ctx.Err())
	case <-b.closed:
		return nil, fmt.Errorf("MCTP serial %s: receive: %w", b.name, ErrClosed)
	case <-b.dead:
		return nil, fmt.Errorf("MCTP serial %s: read: %w", b.name, b.rerr)
	}
}

func (b *serialBinding) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

func (b *serialBinding) LinkStats() LinkStats {
	b.dmu.Lock()
	ds := b.dec.Stats()
	b.dmu.Unlock()
	return LinkStats{
		PacketsSent:     b.sent.Load(),
		PacketsReceived: b.received.Load(),
		Dropped:         ds.Dropped() + b.queueDrops.Load(),
	}
}

// SerialStats returns the frame decoder's detailed counters.
func (b *serialBinding) SerialStats() SerialStats {
	b.dmu.Lock()
	defer b.dmu.Unlock()
	return b.dec.Stats()
}

func (b *serialBinding) read() {
	buf := make([]byte, 256)
	idle := 0
	for {
		n, err := b.port.Read(buf)
		b.dmu.Lock()
		for _, c := range buf[:n] {
			// Dropped frames are counted by the decoder; nothing more to do.
			if pkt, _ := b.dec.Feed(c); pkt != nil {
				b.deliver(pkt)
			}
		}
		b.dmu.Unlock()
		select {
		case <-b.closed:
			return
		default:
		}
		if err != nil {
			b.rerr = err
			close(b.dead)
			return
		}
		// A port that returns at once with nothing (rather than blocking
		// until its read timeout) must not spin a CPU.
		if n == 0 {
			idle++
			if idle > 1 {
				time.Sleep(time.Millisecond)
			}
		} else {
			idle = 0
		}
	}
}

func (b *serialBinding) deliver(pkt []byte) {
	b.received.Add(1)
	select {
	case b.rx <- pkt:
	default:
		b.queueDrops.Add(1)
	}
}
