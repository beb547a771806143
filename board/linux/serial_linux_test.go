//go:build linux

package linux

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/chassisd/chassisd/board"
)

// openPTY returns a pseudo-terminal's master and its slave's path: a serial
// port that needs no hardware.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	unlock := int32(0)
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, m.Fd(), unix.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlockpt: %v", e)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

func TestUARTOverPTY(t *testing.T) {
	master, slave := openPTY(t)
	hw, err := Open(&board.Board{Name: "pty"})
	if err != nil {
		t.Fatal(err)
	}
	defer hw.Close()
	port, err := hw.UART(board.UART{Device: slave, Baud: 115200})
	if err != nil {
		t.Fatalf("UART: %v", err)
	}

	// Raw mode: bytes pass unchanged both ways, newlines and all.
	frame := []byte{0x01, 0x0a, 0x0d, 0x7e, 0x00, 0xff}
	if _, err := master.Write(frame); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 0, len(frame))
	buf := make([]byte, 16)
	deadline := time.Now().Add(2 * time.Second)
	for len(got) < len(frame) && time.Now().Before(deadline) {
		n, err := port.Read(buf)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, frame) {
		t.Errorf("read %x, want %x", got, frame)
	}
	if _, err := port.Write([]byte("ok\n")); err != nil {
		t.Fatal(err)
	}
	back := make([]byte, 3)
	if _, err := io.ReadFull(master, back); err != nil || string(back) != "ok\n" {
		t.Errorf("master read %q, %v", back, err)
	}

	// Nothing to read: the read timeout returns n == 0, err == nil.
	start := time.Now()
	n, err := port.Read(buf)
	if n != 0 || err != nil {
		t.Errorf("idle Read = %d, %v; want 0, nil", n, err)
	}
	if d := time.Since(start); d < UARTReadTimeout/2 || d > 10*UARTReadTimeout {
		t.Errorf("idle Read took %v, want about %v", d, UARTReadTimeout)
	}
	if err := port.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
