package pldm

import (
	"errors"
)

// Device is the terminus behind Respond: the simulated sled MCU implements
// it. Each method returns a completion code, CCSuccess or the DSP0240 /
// DSP0248 / DSP0257 code the MCU would answer (CCInvalidSensorID for an
// unknown sensor, CCInvalidEffecterID or CCInvalidStateValue for an
// effecter, CCNotReady while booting, ...); the other results are used only
// with CCSuccess.
type Device interface {
	TID() uint8
	// SetTID is called with a TID other than the reserved 0 and 0xFF.
	SetTID(tid uint8) uint8
	// FRURecordTable returns the FRU record table, without pad or
	// checksum (EncodeFRURecordTable builds one).
	FRURecordTable() ([]byte, uint8)
	SensorReading(id uint16, rearm bool) (SensorReading, uint8)
	// StateSensorReadings returns 1..8 fields.
	StateSensorReadings(id uint16, rearm uint8) ([]StateField, uint8)
	// SetStateEffecterStates is called with 1..8 fields whose setRequest
	// values are valid.
	SetStateEffecterStates(id uint16, fields []EffecterField) uint8
}

// FRUPartSize is the largest table portion Respond puts in one
// GetFRURecordTable response: with the 10 bytes of type, header, completion
// code, handle and flag, a response fits one 64-byte MCTP baseline payload.
const FRUPartSize = 48

// Supported commands, per type, which GetPLDMTypes and GetPLDMCommands
// report and Respond dispatches.
var supported = map[uint8]CommandSet{
	TypeBase:     NewCommandSet(CmdSetTID, CmdGetTID, CmdGetPLDMTypes, CmdGetPLDMCommands),
	TypePlatform: NewCommandSet(CmdGetSensorReading, CmdGetStateSensorReadings, CmdSetStateEffecterStates),
	TypeFRU:      NewCommandSet(CmdGetFRURecordTableMetadata, CmdGetFRURecordTable),
}

// Respond answers one request body for d and returns the response body. It
// returns nil for what must not be answered: a body that is not a PLDM
// request (wrong MCTP type, short, header version not 0, Rq clear) or a
// datagram (D set). Everything else gets a response: ERROR_INVALID_PLDM_TYPE
// for a type other than base, platform and FRU, ERROR_UNSUPPORTED_PLDM_CMD
// for a command not listed by GetPLDMCommands, ERROR_INVALID_LENGTH and
// ERROR_INVALID_DATA for malformed requests, ERROR when d returns values the
// response cannot carry.
func Respond(d Device, req []byte) []byte {
	h, p, err := ParseMessage(req)
	if err != nil || !h.Request || h.Datagram {
		return nil
	}
	cmds, ok := supported[h.Type]
	if !ok {
		return NewErrorResponse(h, CCInvalidType)
	}
	if !cmds.Has(h.Command) {
		return NewErrorResponse(h, CCUnsupportedCommand)
	}
	payload, cc := dispatch(d, h, p)
	if cc != CCSuccess {
		return NewErrorResponse(h, cc)
	}
	return NewResponse(h, payload)
}

// dispatch returns the response payload of a supported command, or a
// non-zero completion code.
func dispatch(d Device, h Header, p []byte) ([]byte, uint8) {
	switch h.Type {
	case TypeBase:
		return respondBase(d, h.Command, p)
	case TypeFRU:
		return respondFRU(d, h.Command, p)
	default:
		return respondPlatform(d, h.Command, p)
	}
}

func respondBase(d Device, cmd uint8, p []byte) ([]byte, uint8) {
	switch cmd {
	case CmdGetTID:
		if len(p) != 0 {
			return nil, CCInvalidLength
		}
		return EncodeGetTIDResponse(d.TID()), CCSuccess
	case CmdSetTID:
		tid, err := ParseSetTIDRequest(p)
		if err != nil {
			return nil, requestCC(err)
		}
		if cc := d.SetTID(tid); cc != CCSuccess {
			return nil, cc
		}
		return []byte{CCSuccess}, CCSuccess
	case CmdGetPLDMTypes:
		if len(p) != 0 {
			return nil, CCInvalidLength
		}
		var types []uint8
		for t := range supported {
			types = append(types, t)
		}
		return EncodeGetPLDMTypesResponse(NewTypeSet(types...)), CCSuccess
	default: // CmdGetPLDMCommands
		// The MCU implements one version of each type, so the version in
		// the request is not compared.
		typ, _, err := ParseGetPLDMCommandsRequest(p)
		if err != nil {
			return nil, requestCC(err)
		}
		cmds, ok := supported[typ]
		if !ok {
			return nil, CCInvalidTypeInRequest
		}
		return EncodeGetPLDMCommandsResponse(cmds), CCSuccess
	}
}

