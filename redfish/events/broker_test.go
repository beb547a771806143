package events

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The test: one stalled and one live subscriber. 2000 events are
// published from this goroutine while the stalled subscriber is blocked in
// a write. Publish returning 2000 times is the proof that it never waits
// for a subscriber; the live one gets every event in order; the stalled one
// loses only its oldest and is told how many.
const (
	stallTotal = 2000
	stallBuf   = 256
	// stallBurst is how many events are published before waiting for the
	// live subscriber to catch up: less than its buffer, so the live one
	// never has reason to drop, however slowly the race detector runs it.
	stallBurst = 128
)

// publishPastStall publishes events 2..stallTotal (event 1 is already held
// by the stalled subscriber), letting the live one catch up every burst.
func publishPastStall(t *testing.T, b *Broker, liveNext func() received) {
	t.Helper()
	seen := 1
	catchUp := func(upto int) {
		for ; seen < upto; seen++ {
			p := liveNext()
			if len(p.Events) != 1 || p.last() != strconv.Itoa(seen+1) {
				t.Fatalf("live subscriber: payload %d is %+v, want event %d alone", seen+1, p, seen+1)
			}
		}
	}
	for n := 2; n <= stallTotal; n++ {
		b.Publish(seqRecord(n))
		if n%stallBurst == 0 {
			catchUp(n)
		}
	}
	catchUp(stallTotal)
}

// checkStalledStream checks what the stalled subscriber got once released:
// event 1 (in flight when it stalled), then a payload that starts with
// EventBufferExceeded and EventsDropped(count) and carries the oldest event
// it kept, then the rest in order to the last.
func checkStalledStream(t *testing.T, got []received) {
	t.Helper()
	firstKept := stallTotal - stallBuf + 1
	dropped := firstKept - 2 // events 2..firstKept-1
	if len(got) != 1+stallBuf {
		t.Fatalf("stalled subscriber got %d payloads, want %d (event 1 and the newest %d)", len(got), 1+stallBuf, stallBuf)
	}
	if len(got[0].Events) != 1 || got[0].last() != "1" {
		t.Errorf("first payload %+v, want event 1 alone", got[0])
	}
	notice := got[1]
	if len(notice.Events) != 3 {
		t.Fatalf("payload after the stall has %d records, want the two notices and event %d", len(notice.Events), firstKept)
	}
	if notice.Events[0].MessageID != "Base.1.22.EventBufferExceeded" {
		t.Errorf("first notice %q, want Base.1.22.EventBufferExceeded", notice.Events[0].MessageID)
	}
	if notice.Events[1].MessageID != "Chassisd.1.0.EventsDropped" || len(notice.Events[1].MessageArgs) != 1 ||
		notice.Events[1].MessageArgs[0] != strconv.Itoa(dropped) {
		t.Errorf("second notice %+v, want Chassisd.1.0.EventsDropped with count %d", notice.Events[1], dropped)
	}
	for i, p := range got[1:] {
		if want := strconv.Itoa(firstKept + i); p.last() != want {
			t.Fatalf("stalled subscriber payload %d carries event %s, want %s", i+1, p.last(), want)
		}
		if i > 0 && len(p.Events) != 1 {
			t.Errorf("payload with event %s repeats a notice", p.last())
		}
	}
}

