package pldm

import (
	"encoding/binary"
	"fmt"
)

// SensorDataSize is DSP0248's sensorDataSize: the width and signedness of a
// numeric sensor's presentReading.
type SensorDataSize uint8

// Sensor data sizes (DSP0248 GetSensorReading).
const (
	SensorDataUint8  SensorDataSize = 0
	SensorDataSint8  SensorDataSize = 1
	SensorDataUint16 SensorDataSize = 2
	SensorDataSint16 SensorDataSize = 3
	SensorDataUint32 SensorDataSize = 4
	SensorDataSint32 SensorDataSize = 5
)

// width returns the size in bytes and the value range of s, ok false for a
// value DSP0248 does not define.
func (s SensorDataSize) width() (n int, lo, hi int64, ok bool) {
	switch s {
	case SensorDataUint8:
		return 1, 0, 0xFF, true
	case SensorDataSint8:
		return 1, -0x80, 0x7F, true
	case SensorDataUint16:
		return 2, 0, 0xFFFF, true
	case SensorDataSint16:
		return 2, -0x8000, 0x7FFF, true
	case SensorDataUint32:
		return 4, 0, 0xFFFFFFFF, true
	case SensorDataSint32:
		return 4, -0x80000000, 0x7FFFFFFF, true
	}
	return 0, 0, 0, false
}

// Sensor operational states (DSP0248 sensorOperationalState).
const (
	SensorEnabled       uint8 = 0
	SensorDisabled      uint8 = 1
	SensorUnavailable   uint8 = 2
	SensorStatusUnknown uint8 = 3
	SensorFailed        uint8 = 4
	SensorInitializing  uint8 = 5
	SensorShuttingDown  uint8 = 6
	SensorInTest        uint8 = 7
)

// Sensor event message enable values (DSP0248 sensorEventMessageEnable).
const (
	NoEventGeneration      uint8 = 0
	EventsDisabled         uint8 = 1
	EventsEnabled          uint8 = 2
	OpEventsOnlyEnabled    uint8 = 3
	StateEventsOnlyEnabled uint8 = 4
)

// Numeric sensor states (DSP0248 presentState/previousState/eventState of
// GetSensorReading).
const (
	NumericUnknown       uint8 = 0
	NumericNormal        uint8 = 1
	NumericWarning       uint8 = 2
	NumericCritical      uint8 = 3
	NumericFatal         uint8 = 4
	NumericLowerWarning  uint8 = 5
	NumericLowerCritical uint8 = 6
	NumericLowerFatal    uint8 = 7
	NumericUpperWarning  uint8 = 8
	NumericUpperCritical uint8 = 9
	NumericUpperFatal    uint8 = 10
)

// Effecter set requests (DSP0248 SetStateEffecterStates setRequest).
const (
	EffecterNoChange   uint8 = 0
	EffecterRequestSet uint8 = 1
)

// MaxCompositeCount is the most sensors or effecters one composite ID may
// hold (DSP0248: compositeSensorCount and compositeEffecterCount are 1..8).
const MaxCompositeCount = 8

// GetSensorReading (0x11): request [sensorID u16][rearmEventState bool8].

// SensorReadingRequest is a GetSensorReading request.
type SensorReadingRequest struct {
	SensorID uint16
	Rearm    bool // rearmEventState: re-arm the sensor's event state
}

// EncodeGetSensorReadingRequest returns the request payload for r.
func EncodeGetSensorReadingRequest(r SensorReadingRequest) []byte {
	b := binary.LittleEndian.AppendUint16(nil, r.SensorID)
	return append(b, boolByte(r.Rearm))
}

// ParseGetSensorReadingRequest decodes a GetSensorReading request payload.
// A rearmEventState other than 0 or 1 is not a bool8 and is refused.
func ParseGetSensorReadingRequest(p []byte) (SensorReadingRequest, error) {
	if err := checkLen("GetSensorReading request", p, 3); err != nil {
		return SensorReadingRequest{}, err
	}
	if p[2] > 1 {
		return SensorReadingRequest{}, fmt.Errorf("pldm GetSensorReading request: sensor 0x%04x: rearmEventState %d is not a bool8: %w", binary.LittleEndian.Uint16(p), p[2], ErrInvalidData)
	}
	return SensorReadingRequest{SensorID: binary.LittleEndian.Uint16(p), Rearm: p[2] == 1}, nil
}

// SensorReading is a GetSensorReading response:
//
//	[CC][sensorDataSize][sensorOperationalState][sensorEventMessageEnable]
//	[presentState][previousState][eventState][presentReading: 1, 2 or 4 bytes]
type SensorReading struct {
	DataSize           SensorDataSize
	OperationalState   uint8
	EventMessageEnable uint8
	PresentState       uint8
	PreviousState      uint8
	EventState         uint8
	Value              int64 // presentReading, in the range of DataSize
}

