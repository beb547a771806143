package switchtec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/chassisd/chassisd/internal/crc"
	"periph.io/x/conn/v3/i2c"
)

// I2C command codes of the switch's TWI management port.
const (
	twiGetCap      = 0xE0
	twiGASWrite    = 0xEA
	twiWriteStatus = 0xE2
	twiGASRead     = 0xE9
)

const (
	// capEnhanced is the capability bit for the tagged GAS protocol.
	capEnhanced = 0x80
	// Status bytes of E2 and E9: done, or done but the MRPC engine
	// refused the access. Anything else means "not yet, ask again".
	twiOK       = 0x00
	twiMRPCBusy = 0x20
	// maxChunk keeps every GAS access within one frame and dword aligned
	// (the part takes up to 26 bytes written and 27 read per frame).
	maxChunk = 24
)

// Retry budgets for the cases the switch itself asks for a retry (busy)
// and for frames damaged on the wire (PEC). A NACK is never retried here:
// it goes to the caller, whose bus owner decides about recovery.
const (
	readAttempts   = 3
	statusAttempts = 20
	writeAttempts  = 3
)

// ErrPEC means a frame from the switch failed its PEC check, so its data was
// discarded.
var ErrPEC = errors.New("PEC mismatch")

// ErrNotEnhanced means the switch's I2C port does not offer the tagged GAS
// protocol (capability bit 7 clear).
var ErrNotEnhanced = errors.New("no enhanced GAS access over I2C")

// ErrBusy means the switch kept answering "busy" to a status request.
var ErrBusy = errors.New("switch busy")

// twi is one conversation with the switch on a bus the Runner handed out.
type twi struct {
	bus  i2c.Bus
	addr uint16
	// tag is the switch's tag counter, shared by every conversation.
	tag *byte
	// statusDelay is the pause between status reads while the switch is
	// busy.
	statusDelay time.Duration
}

// nextTag returns the next write tag: 1..255, never 0.
func (t *twi) nextTag() byte {
	*t.tag++
	if *t.tag == 0 {
		*t.tag = 1
	}
	return *t.tag
}

func (t *twi) wr() byte { return byte(t.addr << 1) }
func (t *twi) rd() byte { return byte(t.addr<<1) | 1 }

// capability checks that the switch answers E0 with the enhanced bit set.
func (t *twi) capability() error {
	var err error
	for range readAttempts {
		var r [2]byte
		if err = t.bus.Tx(t.addr, []byte{twiGetCap}, r[:]); err != nil {
			return fmt.Errorf("%s: capability (E0): %w", t.bus, err)
		}
		if want := crc.PEC(0, t.wr(), twiGetCap, t.rd(), r[0]); r[1] != want {
			err = fmt.Errorf("%s: capability (E0): %w (got %#02x, want %#02x)", t.bus, ErrPEC, r[1], want)
			continue
		}
		if r[0]&capEnhanced == 0 {
			return fmt.Errorf("%s: capability (E0) %#02x: %w", t.bus, r[0], ErrNotEnhanced)
		}
		return nil
	}
	return err
}

// write writes data to the GAS at off in frames of at most maxChunk bytes.
// With retry, a frame the switch reports busy is written again under a new
// tag; without it (the MRPC command register, whose write starts the
// command) the frame goes out exactly once.
func (t *twi) write(off uint32, data []byte, retry bool) error {
	for len(data) > 0 {
		n := min(len(data), maxChunk)
		if err := t.writeChunk(off, data[:n], retry); err != nil {
			return err
		}
		off += uint32(n)
		data = data[n:]
	}
	return nil
}

func (t *twi) writeChunk(off uint32, data []byte, retry bool) error {
	attempts := 1
	if retry {
		attempts = writeAttempts
	}
	var err error
	for range attempts {
		tag := t.nextTag()
		frame := gasWriteFrame(t.addr, tag, off, data)
		if err := t.bus.Tx(t.addr, frame, nil); err != nil {
			return fmt.Errorf("%s: GAS write 0x%04x (%d bytes): %w", t.bus, off, len(data), err)
		}
		var st byte
		st, err = t.writeStatus(tag)
		if err != nil {
			err = fmt.Errorf("%s: GAS write 0x%04x (%d bytes) tag %d: %w", t.bus, off, len(data), tag, err)
			if errors.Is(err, ErrPEC) || errors.Is(err, ErrBusy) {
				continue
			}
			return err
		}
		if st == twiMRPCBusy {
			return fmt.Errorf("%s: GAS write 0x%04x (%d bytes): refused, MRPC engine busy (status %#02x)", t.bus, off, len(data), st)
		}
		return nil
	}
	return err
}

