package events

import (
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// fast retries for tests: the backoff is real, only shorter.
var fastRetry = Options{RetryAttempts: 3, RetryInterval: time.Millisecond, DeliveryTimeout: 5 * time.Second}

func TestPushRetriesThenSucceeds(t *testing.T) {
	s := newSink(t, func(n int) int {
		if n < 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	s.each = make(chan received, 1)
	b := newTestBroker(t, fastRetry)
	sub, err := b.AddSubscription(Subscription{Destination: s.srv.URL + "/ev", Context: "ctx-9",
		HTTPHeaders: map[string]string{"X-Auth-Token": "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	b.Publish(seqRecord(1))
	p := <-s.each
	if s.attempts() != 3 {
		t.Errorf("%d attempts, want 2 failures and a success", s.attempts())
	}
	if p.Context != "ctx-9" || p.last() != "1" || p.Events[0].MessageID != "Chassisd.1.0.SledAdded" {
		t.Errorf("delivered %+v", p)
	}
	h := s.header[0]
	if h.Get("Content-Type") != "application/json; charset=utf-8" || h.Get("X-Auth-Token") != "secret" || h.Get("OData-Version") != "4.0" {
		t.Errorf("request headers %v", h)
	}
	if got, _ := b.Subscription(sub.ID); got.State != StateEnabled {
		t.Errorf("state %s after a delivery that succeeded on retry", got.State)
	}
}

func TestPushSuspendsAfterRetriesAndResumes(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	s := newSink(t, func(int) int {
		if failing.Load() {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	s.each = make(chan received, 4)
	b := newTestBroker(t, fastRetry)
	sub, err := b.AddSubscription(Subscription{Destination: s.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	b.Publish(seqRecord(1))
	waitFor(t, "suspension", func() bool {
		got, _ := b.Subscription(sub.ID)
		return got.State == StateDisabled
	})
	if n := s.attempts(); n != 1+3 {
		t.Errorf("%d POSTs before suspension, want the first and 3 retries", n)
	}

	// Suspended: it stops receiving, so event 2 is never delivered, even
	// once the destination works again.
	failing.Store(false)
	b.Publish(seqRecord(2))
	if err := b.Resume(sub.ID); err != nil {
		t.Fatal(err)
	}
	b.Publish(seqRecord(3))
	p := <-s.each
	if p.last() != "3" || len(p.Events) != 1 {
		t.Errorf("first delivery after resume %+v, want event 3 alone", p)
	}
	if got, _ := b.Subscription(sub.ID); got.State != StateEnabled {
		t.Errorf("state %s after Resume", got.State)
	}
	if n := s.attempts(); n != 5 {
		t.Errorf("%d POSTs in all, want 4 failures and event 3", n)
	}
}

func TestPushTerminateAfterRetries(t *testing.T) {
	s := newSink(t, func(int) int { return http.StatusNotFound })
	b := newTestBroker(t, Options{RetryAttempts: 1, RetryInterval: time.Millisecond})
	sub, err := b.AddSubscription(Subscription{Destination: s.srv.URL, DeliveryRetryPolicy: PolicyTerminate})
	if err != nil {
		t.Fatal(err)
	}
	b.Publish(seqRecord(1))
	waitFor(t, "termination", func() bool {
		_, err := b.Subscription(sub.ID)
		return errors.Is(err, ErrNotFound)
	})
	if n := s.attempts(); n != 2 {
		t.Errorf("%d POSTs, want the first and 1 retry", n)
	}
}

func TestPushRetrySettings(t *testing.T) {
	s := newSink(t, func(int) int { return http.StatusBadGateway })
	b := newTestBroker(t, fastRetry)
	if err := b.SetSettings(Settings{ServiceEnabled: true, DeliveryRetryAttempts: 0, DeliveryRetryInterval: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	sub, err := b.AddSubscription(Subscription{Destination: s.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	b.Publish(seqRecord(1))
	waitFor(t, "suspension", func() bool {
		got, _ := b.Subscription(sub.ID)
		return got.State == StateDisabled
	})
	if n := s.attempts(); n != 1 {
		t.Errorf("%d POSTs with DeliveryRetryAttempts 0, want 1", n)
	}
}

func TestPushRedirectIsAFailure(t *testing.T) {
	target := newSink(t, nil)
	redirect := httptest.NewServer(http.RedirectHandler(target.srv.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	b := newTestBroker(t, Options{RetryAttempts: 1, RetryInterval: time.Millisecond})
	sub, err := b.AddSubscription(Subscription{Destination: redirect.URL})
	if err != nil {
		t.Fatal(err)
	}
	b.Publish(seqRecord(1))
	waitFor(t, "suspension", func() bool {
		got, _ := b.Subscription(sub.ID)
		return got.State == StateDisabled
	})
	if target.attempts() != 0 {
		t.Error("the redirect was followed")
	}
}

func TestPushTLSVerification(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	off := false

	// Verified by default: the test server's certificate is not trusted.
	b := newTestBroker(t, Options{RetryAttempts: 1, RetryInterval: time.Millisecond})
	verified, err := b.AddSubscription(Subscription{Destination: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	b.Publish(seqRecord(1))
	waitFor(t, "suspension of the unverifiable destination", func() bool {
		got, _ := b.Subscription(verified.ID)
		return got.State == StateDisabled
	})
	if hits.Load() != 0 {
		t.Errorf("%d events reached a destination whose certificate failed verification", hits.Load())
	}

	// VerifyCertificate false accepts it.
	if _, err := b.AddSubscription(Subscription{Destination: srv.URL, VerifyCertificate: &off}); err != nil {
		t.Fatal(err)
	}
	b.Publish(seqRecord(2))
	waitFor(t, "delivery without verification", func() bool { return hits.Load() == 1 })

	// A trusted root verifies it.
	b2 := newTestBroker(t, Options{RootCAs: poolOf(srv), RetryAttempts: 1, RetryInterval: time.Millisecond})
	if _, err := b2.AddSubscription(Subscription{Destination: srv.URL}); err != nil {
		t.Fatal(err)
	}
	b2.Publish(seqRecord(1))
	waitFor(t, "verified delivery", func() bool { return hits.Load() == 2 })
}

func poolOf(srv *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(srv.Certificate())
	return p
}

func TestBackoffDoubles(t *testing.T) {
	want := []time.Duration{30, 60, 120, 240, 480, 960, 960}
	for i, w := range want {
		if got := backoff(30*time.Second, i); got != w*time.Second {
			t.Errorf("backoff(30s, %d) = %v, want %v", i, got, w*time.Second)
		}
	}
}
