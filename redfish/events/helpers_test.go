package events

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestBroker(t *testing.T, o Options) *Broker {
	t.Helper()
	if o.Logger == nil {
		o.Logger = quietLogger()
	}
	b, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// received is an Event payload as a subscriber decodes it.
type received struct {
	ID      string `json:"Id"`
	Context string
	Events  []struct {
		EventID           string `json:"EventId"`
		MessageID         string `json:"MessageId"`
		MessageArgs       []string
		OriginOfCondition struct {
			ID string `json:"@odata.id"`
		}
	}
}

func decode(t *testing.T, data []byte) received {
	t.Helper()
	var r received
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("payload %q: %v", data, err)
	}
	return r
}

// last is the payload's own record (notices come first).
func (r received) last() string { return r.Events[len(r.Events)-1].EventID }

// seqRecord is the n-th test record: a sled added in bay n.
func seqRecord(n int) Record {
	return MsgSledAdded.Record("/redfish/v1/Chassis/Sled"+strconv.Itoa(n), ResourceChassis, "Bay "+strconv.Itoa(n), "X100", "S")
}

// waitFor polls cond. The limit only turns a hang into a failure; no test
// depends on how fast anything is.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// sink is a push destination that records payloads; answer decides the
// status of the n-th request (0-based), hold can make it block.
type sink struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	header []http.Header
	tries  int
	answer func(n int) int
	hold   chan struct{} // when not nil, the first request waits on it
	held   chan struct{} // closed when the first request is waiting
	each   chan received // when not nil, every accepted payload is sent here
}

func newSink(t *testing.T, answer func(n int) int) *sink {
	s := &sink{answer: answer}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := s.tries
	s.tries++
	hold := s.hold
	s.mu.Unlock()
	if n == 0 && hold != nil {
		close(s.held)
		<-hold
	}
	status := http.StatusNoContent
	if s.answer != nil {
		status = s.answer(n)
	}
	if status/100 == 2 {
		var p received
		if err := json.Unmarshal(body, &p); err != nil {
			status = http.StatusBadRequest
		} else {
			s.mu.Lock()
			s.got = append(s.got, p)
			s.header = append(s.header, r.Header.Clone())
			s.mu.Unlock()
			if s.each != nil {
				s.each <- p
			}
		}
	}
	w.WriteHeader(status)
}

func (s *sink) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tries
}

func (s *sink) payloads() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received{}, s.got...)
}

// chanWriter is an SSE ResponseWriter that hands every message to a
// channel as it is written (Serve writes one message per Write).
type chanWriter struct {
	h    http.Header
	msgs chan []byte
}

func newChanWriter(n int) *chanWriter {
	return &chanWriter{h: http.Header{}, msgs: make(chan []byte, n)}
}

func (w *chanWriter) Header() http.Header { return w.h }
func (w *chanWriter) WriteHeader(int)     {}
func (w *chanWriter) Flush()              {}
func (w *chanWriter) Write(p []byte) (int, error) {
	w.msgs <- append([]byte{}, p...)
	return len(p), nil
}

// blockingWriter is an SSE client that stops reading: its first Write
// blocks until release is closed, as a write to a full TCP window would.
type blockingWriter struct {
	h       http.Header
	entered chan struct{}
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	buf     bytes.Buffer
	last    []byte
}

func newBlockingWriter() *blockingWriter {
	return &blockingWriter{h: http.Header{}, entered: make(chan struct{}), release: make(chan struct{})}
}

func (w *blockingWriter) Header() http.Header { return w.h }
func (w *blockingWriter) WriteHeader(int)     {}
func (w *blockingWriter) Flush()              {}
func (w *blockingWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.entered) })
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last = append(w.last[:0], p...)
	return w.buf.Write(p)
}

// lastMessage is the last SSE message written.
func (w *blockingWriter) lastMessage() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]byte{}, w.last...)
}

// messages parses what was written as SSE: the data of each message.
func (w *blockingWriter) messages() [][]byte {
	w.mu.Lock()
	stream := w.buf.String()
	w.mu.Unlock()
	return sseData(stream)
}

func sseData(stream string) [][]byte {
	var out [][]byte
	sc := bufio.NewScanner(strings.NewReader(stream))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, []byte(d))
		}
	}
	return out
}

// messageData is the data line of one SSE message written by Serve.
func messageData(t *testing.T, msg []byte) []byte {
	t.Helper()
	d := sseData(string(msg))
	if len(d) != 1 {
		t.Fatalf("SSE message %q: want one data line", msg)
	}
	return d[0]
}
