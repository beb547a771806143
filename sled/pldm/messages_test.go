package pldm_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/chassisd/chassisd/sled/pldm"
)

func hdr(inst, typ, cmd uint8) pldm.Header {
	return pldm.Header{InstanceID: inst, Type: typ, Command: cmd}
}

// Golden bodies derived by hand from the DSP layouts. Header bytes, per
// DSP0240: byte 0 = Rq<<7 | D<<6 | instance, byte 1 = version 0 << 6 | type,
// byte 2 = command; the MCTP type byte 0x01 comes first and multi-byte
// fields are little endian.
func TestGoldenBodies(t *testing.T) {
	mustBytes := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		// GetTID request, instance 0: 80 = Rq, 00 = base, 02 = GetTID,
		// no payload.
		{"GetTID request", pldm.NewRequest(0, pldm.TypeBase, pldm.CmdGetTID, nil),
			[]byte{0x01, 0x80, 0x00, 0x02}},
		// Its response: Rq clear, instance 0, CC 00, TID 0x1D.
		{"GetTID response", pldm.NewResponse(hdr(0, pldm.TypeBase, pldm.CmdGetTID), pldm.EncodeGetTIDResponse(0x1D)),
			[]byte{0x01, 0x00, 0x00, 0x02, 0x00, 0x1D}},
		// SetTID(0x22), instance 5: 80|05 = 85, command 01, payload 22.
		{"SetTID request", pldm.NewRequest(5, pldm.TypeBase, pldm.CmdSetTID, pldm.EncodeSetTIDRequest(0x22)),
			[]byte{0x01, 0x85, 0x00, 0x01, 0x22}},
		// GetPLDMTypes response listing types 0, 2 and 4: bits 0, 2, 4 of
		// byte 0 = 0b0001_0101 = 0x15; bytes 1..7 zero.
		{"GetPLDMTypes response", pldm.NewResponse(hdr(31, pldm.TypeBase, pldm.CmdGetPLDMTypes),
			pldm.EncodeGetPLDMTypesResponse(pldm.NewTypeSet(pldm.TypeBase, pldm.TypePlatform, pldm.TypeFRU))),
			[]byte{0x01, 0x1F, 0x00, 0x04, 0x00, 0x15, 0, 0, 0, 0, 0, 0, 0}},
		// GetPLDMCommands(type 2, version 1.2.0): ver32 0xF1F2F000 goes LE
		// as 00 F0 F2 F1 (alpha, update, minor, major).
		{"GetPLDMCommands request", pldm.NewRequest(1, pldm.TypeBase, pldm.CmdGetPLDMCommands,
			pldm.EncodeGetPLDMCommandsRequest(pldm.TypePlatform, 0xF1F2F000)),
			[]byte{0x01, 0x81, 0x00, 0x05, 0x02, 0x00, 0xF0, 0xF2, 0xF1}},
		// GetFRURecordTableMetadata request: type 04, command 01.
		{"GetFRURecordTableMetadata request", pldm.NewRequest(2, pldm.TypeFRU, pldm.CmdGetFRURecordTableMetadata, nil),
			[]byte{0x01, 0x82, 0x04, 0x01}},
		// Metadata v1.0, max 0, length 0x11, 1 set, 1 record, checksum
		// 0x8049734C: 00 | 01 00 | 00000000 | 11000000 | 0100 | 0100 | 4C734980.
		{"GetFRURecordTableMetadata response", pldm.EncodeGetFRURecordTableMetadataResponse(pldm.FRUTableMetadata{
			MajorVersion: 1, Length: 0x11, RecordSets: 1, Records: 1, Checksum: 0x8049734C}),
			[]byte{0x00, 0x01, 0x00, 0, 0, 0, 0, 0x11, 0, 0, 0, 0x01, 0x00, 0x01, 0x00, 0x4C, 0x73, 0x49, 0x80}},
		// GetFRURecordTable first part: handle 0, GetFirstPart = 1.
		{"GetFRURecordTable first", pldm.NewRequest(3, pldm.TypeFRU, pldm.CmdGetFRURecordTable,
			pldm.EncodeGetFRURecordTableRequest(pldm.FRUTableRequest{Op: pldm.GetFirstPart})),
			[]byte{0x01, 0x83, 0x04, 0x02, 0, 0, 0, 0, 0x01}},
		// Next part at handle 0x30: 30 00 00 00, GetNextPart = 0.
		{"GetFRURecordTable next", pldm.EncodeGetFRURecordTableRequest(pldm.FRUTableRequest{Handle: 0x30, Op: pldm.GetNextPart}),
			[]byte{0x30, 0, 0, 0, 0x00}},
		// A middle portion: CC, next handle 0x60, flag Middle = 02, data.
		{"GetFRURecordTable response", pldm.EncodeGetFRURecordTableResponse(pldm.FRUTablePart{Next: 0x60, Flag: pldm.TransferMiddle, Data: []byte{0xAA, 0xBB}}),
			[]byte{0x00, 0x60, 0, 0, 0, 0x02, 0xAA, 0xBB}},
		// GetSensorReading(0x0011, no rearm), instance 31: 80|1F = 9F, type
		// 02, command 11, sensor 11 00, rearm 00.
		{"GetSensorReading request", pldm.NewRequest(31, pldm.TypePlatform, pldm.CmdGetSensorReading,
			pldm.EncodeGetSensorReadingRequest(pldm.SensorReadingRequest{SensorID: pldm.SlotTempSensor(1)})),
			[]byte{0x01, 0x9F, 0x02, 0x11, 0x11, 0x00, 0x00}},
		// sint16 reading -5: size 03, enabled 00, no events 00, normal 01
		// 01 01, -5 = 0xFFFB -> FB FF.
		{"GetSensorReading response sint16", mustBytes(pldm.EncodeGetSensorReadingResponse(pldm.SensorReading{
			DataSize: pldm.SensorDataSint16, PresentState: 1, PreviousState: 1, EventState: 1, Value: -5})),
			[]byte{0x00, 0x03, 0x00, 0x00, 0x01, 0x01, 0x01, 0xFB, 0xFF}},
		// uint32 70000 = 0x00011170 -> 70 11 01 00.
		{"GetSensorReading response uint32", mustBytes(pldm.EncodeGetSensorReadingResponse(pldm.SensorReading{
			DataSize: pldm.SensorDataUint32, EventMessageEnable: pldm.EventsEnabled, Value: 70000})),
			[]byte{0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0x70, 0x11, 0x01, 0x00}},
		// sint8 -40 = 0xD8.
		{"GetSensorReading response sint8", mustBytes(pldm.EncodeGetSensorReadingResponse(pldm.SensorReading{
			DataSize: pldm.SensorDataSint8, Value: -40})),
			[]byte{0x00, 0x01, 0, 0, 0, 0, 0, 0xD8}},
		// GetStateSensorReadings(slot 3 = 0x0103, rearm 0): 03 01, 00, reserved 00.
		{"GetStateSensorReadings request", pldm.EncodeGetStateSensorReadingsRequest(pldm.StateSensorRequest{SensorID: pldm.SlotStateSensor(3)}),
			[]byte{0x03, 0x01, 0x00, 0x00}},
		// Two composite sensors: presence (enabled, present 1, was 2, event
		// 1) and health (enabled, non-critical 2, was normal 1, event 2).
		{"GetStateSensorReadings response", mustBytes(pldm.EncodeGetStateSensorReadingsResponse([]pldm.StateField{
			{PresentState: pldm.PresencePresent, PreviousState: pldm.PresenceNotPresent, EventState: pldm.PresencePresent},
			{PresentState: pldm.HealthNonCritical, PreviousState: pldm.HealthNormal, EventState: pldm.HealthNonCritical}})),
			[]byte{0x00, 0x02, 0x00, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x02}},
		// Locate LED on: effecter 0x0200 -> 00 02, count 1, requestSet 1,
		// Identify asserted 2; type 02 command 39.
		{"SetStateEffecterStates LED", pldm.NewRequest(4, pldm.TypePlatform, pldm.CmdSetStateEffecterStates,
			mustBytes(pldm.EncodeSetStateEffecterStatesRequest(pldm.EffecterRequest{EffecterID: pldm.EffecterLocateLED,
				Fields: []pldm.EffecterField{{Set: true, State: pldm.IdentifyAsserted}}}))),
			[]byte{0x01, 0x84, 0x02, 0x39, 0x00, 0x02, 0x01, 0x01, 0x02}},
		// Slot 3 power off: effecter 0x0213, Device Power State Off = 4.
		{"SetStateEffecterStates power", mustBytes(pldm.EncodeSetStateEffecterStatesRequest(pldm.EffecterRequest{
			EffecterID: pldm.EffecterSlotPower(3), Fields: []pldm.EffecterField{{Set: true, State: pldm.PowerOff}}})),
			[]byte{0x13, 0x02, 0x01, 0x01, 0x04}},
		// Error response: only the completion code after the header.
		{"error response", pldm.NewErrorResponse(hdr(9, pldm.TypePlatform, pldm.CmdGetSensorReading), pldm.CCInvalidSensorID),
			[]byte{0x01, 0x09, 0x02, 0x11, 0x80}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Equal(tt.got, tt.want) {
				t.Errorf("got  % X\nwant % X", tt.got, tt.want)
			}
		})
	}
}

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		want    pldm.Header
		payload []byte
		wantErr bool
	}{
		{"request", []byte{0x01, 0x9F, 0x02, 0x11, 0xAA}, pldm.Header{Request: true, InstanceID: 31, Type: 2, Command: 0x11}, []byte{0xAA}, false},
		{"response", []byte{0x01, 0x05, 0x04, 0x02, 0x00}, pldm.Header{InstanceID: 5, Type: 4, Command: 2}, []byte{0x00}, false},
		{"datagram", []byte{0x01, 0xC3, 0x00, 0x02}, pldm.Header{Request: true, Datagram: true, InstanceID: 3, Command: 2}, []byte{}, false},
		// The reserved bit b5 is ignored.
		{"reserved bit", []byte{0x01, 0xA1, 0x00, 0x02}, pldm.Header{Request: true, InstanceID: 1, Command: 2}, []byte{}, false},
		{"OEM type 0x3F", []byte{0x01, 0x80, 0x3F, 0x01}, pldm.Header{Request: true, Type: 0x3F, Command: 1}, []byte{}, false},
		{"short", []byte{0x01, 0x80, 0x00}, pldm.Header{}, nil, true},
		{"empty", nil, pldm.Header{}, nil, true},
		{"NVMe-MI type", []byte{0x84, 0x80, 0x00, 0x02}, pldm.Header{}, nil, true},
		{"IC bit set", []byte{0x81, 0x80, 0x00, 0x02}, pldm.Header{}, nil, true},
		{"header version 1", []byte{0x01, 0x80, 0x40, 0x02}, pldm.Header{}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, p, err := pldm.ParseMessage(tt.body)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if h != tt.want || !bytes.Equal(p, tt.payload) {
				t.Errorf("got %+v % X, want %+v % X", h, p, tt.want, tt.payload)
			}
		})
	}
}

