package pldm_test

import (
	"bytes"
	"errors"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chassisd/chassisd/sled/pldm"
)

// acmeTable is one general record, derived from DSP0257's record layout:
//
//	01 00        FRU record set identifier 1 (LE)
//	01           record type: general
//	02           number of fields
//	01           encoding: ASCII
//	05 04 "ACME" manufacturer (type 5), 4 bytes
//	04 04 "SN01" serial number (type 4), 4 bytes
//
// 17 bytes, so 3 pad bytes bring it to 20 before the checksum. The CRC-32
// of those 20 bytes, 0x8049734C, was computed with Python's zlib.crc32 (a
// second implementation of the same IEEE CRC), and goes LE: 4C 73 49 80.
var (
	acmeTable = []byte{0x01, 0x00, 0x01, 0x02, 0x01,
		0x05, 0x04, 'A', 'C', 'M', 'E',
		0x04, 0x04, 'S', 'N', '0', '1'}
	acmeRecords = []pldm.FRURecord{{SetID: 1, Type: pldm.RecordTypeGeneral, Encoding: pldm.EncodingASCII,
		Fields: []pldm.FRUField{{Type: pldm.FieldManufacturer, Value: []byte("ACME")}, {Type: pldm.FieldSerialNumber, Value: []byte("SN01")}}}}
	acmeSealed = append(append(append([]byte{}, acmeTable...), 0, 0, 0), 0x4C, 0x73, 0x49, 0x80)
)

func TestCRCIsIEEE(t *testing.T) {
	// DSP0240's CRC-32 check value: "123456789" -> 0xCBF43926.
	if got := crc32.ChecksumIEEE([]byte("123456789")); got != 0xCBF43926 {
		t.Fatalf("check value 0x%08X", got)
	}
	if got := pldm.FRUTableChecksum(acmeTable); got != 0x8049734C {
		t.Errorf("FRUTableChecksum = 0x%08X, want 0x8049734C", got)
	}
	if got := pldm.FRUTableChecksum(nil); got != 0 {
		t.Errorf("empty table checksum 0x%08X", got)
	}
}

func TestFRURecordTableGolden(t *testing.T) {
	if got := pldm.EncodeFRURecordTable(acmeRecords); !bytes.Equal(got, acmeTable) {
		t.Errorf("encode:\ngot  % X\nwant % X", got, acmeTable)
	}
	got, err := pldm.ParseFRURecordTable(acmeTable)
	if err != nil || !reflect.DeepEqual(got, acmeRecords) {
		t.Errorf("parse: %+v, %v", got, err)
	}
	if got := pldm.AppendFRUTableIntegrity(acmeTable); !bytes.Equal(got, acmeSealed) {
		t.Errorf("seal:\ngot  % X\nwant % X", got, acmeSealed)
	}
	if got, err := pldm.StripFRUTableIntegrity(acmeSealed); err != nil || !bytes.Equal(got, acmeTable) {
		t.Errorf("strip: % X, %v", got, err)
	}
}

func TestFRUPadLengths(t *testing.T) {
	// Tables of 5+n bytes need (4 - (5+n)%4)%4 pad bytes; walk all four.
	for n := range 4 {
		rec := []pldm.FRURecord{{SetID: 2, Type: pldm.RecordTypeGeneral, Encoding: pldm.EncodingASCII,
			Fields: []pldm.FRUField{{Type: pldm.FieldName, Value: bytes.Repeat([]byte{'x'}, n)}}}}
		table := pldm.EncodeFRURecordTable(rec)
		sealed := pldm.AppendFRUTableIntegrity(table)
		if len(sealed)%4 != 0 || len(sealed)-len(table)-4 != (4-len(table)%4)%4 {
			t.Errorf("table %d bytes sealed to %d", len(table), len(sealed))
		}
		back, err := pldm.StripFRUTableIntegrity(sealed)
		if err != nil || !bytes.Equal(back, table) {
			t.Errorf("n=%d: % X, %v", n, back, err)
		}
	}
	if got := pldm.AppendFRUTableIntegrity(nil); !bytes.Equal(got, []byte{0, 0, 0, 0}) {
		t.Errorf("empty table sealed to % X", got)
	}
}