func TestStalledAndLiveSSE(t *testing.T) {
	b := newTestBroker(t, Options{BufferSize: stallBuf, KeepAlive: time.Hour})
	live, err := b.OpenSSE(Filter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	stalled, err := b.OpenSSE(Filter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	lw, sw := newChanWriter(stallTotal), newBlockingWriter()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = live.Serve(ctx, lw) }()
	go func() { defer wg.Done(); _ = stalled.Serve(ctx, sw) }()
	defer func() {
		cancel()
		select {
		case <-sw.release:
		default:
			close(sw.release)
		}
		wg.Wait()
	}()

	liveNext := func() received {
		select {
		case m := <-lw.msgs:
			return decode(t, messageData(t, m))
		case <-time.After(20 * time.Second):
			t.Fatal("live subscriber stopped receiving")
		}
		return received{}
	}
	b.Publish(seqRecord(1))
	<-sw.entered // the stalled client holds event 1 in a blocked write
	if p := liveNext(); p.last() != "1" {
		t.Fatalf("live subscriber's first event %s", p.last())
	}
	publishPastStall(t, b, liveNext)

	close(sw.release)
	waitFor(t, "the stalled subscriber to drain", func() bool {
		m := sw.lastMessage()
		return len(m) > 0 && decode(t, messageData(t, m)).last() == strconv.Itoa(stallTotal)
	})
	var got []received
	for _, m := range sw.messages() {
		got = append(got, decode(t, m))
	}
	checkStalledStream(t, got)
}

func TestStalledAndLivePush(t *testing.T) {
	stalledSink := newSink(t, nil)
	stalledSink.hold, stalledSink.held = make(chan struct{}), make(chan struct{})
	liveSink := newSink(t, nil)
	liveSink.each = make(chan received, stallTotal)
	defer func() {
		select {
		case <-stalledSink.hold:
		default:
			close(stalledSink.hold)
		}
	}()
	// The broker is closed before the sinks (cleanups run last first), so
	// no delivery is cut off by a closing server.
	b := newTestBroker(t, Options{BufferSize: stallBuf, DeliveryTimeout: time.Minute})
	for _, s := range []*sink{liveSink, stalledSink} {
		if _, err := b.AddSubscription(Subscription{Destination: s.srv.URL + "/events"}); err != nil {
			t.Fatal(err)
		}
	}
	liveNext := func() received {
		select {
		case p := <-liveSink.each:
			return p
		case <-time.After(20 * time.Second):
			t.Fatal("live destination stopped receiving")
		}
		return received{}
	}
	b.Publish(seqRecord(1))
	<-stalledSink.held // the stalled destination holds the POST of event 1
	if p := liveNext(); p.last() != "1" {
		t.Fatalf("live destination's first event %s", p.last())
	}
	publishPastStall(t, b, liveNext)

	close(stalledSink.hold)
	waitFor(t, "the stalled destination to drain", func() bool {
		p := stalledSink.payloads()
		return len(p) > 0 && p[len(p)-1].last() == strconv.Itoa(stallTotal)
	})
	checkStalledStream(t, stalledSink.payloads())
	for _, s := range b.Subscriptions() {
		if s.State != StateEnabled {
			t.Errorf("subscription %s is %s: a slow destination is not a failing one", s.ID, s.State)
		}
	}
}

func TestSubscriptionLimit(t *testing.T) {
	b := newTestBroker(t, Options{MaxSubscriptions: 2})
	a, err := b.AddSubscription(Subscription{Destination: "http://192.0.2.1/a"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := b.OpenSSE(Filter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddSubscription(Subscription{Destination: "http://192.0.2.1/b"}); !errors.Is(err, ErrSubscriptionLimit) {
		t.Errorf("third subscription: %v, want ErrSubscriptionLimit", err)
	}
	if _, err := b.OpenSSE(Filter{}, ""); !errors.Is(err, ErrSubscriptionLimit) {
		t.Errorf("third (SSE) subscription: %v, want ErrSubscriptionLimit", err)
	}
	st.Close()
	if _, err := b.AddSubscription(Subscription{Destination: "http://192.0.2.1/b"}); err != nil {
		t.Errorf("after an SSE stream closed: %v", err)
	}
	if err := b.RemoveSubscription(a.ID); err != nil {
		t.Fatal(err)
	}
	if err := b.RemoveSubscription(a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second removal: %v, want ErrNotFound", err)
	}
}

func TestClosedBroker(t *testing.T) {
	b := newTestBroker(t, Options{})
	if _, err := b.AddSubscription(Subscription{Destination: "http://192.0.2.1/a"}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	b.Close() // twice is fine
	b.Publish(seqRecord(1))
	if _, err := b.AddSubscription(Subscription{Destination: "http://192.0.2.1/b"}); !errors.Is(err, ErrClosed) {
		t.Errorf("AddSubscription after Close: %v", err)
	}
	if _, err := b.OpenSSE(Filter{}, ""); !errors.Is(err, ErrClosed) {
		t.Errorf("OpenSSE after Close: %v", err)
	}
}

func TestServiceDisabled(t *testing.T) {
	b := newTestBroker(t, Options{})
	st, err := b.OpenSSE(Filter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	set := b.Settings()
	set.ServiceEnabled = false
	if err := b.SetSettings(set); err != nil {
		t.Fatal(err)
	}
	b.Publish(seqRecord(1))
	if _, ok := st.sb.q.pop(); ok {
		t.Error("a disabled service queued an event")
	}
	if _, err := b.OpenSSE(Filter{}, ""); !errors.Is(err, ErrServiceDisabled) {
		t.Errorf("OpenSSE on a disabled service: %v", err)
	}
	set.ServiceEnabled = true
	if err := b.SetSettings(set); err != nil {
		t.Fatal(err)
	}
	b.Publish(seqRecord(2))
	if p, ok := st.sb.q.pop(); !ok || p.rec.MessageArgs[0] != "Bay 2" {
		t.Errorf("re-enabled service queued %+v, %v", p, ok)
	}
	if err := b.SetSettings(Settings{ServiceEnabled: true, DeliveryRetryAttempts: -1, DeliveryRetryInterval: time.Second}); err == nil {
		t.Error("negative retry attempts accepted")
	}
	if err := b.SetSettings(Settings{ServiceEnabled: true, DeliveryRetryAttempts: 1}); err == nil {
		t.Error("zero retry interval accepted")
	}
}

func TestPublishFillsIDAndTimestampAndCopiesArgs(t *testing.T) {
	b := newTestBroker(t, Options{})
	st, err := b.OpenSSE(Filter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := seqRecord(1)
	b.Publish(r)
	r.MessageArgs[0] = "changed by the caller"
	mine := seqRecord(2)
	mine.EventID = "custom-7"
	b.Publish(mine)
	p1, _ := st.sb.q.pop()
	p2, _ := st.sb.q.pop()
	if p1.rec.EventID != "1" || p1.rec.EventTimestamp.IsZero() || p1.rec.MessageArgs[0] != "Bay 1" {
		t.Errorf("first record %+v", p1.rec)
	}
	if p2.rec.EventID != "custom-7" {
		t.Errorf("a caller's EventID was replaced: %q", p2.rec.EventID)
	}
}

func TestQueueDropsOldestAndCounts(t *testing.T) {
	q := newQueue(3)
	for i := 1; i <= 5; i++ {
		q.push(seqRecord(i))
	}
	p, ok := q.pop()
	if !ok || p.dropped != 2 || p.rec.MessageArgs[0] != "Bay 3" {
		t.Fatalf("pop = %+v, %v: want event 3 with 2 dropped", p, ok)
	}
	p, _ = q.pop()
	if p.dropped != 0 || p.rec.MessageArgs[0] != "Bay 4" {
		t.Errorf("the count was reported twice: %+v", p)
	}
	q.push(seqRecord(6))
	q.clear()
	if _, ok := q.pop(); ok {
		t.Error("clear left records")
	}
	q.push(seqRecord(7))
	if p, _ := q.pop(); p.dropped != 0 || p.lost {
		t.Errorf("clear counted records as dropped: %+v", p)
	}
}
