package mctp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Endpoint defaults. DSP0236 lets a requester retry when no response comes
// within MT1 plus the link's round trip; 100 ms covers the sled MCU over a
// 115200 baud UART (a 64-byte packet is under 7 ms each way).
const (
	DefaultTimeout = 100 * time.Millisecond
	DefaultRetries = 2
)

// maxOutstanding is the number of message tags, so the number of requests
// one endpoint can have waiting for a response at once.
const maxOutstanding = numTags

// serveQueue is how many requests wait for the handler before new ones are
// dropped; the requester retries.
const serveQueue = 8

var (
	// ErrTimeout means no response came to a request, retries included.
	ErrTimeout = errors.New("no MCTP response")
	// ErrEndpointClosed is returned by Request and Serve after Close.
	ErrEndpointClosed = errors.New("MCTP endpoint closed")
	// ErrServing means Serve was called while another Serve runs.
	ErrServing = errors.New("MCTP endpoint already serving")
)

// EndpointOptions tune an Endpoint; the zero value gives the defaults.
type EndpointOptions struct {
	// Timeout is how long one try waits for the response (DefaultTimeout
	// if 0).
	Timeout time.Duration
	// Retries is how many times a request is sent again when no response
	// came (DefaultRetries if 0; negative for none).
	Retries int
	// MaxMessage bounds a reassembled message (DefaultMaxMessage if 0).
	MaxMessage int
	// Responder queues requests that arrive before Serve runs (up to the
	// serve queue's size) instead of dropping them: a responder's first
	// request may come the moment its link opens.
	Responder bool
}

// EndpointStats counts an endpoint's work. Dropped covers packets that fail
// their header check, are addressed to another EID or break reassembly, and
// messages nobody waits for (a late response, a request with no Serve).
type EndpointStats struct {
	PacketsSent     uint64
	PacketsReceived uint64
	Dropped         uint64
	// Timeouts counts requests that failed with ErrTimeout.
	Timeouts uint64
	// Retries counts requests sent again.
	Retries uint64
}

// Handler answers one request message (Body starts with the message type).
// It returns the response body, or ok false to send nothing (datagrams, or
// requests it chooses to drop).
type Handler func(req Message) (resp []byte, ok bool)

// An Endpoint is this side's MCTP endpoint on one binding: a requester, a
// responder, or both. One reader goroutine receives every packet from the
// binding, reassembles messages, hands responses to the Request waiting on
// their tag and requests to the Serve loop.
type Endpoint struct {
	b       Binding
	timeout time.Duration
	retries int
	own     atomic.Uint32

	sendMu sync.Mutex // the packets of one message go out together

	tags    chan struct{} // one token per free tag
	mu      sync.Mutex
	waiting [numTags]*waiter
	nextTag uint8
	reqs    chan Message // non-nil while Serve runs, or always for a Responder
	serving bool

	stop       context.CancelFunc
	readerDone chan struct{}
	readErr    error // set before readerDone is closed

	sent, received, dropped, timeouts, retried atomic.Uint64
}

// waiter is one Request waiting for its response.
type waiter struct {
	dst  EID
	typ  uint8
	resp chan []byte
}

