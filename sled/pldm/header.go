package pldm

import (
	"errors"
	"fmt"
)

// MCTPMessageType is the MCTP message type of PLDM (DSP0239): the first
// byte of every body this package builds or parses. The integrity-check
// bit (b7) is never set for PLDM.
const MCTPMessageType = 0x01

// PLDM types (DSP0245) this package speaks.
const (
	TypeBase     uint8 = 0x00 // messaging control and discovery, DSP0240
	TypePlatform uint8 = 0x02 // platform monitoring and control, DSP0248
	TypeFRU      uint8 = 0x04 // FRU data, DSP0257
)

// maxInstanceID is the largest 5-bit instance ID; the client rolls through
// 0..maxInstanceID so a late response to an earlier request is not taken for
// the answer to the current one.
const maxInstanceID = 0x1F

// headerLen is the PLDM header without the MCTP type byte.
const headerLen = 3

// Header is the PLDM message header (DSP0240 "PLDM message fields"):
//
//	byte 0: Rq b7 | D b6 | reserved b5 | Instance ID b4:0
//	byte 1: Header Version b7:6 (0) | PLDM Type b5:0
//	byte 2: PLDM Command Code
type Header struct {
	Request    bool  // Rq: set in requests, clear in responses
	Datagram   bool  // D: an unacknowledged request; never answered
	InstanceID uint8 // 0..31, echoed by the responder
	Type       uint8 // PLDM type, 0..63
	Command    uint8
}

// errShort is returned for bodies too short to hold a PLDM header.
var errShort = errors.New("message shorter than the PLDM header")

// appendHeader appends the MCTP type byte and h's three header bytes.
func appendHeader(b []byte, h Header) []byte {
	b0 := h.InstanceID & maxInstanceID
	if h.Request {
		b0 |= 0x80
	}
	if h.Datagram {
		b0 |= 0x40
	}
	return append(b, MCTPMessageType, b0, h.Type&0x3F, h.Command)
}

// ParseMessage splits an MCTP message body into the PLDM header and the
// payload after it. It rejects a body whose MCTP type is not PLDM and a
// header version other than 0, the only one DSP0240 defines; the reserved
// bit is ignored as DSP0240 asks of receivers.
func ParseMessage(body []byte) (Header, []byte, error) {
	if len(body) < 1+headerLen {
		return Header{}, nil, fmt.Errorf("pldm: %d-byte body: %w", len(body), errShort)
	}
	if body[0] != MCTPMessageType {
		return Header{}, nil, fmt.Errorf("pldm: MCTP message type 0x%02x, want 0x%02x", body[0], MCTPMessageType)
	}
	if v := body[2] >> 6; v != 0 {
		return Header{}, nil, fmt.Errorf("pldm: header version %d, want 0", v)
	}
	h := Header{
		Request:    body[1]&0x80 != 0,
		Datagram:   body[1]&0x40 != 0,
		InstanceID: body[1] & maxInstanceID,
		Type:       body[2] & 0x3F,
		Command:    body[3],
	}
	return h, body[1+headerLen:], nil
}

// NewRequest returns the body of a request: MCTP type, header with Rq set,
// then payload.
func NewRequest(instanceID, typ, cmd uint8, payload []byte) []byte {
	b := make([]byte, 0, 1+headerLen+len(payload))
	b = appendHeader(b, Header{Request: true, InstanceID: instanceID, Type: typ, Command: cmd})
	return append(b, payload...)
}

// NewResponse returns the body of the response to req: the same instance
// ID, type and command with Rq clear, then payload, which starts with the
// completion code.
func NewResponse(req Header, payload []byte) []byte {
	b := make([]byte, 0, 1+headerLen+len(payload))
	b = appendHeader(b, Header{InstanceID: req.InstanceID, Type: req.Type, Command: req.Command})
	return append(b, payload...)
}

// NewErrorResponse returns a response to req carrying only a completion
// code, the form DSP0240 prescribes for every non-zero code.
func NewErrorResponse(req Header, cc uint8) []byte {
	return NewResponse(req, []byte{cc})
}
