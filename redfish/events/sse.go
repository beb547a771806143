package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Stream is an open SSE subscription: opened by OpenSSE, which can fail
// before anything is written (so the caller can still answer with a JSON
// error), then served by Serve until the client or the service ends it.
// While open it is listed by Subscriptions with SubscriptionType "SSE",
// as DSP0266 asks; RemoveSubscription on it ends the stream.
type Stream struct {
	b         *Broker
	sb        *subscriber
	closeOnce sync.Once
}

// ServeSSE opens a stream with filter and serves it on w until ctx ends,
// the subscription is removed or the broker closes. Errors before the
// stream starts are ErrClosed, ErrServiceDisabled and
// ErrSubscriptionLimit; callers that must answer those with a Redfish
// error body should use OpenSSE and Serve.
func (b *Broker) ServeSSE(ctx context.Context, w http.ResponseWriter, filter Filter) error {
	st, err := b.OpenSSE(filter, "")
	if err != nil {
		return err
	}
	return st.Serve(ctx, w)
}

// OpenSSE registers an SSE subscription. lastEventID is the client's
// Last-Event-ID header: the records published after that payload and still
// in the broker's history are queued first; when some are no longer there,
// or the id is unknown (from before a restart), the first payload starts
// with a Base EventBufferExceeded notice.
func (b *Broker) OpenSSE(filter Filter, lastEventID string) (*Stream, error) {
	if !b.settings.Load().ServiceEnabled {
		return nil, ErrServiceDisabled
	}
	s := Subscription{SubscriptionType: SubscriptionTypeSSE, Context: opaqueContext(), filter: filter}
	s.ApplyDefaults()
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.admitLocked(); err != nil {
		return nil, err
	}
	s.ID = b.takeIDLocked()
	sb := newSubscriber(s, b.opts.BufferSize)
	b.subs[s.ID] = sb
	var replay func()
	if lastEventID != "" {
		replay = func() {
			last, ok := b.parseSSEID(lastEventID)
			recs, complete := b.hist.after(last, b.seq)
			if !ok || !complete {
				sb.q.markLost()
			}
			if !ok {
				return
			}
			for i := range recs {
				if s.match(&recs[i]) {
					sb.q.push(recs[i])
				}
			}
		}
	}
	b.installLocked(replay)
	return &Stream{b: b, sb: sb}, nil
}

// ID is the stream's EventDestination Id.
func (st *Stream) ID() string { return st.sb.id }

// Close removes the stream's subscription; Serve does it when it returns.
func (st *Stream) Close() {
	st.closeOnce.Do(func() {
		b := st.b
		b.mu.Lock()
		if b.subs[st.sb.id] == st.sb {
			delete(b.subs, st.sb.id)
			b.installLocked(nil)
		}
		b.mu.Unlock()
		st.sb.stop()
	})
}

// Serve writes the stream: a 200 text/event-stream response, then one SSE
// message per record ("id:" a per-payload id the client can send back as
// Last-Event-ID, "data:" the Event payload on one line, a blank line), a comment line every KeepAlive while idle. It
// returns nil when ctx ends (the client went away), the subscription is
// removed or the broker closes, and the write error when the client stops
// reading for longer than SSEWriteTimeout. Each write sets its own
// deadline, which also lifts the server's WriteTimeout for the stream.
func (st *Stream) Serve(ctx context.Context, w http.ResponseWriter) error {
	defer st.Close()
	b, sb := st.b, st.sb
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Del("Content-Length")
	st.deadline(rc)
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return fmt.Errorf("SSE stream %s: %w", sb.id, err)
	}
	keep := time.NewTicker(b.opts.KeepAlive)
	defer keep.Stop()
	for {
		wrote := false
		for {
			p, ok := sb.q.pop()
			if !ok {
				break
			}
			sub := sb.sub.Load()
			data, err := b.payload(sub, p).MarshalJSON()
			if err != nil {
				b.log.Error("event not rendered", "id", sb.id, "event", p.rec.EventID, "err", err)
				continue
			}
			st.deadline(rc)
			if _, err := fmt.Fprintf(w, "id: %s\ndata: %s\n\n", b.sseID(p.rec.seq), data); err != nil {
				return fmt.Errorf("SSE stream %s: %w", sb.id, err)
			}
			wrote = true
		}
		if wrote {
			if err := rc.Flush(); err != nil {
				return fmt.Errorf("SSE stream %s: %w", sb.id, err)
			}
		}
		select {
		case <-sb.q.wake:
		case <-keep.C:
			st.deadline(rc)
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil {
				return fmt.Errorf("SSE stream %s: %w", sb.id, err)
			}
			if err := rc.Flush(); err != nil {
				return fmt.Errorf("SSE stream %s: %w", sb.id, err)
			}
		case <-ctx.Done():
			return nil
		case <-sb.done:
			return nil
		case <-b.ctx.Done():
			return nil
		}
	}
}

// deadline gives the next write SSEWriteTimeout. A ResponseWriter that
// cannot set deadlines (a test recorder) just has none.
func (st *Stream) deadline(rc *http.ResponseController) {
	err := rc.SetWriteDeadline(time.Now().Add(st.b.opts.SSEWriteTimeout))
	if err != nil && !errors.Is(err, http.ErrNotSupported) {
		st.b.log.Debug("SSE write deadline not set", "id", st.sb.id, "err", err)
	}
}

// sseID is the SSE id of the payload carrying the record with sequence
// number seq: "<run>-<seq>". It is not the EventId, which a caller may set
// (SubmitTestEvent) and which need not be unique or fit on a line.
func (b *Broker) sseID(seq uint64) string { return b.run + "-" + strconv.FormatUint(seq, 10) }

// parseSSEID returns the sequence number of one of this broker's SSE ids.
func (b *Broker) parseSSEID(id string) (uint64, bool) {
	run, seq, ok := strings.Cut(id, "-")
	if !ok || run != b.run {
		return 0, false
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	return n, err == nil
}

// opaqueContext is an SSE subscription's service-generated Context.
func opaqueContext() string { return "sse-" + randomHex(12) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24+)
	return hex.EncodeToString(b)
}