// gasWriteFrame builds an EA frame: command, byte count, tag, offset (big
// endian), data, PEC over the address byte and everything before it.
func gasWriteFrame(addr uint16, tag byte, off uint32, data []byte) []byte {
	f := make([]byte, 0, 8+len(data))
	f = append(f, twiGASWrite, byte(5+len(data)), tag)
	f = binary.BigEndian.AppendUint32(f, off)
	f = append(f, data...)
	return append(f, crc.PEC(crc.PEC(0, byte(addr<<1)), f...))
}

// writeStatus reads E2 until the switch reports the write tagged tag done.
func (t *twi) writeStatus(tag byte) (byte, error) {
	var last error
	for i := range statusAttempts {
		if i > 0 && t.statusDelay > 0 {
			time.Sleep(t.statusDelay)
		}
		var r [3]byte
		if err := t.bus.Tx(t.addr, []byte{twiWriteStatus}, r[:]); err != nil {
			return 0, fmt.Errorf("write status (E2): %w", err)
		}
		gotTag, st, err := parseWriteStatus(t.addr, r[:])
		if err != nil {
			last = fmt.Errorf("write status (E2): %w", err)
			continue
		}
		if gotTag == tag && (st == twiOK || st == twiMRPCBusy) {
			return st, nil
		}
		last = fmt.Errorf("write status (E2): tag %d status %#02x after %d reads: %w", gotTag, st, statusAttempts, ErrBusy)
	}
	return 0, last
}

// parseWriteStatus checks an E2 answer [tag][status][PEC].
func parseWriteStatus(addr uint16, r []byte) (tag, status byte, err error) {
	if len(r) != 3 {
		return 0, 0, fmt.Errorf("write status is %d bytes, want 3", len(r))
	}
	want := crc.PEC(0, byte(addr<<1), twiWriteStatus, byte(addr<<1)|1, r[0], r[1])
	if r[2] != want {
		return 0, 0, fmt.Errorf("%w (got %#02x, want %#02x)", ErrPEC, r[2], want)
	}
	return r[0], r[1], nil
}

// read reads n bytes of GAS at off in frames of at most maxChunk bytes.
func (t *twi) read(off uint32, n int) ([]byte, error) {
	out := make([]byte, 0, n)
	for n > 0 {
		c := min(n, maxChunk)
		b, err := t.readChunk(off, c)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
		off += uint32(c)
		n -= c
	}
	return out, nil
}

func (t *twi) readChunk(off uint32, n int) ([]byte, error) {
	w := gasReadRequest(off, n)
	var last error
	for range readAttempts {
		r := make([]byte, n+3)
		if err := t.bus.Tx(t.addr, w, r); err != nil {
			return nil, fmt.Errorf("%s: GAS read 0x%04x (%d bytes): %w", t.bus, off, n, err)
		}
		data, st, err := parseGASRead(t.addr, w, r)
		if err != nil {
			last = fmt.Errorf("%s: GAS read 0x%04x (%d bytes): %w", t.bus, off, n, err)
			continue
		}
		if st != twiOK && st != twiMRPCBusy {
			last = fmt.Errorf("%s: GAS read 0x%04x (%d bytes): status %#02x: %w", t.bus, off, n, st, ErrBusy)
			continue
		}
		return data, nil
	}
	return nil, last
}

// gasReadRequest is the write half of E9: command, byte count 5, offset
// (big endian), length. It carries no PEC of its own; the answer's PEC
// covers it.
func gasReadRequest(off uint32, n int) []byte {
	w := []byte{twiGASRead, 5, 0, 0, 0, 0, byte(n)}
	binary.BigEndian.PutUint32(w[2:6], off)
	return w
}

// parseGASRead checks the answer to the E9 request w: [count][data][status]
// [PEC], the PEC running over the request, the repeated-start address and
// the answer. The count byte is not checked: its meaning is not public and
// the reference library ignores it.
func parseGASRead(addr uint16, w, r []byte) (data []byte, status byte, err error) {
	if len(w) != 7 || w[0] != twiGASRead {
		return nil, 0, fmt.Errorf("not a GAS read request: % x", w)
	}
	n := int(w[6])
	if len(r) != n+3 {
		return nil, 0, fmt.Errorf("GAS read answer is %d bytes, want %d", len(r), n+3)
	}
	pec := crc.PEC(0, byte(addr<<1))
	pec = crc.PEC(pec, w...)
	pec = crc.PEC(pec, byte(addr<<1)|1)
	pec = crc.PEC(pec, r[:n+2]...)
	if r[n+2] != pec {
		return nil, 0, fmt.Errorf("%w (got %#02x, want %#02x)", ErrPEC, r[n+2], pec)
	}
	return r[1 : 1+n], r[n+1], nil
}
