package pldm_test

import (
	"bytes"
	"testing"

	"github.com/chassisd/chassisd/sled/pldm"
)

// FuzzRespond: any body gets no answer or a well-formed one, never a panic.
// Well-formed: a PLDM response echoing the request's instance, type and
// command; a lone error code, or SUCCESS followed by a payload the
// command's own response parser accepts.
func FuzzRespond(f *testing.F) {
	f.Add([]byte{0x01, 0x80, 0x00, 0x02})
	f.Add([]byte{0x01, 0x85, 0x00, 0x01, 0x22})
	f.Add([]byte{0x01, 0x81, 0x00, 0x05, 0x02, 0x00, 0xF0, 0xF2, 0xF1})
	f.Add([]byte{0x01, 0x83, 0x04, 0x02, 0, 0, 0, 0, 0x01})
	f.Add([]byte{0x01, 0x83, 0x04, 0x02, 0x30, 0, 0, 0, 0x00})
	f.Add([]byte{0x01, 0x9F, 0x02, 0x11, 0x11, 0x00, 0x00})
	f.Add([]byte{0x01, 0x84, 0x02, 0x39, 0x00, 0x02, 0x01, 0x01, 0x02})
	d := newSled(pldm.EncodeFRURecordTable(pldm.RecordsFromIdentity(3, bigIdentity)))
	f.Fuzz(func(t *testing.T, req []byte) {
		resp := pldm.Respond(d, req)
		rh, _, rerr := pldm.ParseMessage(req)
		answerable := rerr == nil && rh.Request && !rh.Datagram
		if resp == nil {
			if answerable {
				t.Fatalf("no answer to % X", req)
			}
			return
		}
		if !answerable {
			t.Fatalf("answered % X with % X", req, resp)
		}
		h, p, err := pldm.ParseMessage(resp)
		if err != nil {
			t.Fatalf("response % X: %v", resp, err)
		}
		if h.Request || h.Datagram || h.InstanceID != rh.InstanceID || h.Type != rh.Type || h.Command != rh.Command {
			t.Fatalf("response header %+v to %+v", h, rh)
		}
		if len(p) == 0 {
			t.Fatalf("response % X has no completion code", resp)
		}
		if p[0] != pldm.CCSuccess {
			if len(p) != 1 {
				t.Fatalf("error response % X carries more than its code", resp)
			}
			return
		}
		if err := parseResponse(h.Type, h.Command, p); err != nil {
			t.Fatalf("response % X does not parse: %v", resp, err)
		}
	})
}

// parseResponse runs the response parser of a command.
func parseResponse(typ, cmd uint8, p []byte) error {
	var err error
	switch [2]uint8{typ, cmd} {
	case [2]uint8{pldm.TypeBase, pldm.CmdGetTID}:
		_, err = pldm.ParseGetTIDResponse(p)
	case [2]uint8{pldm.TypeBase, pldm.CmdSetTID}:
		err = pldm.ParseSetTIDResponse(p)
	case [2]uint8{pldm.TypeBase, pldm.CmdGetPLDMTypes}:
		_, err = pldm.ParseGetPLDMTypesResponse(p)
	case [2]uint8{pldm.TypeBase, pldm.CmdGetPLDMCommands}:
		_, err = pldm.ParseGetPLDMCommandsResponse(p)
	case [2]uint8{pldm.TypeFRU, pldm.CmdGetFRURecordTableMetadata}:
		_, err = pldm.ParseGetFRURecordTableMetadataResponse(p)
	case [2]uint8{pldm.TypeFRU, pldm.CmdGetFRURecordTable}:
		_, err = pldm.ParseGetFRURecordTableResponse(p)
	case [2]uint8{pldm.TypePlatform, pldm.CmdGetSensorReading}:
		_, err = pldm.ParseGetSensorReadingResponse(p)
	case [2]uint8{pldm.TypePlatform, pldm.CmdGetStateSensorReadings}:
		_, err = pldm.ParseGetStateSensorReadingsResponse(p)
	case [2]uint8{pldm.TypePlatform, pldm.CmdSetStateEffecterStates}:
		err = pldm.ParseSetStateEffecterStatesResponse(p)
	default:
		panic("no parser")
	}
	return err
}

