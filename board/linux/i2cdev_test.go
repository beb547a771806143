//go:build linux

package linux

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/chassisd/chassisd/board"
)

// TestKernelStructSizes holds the Go structs to the kernel's layout for the
// GOARCH under test; the ARM builds run this under qemu.
func TestKernelStructSizes(t *testing.T) {
	msg, data := uintptr(16), uintptr(16)
	switch runtime.GOARCH {
	case "arm", "386", "mips", "mipsle":
		msg, data = 12, 8
	case "amd64", "arm64", "riscv64", "ppc64le", "s390x", "mips64", "mips64le", "loong64":
	default:
		t.Skipf("no expectation for GOARCH %s", runtime.GOARCH)
	}
	if got := unsafe.Sizeof(i2cMsg{}); got != msg {
		t.Errorf("sizeof(struct i2c_msg) = %d on %s, want %d", got, runtime.GOARCH, msg)
	}
	if got := unsafe.Sizeof(rdwrData{}); got != data {
		t.Errorf("sizeof(struct i2c_rdwr_ioctl_data) = %d on %s, want %d", got, runtime.GOARCH, data)
	}
	var m i2cMsg
	if unsafe.Offsetof(m.flags) != 2 || unsafe.Offsetof(m.len) != 4 || unsafe.Offsetof(m.buf) != 8 {
		t.Errorf("i2c_msg offsets: flags %d len %d buf %d, want 2 4 8",
			unsafe.Offsetof(m.flags), unsafe.Offsetof(m.len), unsafe.Offsetof(m.buf))
	}
}

