package switchtec

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/chassisd/chassisd/interposer"
	"periph.io/x/conn/v3/i2c"
)

// GAS offsets the driver uses.
const (
	gasInput     = 0x0000 // MRPC input payload, 1 KiB
	gasOutput    = 0x0400 // MRPC output, 1 KiB
	gasCmd       = 0x0800 // MRPC command register: writing it starts the command
	gasStatus    = 0x0804 // MRPC status; the return value follows at 0x0808
	gasPartCount = 0x1007 // partition count, then this port's partition id
	gasSysInfo   = 0x2000 // device id, device version, firmware version (u32 LE each)
)

// VendorID is Microsemi's PCI vendor id, which every Switchtec part carries.
const VendorID = 0x11F8

// Defaults for MRPC polling: the reference library polls every 5 ms for up
// to 30 s, far longer than any command here takes; an operator's action
// should fail in seconds, not half a minute.
const (
	DefaultPollInterval = 5 * time.Millisecond
	DefaultTimeout      = 2 * time.Second
	defaultStatusDelay  = time.Millisecond
)

// Switch is a Switchtec switch at one I2C address. It implements
// interposer.Switch. Calls are serialised: the MRPC mailbox holds one
// command at a time.
type Switch struct {
	run  interposer.Runner
	addr uint16

	poll, timeout, statusDelay time.Duration

	// sem is a context-aware lock over everything below and over the
	// switch's mailbox.
	sem chan struct{}
	tag byte
	// capOK records the capability check of the open sequence.
	capOK bool
	// info is the rest of the open sequence, once it succeeded.
	info *deviceInfo
	// stacks maps a physical port to its stack byte from LNKSTAT (stack
	// in b7:4, port within the stack in b3:0), for the event counters.
	stacks   map[int]byte
	pingSeed uint32
}

var _ interposer.Switch = (*Switch)(nil)

// New returns the driver for the switch at addr, reached through run. It does
// no I/O: the open sequence runs on first use.
func New(run interposer.Runner, addr uint16) *Switch {
	return &Switch{
		run: run, addr: addr,
		poll: DefaultPollInterval, timeout: DefaultTimeout, statusDelay: defaultStatusDelay,
		sem:      make(chan struct{}, 1),
		pingSeed: 0x5EED0000,
	}
}

// SetPolling changes how often an MRPC command's status is polled and how
// long a command may take (a deadline already on the context still
// applies when it is sooner). Zero or negative values keep the current
// setting, except that a zero interval polls back to back.
func (s *Switch) SetPolling(interval, timeout time.Duration) {
	if interval >= 0 {
		s.poll = interval
	}
	if timeout > 0 {
		s.timeout = timeout
	}
}

// String names the switch in errors.
func (s *Switch) String() string { return fmt.Sprintf("switchtec %#02x", s.addr) }

// deviceInfo is what the open sequence learns.
type deviceInfo struct {
	deviceID, fwVersion uint32
	partCount, partID   int
	// gen is the PCIe generation of the part: 3 to 6.
	gen int
}

// maxPorts is how many LNKSTAT records the part returns.
func (d *deviceInfo) maxPorts() int {
	switch d.gen {
	case 3:
		return 48
	case 4:
		return 52
	default:
		return 60
	}
}

func (s *Switch) lock(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: waiting for the switch: %w", s, ctx.Err())
	}
}

func (s *Switch) unlock() { <-s.sem }

// do runs fn on the bus the Runner hands out.
func (s *Switch) do(ctx context.Context, fn func(t *twi) error) error {
	return s.run(ctx, func(bus i2c.Bus) error {
		return fn(&twi{bus: bus, addr: s.addr, tag: &s.tag, statusDelay: s.statusDelay})
	})
}

// ready does the first step of the open sequence, the capability check,
// once. Bind and the binding read-back need nothing more.
func (s *Switch) ready(ctx context.Context) error {
	if s.capOK {
		return nil
	}
	if err := s.do(ctx, (*twi).capability); err != nil {
		return err
	}
	s.capOK = true
	return nil
}

