package pldm_test

import (
	"bytes"
	"testing"

	"github.com/chassisd/chassisd/sled/pldm"
)

func TestRespondNoAnswer(t *testing.T) {
	d := newSled(nil)
	for name, req := range map[string][]byte{
		"empty":          nil,
		"short":          {0x01, 0x80, 0x00},
		"not PLDM":       {0x04, 0x80, 0x00, 0x02},
		"response":       {0x01, 0x00, 0x00, 0x02, 0x00, 0x01},
		"datagram":       {0x01, 0xC0, 0x00, 0x02},
		"header version": {0x01, 0x80, 0x80, 0x02},
	} {
		if resp := pldm.Respond(d, req); resp != nil {
			t.Errorf("%s: answered % X", name, resp)
		}
	}
}

// Each case is a request body and the completion code the response must
// carry, after a header that echoes the request's instance, type and
// command with Rq clear.
func TestRespondErrors(t *testing.T) {
	tests := []struct {
		name string
		req  []byte
		cc   uint8
	}{
		{"BIOS type", []byte{0x01, 0x81, 0x03, 0x01}, pldm.CCInvalidType},
		{"OEM type", []byte{0x01, 0x81, 0x3F, 0x01}, pldm.CCInvalidType},
		{"GetPLDMVersion", []byte{0x01, 0x82, 0x00, 0x03, 0, 0, 0, 0, 1, 0}, pldm.CCUnsupportedCommand},
		{"SetFRURecordTable", []byte{0x01, 0x82, 0x04, 0x03}, pldm.CCUnsupportedCommand},
		{"GetPDR", []byte{0x01, 0x82, 0x02, 0x51}, pldm.CCUnsupportedCommand},
		{"GetTID with payload", []byte{0x01, 0x83, 0x00, 0x02, 0x00}, pldm.CCInvalidLength},
		{"SetTID empty", []byte{0x01, 0x83, 0x00, 0x01}, pldm.CCInvalidLength},
		{"SetTID 0", []byte{0x01, 0x83, 0x00, 0x01, 0x00}, pldm.CCInvalidData},
		{"SetTID FF", []byte{0x01, 0x83, 0x00, 0x01, 0xFF}, pldm.CCInvalidData},
		{"GetPLDMTypes with payload", []byte{0x01, 0x84, 0x00, 0x04, 0x00}, pldm.CCInvalidLength},
		{"GetPLDMCommands short", []byte{0x01, 0x84, 0x00, 0x05, 0x02}, pldm.CCInvalidLength},
		{"GetPLDMCommands FRU-less type", []byte{0x01, 0x84, 0x00, 0x05, 0x05, 0, 0, 0, 0}, pldm.CCInvalidTypeInRequest},
		{"metadata with payload", []byte{0x01, 0x85, 0x04, 0x01, 0x00}, pldm.CCInvalidLength},
		{"FRU table short", []byte{0x01, 0x85, 0x04, 0x02, 0, 0, 0, 0}, pldm.CCInvalidLength},
		{"FRU table bad op", []byte{0x01, 0x85, 0x04, 0x02, 0, 0, 0, 0, 2}, pldm.CCFRUInvalidTransferOperationFlag},
		// acmeTable seals to 24 bytes: handle 24 is past the end.
		{"FRU table handle past end", []byte{0x01, 0x85, 0x04, 0x02, 24, 0, 0, 0, 0}, pldm.CCFRUInvalidDataTransferHandle},
		{"FRU table huge handle", []byte{0x01, 0x85, 0x04, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0}, pldm.CCFRUInvalidDataTransferHandle},
		{"sensor short", []byte{0x01, 0x86, 0x02, 0x11, 0x01, 0x00}, pldm.CCInvalidLength},
		{"sensor rearm 2", []byte{0x01, 0x86, 0x02, 0x11, 0x01, 0x00, 0x02}, pldm.CCInvalidData},
		{"sensor unknown", []byte{0x01, 0x86, 0x02, 0x11, 0x99, 0x00, 0x00}, pldm.CCInvalidSensorID},
		{"state sensor short", []byte{0x01, 0x87, 0x02, 0x21, 0x00, 0x01, 0x00}, pldm.CCInvalidLength},
		{"state sensor unknown", []byte{0x01, 0x87, 0x02, 0x21, 0x00, 0x02, 0x00, 0x00}, pldm.CCInvalidSensorID},
		{"effecter count 0", []byte{0x01, 0x88, 0x02, 0x39, 0x00, 0x02, 0x00}, pldm.CCInvalidData},
		{"effecter fields cut", []byte{0x01, 0x88, 0x02, 0x39, 0x00, 0x02, 0x01, 0x01}, pldm.CCInvalidLength},
		{"effecter setRequest 5", []byte{0x01, 0x88, 0x02, 0x39, 0x00, 0x02, 0x01, 0x05, 0x02}, pldm.CCInvalidData},
		{"effecter unknown", []byte{0x01, 0x88, 0x02, 0x39, 0x00, 0x03, 0x01, 0x01, 0x01}, pldm.CCInvalidEffecterID},
		{"effecter bad state", []byte{0x01, 0x88, 0x02, 0x39, 0x00, 0x02, 0x01, 0x01, 0x07}, pldm.CCInvalidStateValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := pldm.Respond(newSled(acmeTable), tt.req)
			want := []byte{0x01, tt.req[1] & 0x1F, tt.req[2], tt.req[3], tt.cc}
			if !bytes.Equal(resp, want) {
				t.Errorf("got  % X\nwant % X", resp, want)
			}
		})
	}
}

