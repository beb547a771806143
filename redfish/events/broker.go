package events

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Errors the broker returns; the redfish layer maps them onto responses.
var (
	ErrClosed          = errors.New("event service is shut down")
	ErrNotFound        = errors.New("no such subscription")
	ErrServiceDisabled = errors.New("event service is disabled")
	// ErrSubscriptionLimit: answer with Base EventSubscriptionLimitExceeded.
	ErrSubscriptionLimit = errors.New("too many event subscriptions")
)

// Options configure a Broker. Zero values take the defaults in brackets.
type Options struct {
	// StateDir holds subscriptions.json; "" keeps subscriptions in memory
	// only (tests, labs).
	StateDir string
	// BufferSize is each subscriber's ring buffer, in events [256].
	BufferSize int
	// MaxSubscriptions bounds push subscriptions and SSE streams together
	// [32].
	MaxSubscriptions int
	// RetryAttempts is EventService DeliveryRetryAttempts: how many times a
	// failed POST is retried before the subscription is suspended [3]. Zero
	// retries can be set with SetSettings.
	RetryAttempts int
	// RetryInterval is EventService DeliveryRetryIntervalSeconds: the wait
	// before the first retry; each further retry waits twice as long [30s].
	RetryInterval time.Duration
	// DeliveryTimeout bounds one POST, connection included [10s].
	DeliveryTimeout time.Duration
	// KeepAlive is how often an idle SSE stream gets a comment line [30s].
	KeepAlive time.Duration
	// SSEWriteTimeout bounds each write to an SSE client; a client that
	// stops reading for longer loses its stream [30s].
	SSEWriteTimeout time.Duration
	// SubscriptionsURI is the Subscriptions collection's @odata.id, the
	// origin of the notices about a subscription's own lost events
	// ["/redfish/v1/EventService/Subscriptions"].
	SubscriptionsURI string
	// RegistryPrefixes and ResourceTypes are what subscribers may filter on:
	// EventService's RegistryPrefixes and ResourceTypes [Base, Chassisd]
	// [Chassis, Drive].
	RegistryPrefixes []string
	ResourceTypes    []string
	// RootCAs, when set, replaces the system roots for verifying https
	// destinations (a lab CA, a test server).
	RootCAs *x509.CertPool
	Logger  *slog.Logger
}

