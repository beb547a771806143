package events

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sseServer serves b's stream the way the redfish layer will: $filter
// parsed first (400 when bad), Last-Event-ID passed on, errors before the
// stream as JSON.
func sseServer(t *testing.T, b *Broker) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := ParseSSEFilter(r.URL.Query().Get("$filter"))
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		st, err := b.OpenSSE(f, r.Header.Get("Last-Event-ID"))
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_ = st.Serve(r.Context(), w)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// sseClient reads an SSE stream message by message.
type sseClient struct {
	t    *testing.T
	resp *http.Response
	sc   *bufio.Scanner
	msgs chan sseMsg
}

type sseMsg struct {
	id, data, comment string
	err               error
}

func openSSE(t *testing.T, srv *httptest.Server, filter, lastID string) *sseClient {
	t.Helper()
	u := srv.URL + "/sse"
	if filter != "" {
		u += "?" + url.Values{"$filter": {filter}}.Encode()
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	c := &sseClient{t: t, resp: resp, sc: bufio.NewScanner(resp.Body), msgs: make(chan sseMsg, 64)}
	c.sc.Buffer(make([]byte, 1<<20), 1<<20)
	t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		return c
	}
	go c.read()
	return c
}

func (c *sseClient) read() {
	var m sseMsg
	for c.sc.Scan() {
		line := c.sc.Text()
		switch {
		case line == "":
			c.msgs <- m
			m = sseMsg{}
		case strings.HasPrefix(line, ":"):
			m.comment = line
		case strings.HasPrefix(line, "id: "):
			m.id = line[4:]
		case strings.HasPrefix(line, "data: "):
			m.data += line[6:]
		}
	}
	c.msgs <- sseMsg{err: errors.Join(c.sc.Err(), errors.New("stream ended"))}
}

func (c *sseClient) next() sseMsg {
	c.t.Helper()
	for {
		select {
		case m := <-c.msgs:
			if m.comment != "" && m.data == "" {
				continue
			}
			return m
		case <-time.After(20 * time.Second):
			c.t.Fatal("no SSE message")
		}
	}
}

func TestSSEOverHTTPWithFilter(t *testing.T) {
	b := newTestBroker(t, Options{})
	srv := sseServer(t, b)
	c := openSSE(t, srv, "MessageId eq 'Chassisd.1.0.DriveAdded' or OriginResource eq '/redfish/v1/Chassis/Sled2'", "")
	if c.resp.StatusCode != http.StatusOK || c.resp.Header.Get("Content-Type") != "text/event-stream" ||
		c.resp.Header.Get("Content-Length") != "" {
		t.Fatalf("response %d, headers %v", c.resp.StatusCode, c.resp.Header)
	}
	subs := b.Subscriptions()
	if len(subs) != 1 || subs[0].SubscriptionType != SubscriptionTypeSSE || !strings.HasPrefix(subs[0].Context, "sse-") {
		t.Fatalf("while open, Subscriptions = %+v: want the stream's EventDestination", subs)
	}

	b.Publish(seqRecord(1)) // Sled1: filtered out
	b.Publish(seqRecord(2)) // Sled2: in
	drive := MsgDriveAdded.Record("/redfish/v1/Chassis/Sled1/Drives/Slot1", ResourceDrive, "1", "Bay 1", "m", "s")
	b.Publish(drive) // in
	m := c.next()
	p := decode(t, []byte(m.data))
	if !strings.HasSuffix(m.id, "-2") || p.last() != "2" || p.Events[0].OriginOfCondition.ID != "/redfish/v1/Chassis/Sled2" {
		t.Errorf("first message id %s, payload %+v: want event 2", m.id, p)
	}
	if p.Context != subs[0].Context {
		t.Errorf("payload Context %q, want the subscription's %q", p.Context, subs[0].Context)
	}
	if m := c.next(); !strings.HasSuffix(m.id, "-3") || decode(t, []byte(m.data)).Events[0].MessageID != "Chassisd.1.0.DriveAdded" {
		t.Errorf("second message %+v: want the drive event", m)
	}

	// Deleting the EventDestination closes the stream.
	if err := b.RemoveSubscription(subs[0].ID); err != nil {
		t.Fatal(err)
	}
	if m := c.next(); m.err == nil {
		t.Errorf("after removal got %+v, want the stream to end", m)
	}
}

func TestSSEClosedByClientRemovesSubscription(t *testing.T) {
	b := newTestBroker(t, Options{})
	srv := sseServer(t, b)
	c := openSSE(t, srv, "", "")
	if len(b.Subscriptions()) != 1 {
		t.Fatal("no subscription for the open stream")
	}
	_ = c.resp.Body.Close()
	b.Publish(seqRecord(1)) // a write lets the server see the client is gone
	waitFor(t, "the stream's subscription to go", func() bool { return len(b.Subscriptions()) == 0 })
}

