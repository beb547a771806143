package mctp

import (
	"errors"
	"fmt"
)

// MCTP control messages (message type 0, DSP0236 section 12) as a
// requester sends and reads them. Every control message starts
// [00][Rq b7 | D b6 | instance b4:0][command]; a response adds a completion
// code. The builders return whole message bodies, ready for
// Endpoint.Request; the parsers take the response body Request returned.

// ControlCommand is a control message command code.
type ControlCommand uint8

// The control commands chassisd uses.
const (
	CmdSetEndpointID         ControlCommand = 0x01
	CmdGetEndpointID         ControlCommand = 0x02
	CmdGetVersionSupport     ControlCommand = 0x04
	CmdGetMessageTypeSupport ControlCommand = 0x05
)

func (c ControlCommand) String() string {
	switch c {
	case CmdSetEndpointID:
		return "Set Endpoint ID"
	case CmdGetEndpointID:
		return "Get Endpoint ID"
	case CmdGetVersionSupport:
		return "Get MCTP Version Support"
	case CmdGetMessageTypeSupport:
		return "Get Message Type Support"
	}
	return fmt.Sprintf("control command %#02x", uint8(c))
}

// CompletionCode is the first byte of a control response's data.
type CompletionCode uint8

// Completion codes.
const (
	CCSuccess            CompletionCode = 0x00
	CCError              CompletionCode = 0x01
	CCInvalidData        CompletionCode = 0x02
	CCInvalidLength      CompletionCode = 0x03
	CCNotReady           CompletionCode = 0x04
	CCUnsupportedCommand CompletionCode = 0x05
	// CCMessageTypeUnsupported answers Get MCTP Version Support for a
	// message type the endpoint does not implement.
	CCMessageTypeUnsupported CompletionCode = 0x80
)

func (c CompletionCode) String() string {
	switch c {
	case CCSuccess:
		return "success"
	case CCError:
		return "error"
	case CCInvalidData:
		return "invalid data"
	case CCInvalidLength:
		return "invalid length"
	case CCNotReady:
		return "not ready"
	case CCUnsupportedCommand:
		return "unsupported command"
	case CCMessageTypeUnsupported:
		return "message type not supported"
	}
	return fmt.Sprintf("completion code %#02x", uint8(c))
}

// CompletionError is what a response parser returns when the responder
// answered with a completion code other than success.
type CompletionError struct {
	Command ControlCommand
	Code    CompletionCode
}

func (e *CompletionError) Error() string {
	return fmt.Sprintf("MCTP %s: %s (%#02x)", e.Command, e.Code, uint8(e.Code))
}

// ErrControl means a control message is malformed: wrong message type,
// request/response bit, command, or too short for its fields.
var ErrControl = errors.New("malformed MCTP control message")

// Control header bits (byte 1 of the body).
const (
	ctlRq       = 0x80
	ctlDatagram = 0x40
	ctlInstance = 0x1F
	ctlHdrLen   = 3 // type, Rq/D/instance, command
)

// SetEIDOp is the operation of a Set Endpoint ID request.
type SetEIDOp uint8

// Set Endpoint ID operations.
const (
	SetEIDSet        SetEIDOp = 0 // assign unless already assigned by another bus owner
	SetEIDForce      SetEIDOp = 1 // assign unconditionally
	SetEIDReset      SetEIDOp = 2 // return to the static EID, if any
	SetEIDDiscovered SetEIDOp = 3 // mark discovered, keep the EID
)

// SetEIDResult is the data of a Set Endpoint ID response.
type SetEIDResult struct {
	// Accepted is false when the endpoint kept its EID (assignment status
	// rejected).
	Accepted bool
	// PoolStatus: 0 no EID pool, 1 the endpoint needs a pool allocated,
	// 2 it has one.
	PoolStatus uint8
	// EID is the endpoint's EID after the request.
	EID EID
	// PoolSize is the number of EIDs the endpoint wants for its pool.
	PoolSize uint8
}

// EIDType says how an endpoint got its EID (Get Endpoint ID response).
type EIDType uint8

// EID types.
const (
	EIDDynamic         EIDType = 0 // assigned by the bus owner only
	EIDStaticSupported EIDType = 1 // has a static EID (not reported further)
	EIDStaticCurrent   EIDType = 2 // static EID, and it is the current one
	EIDStaticOther     EIDType = 3 // static EID, current one differs
)

// GetEIDResult is the data of a Get Endpoint ID response.
type GetEIDResult struct {
	EID EID
	// BusOwner is set for a bus owner or bridge, clear for a simple endpoint.
	BusOwner bool
	Type     EIDType
	// Medium is the binding-specific byte (0 on SMBus and serial).
	Medium uint8
}

// Version is one entry of a Get MCTP Version Support response, as sent:
// major, minor, update, alpha. Major, minor and update are BCD where a high
// nibble of F marks a single digit (1.3.3 is F1 F3 F3 00); an update of FF
// means none.
type Version [4]byte

// VersionBase133 is MCTP base specification 1.3.3.
var VersionBase133 = Version{0xF1, 0xF3, 0xF3, 0x00}

