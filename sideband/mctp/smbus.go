package mctp

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/chassisd/chassisd/internal/crc"
)

// MCTP over SMBus/I2C (DSP0237): each packet is one SMBus block write from
// the sender to the receiver, in both directions:
//
//	[dst<<1] [0F] [count] [src<<1|1] [packet] [PEC]
//
// count is the number of bytes after it, PEC excluded; the PEC (SMBus CRC-8)
// covers everything from the destination address byte. Bit 0 of the source
// byte is always 1, which tells an MCTP frame from other SMBus traffic.

// smbusCommandMCTP is the SMBus command code DSP0237 assigns to MCTP.
const smbusCommandMCTP = 0x0F

// smbusMaxPacket is the longest packet a one-byte count can announce (the
// source byte takes one of its 255).
const smbusMaxPacket = 254

// SMBus framing errors from DecodeSMBus.
var (
	ErrSMBusFrame = errors.New("not an MCTP-over-SMBus frame")
	ErrSMBusPEC   = errors.New("MCTP-over-SMBus PEC mismatch")
)

// EncodeSMBus builds the block write carrying pkt from srcAddr to dstAddr
// (7-bit addresses), without the destination address byte the I2C layer
// sends: [0F][count][src<<1|1][packet][PEC], with the PEC computed as if
// that address byte were there. pkt must be at most 254 bytes.
func EncodeSMBus(dstAddr, srcAddr uint16, pkt []byte) []byte {
	w := make([]byte, 0, len(pkt)+4)
	w = append(w, smbusCommandMCTP, byte(len(pkt)+1), byte(srcAddr<<1)|1)
	w = append(w, pkt...)
	return append(w, crc.PEC(crc.PEC(0, byte(dstAddr<<1)), w...))
}

// DecodeSMBus reads a block write received at ownAddr (the bytes after the
// address byte) and returns the sender's 7-bit address and the packet.
func DecodeSMBus(ownAddr uint16, w []byte) (srcAddr uint16, pkt []byte, err error) {
	// command, count, source, a header, PEC
	if len(w) < 3+HeaderLen+1 {
		return 0, nil, fmt.Errorf("%w: %d bytes", ErrSMBusFrame, len(w))
	}
	if w[0] != smbusCommandMCTP {
		return 0, nil, fmt.Errorf("%w: command %#02x", ErrSMBusFrame, w[0])
	}
	if n := int(w[1]); n != len(w)-3 {
		return 0, nil, fmt.Errorf("%w: count %d, %d bytes follow", ErrSMBusFrame, n, len(w)-3)
	}
	if w[2]&1 != 1 {
		return 0, nil, fmt.Errorf("%w: source byte %#02x has bit 0 clear", ErrSMBusFrame, w[2])
	}
	last := len(w) - 1
	if pec := crc.PEC(crc.PEC(0, byte(ownAddr<<1)), w[:last]...); pec != w[last] {
		return 0, nil, fmt.Errorf("%w: got %#02x, computed %#02x", ErrSMBusPEC, w[last], pec)
	}
	return uint16(w[2] >> 1), append([]byte(nil), w[3:last]...), nil
}

// Receiver yields the block writes other masters address to the BMC's own
// I2C target address (the bytes after the address byte). The board layer
// provides it: in process in the simulator, from a target-mode driver on a BMC.
type Receiver interface {
	Receive(ctx context.Context) ([]byte, error)
}

// smbusBinding is MCTP over SMBus to one peer address.
type smbusBinding struct {
	tx        func(ctx context.Context, addr uint16, w []byte) error
	rx        Receiver
	peer, own uint16
	// closedCtx ends at Close; Recv waits on it besides its caller's ctx.
	closedCtx context.Context
	cancel    context.CancelFunc

	sent, recv, dropped atomic.Uint64
}

// NewSMBusBinding carries MCTP between the BMC at own and the endpoint at
// peer (7-bit addresses). tx performs one I2C write of w to addr (the caller
// routes it through the bus owner: mux channel, service level); rx yields
// the writes received at own. Frames that fail their checks or come from an
// address other than peer are dropped and counted.
func NewSMBusBinding(tx func(ctx context.Context, addr uint16, w []byte) error, rx Receiver, peer, own uint16) Binding {
	ctx, cancel := context.WithCancel(context.Background())
	return &smbusBinding{
		tx: tx, rx: rx, peer: peer, own: own,
		closedCtx: ctx, cancel: cancel,
	}
}

func (b *smbusBinding) MTU() int { return BaselineMTU }

func (b *smbusBinding) Send(ctx context.Context, pkt []byte) error {
	if len(pkt) < HeaderLen || len(pkt) > min(HeaderLen+b.MTU(), smbusMaxPacket) {
		return fmt.Errorf("MCTP SMBus %#02x: packet of %d bytes, want %d..%d", b.peer, len(pkt), HeaderLen, HeaderLen+b.MTU())
	}
	if b.closedCtx.Err() != nil {
		return fmt.Errorf("MCTP SMBus %#02x: send: %w", b.peer, ErrClosed)
	}
	if err := b.tx(ctx, b.peer, EncodeSMBus(b.peer, b.own, pkt)); err != nil {
		return fmt.Errorf("MCTP SMBus %#02x: write: %w", b.peer, err)
	}
	b.sent.Add(1)
	return nil
}

func (b *smbusBinding) Recv(ctx context.Context) ([]byte, error) {
	// Close must unblock a Recv waiting in the Receiver.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(b.closedCtx, cancel)
	defer stop()
	for {
		w, err := b.rx.Receive(ctx)
		if b.closedCtx.Err() != nil {
			return nil, fmt.Errorf("MCTP SMBus %#02x: receive: %w", b.peer, ErrClosed)
		}
		if err != nil {
			return nil, fmt.Errorf("MCTP SMBus %#02x: receive: %w", b.peer, err)
		}
		src, pkt, err := DecodeSMBus(b.own, w)
		if err != nil || src != b.peer {
			b.dropped.Add(1)
			continue
		}
		b.recv.Add(1)
		return pkt, nil
	}
}

func (b *smbusBinding) Close() error {
	b.cancel()
	return nil
}

func (b *smbusBinding) LinkStats() LinkStats {
	return LinkStats{PacketsSent: b.sent.Load(), PacketsReceived: b.recv.Load(), Dropped: b.dropped.Load()}
}
