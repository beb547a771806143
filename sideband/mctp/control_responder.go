package mctp

import (
	"errors"
	"fmt"
)

// The responder half of the control message codec: what the sled MCU (the
// simulator's, or any endpoint chassisd plays) parses and answers.

// ControlRequest is a control request as a responder receives it. Data is
// what follows the command byte; the Args methods read it per command.
type ControlRequest struct {
	Instance uint8
	// Datagram requests expect no response.
	Datagram bool
	Command  ControlCommand
	Data     []byte
}

// Errors from the ControlRequest argument readers; CompletionFor turns them
// into the completion code the responder answers with.
var (
	ErrInvalidLength = errors.New("control request too short")
	ErrInvalidData   = errors.New("control request field out of range")
)

// ParseControlRequest reads the header of a control request body. It checks
// the message type and the request bit only: a responder answers a command
// it does not know with CCUnsupportedCommand, so that is not an error here.
func ParseControlRequest(b []byte) (ControlRequest, error) {
	if len(b) < ctlHdrLen {
		return ControlRequest{}, fmt.Errorf("%w: request of %d bytes", ErrControl, len(b))
	}
	if b[0]&^icBit != TypeControl {
		return ControlRequest{}, fmt.Errorf("%w: request has message type %#02x", ErrControl, b[0])
	}
	if b[1]&ctlRq == 0 {
		return ControlRequest{}, fmt.Errorf("%w: %s: request bit clear", ErrControl, ControlCommand(b[2]))
	}
	return ControlRequest{
		Instance: b[1] & ctlInstance,
		Datagram: b[1]&ctlDatagram != 0,
		Command:  ControlCommand(b[2]),
		Data:     b[ctlHdrLen:],
	}, nil
}

// SetEIDArgs reads a Set Endpoint ID request's operation and EID. Setting
// (or forcing) the null or broadcast EID is invalid data.
func (r ControlRequest) SetEIDArgs() (SetEIDOp, EID, error) {
	if len(r.Data) < 2 {
		return 0, 0, fmt.Errorf("%s: %w: %d data bytes, need 2", CmdSetEndpointID, ErrInvalidLength, len(r.Data))
	}
	op, eid := SetEIDOp(r.Data[0]&0x3), EID(r.Data[1])
	if (op == SetEIDSet || op == SetEIDForce) && (eid == NullEID || eid == BroadcastEID) {
		return op, eid, fmt.Errorf("%s: %w: EID %d", CmdSetEndpointID, ErrInvalidData, eid)
	}
	return op, eid, nil
}

// VersionArg reads the message type a Get MCTP Version Support request asks
// about (VersionTypeBase for the base specification).
func (r ControlRequest) VersionArg() (uint8, error) {
	if len(r.Data) < 1 {
		return 0, fmt.Errorf("%s: %w: no message type", CmdGetVersionSupport, ErrInvalidLength)
	}
	return r.Data[0], nil
}

// CompletionFor maps an argument reader's error to the completion code to
// answer with: nil is success, unknown errors are the generic error.
func CompletionFor(err error) CompletionCode {
	switch {
	case err == nil:
		return CCSuccess
	case errors.Is(err, ErrInvalidLength):
		return CCInvalidLength
	case errors.Is(err, ErrInvalidData):
		return CCInvalidData
	}
	return CCError
}

// ControlResponse builds a response with a completion code and the given
// data; with a code other than success, it is what every command answers
// (DSP0236 lets an error response stop after the completion code).
func ControlResponse(inst uint8, cmd ControlCommand, cc CompletionCode, data ...byte) []byte {
	return append(append(controlHeader(false, inst, cmd), byte(cc)), data...)
}

// SetEIDResponse builds a Set Endpoint ID response; the result's fields are
// sent only with CCSuccess.
func SetEIDResponse(inst uint8, cc CompletionCode, r SetEIDResult) []byte {
	if cc != CCSuccess {
		return ControlResponse(inst, CmdSetEndpointID, cc)
	}
	status := r.PoolStatus & 0x3
	if !r.Accepted {
		status |= 1 << 4
	}
	return ControlResponse(inst, CmdSetEndpointID, cc, status, byte(r.EID), r.PoolSize)
}

// GetEIDResponse builds a Get Endpoint ID response; the result's fields are
// sent only with CCSuccess.
func GetEIDResponse(inst uint8, cc CompletionCode, r GetEIDResult) []byte {
	if cc != CCSuccess {
		return ControlResponse(inst, CmdGetEndpointID, cc)
	}
	kind := byte(r.Type) & 0x3
	if r.BusOwner {
		kind |= 1 << 4
	}
	return ControlResponse(inst, CmdGetEndpointID, cc, byte(r.EID), kind, r.Medium)
}

// GetVersionResponse builds a Get MCTP Version Support response. At most 255
// versions fit the count byte; more are left out.
func GetVersionResponse(inst uint8, cc CompletionCode, vs []Version) []byte {
	if cc != CCSuccess {
		return ControlResponse(inst, CmdGetVersionSupport, cc)
	}
	vs = vs[:min(len(vs), 255)]
	data := make([]byte, 0, 1+4*len(vs))
	data = append(data, byte(len(vs)))
	for _, v := range vs {
		data = append(data, v[:]...)
	}
	return ControlResponse(inst, CmdGetVersionSupport, cc, data...)
}

// GetMessageTypesResponse builds a Get Message Type Support response listing
// the message types handled besides control (at most 255).
func GetMessageTypesResponse(inst uint8, cc CompletionCode, types []uint8) []byte {
	if cc != CCSuccess {
		return ControlResponse(inst, CmdGetMessageTypeSupport, cc)
	}
	types = types[:min(len(types), 255)]
	return ControlResponse(inst, CmdGetMessageTypeSupport, cc, append([]byte{byte(len(types))}, types...)...)
}