// badDevice returns values a response cannot carry; Respond answers ERROR.
type badDevice struct{ *sled }

func (*badDevice) SensorReading(uint16, bool) (pldm.SensorReading, uint8) {
	return pldm.SensorReading{DataSize: pldm.SensorDataUint8, Value: 300}, pldm.CCSuccess
}

func (*badDevice) StateSensorReadings(uint16, uint8) ([]pldm.StateField, uint8) {
	return make([]pldm.StateField, 9), pldm.CCSuccess
}

func (*badDevice) FRURecordTable() ([]byte, uint8) { return []byte{1, 2, 3}, pldm.CCSuccess }

func TestRespondBadDevice(t *testing.T) {
	d := &badDevice{newSled(nil)}
	for name, req := range map[string][]byte{
		"reading out of range": {0x01, 0x80, 0x02, 0x11, 0x01, 0x00, 0x00},
		"nine state fields":    {0x01, 0x80, 0x02, 0x21, 0x00, 0x01, 0x00, 0x00},
		"table not parseable":  {0x01, 0x80, 0x04, 0x01},
	} {
		resp := pldm.Respond(d, req)
		if want := []byte{0x01, 0x00, req[2], req[3], pldm.CCError}; !bytes.Equal(resp, want) {
			t.Errorf("%s: % X, want % X", name, resp, want)
		}
	}
}

// TestRespondFRUParts walks a multi-part transfer by hand: handles are
// offsets, flags go Start, Middle..., End, and the portions join to the
// sealed table.
func TestRespondFRUParts(t *testing.T) {
	table := pldm.EncodeFRURecordTable(pldm.RecordsFromIdentity(3, bigIdentity))
	sealed := pldm.AppendFRUTableIntegrity(table)
	d := newSled(table)
	var got []byte
	req := pldm.FRUTableRequest{Op: pldm.GetFirstPart, Handle: 0xDEAD} // handle ignored for the first part
	for i := 0; ; i++ {
		resp := pldm.Respond(d, pldm.NewRequest(uint8(i), pldm.TypeFRU, pldm.CmdGetFRURecordTable, pldm.EncodeGetFRURecordTableRequest(req)))
		if len(resp) > 64 {
			t.Errorf("part %d: %d-byte body exceeds one MCTP baseline payload", i, len(resp))
		}
		part, err := pldm.ParseGetFRURecordTableResponse(resp[4:])
		if err != nil {
			t.Fatal(err)
		}
		end := min((i+1)*pldm.FRUPartSize, len(sealed))
		wantFlag, wantNext := pldm.TransferMiddle, uint32(end)
		switch {
		case i == 0:
			wantFlag = pldm.TransferStart
		case end == len(sealed):
			wantFlag, wantNext = pldm.TransferEnd, 0
		}
		if part.Flag != wantFlag || part.Next != wantNext {
			t.Errorf("part %d: flag %d next %d, want %d %d", i, part.Flag, part.Next, wantFlag, wantNext)
		}
		got = append(got, part.Data...)
		if part.Flag == pldm.TransferEnd {
			break
		}
		req = pldm.FRUTableRequest{Handle: part.Next, Op: pldm.GetNextPart}
	}
	if !bytes.Equal(got, sealed) {
		t.Errorf("joined parts differ from the sealed table")
	}
}

// TestRespondFRUGolden: the one-part answer for acmeTable, byte for byte:
// 01 | 03 04 02 (response, instance 3, FRU, GetFRURecordTable) | 00 CC |
// 00 00 00 00 next handle | 05 StartAndEnd | 17 table bytes, 3 pad bytes,
// CRC-32 4C 73 49 80 (derivation at acmeTable).
func TestRespondFRUGolden(t *testing.T) {
	want := append([]byte{0x01, 0x03, 0x04, 0x02, 0x00, 0, 0, 0, 0, 0x05}, acmeSealed...)
	got := pldm.Respond(newSled(acmeTable), []byte{0x01, 0x83, 0x04, 0x02, 0, 0, 0, 0, 0x01})
	if !bytes.Equal(got, want) {
		t.Errorf("got  % X\nwant % X", got, want)
	}
	// Metadata for the same table: v1.0, max 0, length 17, one set, one
	// record, checksum 0x8049734C.
	want = []byte{0x01, 0x03, 0x04, 0x01, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0x11, 0, 0, 0, 0x01, 0x00, 0x01, 0x00, 0x4C, 0x73, 0x49, 0x80}
	got = pldm.Respond(newSled(acmeTable), []byte{0x01, 0x83, 0x04, 0x01})
	if !bytes.Equal(got, want) {
		t.Errorf("metadata\ngot  % X\nwant % X", got, want)
	}
}