// NewEndpoint starts an endpoint with EID own on binding b and its reader
// goroutine, which runs until Close or until the binding fails (is closed).
// The endpoint does not own the binding: closing it is the caller's job.
func NewEndpoint(b Binding, own EID, opts EndpointOptions) *Endpoint {
	e := &Endpoint{
		b:          b,
		timeout:    opts.Timeout,
		retries:    opts.Retries,
		tags:       make(chan struct{}, maxOutstanding),
		readerDone: make(chan struct{}),
	}
	if e.timeout <= 0 {
		e.timeout = DefaultTimeout
	}
	switch {
	case e.retries == 0:
		e.retries = DefaultRetries
	case e.retries < 0:
		e.retries = 0
	}
	for range maxOutstanding {
		e.tags <- struct{}{}
	}
	e.own.Store(uint32(own))
	if opts.Responder {
		e.reqs = make(chan Message, serveQueue)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	go e.read(ctx, &Reassembler{MaxMessage: opts.MaxMessage})
	return e
}

// SetOwnEID changes the endpoint's EID, as a Set Endpoint ID request does.
func (e *Endpoint) SetOwnEID(eid EID) { e.own.Store(uint32(eid)) }

// OwnEID is the endpoint's current EID.
func (e *Endpoint) OwnEID() EID { return EID(e.own.Load()) }

// Close stops the reader goroutine; waiting Requests and Serve return
// ErrEndpointClosed. It does not close the binding.
func (e *Endpoint) Close() error {
	e.stop()
	<-e.readerDone
	return nil
}

// Stats returns the endpoint's counters.
func (e *Endpoint) Stats() EndpointStats {
	return EndpointStats{
		PacketsSent:     e.sent.Load(),
		PacketsReceived: e.received.Load(),
		Dropped:         e.dropped.Load(),
		Timeouts:        e.timeouts.Load(),
		Retries:         e.retried.Load(),
	}
}

// Request sends a request message (body starts with the message type) to
// dst and returns the response body. It owns a tag for the duration (a ninth
// concurrent caller waits for one to free), sends with TO set, and accepts
// the response carrying that tag with TO clear from dst (from any EID when
// dst is the null or broadcast EID, as at bring-up before EIDs are
// assigned) with the same message type. When a try's timeout passes with no
// response, the same packets are sent again, up to the retry count; a send
// that fails is retried the same way. A response to an earlier try is as
// good as one to the last.
func (e *Endpoint) Request(ctx context.Context, dst EID, body []byte) ([]byte, error) {
	typ, ok := MessageType(body)
	if !ok {
		return nil, fmt.Errorf("MCTP request to EID %d: empty message", dst)
	}
	fail := func(err error) error {
		return fmt.Errorf("MCTP request to EID %d, type %#02x: %w", dst, typ, err)
	}
	select {
	case <-e.tags:
	case <-ctx.Done():
		return nil, fail(ctx.Err())
	case <-e.readerDone:
		return nil, fail(e.readErr)
	}
	w := &waiter{dst: dst, typ: typ, resp: make(chan []byte, 1)}
	tag, ok := e.register(w)
	if !ok {
		e.tags <- struct{}{}
		return nil, fail(errors.New("no free message tag"))
	}
	defer e.release(tag)

	pkts := Packetize(Header{Dst: dst, Src: e.OwnEID(), TO: true, Tag: tag}, body, e.b.MTU())
	var lastErr error
	for try := 0; try <= e.retries; try++ {
		if try > 0 {
			e.retried.Add(1)
		}
		if err := e.send(ctx, pkts); err != nil {
			if ctx.Err() != nil || errors.Is(err, ErrClosed) {
				return nil, fail(err)
			}
			lastErr = err
			continue
		}
		timer := time.NewTimer(e.timeout)
		select {
		case r := <-w.resp:
			timer.Stop()
			return r, nil
		case <-ctx.Done():
			timer.Stop()
			return nil, fail(ctx.Err())
		case <-e.readerDone:
			timer.Stop()
			return nil, fail(e.readErr)
		case <-timer.C:
			lastErr = fmt.Errorf("%w in %d tries of %v", ErrTimeout, e.retries+1, e.timeout)
		}
	}
	if errors.Is(lastErr, ErrTimeout) {
		e.timeouts.Add(1)
	}
	return nil, fail(lastErr)
}

// Serve answers requests with h until ctx ends or the endpoint stops. The
// handler runs on Serve's goroutine, one request at a time, while the reader
// keeps delivering responses to concurrent Requests; responses go back to the
// requester with the request's tag, TO clear and this endpoint's EID as
// source (read after h returns, so a Set Endpoint ID handler that calls
// SetOwnEID answers from the new EID). Only one Serve runs at a time.
func (e *Endpoint) Serve(ctx context.Context, h Handler) error {
	if h == nil {
		return errors.New("MCTP endpoint: Serve with a nil handler")
	}
	e.mu.Lock()
	if e.serving {
		e.mu.Unlock()
		return ErrServing
	}
	e.serving = true
	keep := e.reqs != nil // a Responder's queue outlives each Serve
	if !keep {
		e.reqs = make(chan Message, serveQueue)
	}
	reqs := e.reqs
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.serving = false
		if !keep {
			e.reqs = nil
		}
		e.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-e.readerDone:
			return e.readErr
		case m := <-reqs:
			resp, ok := h(m)
			if !ok || len(resp) == 0 {
				continue
			}
			hdr := Header{Dst: m.Src, Src: e.OwnEID(), Tag: m.Tag}
			if err := e.send(ctx, Packetize(hdr, resp, e.b.MTU())); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if errors.Is(err, ErrClosed) {
					return fmt.Errorf("MCTP response to EID %d: %w", m.Src, err)
				}
				// A lost response is the requester's to retry.
				e.dropped.Add(1)
			}
		}
	}
}