// FuzzParseResponse feeds the same payload to every response parser; what
// one accepts must encode back to the same bytes.
func FuzzParseResponse(f *testing.F) {
	f.Add([]byte{0x00, 0x1D})
	f.Add([]byte{0x00})
	f.Add([]byte{0x80})
	f.Add([]byte{0x00, 0x15, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x00, 0x01, 0x00, 0, 0, 0, 0, 0x11, 0, 0, 0, 0x01, 0x00, 0x01, 0x00, 0x4C, 0x73, 0x49, 0x80})
	f.Add([]byte{0x00, 0x60, 0, 0, 0, 0x02, 0xAA, 0xBB})
	f.Add([]byte{0x00, 0x03, 0x00, 0x00, 0x01, 0x01, 0x01, 0xFB, 0xFF})
	f.Add([]byte{0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0x70, 0x11, 0x01, 0x00})
	f.Add([]byte{0x00, 0x02, 0x00, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x02})
	f.Fuzz(func(t *testing.T, p []byte) {
		same := func(name string, b []byte) {
			if !bytes.Equal(b, p) {
				t.Fatalf("%s: % X re-encodes as % X", name, p, b)
			}
		}
		if tid, err := pldm.ParseGetTIDResponse(p); err == nil {
			same("GetTID", pldm.EncodeGetTIDResponse(tid))
		}
		if err := pldm.ParseSetTIDResponse(p); err == nil {
			same("SetTID", []byte{0})
		}
		if err := pldm.ParseSetStateEffecterStatesResponse(p); err == nil {
			same("SetStateEffecterStates", []byte{0})
		}
		if s, err := pldm.ParseGetPLDMTypesResponse(p); err == nil {
			same("GetPLDMTypes", pldm.EncodeGetPLDMTypesResponse(s))
		}
		if s, err := pldm.ParseGetPLDMCommandsResponse(p); err == nil {
			same("GetPLDMCommands", pldm.EncodeGetPLDMCommandsResponse(s))
		}
		if m, err := pldm.ParseGetFRURecordTableMetadataResponse(p); err == nil {
			same("GetFRURecordTableMetadata", pldm.EncodeGetFRURecordTableMetadataResponse(m))
		}
		if part, err := pldm.ParseGetFRURecordTableResponse(p); err == nil {
			same("GetFRURecordTable", pldm.EncodeGetFRURecordTableResponse(part))
		}
		if r, err := pldm.ParseGetSensorReadingResponse(p); err == nil {
			b, err := pldm.EncodeGetSensorReadingResponse(r)
			if err != nil {
				t.Fatalf("GetSensorReading %+v: %v", r, err)
			}
			same("GetSensorReading", b)
		}
		if fields, err := pldm.ParseGetStateSensorReadingsResponse(p); err == nil {
			b, err := pldm.EncodeGetStateSensorReadingsResponse(fields)
			if err != nil {
				t.Fatalf("GetStateSensorReadings %+v: %v", fields, err)
			}
			same("GetStateSensorReadings", b)
		}
	})
}

// FuzzParseFRURecordTable: what parses encodes back to the same bytes.
func FuzzParseFRURecordTable(f *testing.F) {
	f.Add(acmeTable)
	f.Add(pldm.EncodeFRURecordTable(pldm.RecordsFromIdentity(3, bigIdentity)))
	f.Add([]byte{0x01, 0x00, 0x01, 0x01, 0x01, 0x05, 0x04, 'A'})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := pldm.ParseFRURecordTable(b)
		if err != nil {
			return
		}
		if got := pldm.EncodeFRURecordTable(recs); !bytes.Equal(got, b) {
			t.Fatalf("% X re-encodes as % X", b, got)
		}
		pldm.IdentityFromRecords(recs)
	})
}

// FuzzStripFRUTableIntegrity: what is accepted seals back to the input.
func FuzzStripFRUTableIntegrity(f *testing.F) {
	f.Add(acmeSealed)
	f.Add(pldm.AppendFRUTableIntegrity(nil))
	f.Add(pldm.AppendFRUTableIntegrity(pldm.EncodeFRURecordTable(pldm.RecordsFromIdentity(3, bigIdentity))))
	f.Add(acmeSealed[:20])
	f.Fuzz(func(t *testing.T, b []byte) {
		table, err := pldm.StripFRUTableIntegrity(b)
		if err != nil {
			return
		}
		if got := pldm.AppendFRUTableIntegrity(table); !bytes.Equal(got, b) {
			t.Fatalf("% X reseals as % X", b, got)
		}
	})
}
