//go:build linux

package linux

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"

	"github.com/chassisd/chassisd/board"
)

// i2c-dev ioctls and flags (linux/i2c-dev.h, linux/i2c.h); x/sys/unix does
// not define them.
const (
	ioctlI2CFuncs = 0x705 // I2C_FUNCS: unsigned long bitmask of what the adapter can do
	ioctlI2CRDWR  = 0x707 // I2C_RDWR: combined transfer, repeated START between messages

	msgRead     = 0x0001 // I2C_M_RD
	funcI2C     = 0x0001 // I2C_FUNC_I2C: the adapter does plain I2C_RDWR transfers
	maxMsgBytes = 8192   // the kernel refuses longer I2C_RDWR messages
)

// i2cMsg is the kernel's struct i2c_msg {__u16 addr, flags, len; __u8 *buf}.
// The pointer's size and alignment make it 12 bytes on 32-bit ARM and 386
// and 16 on 64-bit: Go lays it out as the C compiler does for the same
// GOARCH, which the tests assert.
type i2cMsg struct {
	addr  uint16
	flags uint16
	len   uint16
	buf   *byte
}

// rdwrData is struct i2c_rdwr_ioctl_data {struct i2c_msg *msgs; __u32 nmsgs}.
type rdwrData struct {
	msgs  *i2cMsg
	nmsgs uint32
}