// EncodeGetSensorReadingResponse returns the response payload for r, or an
// error if r.Value does not fit r.DataSize.
func EncodeGetSensorReadingResponse(r SensorReading) ([]byte, error) {
	n, lo, hi, ok := r.DataSize.width()
	if !ok {
		return nil, fmt.Errorf("pldm GetSensorReading response: sensorDataSize %d undefined", r.DataSize)
	}
	if r.Value < lo || r.Value > hi {
		return nil, fmt.Errorf("pldm GetSensorReading response: reading %d out of range for sensorDataSize %d", r.Value, r.DataSize)
	}
	b := []byte{CCSuccess, uint8(r.DataSize), r.OperationalState, r.EventMessageEnable,
		r.PresentState, r.PreviousState, r.EventState}
	switch n {
	case 1:
		b = append(b, uint8(r.Value))
	case 2:
		b = binary.LittleEndian.AppendUint16(b, uint16(r.Value))
	default:
		b = binary.LittleEndian.AppendUint32(b, uint32(r.Value))
	}
	return b, nil
}

// ParseGetSensorReadingResponse decodes a GetSensorReading response payload.
func ParseGetSensorReadingResponse(p []byte) (SensorReading, error) {
	if err := checkCC("GetSensorReading", p); err != nil {
		return SensorReading{}, err
	}
	if len(p) < 7 {
		return SensorReading{}, fmt.Errorf("pldm GetSensorReading response: %d-byte payload, want at least 8", len(p))
	}
	r := SensorReading{
		DataSize:           SensorDataSize(p[1]),
		OperationalState:   p[2],
		EventMessageEnable: p[3],
		PresentState:       p[4],
		PreviousState:      p[5],
		EventState:         p[6],
	}
	n, _, _, ok := r.DataSize.width()
	if !ok {
		return SensorReading{}, fmt.Errorf("pldm GetSensorReading response: sensorDataSize %d undefined", p[1])
	}
	if err := checkLen("GetSensorReading response", p, 7+n); err != nil {
		return SensorReading{}, err
	}
	v := p[7:]
	switch r.DataSize {
	case SensorDataUint8:
		r.Value = int64(v[0])
	case SensorDataSint8:
		r.Value = int64(int8(v[0]))
	case SensorDataUint16:
		r.Value = int64(binary.LittleEndian.Uint16(v))
	case SensorDataSint16:
		r.Value = int64(int16(binary.LittleEndian.Uint16(v)))
	case SensorDataUint32:
		r.Value = int64(binary.LittleEndian.Uint32(v))
	case SensorDataSint32:
		r.Value = int64(int32(binary.LittleEndian.Uint32(v)))
	}
	return r, nil
}

// GetStateSensorReadings (0x21): request [sensorID u16][sensorRearm
// bitfield8][reserved]; response [CC][compositeSensorCount] then per sensor
// [sensorOperationalState][presentState][previousState][eventState].

// StateSensorRequest is a GetStateSensorReadings request.
type StateSensorRequest struct {
	SensorID uint16
	Rearm    uint8 // bit n re-arms composite sensor n
}

// EncodeGetStateSensorReadingsRequest returns the request payload for r.
func EncodeGetStateSensorReadingsRequest(r StateSensorRequest) []byte {
	b := binary.LittleEndian.AppendUint16(nil, r.SensorID)
	return append(b, r.Rearm, 0)
}

// ParseGetStateSensorReadingsRequest decodes a GetStateSensorReadings
// request payload. The reserved byte is ignored, as DSP0240 asks.
func ParseGetStateSensorReadingsRequest(p []byte) (StateSensorRequest, error) {
	if err := checkLen("GetStateSensorReadings request", p, 4); err != nil {
		return StateSensorRequest{}, err
	}
	return StateSensorRequest{SensorID: binary.LittleEndian.Uint16(p), Rearm: p[2]}, nil
}

// StateField is one composite state sensor's reading.
type StateField struct {
	OperationalState uint8 // sensorOperationalState
	PresentState     uint8 // a value of the sensor's DSP0249 state set
	PreviousState    uint8
	EventState       uint8
}

// EncodeGetStateSensorReadingsResponse returns the response payload for
// fields, which must hold 1..8 entries.
func EncodeGetStateSensorReadingsResponse(fields []StateField) ([]byte, error) {
	if len(fields) == 0 || len(fields) > MaxCompositeCount {
		return nil, fmt.Errorf("pldm GetStateSensorReadings response: %d composite sensors, want 1..%d", len(fields), MaxCompositeCount)
	}
	b := make([]byte, 0, 2+4*len(fields))
	b = append(b, CCSuccess, uint8(len(fields)))
	for _, f := range fields {
		b = append(b, f.OperationalState, f.PresentState, f.PreviousState, f.EventState)
	}
	return b, nil
}