// String renders the version as "1.3.3", or the raw bytes for an encoding
// outside the rule above.
func (v Version) String() string {
	var s string
	for i, b := range v[:3] {
		if i == 2 && b == 0xFF {
			break
		}
		d, ok := bcdField(b)
		if !ok {
			return fmt.Sprintf("% X", v[:])
		}
		if i > 0 {
			s += "."
		}
		s += fmt.Sprint(d)
	}
	switch a := v[3]; {
	case a == 0:
	case a >= 'a' && a <= 'z', a >= 'A' && a <= 'Z':
		s += string(rune(a))
	default:
		return fmt.Sprintf("% X", v[:])
	}
	return s
}

func bcdField(b byte) (int, bool) {
	hi, lo := b>>4, b&0x0F
	if lo > 9 || (hi > 9 && hi != 0xF) {
		return 0, false
	}
	if hi == 0xF {
		return int(lo), true
	}
	return int(hi)*10 + int(lo), true
}

// controlHeader starts a control message body.
func controlHeader(request bool, inst uint8, cmd ControlCommand) []byte {
	b := inst & ctlInstance
	if request {
		b |= ctlRq
	}
	return []byte{TypeControl, b, byte(cmd)}
}

// SetEIDRequest builds a Set Endpoint ID request.
func SetEIDRequest(inst uint8, op SetEIDOp, eid EID) []byte {
	return append(controlHeader(true, inst, CmdSetEndpointID), byte(op)&0x3, byte(eid))
}

// GetEIDRequest builds a Get Endpoint ID request.
func GetEIDRequest(inst uint8) []byte {
	return controlHeader(true, inst, CmdGetEndpointID)
}

// VersionTypeBase asks Get MCTP Version Support for the base specification
// instead of a message type.
const VersionTypeBase uint8 = 0xFF

// GetVersionRequest builds a Get MCTP Version Support request for a
// message type, or VersionTypeBase.
func GetVersionRequest(inst uint8, msgType uint8) []byte {
	return append(controlHeader(true, inst, CmdGetVersionSupport), msgType)
}

// GetMessageTypesRequest builds a Get Message Type Support request.
func GetMessageTypesRequest(inst uint8) []byte {
	return controlHeader(true, inst, CmdGetMessageTypeSupport)
}

// ParseSetEIDResponse reads a Set Endpoint ID response.
func ParseSetEIDResponse(b []byte) (SetEIDResult, error) {
	d, err := responseData(b, CmdSetEndpointID, 3)
	if err != nil {
		return SetEIDResult{}, err
	}
	return SetEIDResult{
		Accepted:   d[0]>>4&0x3 == 0,
		PoolStatus: d[0] & 0x3,
		EID:        EID(d[1]),
		PoolSize:   d[2],
	}, nil
}

// ParseGetEIDResponse reads a Get Endpoint ID response.
func ParseGetEIDResponse(b []byte) (GetEIDResult, error) {
	d, err := responseData(b, CmdGetEndpointID, 3)
	if err != nil {
		return GetEIDResult{}, err
	}
	return GetEIDResult{
		EID:      EID(d[0]),
		BusOwner: d[1]>>4&0x3 == 1,
		Type:     EIDType(d[1] & 0x3),
		Medium:   d[2],
	}, nil
}

// ParseGetVersionResponse reads a Get MCTP Version Support response.
func ParseGetVersionResponse(b []byte) ([]Version, error) {
	d, err := responseData(b, CmdGetVersionSupport, 1)
	if err != nil {
		return nil, err
	}
	n := int(d[0])
	if len(d)-1 < 4*n {
		return nil, fmt.Errorf("%w: %s: %d version entries in %d bytes", ErrControl, CmdGetVersionSupport, n, len(d)-1)
	}
	vs := make([]Version, n)
	for i := range vs {
		copy(vs[i][:], d[1+4*i:])
	}
	return vs, nil
}

// ParseGetMessageTypesResponse reads a Get Message Type Support response:
// the message types the endpoint handles, besides control.
func ParseGetMessageTypesResponse(b []byte) ([]uint8, error) {
	d, err := responseData(b, CmdGetMessageTypeSupport, 1)
	if err != nil {
		return nil, err
	}
	n := int(d[0])
	if len(d)-1 < n {
		return nil, fmt.Errorf("%w: %s: %d types in %d bytes", ErrControl, CmdGetMessageTypeSupport, n, len(d)-1)
	}
	return append([]uint8(nil), d[1:1+n]...), nil
}

// responseData checks a control response's header and completion code and
// returns the data after the completion code, which must hold at least min
// bytes. A completion code other than success is a *CompletionError.
func responseData(b []byte, cmd ControlCommand, min int) ([]byte, error) {
	if len(b) < ctlHdrLen+1 {
		return nil, fmt.Errorf("%w: %s response of %d bytes", ErrControl, cmd, len(b))
	}
	if b[0]&^icBit != TypeControl {
		return nil, fmt.Errorf("%w: %s response has message type %#02x", ErrControl, cmd, b[0])
	}
	if b[1]&ctlRq != 0 {
		return nil, fmt.Errorf("%w: %s response has the request bit set", ErrControl, cmd)
	}
	if got := ControlCommand(b[2]); got != cmd {
		return nil, fmt.Errorf("%w: %s response carries command %#02x", ErrControl, cmd, uint8(got))
	}
	if cc := CompletionCode(b[3]); cc != CCSuccess {
		return nil, &CompletionError{Command: cmd, Code: cc}
	}
	d := b[ctlHdrLen+1:]
	if len(d) < min {
		return nil, fmt.Errorf("%w: %s response data of %d bytes, need %d", ErrControl, cmd, len(d), min)
	}
	return d, nil
}
