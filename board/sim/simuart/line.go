package simuart

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"time"
)

// Fault is how a line mangles what the controller sends.
type Fault string

// The faults a line can inject. Each applies to every write until cleared.
const (
	FaultNone Fault = ""
	// FaultNoise sends a burst of random bytes before each write.
	FaultNoise Fault = "noise"
	// FaultBadFCS flips a bit in the last byte before the closing flag, so
	// the frame's checksum fails.
	FaultBadFCS Fault = "bad-fcs"
	// FaultTruncate drops the second half of each write.
	FaultTruncate Fault = "truncate"
	// FaultBrokenEscape puts an escape byte before the closing flag.
	FaultBrokenEscape Fault = "broken-escape"
	// FaultSilent sends nothing at all (a cut TX wire).
	FaultSilent Fault = "silent"
)

// Faults lists the faults by name, for the control API.
var Faults = []Fault{FaultNoise, FaultBadFCS, FaultTruncate, FaultBrokenEscape, FaultSilent}

// ErrClosed is returned by a closed line.
var ErrClosed = errors.New("simulated UART closed")

// Line is one simulated serial line. The agent's side is Path; the
// controller's side is the Line itself (Read and Write).
type Line struct {
	name     string
	baud     int
	master   *os.File
	slave    *os.File
	path     string
	realTime bool

	mu     sync.Mutex
	fault  Fault
	closed bool
	sent   int // bytes the controller sent, after faults
}

// Open makes a line named name (for errors) at baud. realTime makes the
// controller's writes take their wire time.
func Open(name string, baud int, realTime bool) (*Line, error) {
	if baud <= 0 {
		return nil, fmt.Errorf("uart %s: baud %d", name, baud)
	}
	m, path, s, err := openPTY()
	if err != nil {
		return nil, fmt.Errorf("uart %s: %w", name, err)
	}
	return &Line{name: name, baud: baud, master: m, slave: s, path: path, realTime: realTime}, nil
}

// Path is the slave device the agent opens, e.g. /dev/pts/7.
func (l *Line) Path() string { return l.path }

// Baud is the line's speed.
func (l *Line) Baud() int { return l.baud }

// ByteTime is how long one byte takes on the wire (8N1: ten bit times).
func (l *Line) ByteTime() time.Duration {
	return time.Duration(10 * int64(time.Second) / int64(l.baud))
}

// SetFault sets the fault applied to every later write.
func (l *Line) SetFault(f Fault) {
	l.mu.Lock()
	l.fault = f
	l.mu.Unlock()
}

// Read reads what the agent sent. In real-time mode the bytes take their
// wire time here: a pseudo-terminal delivers them at once.
func (l *Line) Read(p []byte) (int, error) {
	n, err := l.master.Read(p)
	if l.realTime && n > 0 {
		time.Sleep(time.Duration(n) * l.ByteTime())
	}
	if err != nil {
		l.mu.Lock()
		closed := l.closed
		l.mu.Unlock()
		if closed {
			return n, ErrClosed
		}
	}
	return n, err
}

// Write sends p to the agent, after the line's fault, taking its wire
// time when the line is real-time. It reports len(p) written whatever the
// fault did to it, as a UART driver would.
func (l *Line) Write(p []byte) (int, error) {
	l.mu.Lock()
	fault, closed := l.fault, l.closed
	l.mu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	out := mangle(fault, p)
	if l.realTime && len(out) > 0 {
		time.Sleep(time.Duration(len(out)) * l.ByteTime())
	}
	if len(out) > 0 {
		if _, err := l.master.Write(out); err != nil {
			return 0, fmt.Errorf("uart %s: %w", l.name, err)
		}
	}
	l.mu.Lock()
	l.sent += len(out)
	l.mu.Unlock()
	return len(p), nil
}

// Sent is how many bytes the controller put on the wire.
func (l *Line) Sent() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sent
}

// Close closes both ends; a Read blocked on the master returns.
func (l *Line) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	err := l.master.Close()
	if e := l.slave.Close(); err == nil {
		err = e
	}
	return err
}

// mangle applies a fault to a copy of p.
func mangle(f Fault, p []byte) []byte {
	out := append([]byte(nil), p...)
	switch f {
	case FaultNoise:
		noise := make([]byte, 8+rand.IntN(16))
		for i := range noise {
			noise[i] = byte(rand.IntN(256))
		}
		out = append(noise, out...)
	case FaultBadFCS:
		if len(out) >= 2 {
			out[len(out)-2] ^= 0x01
		}
	case FaultTruncate:
		out = out[:len(out)/2]
	case FaultBrokenEscape:
		if len(out) >= 1 {
			out = append(out[:len(out)-1], 0x7d, out[len(out)-1])
		}
	case FaultSilent:
		out = nil
	}
	return out
}