func TestParseFRURecordTableErrors(t *testing.T) {
	tests := map[string][]byte{
		"short header":        {0x01, 0x00, 0x01, 0x00},
		"field header cut":    {0x01, 0x00, 0x01, 0x01, 0x01, 0x05},
		"value cut":           {0x01, 0x00, 0x01, 0x01, 0x01, 0x05, 0x04, 'A'},
		"trailing pad":        append(append([]byte{}, acmeTable...), 0, 0, 0),
		"second record short": append(append([]byte{}, acmeTable...), 0x02, 0x00),
	}
	for name, b := range tests {
		if _, err := pldm.ParseFRURecordTable(b); !errors.Is(err, pldm.ErrInvalidLength) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if r, err := pldm.ParseFRURecordTable(nil); err != nil || r != nil {
		t.Errorf("empty table: %v, %v", r, err)
	}
}

func TestStripFRUTableIntegrityErrors(t *testing.T) {
	flip := func(i int) []byte {
		b := append([]byte{}, acmeSealed...)
		b[i] ^= 0x01
		return b
	}
	// A table whose CRC is right but whose pad is not zero. (Surplus zero
	// pad cannot be told from an empty record with set ID 0 and type 0,
	// so it is not a case.)
	badPad := append(append([]byte{}, acmeTable...), 0, 1, 0)
	badPad = pldmSeal(badPad)
	tests := map[string][]byte{
		"record byte flipped": flip(6),
		"CRC flipped":         flip(len(acmeSealed) - 1),
		"pad flipped":         flip(len(acmeTable)),
		"not aligned":         acmeSealed[:len(acmeSealed)-1],
		"too short":           {0, 0, 0},
		"pad not zero":        badPad,
	}
	for name, b := range tests {
		if _, err := pldm.StripFRUTableIntegrity(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// pldmSeal appends a CRC over b as it stands, with no pad added.
func pldmSeal(b []byte) []byte {
	c := crc32.ChecksumIEEE(b)
	return append(b, byte(c), byte(c>>8), byte(c>>16), byte(c>>24))
}

func TestEncodeFRURecordTableLimits(t *testing.T) {
	long := bytes.Repeat([]byte{'z'}, 300)
	table := pldm.EncodeFRURecordTable([]pldm.FRURecord{{Type: 1, Fields: []pldm.FRUField{{Type: 8, Value: long}}}})
	r, err := pldm.ParseFRURecordTable(table)
	if err != nil || len(r[0].Fields[0].Value) != 255 {
		t.Fatalf("long value: %v", err)
	}
	many := make([]pldm.FRUField, 300)
	table = pldm.EncodeFRURecordTable([]pldm.FRURecord{{Type: 1, Fields: many}})
	r, err = pldm.ParseFRURecordTable(table)
	if err != nil || len(r[0].Fields) != 255 {
		t.Fatalf("many fields: %v", err)
	}
}

func TestIdentity(t *testing.T) {
	id := pldm.Identity{Manufacturer: "ACME", Model: "Sled-4", PartNumber: "PN-7", SerialNumber: "SN01", Version: "B", Name: "sled"}
	recs := pldm.RecordsFromIdentity(9, id)
	if len(recs) != 1 || recs[0].SetID != 9 || recs[0].Encoding != pldm.EncodingASCII || len(recs[0].Fields) != 6 {
		t.Fatalf("records %+v", recs)
	}
	// Fields come in field type order: model 2, part 3, serial 4,
	// manufacturer 5, name 8, version 10.
	var types []uint8
	for _, f := range recs[0].Fields {
		types = append(types, f.Type)
	}
	if !bytes.Equal(types, []byte{2, 3, 4, 5, 8, 10}) {
		t.Errorf("field types %v", types)
	}
	back, err := pldm.ParseFRURecordTable(pldm.EncodeFRURecordTable(recs))
	if err != nil || pldm.IdentityFromRecords(back) != id {
		t.Errorf("round trip: %+v, %v", pldm.IdentityFromRecords(back), err)
	}

	if got := pldm.RecordsFromIdentity(1, pldm.Identity{Name: "Lüfter"}); got[0].Encoding != pldm.EncodingUTF8 {
		t.Errorf("non-ASCII name encoded as %d", got[0].Encoding)
	}
	// 200 two-byte runes: cut to 127 runes (254 bytes), not mid-rune.
	long := pldm.RecordsFromIdentity(1, pldm.Identity{Name: strings.Repeat("ü", 200)})
	if v := long[0].Fields[0].Value; len(v) != 254 || !utf8.Valid(v) {
		t.Errorf("long name cut to %d bytes, valid %t", len(v), utf8.Valid(v))
	}
	if got := pldm.RecordsFromIdentity(1, pldm.Identity{}); len(got[0].Fields) != 0 {
		t.Errorf("empty identity has fields %+v", got[0].Fields)
	}
}

func TestIdentityFromRecords(t *testing.T) {
	recs := []pldm.FRURecord{
		// OEM records are skipped even with a matching field type.
		{Type: pldm.RecordTypeOEM, Encoding: 1, Fields: []pldm.FRUField{{Type: pldm.FieldManufacturer, Value: []byte("OEM")}}},
		// UTF-16LE "Ab", and an empty serial that a later record fills.
		{Type: 1, Encoding: pldm.EncodingUTF16LE, Fields: []pldm.FRUField{
			{Type: pldm.FieldManufacturer, Value: []byte{'A', 0, 'b', 0}},
			{Type: pldm.FieldSerialNumber, Value: nil}}},
		// UTF-16 with a big-endian BOM; trailing NULs dropped.
		{Type: 1, Encoding: pldm.EncodingUTF16, Fields: []pldm.FRUField{
			{Type: pldm.FieldModel, Value: []byte{0xFE, 0xFF, 0, 'M', 0, '1'}},
			{Type: pldm.FieldManufacturer, Value: []byte{0, 'X'}}}},
		{Type: 1, Encoding: pldm.EncodingASCII, Fields: []pldm.FRUField{
			{Type: pldm.FieldSerialNumber, Value: []byte("S9\x00\x00")},
			{Type: pldm.FieldPartNumber, Value: []byte{0xFF, 'p'}}}},
		{Type: 1, Encoding: pldm.EncodingUTF16BE, Fields: []pldm.FRUField{{Type: pldm.FieldName, Value: []byte{0, 'n'}}}},
		{Type: 1, Encoding: pldm.EncodingUTF16, Fields: []pldm.FRUField{{Type: pldm.FieldVersion, Value: []byte{0xFF, 0xFE, 'v', 0}}}},
	}
	want := pldm.Identity{Manufacturer: "Ab", Model: "M1", SerialNumber: "S9", PartNumber: "\uFFFDp", Name: "n", Version: "v"}
	if got := pldm.IdentityFromRecords(recs); got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestLayout(t *testing.T) {
	tests := []struct {
		got, want uint16
	}{
		{pldm.SlotTempSensor(0), 0x10},
		{pldm.SlotTempSensor(15), 0x1F},
		{pldm.SlotTempSensor(16), pldm.InvalidID},
		{pldm.SlotTempSensor(-1), pldm.InvalidID},
		{pldm.SlotStateSensor(2), 0x102},
		{pldm.EffecterSlotPower(5), 0x215},
		{pldm.EffecterSlotPower(16), pldm.InvalidID},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: 0x%04X, want 0x%04X", i, tt.got, tt.want)
		}
	}
	for _, id := range []uint16{pldm.SensorSledTemp, 0x0F, 0x20, pldm.InvalidID} {
		if _, ok := pldm.SlotOfTempSensor(id); ok {
			t.Errorf("0x%04X taken for a slot temperature", id)
		}
	}
	if s, ok := pldm.SlotOfStateSensor(0x10F); !ok || s != 15 {
		t.Errorf("SlotOfStateSensor(0x10F) = %d, %t", s, ok)
	}
	if _, ok := pldm.SlotOfPowerEffecter(pldm.EffecterSledReset); ok {
		t.Error("reset effecter taken for slot power")
	}
	if _, ok := pldm.SlotOfPowerEffecter(pldm.EffecterLocateLED); ok {
		t.Error("LED effecter taken for slot power")
	}
}