func TestSSEBadFilterIsRefusedBeforeStreaming(t *testing.T) {
	b := newTestBroker(t, Options{})
	srv := sseServer(t, b)
	c := openSSE(t, srv, "MessageId eq", "")
	if c.resp.StatusCode != http.StatusBadRequest || c.resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("bad $filter: %d %v", c.resp.StatusCode, c.resp.Header)
	}
	if len(b.Subscriptions()) != 0 {
		t.Error("a refused stream left a subscription")
	}
}

func TestSSEKeepAlive(t *testing.T) {
	b := newTestBroker(t, Options{KeepAlive: 5 * time.Millisecond})
	srv := sseServer(t, b)
	c := openSSE(t, srv, "", "")
	select {
	case m := <-c.msgs:
		if m.comment != ": keep-alive" || m.data != "" {
			t.Errorf("idle stream sent %+v, want a keep-alive comment", m)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no keep-alive")
	}
}

func TestSSELastEventID(t *testing.T) {
	b := newTestBroker(t, Options{BufferSize: 4})
	srv := sseServer(t, b)
	first := openSSE(t, srv, "", "")
	var ids []string
	for i := 1; i <= 6; i++ {
		b.Publish(seqRecord(i))
		ids = append(ids, first.next().id)
	}
	_ = first.resp.Body.Close()
	if ids[0] == "1" || ids[0] == ids[1] {
		t.Errorf("SSE ids %v: want unique ids tagged with the broker's run", ids)
	}
	got := func(c *sseClient) (string, []string) {
		m := c.next()
		p := decode(t, []byte(m.data))
		var msgs []string
		for _, e := range p.Events {
			msgs = append(msgs, e.MessageID)
		}
		return p.last(), msgs
	}

	// History holds 3..6: resuming after 4 replays 5 and 6, then goes on.
	c := openSSE(t, srv, "", ids[3])
	if ev, msgs := got(c); ev != "5" || len(msgs) != 1 {
		t.Errorf("first replayed payload: event %s %v, want event 5 alone", ev, msgs)
	}
	if ev, _ := got(c); ev != "6" {
		t.Errorf("second replayed payload: event %s, want 6", ev)
	}
	b.Publish(seqRecord(7))
	if ev, _ := got(c); ev != "7" {
		t.Errorf("live payload: event %s, want 7", ev)
	}

	// Resuming after 1: the history now holds 4..7, event 2 is gone, so
	// the client is told events may have been lost, then gets 4..7.
	gap := openSSE(t, srv, "", ids[0])
	if ev, msgs := got(gap); ev != "4" || len(msgs) != 2 || msgs[0] != "Base.1.22.EventBufferExceeded" {
		t.Errorf("after a gap: event %s %v, want EventBufferExceeded then event 4", ev, msgs)
	}

	// An id from another run (before a restart) or not an id at all: the
	// same notice, with the next event.
	for i, last := range []string{"0badc0de-3", "3", "garbage"} {
		old := openSSE(t, srv, "", last)
		want := strconv.Itoa(8 + i)
		b.Publish(seqRecord(8 + i))
		if ev, msgs := got(old); ev != want || len(msgs) != 2 || msgs[0] != "Base.1.22.EventBufferExceeded" {
			t.Errorf("Last-Event-ID %q: event %s %v, want EventBufferExceeded then event %s", last, ev, msgs, want)
		}
		_ = old.resp.Body.Close()
	}
}

func TestSSEIDIsNotTheEventID(t *testing.T) {
	b := newTestBroker(t, Options{})
	st, err := b.OpenSSE(Filter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	w := newChanWriter(4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = st.Serve(ctx, w); close(done) }()
	r := seqRecord(1)
	r.EventID = "7\ndata: forged\n" // a client's SubmitTestEvent EventId
	b.Publish(r)
	msg := string(<-w.msgs)
	cancel()
	<-done
	if strings.Count(msg, "\n") != 3 || !strings.HasPrefix(msg, "id: "+b.run+"-1\ndata: {") {
		t.Errorf("message %q: want our own id line, then one data line", msg)
	}
}

func TestServeSSEEndsWithBroker(t *testing.T) {
	b, err := New(Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	w := newChanWriter(1)
	done := make(chan error, 1)
	go func() { done <- b.ServeSSE(context.Background(), w, Filter{}) }()
	waitFor(t, "the stream to open", func() bool { return len(b.Subscriptions()) == 1 })
	b.Close()
	if err := <-done; err != nil {
		t.Errorf("ServeSSE after Close: %v", err)
	}
}