// open runs the open sequence (capability, partition count and id, device
// id and firmware version, MRPC ping for the generation) unless it already
// succeeded and refresh is false.
func (s *Switch) open(ctx context.Context, refresh bool) (*deviceInfo, error) {
	if s.info != nil && !refresh {
		return s.info, nil
	}
	if refresh {
		s.capOK = false
	}
	d := &deviceInfo{}
	err := s.do(ctx, func(t *twi) error {
		if !s.capOK {
			if err := t.capability(); err != nil {
				return err
			}
			s.capOK = true
		}
		b, err := t.read(gasPartCount, 2)
		if err != nil {
			return err
		}
		d.partCount, d.partID = int(b[0]), int(b[1])
		b, err = t.read(gasSysInfo, 12)
		if err != nil {
			return err
		}
		d.deviceID = binary.LittleEndian.Uint32(b[0:4])
		d.fwVersion = binary.LittleEndian.Uint32(b[8:12])
		return nil
	})
	if err != nil {
		return nil, err
	}
	if d.gen, err = s.ping(ctx); err != nil {
		return nil, err
	}
	s.info = d
	return d, nil
}

// Boot phases in the ping answer; only the main firmware runs MRPC commands
// beyond the boot loader's few.
const phaseFirmware = 3

// ping runs MRPC 0x100 and returns the part's PCIe generation. The answer
// is [device info u32][ones' complement of the payload]; firmware older
// than the command answers "command invalid", which only Gen3 parts do.
func (s *Switch) ping(ctx context.Context) (int, error) {
	s.pingSeed++
	x := s.pingSeed
	var p [4]byte
	binary.LittleEndian.PutUint32(p[:], x)
	var out []byte
	err := s.mrpc(ctx, mrpcPing, p[:], func(t *twi) (err error) {
		out, err = t.read(gasOutput, 8)
		return err
	})
	var me *MRPCError
	if errors.As(err, &me) && me.Code == CodeCommandInvalid {
		return 3, nil
	}
	if err != nil {
		return 0, err
	}
	return parsePing(x, out)
}

// parsePing decodes the ping answer: device info b7:0 boot phase, b11:8
// revision, b15:12 generation (0 Gen4, 1 Gen5, 2 Gen6).
func parsePing(x uint32, out []byte) (int, error) {
	if len(out) != 8 {
		return 0, fmt.Errorf("ping answer is %d bytes, want 8", len(out))
	}
	info := binary.LittleEndian.Uint32(out[0:4])
	if echo := binary.LittleEndian.Uint32(out[4:8]); echo != ^x {
		return 0, fmt.Errorf("ping answer %#08x does not complement %#08x", echo, x)
	}
	if phase := info & 0xFF; phase != phaseFirmware {
		return 0, fmt.Errorf("switch is in boot phase %d, not running its main firmware", phase)
	}
	gen := int(info>>12&0xF) + 4
	if gen > 6 {
		return 0, fmt.Errorf("ping reports unknown generation code %d", info>>12&0xF)
	}
	return gen, nil
}

// Identify runs the open sequence afresh and says what the switch is.
func (s *Switch) Identify(ctx context.Context) (interposer.Identity, error) {
	if err := s.lock(ctx); err != nil {
		return interposer.Identity{}, err
	}
	defer s.unlock()
	d, err := s.open(ctx, true)
	if err != nil {
		return interposer.Identity{}, fmt.Errorf("%s: identify: %w", s, err)
	}
	return interposer.Identity{
		VendorID:        VendorID,
		DeviceID:        uint16(d.deviceID),
		FirmwareVersion: FirmwareString(d.fwVersion),
		Partitions:      d.partCount,
		Generation:      fmt.Sprintf("Gen%d", d.gen),
	}, nil
}

// FirmwareString formats the firmware version register as the vendor's tools
// show it: major (b31:24) in hex, minor (b23:16) as two hex digits, build
// (b15:0) as three or more hex digits, e.g. 0x04700021 is "4.70 B021".
func FirmwareString(v uint32) string {
	return fmt.Sprintf("%x.%02x B%03X", v>>24, v>>16&0xFF, v&0xFFFF)
}