func (o *Options) setDefaults() {
	if o.BufferSize <= 0 {
		o.BufferSize = 256
	}
	if o.MaxSubscriptions <= 0 {
		o.MaxSubscriptions = 32
	}
	if o.RetryAttempts <= 0 {
		o.RetryAttempts = 3
	}
	if o.RetryInterval <= 0 {
		o.RetryInterval = 30 * time.Second
	}
	if o.DeliveryTimeout <= 0 {
		o.DeliveryTimeout = 10 * time.Second
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = 30 * time.Second
	}
	if o.SSEWriteTimeout <= 0 {
		o.SSEWriteTimeout = 30 * time.Second
	}
	if o.SubscriptionsURI == "" {
		o.SubscriptionsURI = "/redfish/v1/EventService/Subscriptions"
	}
	if o.RegistryPrefixes == nil {
		o.RegistryPrefixes = []string{"Base", RegistryPrefix}
	}
	if o.ResourceTypes == nil {
		o.ResourceTypes = []string{ResourceChassis, ResourceDrive}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Settings are the EventService's writable properties. Once changed with
// SetSettings they persist beside the subscriptions and override Options.
type Settings struct {
	ServiceEnabled        bool
	DeliveryRetryAttempts int
	DeliveryRetryInterval time.Duration
}

// Broker fans records out to subscribers. Its methods are safe for
// concurrent use.
type Broker struct {
	opts      Options
	allowed   allowed
	log       *slog.Logger
	path      string // subscriptions.json, "" for none
	verifying *http.Client
	insecure  *http.Client
	ctx       context.Context // cancelled by Close
	cancel    context.CancelFunc
	wg        sync.WaitGroup // push goroutines

	// mu guards the subscription table and the state file; it is never
	// taken by Publish.
	mu          sync.Mutex
	subs        map[string]*subscriber
	nextID      uint64
	settingsSet bool
	closed      bool

	settings atomic.Pointer[Settings]

	// pubMu orders Publish: one sequence, one history, and every
	// subscriber sees records in the same order. It is held only for
	// in-memory work of constant cost per subscriber.
	pubMu sync.Mutex
	seq   uint64
	hist  history
	list  atomic.Pointer[[]*subscriber] // replaced, never modified

	// run tags this broker's SSE ids, so a Last-Event-ID from before a
	// restart is recognised as unknown rather than taken for a new event
	// that happens to have the same number.
	run string
}

// subscriber is one subscription's live state: its buffer and, for push,
// its delivery goroutine.
type subscriber struct {
	id       string
	sub      atomic.Pointer[Subscription] // replaced, never modified
	q        *queue
	done     chan struct{} // closed when the subscription is removed
	doneOnce sync.Once
	cancel   context.CancelFunc // push: stops delivery, aborts a POST in flight
}

func (s *subscriber) stop() {
	s.doneOnce.Do(func() {
		close(s.done)
		if s.cancel != nil {
			s.cancel()
		}
	})
}

// New starts a broker, loading the subscriptions saved under
// opts.StateDir. A state file that cannot be read or understood is an
// error: the broker refuses to start rather than lose subscriptions.
func New(opts Options) (*Broker, error) {
	opts.setDefaults()
	b := &Broker{
		opts:      opts,
		allowed:   allowed{registryPrefixes: opts.RegistryPrefixes, resourceTypes: opts.ResourceTypes},
		log:       opts.Logger,
		subs:      map[string]*subscriber{},
		nextID:    1,
		verifying: newClient(opts.RootCAs, false),
		insecure:  newClient(nil, true),
		hist:      history{buf: make([]Record, opts.BufferSize)},
		run:       randomHex(4),
	}
	b.settings.Store(&Settings{ServiceEnabled: true, DeliveryRetryAttempts: opts.RetryAttempts, DeliveryRetryInterval: opts.RetryInterval})
	b.list.Store(&[]*subscriber{})
	if opts.StateDir != "" {
		if err := os.MkdirAll(opts.StateDir, 0o700); err != nil {
			return nil, fmt.Errorf("events: state directory: %w", err)
		}
		b.path = filepath.Join(opts.StateDir, stateFileName)
		if err := b.load(); err != nil {
			return nil, err
		}
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, sb := range b.subs {
		b.startPush(sb)
	}
	b.installLocked(nil)
	return b, nil
}

// Close stops every delivery and ends every SSE stream; it returns when the
// push goroutines have exited. Publish after Close does nothing.
func (b *Broker) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	b.mu.Unlock()
	b.cancel()
	b.wg.Wait()
	b.verifying.CloseIdleConnections()
	b.insecure.CloseIdleConnections()
}

// Publish hands r to every enabled subscriber whose filters accept it and
// returns at once: it never waits for a subscriber, whatever its state. It
// fills EventID and EventTimestamp when they are empty.
func (b *Broker) Publish(r Record) {
	if !b.settings.Load().ServiceEnabled {
		return
	}
	r.MessageArgs = cloneStrings(r.MessageArgs)
	if r.EventTimestamp.IsZero() {
		r.EventTimestamp = time.Now()
	}
	b.pubMu.Lock()
	defer b.pubMu.Unlock()
	if b.ctx.Err() != nil {
		return
	}
	b.seq++
	r.seq = b.seq
	if r.EventID == "" {
		r.EventID = strconv.FormatUint(b.seq, 10)
	}
	b.hist.add(r)
	for _, s := range *b.list.Load() {
		if sub := s.sub.Load(); sub.State == StateEnabled && sub.match(&r) {
			s.q.push(r)
		}
	}
}

// admitLocked refuses a new subscription when closed or full.
func (b *Broker) admitLocked() error {
	if b.closed {
		return ErrClosed
	}
	if len(b.subs) >= b.opts.MaxSubscriptions {
		return fmt.Errorf("%w: the limit is %d", ErrSubscriptionLimit, b.opts.MaxSubscriptions)
	}
	return nil
}

func (b *Broker) takeIDLocked() string {
	id := strconv.FormatUint(b.nextID, 10)
	b.nextID++
	return id
}

func newSubscriber(s Subscription, size int) *subscriber {
	sb := &subscriber{id: s.ID, q: newQueue(size), done: make(chan struct{})}
	sb.sub.Store(&s)
	return sb
}

// sortedLocked is the subscribers in Id order (numeric).
func (b *Broker) sortedLocked() []*subscriber {
	out := make([]*subscriber, 0, len(b.subs))
	for _, sb := range b.subs {
		out = append(out, sb)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].id) != len(out[j].id) {
			return len(out[i].id) < len(out[j].id)
		}
		return out[i].id < out[j].id
	})
	return out
}

// installLocked publishes the subscriber table to Publish. replay, if not
// nil, runs under the publish lock first, so a new SSE stream gets the
// history up to now and then every later record, none twice.
func (b *Broker) installLocked(replay func()) {
	list := b.sortedLocked()
	b.pubMu.Lock()
	if replay != nil {
		replay()
	}
	b.list.Store(&list)
	b.pubMu.Unlock()
}

// history keeps the latest records for SSE clients that reconnect with
// Last-Event-ID.
type history struct {
	buf     []Record
	head, n int
}

func (h *history) add(r Record) {
	if len(h.buf) == 0 {
		return
	}
	if h.n == len(h.buf) {
		h.head = (h.head + 1) % len(h.buf)
		h.n--
	}
	h.buf[(h.head+h.n)%len(h.buf)] = r
	h.n++
}

// after returns the records published after sequence number last, and
// false when some of them are no longer in the history (or last is not a
// number this broker gave out): events may then have been lost.
func (h *history) after(last, current uint64) ([]Record, bool) {
	if last > current {
		return nil, false
	}
	var out []Record
	complete := last == current
	for i := 0; i < h.n; i++ {
		r := h.buf[(h.head+i)%len(h.buf)]
		if r.seq == last+1 {
			complete = true
		}
		if r.seq > last {
			out = append(out, r)
		}
	}
	return out, complete
}