func respondFRU(d Device, cmd uint8, p []byte) ([]byte, uint8) {
	if cmd == CmdGetFRURecordTableMetadata {
		if len(p) != 0 {
			return nil, CCInvalidLength
		}
		table, cc := d.FRURecordTable()
		if cc != CCSuccess {
			return nil, cc
		}
		// MaxSize stays 0: DSP0257 reads that as "SetFRURecordTable not
		// supported", which is true of the MCU.
		m, err := describeFRUTable(table)
		if err != nil {
			return nil, CCError
		}
		return EncodeGetFRURecordTableMetadataResponse(m), CCSuccess
	}
	r, err := ParseGetFRURecordTableRequest(p)
	if err != nil {
		return nil, requestCC(err)
	}
	table, cc := d.FRURecordTable()
	if cc != CCSuccess {
		return nil, cc
	}
	full := AppendFRUTableIntegrity(table)
	// The data transfer handle is the offset of the next portion; the
	// handle of a GetFirstPart request is ignored, as DSP0240 says.
	var off int
	switch r.Op {
	case GetFirstPart:
	case GetNextPart:
		if uint64(r.Handle) >= uint64(len(full)) {
			return nil, CCFRUInvalidDataTransferHandle
		}
		off = int(r.Handle)
	default:
		return nil, CCFRUInvalidTransferOperationFlag
	}
	end := min(off+FRUPartSize, len(full))
	part := FRUTablePart{Data: full[off:end]}
	switch {
	case off == 0 && end == len(full):
		part.Flag = TransferStartAndEnd
	case off == 0:
		part.Flag, part.Next = TransferStart, uint32(end)
	case end == len(full):
		part.Flag = TransferEnd
	default:
		part.Flag, part.Next = TransferMiddle, uint32(end)
	}
	return EncodeGetFRURecordTableResponse(part), CCSuccess
}

func respondPlatform(d Device, cmd uint8, p []byte) ([]byte, uint8) {
	switch cmd {
	case CmdGetSensorReading:
		r, err := ParseGetSensorReadingRequest(p)
		if err != nil {
			return nil, requestCC(err)
		}
		reading, cc := d.SensorReading(r.SensorID, r.Rearm)
		if cc != CCSuccess {
			return nil, cc
		}
		b, err := EncodeGetSensorReadingResponse(reading)
		if err != nil {
			return nil, CCError
		}
		return b, CCSuccess
	case CmdGetStateSensorReadings:
		r, err := ParseGetStateSensorReadingsRequest(p)
		if err != nil {
			return nil, requestCC(err)
		}
		fields, cc := d.StateSensorReadings(r.SensorID, r.Rearm)
		if cc != CCSuccess {
			return nil, cc
		}
		b, err := EncodeGetStateSensorReadingsResponse(fields)
		if err != nil {
			return nil, CCError
		}
		return b, CCSuccess
	default: // CmdSetStateEffecterStates
		r, err := ParseSetStateEffecterStatesRequest(p)
		if err != nil {
			return nil, requestCC(err)
		}
		if cc := d.SetStateEffecterStates(r.EffecterID, r.Fields); cc != CCSuccess {
			return nil, cc
		}
		return []byte{CCSuccess}, CCSuccess
	}
}

// requestCC maps a request parser's error to the completion code DSP0240
// prescribes for it.
func requestCC(err error) uint8 {
	switch {
	case errors.Is(err, ErrInvalidLength):
		return CCInvalidLength
	case errors.Is(err, ErrInvalidData):
		return CCInvalidData
	}
	return CCError
}
