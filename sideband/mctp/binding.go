package mctp

import (
	"context"
	"errors"
)

// Binding carries MCTP packets (transport header + payload) over one physical link to one peer.
type Binding interface {
	// Send transmits one packet to the peer.
	Send(ctx context.Context, pkt []byte) error
	// Recv returns the next packet received from the peer. It returns an error when ctx ends or
	// the binding is closed; frames that fail their checks are dropped (counted), not returned.
	Recv(ctx context.Context) ([]byte, error)
	// MTU is the largest payload per packet the link carries (64 for the baseline).
	MTU() int
	Close() error
}

// ErrClosed is returned by a binding's Send and Recv after Close.
var ErrClosed = errors.New("MCTP binding closed")

// LinkStats counts a binding's traffic. Dropped covers every frame received
// and thrown away: line noise, bad checksums, frames from another address,
// and packets that arrived while nobody was receiving and the queue was full.
type LinkStats struct {
	PacketsSent     uint64
	PacketsReceived uint64
	Dropped         uint64
}

// LinkCounter is implemented by the bindings of this package, so a caller
// holding a Binding can read its counters.
type LinkCounter interface {
	LinkStats() LinkStats
}
