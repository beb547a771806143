package mctp

import (
	"bufio"
	"context"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
)

// vectors holds testdata/vectors.txt by name.
var vectors = sync.OnceValues(func() (map[string][]byte, error) {
	f, err := os.Open("testdata/vectors.txt")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := make(map[string][]byte)
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hx, _ := strings.Cut(line, " ")
		b, err := hex.DecodeString(strings.ReplaceAll(hx, " ", ""))
		if err != nil {
			return nil, err
		}
		m[name] = b
	}
	return m, s.Err()
})

// vector returns the golden bytes called name.
func vector(t testing.TB, name string) []byte {
	t.Helper()
	m, err := vectors()
	if err != nil {
		t.Fatalf("testdata/vectors.txt: %v", err)
	}
	b, ok := m[name]
	if !ok {
		t.Fatalf("testdata/vectors.txt: no vector %q", name)
	}
	return b
}

// pipeBinding is one end of an in-memory link: what one end sends, the
// other receives. drop, when set, decides whether a sent packet is lost.
type pipeBinding struct {
	out, in   chan []byte
	closed    chan struct{}
	closeOnce *sync.Once
	mtu       int
	drop      func(pkt []byte) bool
}

// newPipe returns the two ends of an in-memory link. Closing either closes
// both, as unplugging a cable would.
func newPipe(mtu int) (a, b *pipeBinding) {
	ab, ba := make(chan []byte, 64), make(chan []byte, 64)
	closed := make(chan struct{})
	once := new(sync.Once)
	return &pipeBinding{out: ab, in: ba, closed: closed, closeOnce: once, mtu: mtu},
		&pipeBinding{out: ba, in: ab, closed: closed, closeOnce: once, mtu: mtu}
}

func (p *pipeBinding) Send(ctx context.Context, pkt []byte) error {
	if p.drop != nil && p.drop(pkt) {
		return nil
	}
	select {
	case p.out <- append([]byte(nil), pkt...):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-p.closed:
		return ErrClosed
	}
}

func (p *pipeBinding) Recv(ctx context.Context) ([]byte, error) {
	select {
	case pkt := <-p.in:
		return pkt, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.closed:
		return nil, ErrClosed
	}
}

func (p *pipeBinding) MTU() int { return p.mtu }

func (p *pipeBinding) Close() error {
	p.closeOnce.Do(func() { close(p.closed) })
	return nil
}
