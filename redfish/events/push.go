package events

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// newClient is the HTTP client for deliveries. Redirects are not followed:
// a destination that moved answers 3xx, which counts as a failure, rather
// than events going somewhere nobody configured.
func newClient(roots *x509.CertPool, insecure bool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots,
		InsecureSkipVerify: insecure} // #nosec G402 -- only for subscriptions with VerifyCertificate false
	tr.MaxIdleConnsPerHost = 2
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// startPush starts a push subscription's delivery goroutine. Called with
// b.mu held, after b.ctx exists.
func (b *Broker) startPush(sb *subscriber) {
	if sb.sub.Load().SubscriptionType != SubscriptionTypePush {
		return
	}
	ctx, cancel := context.WithCancel(b.ctx)
	sb.cancel = cancel
	b.wg.Add(1)
	go b.runPush(ctx, sb)
}

// runPush delivers one subscription's queue in order, one Event per POST.
// It is the only reader of the queue, so a destination that hangs holds up
// nobody but this subscription: its buffer fills and drops its oldest.
func (b *Broker) runPush(ctx context.Context, sb *subscriber) {
	defer b.wg.Done()
	for {
		p, ok := sb.q.pop()
		if !ok {
			select {
			case <-sb.q.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		if sb.sub.Load().State != StateEnabled {
			continue // published just before a suspension
		}
		if b.deliver(ctx, sb, p) {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		b.giveUp(sb)
	}
}

// deliver POSTs one payload, retrying with exponential backoff: the first
// retry after DeliveryRetryInterval, each further one after twice the
// previous wait. It reports false when the retries ran out or the
// subscription went away.
func (b *Broker) deliver(ctx context.Context, sb *subscriber, p popped) bool {
	set := b.settings.Load()
	for attempt := 0; ; attempt++ {
		sub := sb.sub.Load()
		if sub.State != StateEnabled {
			return true // suspended or disabled meanwhile: drop, do not count
		}
		body, err := b.payload(sub, p).MarshalJSON()
		if err != nil {
			b.log.Error("event not rendered", "id", sub.ID, "event", p.rec.EventID, "err", err)
			return true
		}
		err = b.post(ctx, sub, body)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if attempt >= set.DeliveryRetryAttempts {
			b.log.Warn("event delivery failed", "id", sub.ID, "event", p.rec.EventID, "attempts", attempt+1, "err", err)
			return false
		}
		wait := backoff(set.DeliveryRetryInterval, attempt)
		b.log.Info("event delivery failed, will retry", "id", sub.ID, "event", p.rec.EventID, "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
}

// backoff is the wait before retry attempt+1: interval, 2x, 4x, ... capped
// at 32x so a long retry count cannot overflow.
func backoff(interval time.Duration, attempt int) time.Duration {
	if attempt > 5 {
		attempt = 5
	}
	return interval << attempt
}

// post sends one Event. Any answer but 2xx is a failure.
func (b *Broker) post(ctx context.Context, sub *Subscription, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, b.opts.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Destination, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("POST %s: %w", sub.Destination, err)
	}
	for k, v := range sub.HTTPHeaders {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("OData-Version", "4.0")
	req.Header.Set("User-Agent", "chassisd")
	client := b.verifying
	if !sub.verify() {
		client = b.insecure
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", sub.Destination, err)
	}
	// Drain a little so the connection can be reused; a destination that
	// answers with megabytes does not get read to the end.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("POST %s: %s", sub.Destination, resp.Status)
	}
	return nil
}

// payload is the Event a subscriber receives for p: the record, preceded,
// when events were lost before it, by Base EventBufferExceeded and (when
// the number is known) Chassisd EventsDropped with the number. The notices
// go to every subscriber whatever its filters: they are about the
// subscription itself.
func (b *Broker) payload(sub *Subscription, p popped) Event {
	recs := make([]Record, 0, 3)
	origin := b.opts.SubscriptionsURI + "/" + sub.ID
	now := time.Now()
	if p.dropped > 0 || p.lost {
		n := MsgEventBufferExceeded.Record(origin, "EventDestination")
		n.EventID, n.EventTimestamp = p.rec.EventID+".1", now
		recs = append(recs, n)
	}
	if p.dropped > 0 {
		n := MsgEventsDropped.Record(origin, "EventDestination", strconv.FormatUint(p.dropped, 10))
		n.EventID, n.EventTimestamp = p.rec.EventID+".2", now
		recs = append(recs, n)
	}
	recs = append(recs, p.rec)
	return Event{ID: p.rec.EventID, Context: sub.Context, Records: recs}
}
