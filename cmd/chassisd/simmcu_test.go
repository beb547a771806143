package main

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chassisd/chassisd/sideband/mctp"
)

// bmcScenario is the emulated chassis' scenario: bay 3 is the sled the
// emulated BMC reaches over UART only.
const bmcScenario = "../../test/bmc/scenario.yaml"

// mcuRun is one `chassisd sim mcu` running in the test.
type mcuRun struct {
	cancel context.CancelFunc
	done   chan int
	stdout strings.Builder
	stderr strings.Builder
}

func startSimMCU(t *testing.T, args ...string) *mcuRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := &mcuRun{cancel: cancel, done: make(chan int, 1)}
	go func() { m.done <- simMCU(ctx, args, &m.stdout, &m.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-m.done:
		case <-time.After(10 * time.Second):
			t.Error("sim mcu did not stop")
		}
	})
	return m
}

// wait returns the exit status; the output may be read afterwards.
func (m *mcuRun) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-m.done:
		m.done <- code // for Cleanup
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("sim mcu did not exit")
		return -1
	}
}

// listenUnix stands in for QEMU's `-chardev socket,server=on`.
func listenUnix(t *testing.T) (string, net.Listener) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "uart1.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return path, ln
}

func accept(t *testing.T, ln net.Listener) net.Conn {
	t.Helper()
	ln.(*net.UnixListener).SetDeadline(time.Now().Add(10 * time.Second))
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("sim mcu did not connect: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// exchange writes a frame and returns the next packet that comes back.
func exchange(t *testing.T, c net.Conn, frame []byte) []byte {
	t.Helper()
	if _, err := c.Write(frame); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var dec mctp.SerialDecoder
	buf := make([]byte, 64)
	for {
		n, err := c.Read(buf)
		for _, b := range buf[:n] {
			if pkt, _ := dec.Feed(b); pkt != nil {
				return pkt
			}
		}
		if err != nil {
			t.Fatalf("no answer to % X: %v", frame, err)
		}
	}
}

func TestSimMCUAnswersOverASocket(t *testing.T) {
	sock, ln := listenUnix(t)
	m := startSimMCU(t, "--bay", "3", "--device", sock, "--scenario", bmcScenario)
	c := accept(t, ln)

	// Set Endpoint ID 0x1D, from the bus owner (EID 8) to the null EID:
	// transport header 01 00 08 C8 (SOM, EOM, TO, tag 0), then type 00,
	// Rq|instance 80, command 01, operation 00 (set), EID 1D.
	setEID := mctp.EncodeSerialFrame([]byte{0x01, 0x00, 0x08, 0xC8, 0x00, 0x80, 0x01, 0x00, 0x1D})
	pkt := exchange(t, c, setEID)
	res, err := mctp.ParseSetEIDResponse(pkt[mctp.HeaderLen:])
	if err != nil || !res.Accepted || res.EID != 0x1D {
		t.Fatalf("Set EID answer % X: %+v, %v; want accepted at 0x1D", pkt, res, err)
	}

	// hardware-facts.md's test vector: Get EID over serial, and the
	// controller at 0x1D answering it, byte for byte.
	getEID := []byte{0x7E, 0x01, 0x07, 0x01, 0x00, 0x08, 0xC8, 0x00, 0x80, 0x02, 0x2B, 0xC1, 0x7E}
	want := []byte{0x7E, 0x01, 0x0B, 0x01, 0x08, 0x1D, 0xC0, 0x00, 0x00, 0x02, 0x00, 0x1D, 0x00, 0x00, 0xB4, 0x34, 0x7E}
	pkt = exchange(t, c, getEID)
	if got := mctp.EncodeSerialFrame(pkt); !bytes.Equal(got, want) {
		t.Fatalf("Get EID answer\n got % X\nwant % X", got, want)
	}

	m.cancel()
	if code := m.wait(t); code != 0 {
		t.Fatalf("stopped with %d: %s", code, m.stderr.String())
	}
}

func TestSimMCUEndsWhenTheLineCloses(t *testing.T) {
	sock, ln := listenUnix(t)
	m := startSimMCU(t, "--bay", "3", "--device", sock, "--scenario", bmcScenario)
	c := accept(t, ln)
	c.Close() // QEMU exited
	if code := m.wait(t); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(m.stderr.String(), "bay 3") || !strings.Contains(m.stderr.String(), "closed") {
		t.Fatalf("stderr does not say the line closed: %s", m.stderr.String())
	}
}

func TestSimMCUUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"no bay", []string{"sim", "mcu", "--device", "/dev/null"}, 2, "usage"},
		{"no device", []string{"sim", "mcu", "--bay", "3"}, 2, "usage"},
		{"missing device", []string{"sim", "mcu", "--bay", "3", "--device", "/nonexistent/uart"}, 1, "/nonexistent/uart"},
		{"not a serial line", []string{"sim", "mcu", "--bay", "3", "--device", "/dev/null"}, 1, "bay 3"},
		{"no such bay", []string{"sim", "mcu", "--bay", "42", "--device", "/dev/null", "--scenario", bmcScenario}, 1, "42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.says) {
				t.Fatalf("exit %d, stderr %q; want %d mentioning %q", code, errOut, tt.code, tt.says)
			}
		})
	}
}