// ParseGetStateSensorReadingsResponse decodes a GetStateSensorReadings
// response payload.
func ParseGetStateSensorReadingsResponse(p []byte) ([]StateField, error) {
	if err := checkCC("GetStateSensorReadings", p); err != nil {
		return nil, err
	}
	if len(p) < 2 {
		return nil, fmt.Errorf("pldm GetStateSensorReadings response: %d-byte payload, want at least 2", len(p))
	}
	n := int(p[1])
	if n == 0 || n > MaxCompositeCount {
		return nil, fmt.Errorf("pldm GetStateSensorReadings response: compositeSensorCount %d, want 1..%d", n, MaxCompositeCount)
	}
	if err := checkLen("GetStateSensorReadings response", p, 2+4*n); err != nil {
		return nil, err
	}
	fields := make([]StateField, n)
	for i := range fields {
		f := p[2+4*i:]
		fields[i] = StateField{OperationalState: f[0], PresentState: f[1], PreviousState: f[2], EventState: f[3]}
	}
	return fields, nil
}

// SetStateEffecterStates (0x39): request [effecterID u16]
// [compositeEffecterCount] then per effecter [setRequest][effecterState];
// response [CC].

// EffecterField is one composite effecter's part of a SetStateEffecterStates
// request.
type EffecterField struct {
	Set   bool  // setRequest: requestSet (true) or noChange (false)
	State uint8 // effecterState: a value of the effecter's DSP0249 state set
}

// EffecterRequest is a SetStateEffecterStates request.
type EffecterRequest struct {
	EffecterID uint16
	Fields     []EffecterField // 1..8
}

// EncodeSetStateEffecterStatesRequest returns the request payload for r,
// which must hold 1..8 fields.
func EncodeSetStateEffecterStatesRequest(r EffecterRequest) ([]byte, error) {
	if len(r.Fields) == 0 || len(r.Fields) > MaxCompositeCount {
		return nil, fmt.Errorf("pldm SetStateEffecterStates request: effecter 0x%04x: %d composite effecters, want 1..%d", r.EffecterID, len(r.Fields), MaxCompositeCount)
	}
	b := binary.LittleEndian.AppendUint16(make([]byte, 0, 3+2*len(r.Fields)), r.EffecterID)
	b = append(b, uint8(len(r.Fields)))
	for _, f := range r.Fields {
		b = append(b, boolByte(f.Set), f.State)
	}
	return b, nil
}

// maxEffecterRequest is the longest SetStateEffecterStates request payload:
// eight fields. libpldm's decoder accepts any request up to this length
// whose fields fit, so a requester that sends the full structure is
// understood; the parser here does the same.
const maxEffecterRequest = 3 + 2*MaxCompositeCount

// ParseSetStateEffecterStatesRequest decodes a SetStateEffecterStates
// request payload.
func ParseSetStateEffecterStatesRequest(p []byte) (EffecterRequest, error) {
	if len(p) < 3 || len(p) > maxEffecterRequest {
		return EffecterRequest{}, fmt.Errorf("pldm SetStateEffecterStates request: %d-byte payload: %w", len(p), ErrInvalidLength)
	}
	r := EffecterRequest{EffecterID: binary.LittleEndian.Uint16(p)}
	n := int(p[2])
	if n == 0 || n > MaxCompositeCount {
		return EffecterRequest{}, fmt.Errorf("pldm SetStateEffecterStates request: effecter 0x%04x: compositeEffecterCount %d: %w", r.EffecterID, n, ErrInvalidData)
	}
	if len(p) < 3+2*n {
		return EffecterRequest{}, fmt.Errorf("pldm SetStateEffecterStates request: effecter 0x%04x: %d-byte payload for %d effecters: %w", r.EffecterID, len(p), n, ErrInvalidLength)
	}
	r.Fields = make([]EffecterField, n)
	for i := range r.Fields {
		sr, st := p[3+2*i], p[4+2*i]
		if sr > EffecterRequestSet {
			return EffecterRequest{}, fmt.Errorf("pldm SetStateEffecterStates request: effecter 0x%04x field %d: setRequest %d: %w", r.EffecterID, i, sr, ErrInvalidData)
		}
		r.Fields[i] = EffecterField{Set: sr == EffecterRequestSet, State: st}
	}
	return r, nil
}

// ParseSetStateEffecterStatesResponse checks a SetStateEffecterStates
// response payload.
func ParseSetStateEffecterStatesResponse(p []byte) error {
	if err := checkCC("SetStateEffecterStates", p); err != nil {
		return err
	}
	return checkLen("SetStateEffecterStates response", p, 1)
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
