//go:build linux

package simuart

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openPTY opens a new pseudo-terminal pair. It returns the master, the
// slave's path, and the slave opened once and kept: while any slave
// descriptor is open, the master never reads EIO between an agent closing
// the port and opening it again.
func openPTY() (master *os.File, slavePath string, slave *os.File, err error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", nil, fmt.Errorf("open /dev/ptmx: %w", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(fd)
		return nil, "", nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		unix.Close(fd)
		return nil, "", nil, fmt.Errorf("pty number: %w", err)
	}
	slavePath = fmt.Sprintf("/dev/pts/%d", n)
	sfd, err := unix.Open(slavePath, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(fd)
		return nil, "", nil, fmt.Errorf("open %s: %w", slavePath, err)
	}
	// Raw from the start: with the default cooked mode the slave would
	// echo the controller's bytes back to it and mangle 0x0d/0x0a before
	// the agent has opened the port and set raw mode itself.
	if err := makeRaw(sfd); err != nil {
		unix.Close(sfd)
		unix.Close(fd)
		return nil, "", nil, fmt.Errorf("%s: raw mode: %w", slavePath, err)
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), slavePath, os.NewFile(uintptr(sfd), slavePath), nil
}

// makeRaw is cfmakeraw(3).
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
