package mctp

import (
	"errors"
	"fmt"
)

// Message is one reassembled MCTP message.
type Message struct {
	Src, Dst EID
	Tag      uint8
	// TO is set on requests (the sender owns the tag).
	TO bool
	// Body is the message type byte and the rest of the message.
	Body []byte
}

// Reassembly limits used when a Reassembler's fields are zero.
const (
	// DefaultMaxMessage bounds a reassembled message: far above anything
	// the sled MCU sends (a PLDM FRU record table is a few hundred bytes),
	// low enough that a peer cannot make the agent hold megabytes.
	DefaultMaxMessage = 64 << 10
	// DefaultMaxPartial bounds the messages being reassembled at once; one
	// per tag in each direction covers a well-behaved peer.
	DefaultMaxPartial = 16
)

// Reassembly errors; Add wraps them with the packet's source and tag.
var (
	// ErrNoStart: a middle or last packet with no message started for its
	// source, tag and TO (the SOM was lost, or the message was dropped).
	ErrNoStart = errors.New("packet without start of message")
	// ErrSequence: a packet's sequence number is not the next one; the
	// message it belonged to is dropped.
	ErrSequence = errors.New("packet sequence gap")
	// ErrTooLong: the message grew beyond the size limit and is dropped.
	ErrTooLong = errors.New("message too long")
	// ErrEmpty: a start packet carries no message type byte.
	ErrEmpty = errors.New("empty message")
)

// ReassemblyStats counts what a Reassembler did.
type ReassemblyStats struct {
	Messages uint64 // complete messages returned
	Rejected uint64 // packets Add returned an error for
	Dropped  uint64 // partial messages abandoned (gap, restart, size, eviction)
}

// A Reassembler joins packets into messages. Messages in progress are keyed
// by (source EID, tag, TO), so a peer may interleave several. A new start
// packet for a key in progress abandons the old message; so does a sequence
// gap (the lost packet cannot come back: MCTP does not retransmit packets).
// When too many messages are in progress the oldest is evicted, which bounds
// the memory a peer that never sends EOM can hold.
//
// The zero value is ready to use with the default limits. A Reassembler is
// not safe for concurrent use; an Endpoint's reader goroutine owns one.
type Reassembler struct {
	// MaxMessage bounds a message body in bytes (DefaultMaxMessage if 0).
	MaxMessage int
	// MaxPartial bounds the messages in progress (DefaultMaxPartial if 0).
	MaxPartial int

	partial map[reassemblyKey]*partialMessage
	started uint64 // orders partial messages for eviction
	stats   ReassemblyStats
}

type reassemblyKey struct {
	src EID
	tag uint8
	to  bool
}

type partialMessage struct {
	dst     EID
	nextSeq uint8
	order   uint64
	body    []byte
}

// Add takes one packet (transport header and payload). It returns the
// message once its last packet arrives. An error means the packet was
// rejected (and, for a sequence gap or size overflow, the message it
// belonged to dropped); the packet was not kept.
func (r *Reassembler) Add(pkt []byte) (msg Message, complete bool, err error) {
	h, err := ParseHeader(pkt)
	if err != nil {
		r.stats.Rejected++
		return Message{}, false, err
	}
	payload := pkt[HeaderLen:]
	key := reassemblyKey{h.Src, h.Tag, h.TO}
	if r.partial == nil {
		r.partial = make(map[reassemblyKey]*partialMessage)
	}
	p := r.partial[key]

	if h.SOM {
		if p != nil {
			r.drop(key)
		}
		if len(payload) == 0 {
			return r.reject(h, ErrEmpty)
		}
		if len(payload) > r.maxMessage() {
			return r.reject(h, fmt.Errorf("%w: %d bytes in one packet", ErrTooLong, len(payload)))
		}
		if h.EOM {
			r.stats.Messages++
			return messageOf(h, h.Dst, append([]byte(nil), payload...)), true, nil
		}
		r.evictFor()
		r.started++
		r.partial[key] = &partialMessage{
			dst:     h.Dst,
			nextSeq: (h.Seq + 1) % seqModulo,
			order:   r.started,
			body:    append(make([]byte, 0, 2*len(payload)), payload...),
		}
		return Message{}, false, nil
	}

	if p == nil {
		return r.reject(h, ErrNoStart)
	}
	if h.Seq != p.nextSeq {
		r.drop(key)
		return r.reject(h, fmt.Errorf("%w: seq %d, want %d", ErrSequence, h.Seq, p.nextSeq))
	}
	if len(p.body)+len(payload) > r.maxMessage() {
		r.drop(key)
		return r.reject(h, fmt.Errorf("%w: over %d bytes", ErrTooLong, r.maxMessage()))
	}
	p.body = append(p.body, payload...)
	p.nextSeq = (p.nextSeq + 1) % seqModulo
	if !h.EOM {
		return Message{}, false, nil
	}
	delete(r.partial, key)
	r.stats.Messages++
	return messageOf(h, p.dst, p.body), true, nil
}

// Stats returns what the reassembler has counted so far.
func (r *Reassembler) Stats() ReassemblyStats { return r.stats }

// InProgress is the number of messages started and not yet complete.
func (r *Reassembler) InProgress() int { return len(r.partial) }

func messageOf(h Header, dst EID, body []byte) Message {
	return Message{Src: h.Src, Dst: dst, Tag: h.Tag, TO: h.TO, Body: body}
}

func (r *Reassembler) reject(h Header, err error) (Message, bool, error) {
	r.stats.Rejected++
	return Message{}, false, fmt.Errorf("MCTP from EID %d tag %d: %w", h.Src, h.Tag, err)
}

func (r *Reassembler) drop(key reassemblyKey) {
	delete(r.partial, key)
	r.stats.Dropped++
}

// evictFor makes room for one more message in progress by dropping the
// oldest ones.
func (r *Reassembler) evictFor() {
	for len(r.partial) >= r.maxPartial() {
		var oldest reassemblyKey
		first := true
		var order uint64
		for k, p := range r.partial {
			if first || p.order < order {
				oldest, order, first = k, p.order, false
			}
		}
		r.drop(oldest)
	}
}

func (r *Reassembler) maxMessage() int {
	if r.MaxMessage > 0 {
		return r.MaxMessage
	}
	return DefaultMaxMessage
}

func (r *Reassembler) maxPartial() int {
	if r.MaxPartial > 0 {
		return r.MaxPartial
	}
	return DefaultMaxPartial
}