func TestResponseParsers(t *testing.T) {
	t.Run("GetTID", func(t *testing.T) {
		if tid, err := pldm.ParseGetTIDResponse([]byte{0, 0x1D}); err != nil || tid != 0x1D {
			t.Errorf("got %d, %v", tid, err)
		}
		if _, err := pldm.ParseGetTIDResponse([]byte{0}); !errors.Is(err, pldm.ErrInvalidLength) {
			t.Errorf("short: %v", err)
		}
		if _, err := pldm.ParseGetTIDResponse(nil); err == nil {
			t.Error("empty payload accepted")
		}
	})
	t.Run("GetPLDMTypes", func(t *testing.T) {
		s, err := pldm.ParseGetPLDMTypesResponse([]byte{0, 0x15, 0, 0, 0, 0, 0, 0, 0x80})
		if err != nil {
			t.Fatal(err)
		}
		for typ, want := range map[uint8]bool{0: true, 1: false, 2: true, 4: true, 63: true, 62: false, 64: false} {
			if s.Has(typ) != want {
				t.Errorf("Has(%d) = %t", typ, !want)
			}
		}
	})
	t.Run("GetPLDMCommands", func(t *testing.T) {
		p := make([]byte, 33)
		p[1+0x39/8] = 1 << (0x39 % 8)
		s, err := pldm.ParseGetPLDMCommandsResponse(p)
		if err != nil || !s.Has(0x39) || s.Has(0x38) {
			t.Errorf("got %v, %v", s, err)
		}
	})
	t.Run("GetSensorReading sizes", func(t *testing.T) {
		tests := []struct {
			p    []byte
			want int64
		}{
			{[]byte{0, 0, 0, 0, 0, 0, 0, 0xFF}, 255},
			{[]byte{0, 1, 0, 0, 0, 0, 0, 0xFF}, -1},
			{[]byte{0, 2, 0, 0, 0, 0, 0, 0x00, 0x80}, 0x8000},
			{[]byte{0, 3, 0, 0, 0, 0, 0, 0x00, 0x80}, -0x8000},
			{[]byte{0, 4, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF}, 0xFFFFFFFF},
			{[]byte{0, 5, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF}, -1},
		}
		for _, tt := range tests {
			r, err := pldm.ParseGetSensorReadingResponse(tt.p)
			if err != nil || r.Value != tt.want {
				t.Errorf("% X: got %d, %v; want %d", tt.p, r.Value, err, tt.want)
			}
		}
		for _, bad := range [][]byte{
			{0, 6, 0, 0, 0, 0, 0, 0},    // size 6 undefined
			{0, 3, 0, 0, 0, 0, 0, 0},    // sint16 with one byte
			{0, 0, 0, 0, 0, 0, 0, 0, 0}, // uint8 with two bytes
			{0, 0, 0, 0, 0, 0},          // no reading
			{0x80},                      // INVALID_SENSOR_ID
		} {
			if _, err := pldm.ParseGetSensorReadingResponse(bad); err == nil {
				t.Errorf("% X accepted", bad)
			}
		}
	})
	t.Run("GetStateSensorReadings", func(t *testing.T) {
		for _, bad := range [][]byte{
			{0, 0},                // count 0
			{0, 9},                // count 9
			{0, 1, 0, 0, 0},       // 3 bytes for one sensor
			{0, 1, 0, 0, 0, 0, 0}, // 5 bytes for one sensor
			{0},
		} {
			if _, err := pldm.ParseGetStateSensorReadingsResponse(bad); err == nil {
				t.Errorf("% X accepted", bad)
			}
		}
	})
	t.Run("GetFRURecordTable flags", func(t *testing.T) {
		for _, f := range []uint8{0, 3, 6, 8, 0xFF} {
			if _, err := pldm.ParseGetFRURecordTableResponse([]byte{0, 0, 0, 0, 0, f}); !errors.Is(err, pldm.ErrInvalidData) {
				t.Errorf("flag %d: %v", f, err)
			}
		}
	})
	t.Run("completion codes", func(t *testing.T) {
		tests := []struct {
			err  error
			want string
		}{
			{pldm.ParseSetTIDResponse([]byte{0x05}), "pldm SetTID: completion code 0x05 (ERROR_UNSUPPORTED_PLDM_CMD)"},
			{pldm.ParseSetStateEffecterStatesResponse([]byte{0x81}), "pldm SetStateEffecterStates: completion code 0x81 (INVALID_STATE_VALUE)"},
			{second(pldm.ParseGetSensorReadingResponse([]byte{0x80})), "pldm GetSensorReading: completion code 0x80 (INVALID_SENSOR_ID)"},
			{second(pldm.ParseGetFRURecordTableResponse([]byte{0x80})), "pldm GetFRURecordTable: completion code 0x80 (INVALID_DATA_TRANSFER_HANDLE)"},
			{second(pldm.ParseGetTIDResponse([]byte{0x99})), "pldm GetTID: completion code 0x99"},
		}
		for _, tt := range tests {
			var ce *pldm.CompletionError
			if !errors.As(tt.err, &ce) {
				t.Errorf("%v is not a *CompletionError", tt.err)
				continue
			}
			if tt.err.Error() != tt.want {
				t.Errorf("got %q, want %q", tt.err, tt.want)
			}
		}
	})
}