// ioctl performs one ioctl on fd. It is a variable so that tests can stand
// in for the kernel and check what Tx asks of it.
var ioctl = func(fd uintptr, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// I2C is one Linux I2C adapter (/dev/i2c-N) used through I2C_RDWR, so that
// a write followed by a read is one transaction with a repeated START, and
// so that the errno of a failed transfer is kept: a NACK (ENXIO, EREMOTEIO),
// a timeout (ETIMEDOUT) and a bus error (EIO, EAGAIN, EBUSY) lead the agent
// to different recoveries. It implements periph's i2c.BusCloser and is safe
// for concurrent use; the kernel serializes transfers on an adapter.
type I2C struct {
	device string

	mu sync.RWMutex // Tx holds it shared, Close exclusively
	f  *os.File     // nil once closed
	fd uintptr      // f's descriptor, taken once (Fd has a cost)
}

// OpenI2C opens an i2c-dev adapter such as /dev/i2c-4 and checks that it
// does plain I2C transfers (an SMBus-only adapter cannot). It opens exactly
// the device named, and never scans for others.
func OpenI2C(device string) (*I2C, error) {
	f, err := os.OpenFile(device, os.O_RDWR, 0)
	if err != nil {
		return nil, err // *fs.PathError: "open /dev/i2c-4: no such file or directory"
	}
	fd := f.Fd()
	var funcs uintptr // unsigned long
	err = ioctl(fd, ioctlI2CFuncs, unsafe.Pointer(&funcs))
	runtime.KeepAlive(f)
	switch {
	case errors.Is(err, unix.ENOTTY):
		f.Close()
		return nil, fmt.Errorf("i2c %s: not an I2C adapter (is it an i2c-dev character device?): %w", device, err)
	case err != nil:
		f.Close()
		return nil, fmt.Errorf("i2c %s: I2C_FUNCS: %w", device, err)
	case funcs&funcI2C == 0:
		f.Close()
		return nil, fmt.Errorf("i2c %s: the adapter does SMBus only, not the I2C_RDWR transfers chassisd needs", device)
	}
	return &I2C{device: device, f: f, fd: fd}, nil
}

// String names the adapter by its device path.
func (b *I2C) String() string { return b.device }

// Tx writes w to addr and then reads len(r) bytes from it, as one
// transaction: START, address+W, w, repeated START, address+R, r, STOP.
// With only w or only r it is a single message. Errors wrap the errno and
// one of board.ErrNACK, board.ErrTimeout or board.ErrBusError.
func (b *I2C) Tx(addr uint16, w, r []byte) error {
	msgs, err := buildMsgs(addr, w, r)
	if err != nil {
		return fmt.Errorf("i2c %s: addr 0x%02x: %w", b.device, addr, err)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.f == nil {
		return fmt.Errorf("i2c %s: %w", b.device, os.ErrClosed)
	}
	data := &rdwrData{msgs: &msgs[0], nmsgs: uint32(len(msgs))}
	err = ioctl(b.fd, ioctlI2CRDWR, unsafe.Pointer(data))
	// The kernel reads the messages and writes into r through pointers it
	// was handed as integers: keep everything reachable until it returns.
	runtime.KeepAlive(data)
	runtime.KeepAlive(msgs)
	runtime.KeepAlive(w)
	runtime.KeepAlive(r)
	runtime.KeepAlive(b.f)
	if err != nil {
		var errno unix.Errno
		if !errors.As(err, &errno) {
			return fmt.Errorf("i2c %s: addr 0x%02x: I2C_RDWR: %w", b.device, addr, err)
		}
		return &TxError{Device: b.device, Addr: addr, Op: "I2C_RDWR", Errno: errno}
	}
	return nil
}

// buildMsgs lays out the messages of one transaction.
func buildMsgs(addr uint16, w, r []byte) ([]i2cMsg, error) {
	if addr > 0x7f {
		return nil, fmt.Errorf("0x%x is not a 7-bit address", addr)
	}
	if len(w) > maxMsgBytes || len(r) > maxMsgBytes {
		return nil, fmt.Errorf("transfer of %d+%d bytes exceeds the kernel's %d-byte I2C_RDWR message limit", len(w), len(r), maxMsgBytes)
	}
	msgs := make([]i2cMsg, 0, 2)
	if len(w) > 0 || len(r) == 0 {
		// An empty w with an empty r is a zero-length write (SMBus quick
		// command); adapters that cannot do one fail it with EOPNOTSUPP.
		m := i2cMsg{addr: addr, len: uint16(len(w))}
		if len(w) > 0 {
			m.buf = &w[0]
		}
		msgs = append(msgs, m)
	}
	if len(r) > 0 {
		msgs = append(msgs, i2cMsg{addr: addr, flags: msgRead, len: uint16(len(r)), buf: &r[0]})
	}
	return msgs, nil
}

// SetSpeed fails: Linux sets an adapter's clock from the device tree
// (clock-frequency) and has no interface to change it from user space.
// periph's drivers treat an error here as "speed not settable", so they
// keep working.
func (b *I2C) SetSpeed(f physic.Frequency) error {
	return fmt.Errorf("i2c %s: cannot set the speed to %s: Linux sets it from the device tree (clock-frequency), not from user space", b.device, f)
}

// Close closes the adapter; Tx fails afterwards. It waits for transfers in
// progress.
func (b *I2C) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.f == nil {
		return fmt.Errorf("i2c %s: %w", b.device, os.ErrClosed)
	}
	err := b.f.Close()
	b.f = nil
	if err != nil {
		return fmt.Errorf("i2c %s: close: %w", b.device, err)
	}
	return nil
}

// TxError is a transfer the kernel failed. errors.Is finds its errno
// (unix.ENXIO, ...) and the board error it means.
type TxError struct {
	Device string // /dev/i2c-4
	Addr   uint16
	Op     string // the ioctl: "I2C_RDWR"
	Errno  unix.Errno
}

// Error reads "i2c /dev/i2c-4: addr 0x50: I2C_RDWR: no such device or address".
func (e *TxError) Error() string {
	return fmt.Sprintf("i2c %s: addr 0x%02x: %s: %s", e.Device, e.Addr, e.Op, e.Errno.Error())
}

// Unwrap returns the errno and, when the errno means one, the board error.
func (e *TxError) Unwrap() []error {
	if kind := classify(e.Errno); kind != nil {
		return []error{e.Errno, kind}
	}
	return []error{e.Errno}
}

// classify maps the errnos i2c bus drivers return to what they mean. The
// drivers differ (the Aspeed driver NACKs with ENXIO, DesignWare with
// EREMOTEIO), so each class takes several.
func classify(errno unix.Errno) error {
	switch errno {
	case unix.ENXIO, unix.EREMOTEIO:
		return board.ErrNACK
	case unix.ETIMEDOUT:
		return board.ErrTimeout
	case unix.EIO, unix.EAGAIN, unix.EBUSY:
		return board.ErrBusError
	}
	return nil
}

var _ i2c.BusCloser = (*I2C)(nil)
