//go:build linux

package simuart

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/linux"
)

// TestLineThroughRealSerialLibrary opens the slave end the way the agent
// does (board/linux.OpenUART, go.bug.st/serial) and checks bytes cross both
// ways unchanged, 0x0a, 0x0d and 0x7e included (a cooked tty would change
// the first two).
func TestLineThroughRealSerialLibrary(t *testing.T) {
	l, err := Open("bay0", 115200, false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port, err := linux.OpenUART(board.UART{Device: l.Path(), Baud: l.Baud()})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()

	down := []byte{0x7e, 0x01, 0x0a, 0x0d, 0x7d, 0x00, 0xff, 0x7e}
	if _, err := port.Write(down); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(down))
	if _, err := io.ReadFull(l, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, down) {
		t.Fatalf("controller read % x, want % x", got, down)
	}

	up := []byte{0x7e, 0x0d, 0x0a, 0x03, 0x7e}
	if _, err := l.Write(up); err != nil {
		t.Fatal(err)
	}
	got = readFor(t, port, len(up))
	if !bytes.Equal(got, up) {
		t.Fatalf("agent read % x, want % x", got, up)
	}
}

// readFor reads n bytes from a port whose reads time out with n == 0.
func readFor(t *testing.T, r io.Reader, n int) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, 64)
	deadline := time.Now().Add(5 * time.Second)
	for len(out) < n && time.Now().Before(deadline) {
		k, err := r.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, buf[:k]...)
	}
	return out
}

func TestFaults(t *testing.T) {
	frame := []byte{0x7e, 0x01, 0x03, 0xaa, 0xbb, 0xcc, 0x12, 0x34, 0x7e}
	for _, tc := range []struct {
		f     Fault
		check func([]byte) bool
	}{
		{FaultNone, func(b []byte) bool { return bytes.Equal(b, frame) }},
		{FaultBadFCS, func(b []byte) bool { return len(b) == len(frame) && b[len(b)-2] == 0x35 }},
		{FaultTruncate, func(b []byte) bool { return bytes.Equal(b, frame[:len(frame)/2]) }},
		{FaultBrokenEscape, func(b []byte) bool { return b[len(b)-2] == 0x7d && b[len(b)-1] == 0x7e }},
		{FaultSilent, func(b []byte) bool { return len(b) == 0 }},
		{FaultNoise, func(b []byte) bool { return len(b) >= len(frame)+8 && bytes.HasSuffix(b, frame) }},
	} {
		if got := mangle(tc.f, frame); !tc.check(got) {
			t.Errorf("%q: % x", tc.f, got)
		}
	}
	if frame[len(frame)-2] != 0x34 {
		t.Error("mangle changed its input")
	}
}