func second[T any](_ T, err error) error { return err }

func TestRequestParsers(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"SetTID 0", second(pldm.ParseSetTIDRequest([]byte{0})), pldm.ErrInvalidData},
		{"SetTID FF", second(pldm.ParseSetTIDRequest([]byte{0xFF})), pldm.ErrInvalidData},
		{"SetTID long", second(pldm.ParseSetTIDRequest([]byte{1, 2})), pldm.ErrInvalidLength},
		{"GetSensorReading rearm 2", second(pldm.ParseGetSensorReadingRequest([]byte{1, 0, 2})), pldm.ErrInvalidData},
		{"GetSensorReading short", second(pldm.ParseGetSensorReadingRequest([]byte{1, 0})), pldm.ErrInvalidLength},
		{"GetStateSensorReadings long", second(pldm.ParseGetStateSensorReadingsRequest([]byte{1, 0, 0, 0, 0})), pldm.ErrInvalidLength},
		{"GetFRURecordTable short", second(pldm.ParseGetFRURecordTableRequest([]byte{0, 0, 0, 0})), pldm.ErrInvalidLength},
		{"effecter count 0", second(pldm.ParseSetStateEffecterStatesRequest([]byte{0, 2, 0})), pldm.ErrInvalidData},
		{"effecter count 9", second(pldm.ParseSetStateEffecterStatesRequest([]byte{0, 2, 9, 1, 1})), pldm.ErrInvalidData},
		{"effecter fields short", second(pldm.ParseSetStateEffecterStatesRequest([]byte{0, 2, 2, 1, 1, 1})), pldm.ErrInvalidLength},
		{"effecter setRequest 2", second(pldm.ParseSetStateEffecterStatesRequest([]byte{0, 2, 1, 2, 1})), pldm.ErrInvalidData},
		{"effecter too long", second(pldm.ParseSetStateEffecterStatesRequest(make([]byte, 20))), pldm.ErrInvalidLength},
		{"effecter no count", second(pldm.ParseSetStateEffecterStatesRequest([]byte{0, 2})), pldm.ErrInvalidLength},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	// libpldm's full 19-byte structure with one field in use is accepted.
	p := make([]byte, 19)
	p[0], p[1], p[2], p[3], p[4] = 0x00, 0x02, 1, 1, 2
	r, err := pldm.ParseSetStateEffecterStatesRequest(p)
	if err != nil || r.EffecterID != 0x200 || len(r.Fields) != 1 || r.Fields[0] != (pldm.EffecterField{Set: true, State: 2}) {
		t.Errorf("padded request: %+v, %v", r, err)
	}
}

func TestEncodeRejects(t *testing.T) {
	if _, err := pldm.EncodeGetSensorReadingResponse(pldm.SensorReading{DataSize: pldm.SensorDataSint8, Value: 128}); err == nil {
		t.Error("128 as sint8 accepted")
	}
	if _, err := pldm.EncodeGetSensorReadingResponse(pldm.SensorReading{DataSize: pldm.SensorDataUint16, Value: -1}); err == nil {
		t.Error("-1 as uint16 accepted")
	}
	if _, err := pldm.EncodeGetSensorReadingResponse(pldm.SensorReading{DataSize: 6}); err == nil {
		t.Error("data size 6 accepted")
	}
	if _, err := pldm.EncodeGetStateSensorReadingsResponse(nil); err == nil {
		t.Error("no state fields accepted")
	}
	if _, err := pldm.EncodeGetStateSensorReadingsResponse(make([]pldm.StateField, 9)); err == nil {
		t.Error("9 state fields accepted")
	}
	if _, err := pldm.EncodeSetStateEffecterStatesRequest(pldm.EffecterRequest{EffecterID: 1}); err == nil {
		t.Error("no effecter fields accepted")
	}
}