// register takes a free tag for w, round robin so that a late response to a
// request that gave up is unlikely to meet the next owner of its tag.
// The caller holds a tag token, so a free tag exists; false would be a bug.
func (e *Endpoint) register(w *waiter) (uint8, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range uint8(numTags) {
		tag := (e.nextTag + i) % numTags
		if e.waiting[tag] == nil {
			e.waiting[tag] = w
			e.nextTag = (tag + 1) % numTags
			return tag, true
		}
	}
	return 0, false
}

func (e *Endpoint) release(tag uint8) {
	e.mu.Lock()
	e.waiting[tag] = nil
	e.mu.Unlock()
	e.tags <- struct{}{}
}

func (e *Endpoint) send(ctx context.Context, pkts [][]byte) error {
	e.sendMu.Lock()
	defer e.sendMu.Unlock()
	for _, p := range pkts {
		if err := e.b.Send(ctx, p); err != nil {
			return err
		}
		e.sent.Add(1)
	}
	return nil
}

func (e *Endpoint) read(ctx context.Context, r *Reassembler) {
	defer close(e.readerDone)
	for {
		pkt, err := e.b.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				e.readErr = ErrEndpointClosed
			} else {
				e.readErr = fmt.Errorf("%w: %w", ErrEndpointClosed, err)
			}
			return
		}
		e.received.Add(1)
		h, err := ParseHeader(pkt)
		if err != nil || !e.accepts(h.Dst) {
			e.dropped.Add(1)
			continue
		}
		msg, complete, err := r.Add(pkt)
		if err != nil {
			e.dropped.Add(1)
			continue
		}
		if complete && !e.dispatch(msg) {
			e.dropped.Add(1)
		}
	}
}

// accepts reports whether a packet addressed to dst is for this endpoint.
func (e *Endpoint) accepts(dst EID) bool {
	return dst == e.OwnEID() || dst == NullEID || dst == BroadcastEID
}

// dispatch hands a message to the Request waiting for it or to Serve; false
// means nobody took it.
func (e *Endpoint) dispatch(m Message) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if m.TO {
		if e.reqs == nil {
			return false
		}
		select {
		case e.reqs <- m:
			return true
		default:
			return false
		}
	}
	w := e.waiting[m.Tag]
	if w == nil {
		return false
	}
	if w.dst != m.Src && w.dst != NullEID && w.dst != BroadcastEID {
		return false
	}
	if typ, _ := MessageType(m.Body); typ != w.typ {
		return false
	}
	select {
	case w.resp <- m.Body:
		return true
	default:
		return false // a duplicate response
	}
}
