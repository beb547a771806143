package events

import "sync"

// queue is one subscriber's bounded buffer. Publish pushes under the
// queue's own lock in constant time and never waits for the consumer; when
// the ring is full the oldest record goes and is counted, and the consumer
// learns the count with the next record it pops.
type queue struct {
	mu      sync.Mutex
	buf     []Record
	head, n int
	dropped uint64
	// lost is set when events may be missing but their number is unknown
	// (an SSE client resuming from an id older than the history).
	lost bool
	// wake has room for one signal: a push while the consumer is busy
	// leaves it set, so the consumer looks again before it sleeps.
	wake chan struct{}
}

func newQueue(size int) *queue {
	return &queue{buf: make([]Record, size), wake: make(chan struct{}, 1)}
}

func (q *queue) push(r Record) {
	q.mu.Lock()
	if q.n == len(q.buf) {
		q.buf[q.head] = Record{}
		q.head = (q.head + 1) % len(q.buf)
		q.n--
		q.dropped++
	}
	q.buf[(q.head+q.n)%len(q.buf)] = r
	q.n++
	q.mu.Unlock()
	q.signal()
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// popped is what the consumer takes: the oldest record and what was lost
// before it.
type popped struct {
	rec     Record
	dropped uint64
	lost    bool
}

func (q *queue) pop() (popped, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return popped{}, false
	}
	p := popped{rec: q.buf[q.head], dropped: q.dropped, lost: q.lost}
	q.buf[q.head] = Record{}
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	q.dropped, q.lost = 0, false
	return p, true
}

// clear empties the queue without counting anything as dropped: a
// suspended subscription receives nothing, so nothing was lost for it.
func (q *queue) clear() {
	q.mu.Lock()
	for i := range q.buf {
		q.buf[i] = Record{}
	}
	q.head, q.n, q.dropped, q.lost = 0, 0, 0, false
	q.mu.Unlock()
}

func (q *queue) markLost() {
	q.mu.Lock()
	q.lost = true
	q.mu.Unlock()
}
