package mctp

import (
	"errors"
	"fmt"

	"github.com/chassisd/chassisd/internal/crc"
)

// MCTP over a serial line (DSP0253): each packet travels as
//
//	7E | 01 (revision) | byte count | packet, escaped | FCS high | FCS low | 7E
//
// Inside the packet 7E is sent as 7D 5E and 7D as 7D 5D. The revision, the
// count and the FCS are not escaped (libmctp, mctp-rs and Linux agree), so a
// receiver finds the FCS by the count, not by looking for the closing flag.
// The FCS is the RFC 1662 CRC-16 over revision, count and the unescaped
// packet, started at FFFF and not complemented.

const (
	serialFlag     = 0x7E
	serialEscape   = 0x7D
	serialXOR      = 0x20
	serialRevision = 0x01
	fcsInit        = 0xFFFF
)

// DefaultSerialMaxPacket is the largest packet a SerialDecoder accepts unless
// told otherwise: the header and a baseline payload.
const DefaultSerialMaxPacket = HeaderLen + BaselineMTU

// EncodeSerialFrame frames one packet for the wire. The count byte holds the
// packet length; callers keep packets under 256 bytes (the serial binding
// refuses longer ones).
func EncodeSerialFrame(pkt []byte) []byte {
	fcs := crc.FCS16(fcsInit, serialRevision, byte(len(pkt)))
	fcs = crc.FCS16(fcs, pkt...)
	f := make([]byte, 0, len(pkt)+len(pkt)/8+7)
	f = append(f, serialFlag, serialRevision, byte(len(pkt)))
	for _, c := range pkt {
		if c == serialFlag || c == serialEscape {
			f = append(f, serialEscape, c^serialXOR)
		} else {
			f = append(f, c)
		}
	}
	return append(f, byte(fcs>>8), byte(fcs), serialFlag)
}

// Serial framing errors; Feed returns one (wrapped) per frame it drops.
var (
	ErrFrameLength    = errors.New("serial frame: bad byte count")
	ErrFrameTruncated = errors.New("serial frame: truncated")
	ErrFrameEscape    = errors.New("serial frame: broken escape")
	ErrFrameFCS       = errors.New("serial frame: FCS mismatch")
	ErrFrameOverlong  = errors.New("serial frame: no closing flag after FCS")
)

// SerialStats counts what a SerialDecoder saw.
type SerialStats struct {
	Frames uint64 // good packets returned
	// Garbage counts bytes outside any frame, skipped: noise, and a flag
	// followed by anything but revision 01 (which cannot be told apart).
	Garbage   uint64
	BadLength uint64
	Truncated uint64
	BadEscape uint64
	BadFCS    uint64
	Overlong  uint64
}

// Dropped is the number of frames the decoder threw away.
func (s SerialStats) Dropped() uint64 {
	return s.BadLength + s.Truncated + s.BadEscape + s.BadFCS + s.Overlong
}

type serialState uint8

const (
	stHunt    serialState = iota // outside a frame: wait for a flag
	stFlag                       // after a flag: revision, or another flag
	stCount                      // after the revision
	stData                       // packet bytes
	stEscaped                    // after 7D inside the packet
	stFCSHigh                    // first FCS byte
	stFCSLow                     // second FCS byte
	stEnd                        // closing flag
)

// A SerialDecoder turns a byte stream from a UART into packets. It survives
// line noise: bytes outside frames are skipped, and a frame with a bad
// count, escape or FCS, cut short by a flag, or longer than its
// count, is dropped and counted; the decoder then waits for the next flag.
// A flag inside a packet ends the broken frame and opens the next one, so a
// frame cut off mid-way costs only itself.
//
// The zero value accepts packets up to DefaultSerialMaxPacket bytes.
type SerialDecoder struct {
	// MaxPacket bounds the byte count (DefaultSerialMaxPacket if 0).
	MaxPacket int

	state serialState
	count int
	fcs   uint16
	rxFCS uint16
	buf   []byte
	stats SerialStats
}

// Feed takes the next byte from the line. It returns a packet when b
// completes a good frame (the slice is the caller's), and an error when b
// makes the decoder drop a frame.
func (d *SerialDecoder) Feed(b byte) (pkt []byte, err error) {
	switch d.state {
	case stHunt:
		if b == serialFlag {
			d.state = stFlag
		} else {
			d.stats.Garbage++
		}
	case stFlag:
		switch b {
		case serialFlag:
			// Back-to-back flags: a closing flag followed by an opening one.
		case serialRevision:
			d.state = stCount
		default:
			d.stats.Garbage++
			d.state = stHunt
		}
	case stCount:
		if b == serialFlag {
			d.stats.Truncated++
			d.state = stFlag
			return nil, fmt.Errorf("%w: flag instead of byte count", ErrFrameTruncated)
		}
		if int(b) < HeaderLen || int(b) > d.maxPacket() {
			return d.fail(&d.stats.BadLength, fmt.Errorf("%w: %d, want %d..%d", ErrFrameLength, b, HeaderLen, d.maxPacket()))
		}
		d.count = int(b)
		d.fcs = crc.FCS16(fcsInit, serialRevision, b)
		d.buf = make([]byte, 0, d.count)
		d.state = stData
	case stData:
		switch b {
		case serialFlag:
			return d.truncated()
		case serialEscape:
			d.state = stEscaped
		default:
			d.data(b)
		}
	case stEscaped:
		switch b {
		case serialFlag ^ serialXOR, serialEscape ^ serialXOR:
			d.state = stData
			d.data(b ^ serialXOR)
		case serialFlag:
			return d.truncated()
		default:
			return d.fail(&d.stats.BadEscape, fmt.Errorf("%w: 7D %02X", ErrFrameEscape, b))
		}
	case stFCSHigh:
		d.rxFCS = uint16(b) << 8
		d.state = stFCSLow
	case stFCSLow:
		d.rxFCS |= uint16(b)
		d.state = stEnd
	case stEnd:
		if b != serialFlag {
			return d.fail(&d.stats.Overlong, fmt.Errorf("%w: %#02x", ErrFrameOverlong, b))
		}
		// The closing flag may also open the next frame.
		d.state = stFlag
		if d.rxFCS != d.fcs {
			d.stats.BadFCS++
			return nil, fmt.Errorf("%w: got %04X, computed %04X", ErrFrameFCS, d.rxFCS, d.fcs)
		}
		d.stats.Frames++
		pkt, d.buf = d.buf, nil
		return pkt, nil
	}
	return nil, nil
}

// Stats returns what the decoder has counted so far.
func (d *SerialDecoder) Stats() SerialStats { return d.stats }

func (d *SerialDecoder) data(b byte) {
	d.buf = append(d.buf, b)
	d.fcs = crc.FCS16(d.fcs, b)
	if len(d.buf) == d.count {
		d.state = stFCSHigh
	}
}

// truncated drops the frame in progress on a flag; the flag opens the next.
func (d *SerialDecoder) truncated() ([]byte, error) {
	d.stats.Truncated++
	d.state = stFlag
	n := len(d.buf)
	d.buf = nil
	return nil, fmt.Errorf("%w: flag after %d of %d packet bytes", ErrFrameTruncated, n, d.count)
}

// fail drops the frame in progress and hunts for the next flag.
func (d *SerialDecoder) fail(counter *uint64, err error) ([]byte, error) {
	*counter++
	d.state = stHunt
	d.buf = nil
	return nil, err
}

func (d *SerialDecoder) maxPacket() int {
	if d.MaxPacket > 0 {
		return min(d.MaxPacket, 255)
	}
	return DefaultSerialMaxPacket
}
