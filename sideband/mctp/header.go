package mctp

import (
	"errors"
	"fmt"
)

// EID is an MCTP endpoint ID.
type EID uint8

const (
	// NullEID addresses "whoever is at the other end of this link"; an
	// endpoint uses it before the bus owner has assigned it an EID.
	NullEID EID = 0
	// BroadcastEID addresses every endpoint on the link.
	BroadcastEID EID = 0xFF
)

// Message types (the first byte of every message, without the IC bit).
const (
	TypeControl uint8 = 0x00
	TypePLDM    uint8 = 0x01
	TypeNVMeMI  uint8 = 0x04
	TypeSPDM    uint8 = 0x05
)

// icBit is the Integrity Check bit of the message type byte: a message
// integrity check trails the body (NVMe-MI sets it).
const icBit = 0x80

// MessageType returns the type of a message body (its first byte without the
// IC bit), or false for an empty body.
func MessageType(body []byte) (uint8, bool) {
	if len(body) == 0 {
		return 0, false
	}
	return body[0] &^ icBit, true
}

// HeaderLen is the size of the MCTP transport header.
const HeaderLen = 4

// headerVersion is the only header version DSP0236 1.x defines.
const headerVersion = 1

// BaselineMTU is the payload every MCTP link must carry in one packet.
const BaselineMTU = 64

// Header is the MCTP transport header of one packet.
type Header struct {
	Dst, Src EID
	// SOM and EOM mark the first and last packet of a message.
	SOM, EOM bool
	// Seq counts packets of a message modulo 4.
	Seq uint8
	// TO is set when the sender owns Tag, that is on requests; a response
	// carries the request's tag with TO clear.
	TO bool
	// Tag (0-7) pairs a response with its request.
	Tag uint8
}

// Header byte 3 bits.
const (
	flagSOM   = 0x80
	flagEOM   = 0x40
	seqShift  = 4
	seqMask   = 0x3
	flagTO    = 0x08
	tagMask   = 0x7
	verMask   = 0x0F
	numTags   = 8
	seqModulo = 4
)

// ErrHeader means a packet's transport header is short or has a version
// other than 1.
var ErrHeader = errors.New("bad MCTP header")

// Append appends the 4 header bytes to b. Seq and Tag are reduced to their
// 2 and 3 bits.
func (h Header) Append(b []byte) []byte {
	f := (h.Seq&seqMask)<<seqShift | h.Tag&tagMask
	if h.SOM {
		f |= flagSOM
	}
	if h.EOM {
		f |= flagEOM
	}
	if h.TO {
		f |= flagTO
	}
	return append(b, headerVersion, byte(h.Dst), byte(h.Src), f)
}

// ParseHeader reads the transport header at the start of a packet.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, fmt.Errorf("%w: %d bytes, need %d", ErrHeader, len(b), HeaderLen)
	}
	if v := b[0] & verMask; v != headerVersion {
		return Header{}, fmt.Errorf("%w: version %d", ErrHeader, v)
	}
	f := b[3]
	return Header{
		Dst: EID(b[1]),
		Src: EID(b[2]),
		SOM: f&flagSOM != 0,
		EOM: f&flagEOM != 0,
		Seq: f >> seqShift & seqMask,
		TO:  f&flagTO != 0,
		Tag: f & tagMask,
	}, nil
}

// String renders a header the way a packet trace shows it.
func (h Header) String() string {
	flags := ""
	if h.SOM {
		flags += "S"
	}
	if h.EOM {
		flags += "E"
	}
	to := 0
	if h.TO {
		to = 1
	}
	return fmt.Sprintf("%d->%d %s seq %d tag %d TO %d", h.Src, h.Dst, flags, h.Seq, h.Tag, to)
}