func TestBuildMsgs(t *testing.T) {
	w := []byte{0x00, 0x10}
	r := make([]byte, 3)
	cases := []struct {
		name string
		w, r []byte
		want []i2cMsg
	}{
		{"write only", w, nil, []i2cMsg{{addr: 0x50, len: 2, buf: &w[0]}}},
		{"read only", nil, r, []i2cMsg{{addr: 0x50, flags: msgRead, len: 3, buf: &r[0]}}},
		{"write then read", w, r, []i2cMsg{{addr: 0x50, len: 2, buf: &w[0]}, {addr: 0x50, flags: msgRead, len: 3, buf: &r[0]}}},
		{"quick write", nil, nil, []i2cMsg{{addr: 0x50}}},
		{"empty slices", []byte{}, []byte{}, []i2cMsg{{addr: 0x50}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := buildMsgs(0x50, tc.w, tc.r)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d messages, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("msg %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
	if _, err := buildMsgs(0x80, w, nil); err == nil {
		t.Error("10-bit address accepted")
	}
	if _, err := buildMsgs(0x50, nil, make([]byte, maxMsgBytes+1)); err == nil {
		t.Error("over-long read accepted")
	}
}

// fakeKernel stands in for the ioctl: it records the messages of each
// I2C_RDWR, answers reads with answer, and fails with errno.
type fakeKernel struct {
	req    uintptr
	writes [][]byte
	flags  []uint16
	answer []byte
	errno  unix.Errno
	funcs  uintptr
}

func (k *fakeKernel) install(t *testing.T) {
	old := ioctl
	t.Cleanup(func() { ioctl = old })
	ioctl = func(fd uintptr, req uintptr, arg unsafe.Pointer) error {
		k.req = req
		switch req {
		case ioctlI2CFuncs:
			*(*uintptr)(arg) = k.funcs
			return nil
		case ioctlI2CRDWR:
		default:
			return unix.EINVAL
		}
		d := (*rdwrData)(arg)
		for _, m := range unsafe.Slice(d.msgs, d.nmsgs) {
			k.flags = append(k.flags, m.flags)
			var buf []byte
			if m.len > 0 {
				buf = unsafe.Slice(m.buf, m.len)
			}
			if m.flags&msgRead != 0 {
				copy(buf, k.answer)
			} else {
				k.writes = append(k.writes, append([]byte(nil), buf...))
			}
		}
		if k.errno != 0 {
			return k.errno
		}
		return nil
	}
}

// fakeBus is an I2C on /dev/null, for use with a fakeKernel.
func fakeBus(t *testing.T) *I2C {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	b := &I2C{device: "/dev/i2c-4", f: f, fd: f.Fd()}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestTxWriteThenRead(t *testing.T) {
	k := &fakeKernel{answer: []byte{0xde, 0xad}}
	k.install(t)
	b := fakeBus(t)
	r := make([]byte, 2)
	if err := b.Tx(0x50, []byte{0x12, 0x34}, r); err != nil {
		t.Fatal(err)
	}
	if k.req != 0x707 {
		t.Errorf("ioctl request %#x, want I2C_RDWR 0x707", k.req)
	}
	if len(k.flags) != 2 || k.flags[0] != 0 || k.flags[1] != msgRead {
		t.Errorf("message flags %v, want [0 1]", k.flags)
	}
	if len(k.writes) != 1 || !bytes.Equal(k.writes[0], []byte{0x12, 0x34}) {
		t.Errorf("wrote %x", k.writes)
	}
	if !bytes.Equal(r, []byte{0xde, 0xad}) {
		t.Errorf("read %x", r)
	}
}

func TestTxReadOnlyAndWriteOnly(t *testing.T) {
	k := &fakeKernel{answer: []byte{7}}
	k.install(t)
	b := fakeBus(t)
	r := make([]byte, 1)
	if err := b.Tx(0x48, nil, r); err != nil || r[0] != 7 || len(k.flags) != 1 || k.flags[0] != msgRead {
		t.Errorf("read only: err %v, r %x, flags %v", err, r, k.flags)
	}
	k.flags = nil
	if err := b.Tx(0x70, []byte{0x04}, nil); err != nil || len(k.flags) != 1 || k.flags[0] != 0 || !bytes.Equal(k.writes[0], []byte{4}) {
		t.Errorf("write only: err %v, flags %v, writes %x", err, k.flags, k.writes)
	}
}

func TestTxErrnoMapping(t *testing.T) {
	kinds := []error{board.ErrNACK, board.ErrTimeout, board.ErrBusError}
	cases := []struct {
		errno unix.Errno
		kind  error // nil: no board error
	}{
		{unix.ENXIO, board.ErrNACK},
		{unix.EREMOTEIO, board.ErrNACK},
		{unix.ETIMEDOUT, board.ErrTimeout},
		{unix.EIO, board.ErrBusError},
		{unix.EAGAIN, board.ErrBusError},
		{unix.EBUSY, board.ErrBusError},
		{unix.EOPNOTSUPP, nil},
		{unix.EINVAL, nil},
	}
	for _, tc := range cases {
		t.Run(tc.errno.Error(), func(t *testing.T) {
			k := &fakeKernel{errno: tc.errno}
			k.install(t)
			err := fakeBus(t).Tx(0x50, []byte{0}, make([]byte, 1))
			if !errors.Is(err, tc.errno) {
				t.Errorf("errors.Is(%v, errno) = false", err)
			}
			for _, kind := range kinds {
				if got, want := errors.Is(err, kind), kind == tc.kind; got != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, kind, got, want)
				}
			}
			var te *TxError
			if !errors.As(err, &te) || te.Addr != 0x50 || te.Errno != tc.errno {
				t.Errorf("errors.As TxError: %+v", te)
			}
		})
	}
}

func TestTxErrorText(t *testing.T) {
	(&fakeKernel{errno: unix.ENXIO}).install(t)
	err := fakeBus(t).Tx(0x50, []byte{0}, nil)
	if want := "i2c /dev/i2c-4: addr 0x50: I2C_RDWR: no such device or address"; err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestTxClosed(t *testing.T) {
	(&fakeKernel{}).install(t)
	b := fakeBus(t)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Tx(0x50, []byte{0}, nil); !errors.Is(err, os.ErrClosed) || !strings.Contains(err.Error(), "/dev/i2c-4") {
		t.Errorf("Tx after Close = %v", err)
	}
	if err := b.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second Close = %v", err)
	}
}

func TestSetSpeedExplains(t *testing.T) {
	err := fakeBus(t).SetSpeed(400000)
	if err == nil || !strings.Contains(err.Error(), "device tree") {
		t.Errorf("SetSpeed = %v", err)
	}
}

func TestOpenI2CMissing(t *testing.T) {
	const dev = "/dev/i2c-chassisd-test-no-such-adapter"
	_, err := OpenI2C(dev)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), dev) {
		t.Errorf("OpenI2C = %v", err)
	}
}

func TestOpenI2CNotAnAdapter(t *testing.T) {
	_, err := OpenI2C(os.DevNull)
	if errors.Is(err, unix.ENOSYS) {
		// qemu-user (the ARM test runs) refuses ioctls it cannot translate
		// instead of passing them to the kernel.
		t.Skipf("ioctl not passed to the kernel: %v", err)
	}
	if !errors.Is(err, unix.ENOTTY) || !strings.Contains(err.Error(), "not an I2C adapter") {
		t.Errorf("OpenI2C(/dev/null) = %v", err)
	}
}

func TestOpenI2CNeedsPlainI2C(t *testing.T) {
	k := &fakeKernel{funcs: 0x0e0000} // SMBus byte/word/block only
	k.install(t)
	if _, err := OpenI2C(os.DevNull); err == nil || !strings.Contains(err.Error(), "SMBus only") {
		t.Errorf("OpenI2C on an SMBus-only adapter = %v", err)
	}
	k.funcs = funcI2C
	b, err := OpenI2C(os.DevNull)
	if err != nil {
		t.Fatalf("OpenI2C: %v", err)
	}
	if b.String() != os.DevNull {
		t.Errorf("String = %q", b.String())
	}
	if err := b.Close(); err != nil {
		t.Error(err)
	}
}
