package pldm

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// FRU record types (DSP0257).
const (
	RecordTypeGeneral uint8 = 0x01
	RecordTypeOEM     uint8 = 0xFE
)

// Encodings of a record's text fields (DSP0257 "Encoding Type for FRU
// fields").
const (
	EncodingUnspecified uint8 = 0
	EncodingASCII       uint8 = 1
	EncodingUTF8        uint8 = 2
	EncodingUTF16       uint8 = 3 // with a byte order mark
	EncodingUTF16LE     uint8 = 4
	EncodingUTF16BE     uint8 = 5
)

// General FRU record field types (DSP0257).
const (
	FieldChassisType      uint8 = 1
	FieldModel            uint8 = 2
	FieldPartNumber       uint8 = 3
	FieldSerialNumber     uint8 = 4
	FieldManufacturer     uint8 = 5
	FieldManufactureDate  uint8 = 6 // timestamp104
	FieldVendor           uint8 = 7
	FieldName             uint8 = 8
	FieldSKU              uint8 = 9
	FieldVersion          uint8 = 10
	FieldAssetTag         uint8 = 11
	FieldDescription      uint8 = 12
	FieldEngineeringLevel uint8 = 13
	FieldOther            uint8 = 14
	FieldVendorIANA       uint8 = 15
)

// FRURecord is one record of a FRU record table (DSP0257 "FRU record data
// format"):
//
//	[FRU record set identifier u16][record type][number of fields]
//	[encoding type] then per field [field type][length][value]
//
// The brief for this package listed the header without the encoding byte;
// DSP0257 and libpldm's pldm_fru_record_data_format both carry it.
type FRURecord struct {
	SetID    uint16 // ties the record to an entity (DSP0248 FRU record set PDR)
	Type     uint8  // RecordTypeGeneral or RecordTypeOEM
	Encoding uint8  // how text fields are encoded
	Fields   []FRUField
}

// FRUField is one type-length-value field of a record.
type FRUField struct {
	Type  uint8
	Value []byte // at most 255 bytes
}

const fruRecordHeaderLen = 5

// EncodeFRURecordTable returns the FRU record table holding records, without
// pad or checksum. A field value longer than 255 bytes is cut to 255 and a
// record with more than 255 fields keeps its first 255: the length and
// count bytes cannot say more.
func EncodeFRURecordTable(records []FRURecord) []byte {
	var b []byte
	for _, r := range records {
		fields := r.Fields
		if len(fields) > 0xFF {
			fields = fields[:0xFF]
		}
		b = binary.LittleEndian.AppendUint16(b, r.SetID)
		b = append(b, r.Type, uint8(len(fields)), r.Encoding)
		for _, f := range fields {
			v := f.Value
			if len(v) > 0xFF {
				v = v[:0xFF]
			}
			b = append(b, f.Type, uint8(len(v)))
			b = append(b, v...)
		}
	}
	return b
}

// ParseFRURecordTable decodes a FRU record table, without pad or checksum
// (StripFRUTableIntegrity removes those). Every byte must belong to a
// record. Values are copies, not views of b.
func ParseFRURecordTable(b []byte) ([]FRURecord, error) {
	var records []FRURecord
	for off := 0; off < len(b); {
		r, n, err := parseFRURecord(b[off:])
		if err != nil {
			return nil, fmt.Errorf("pldm FRU record table: record %d at offset %d: %w", len(records), off, err)
		}
		records = append(records, r)
		off += n
	}
	return records, nil
}

// parseFRURecord decodes the record at the start of b and returns its length.
func parseFRURecord(b []byte) (FRURecord, int, error) {
	if len(b) < fruRecordHeaderLen {
		return FRURecord{}, 0, fmt.Errorf("%d bytes left, a record header needs %d: %w", len(b), fruRecordHeaderLen, ErrInvalidLength)
	}
	r := FRURecord{SetID: binary.LittleEndian.Uint16(b), Type: b[2], Encoding: b[4]}
	n := int(b[3])
	off := fruRecordHeaderLen
	if n > 0 {
		r.Fields = make([]FRUField, 0, min(n, (len(b)-off)/2))
	}
	for i := range n {
		if len(b)-off < 2 {
			return FRURecord{}, 0, fmt.Errorf("set %d field %d: header past the end: %w", r.SetID, i, ErrInvalidLength)
		}
		typ, l := b[off], int(b[off+1])
		off += 2
		if len(b)-off < l {
			return FRURecord{}, 0, fmt.Errorf("set %d field %d (type %d): %d-byte value, %d bytes left: %w", r.SetID, i, typ, l, len(b)-off, ErrInvalidLength)
		}
		r.Fields = append(r.Fields, FRUField{Type: typ, Value: append([]byte(nil), b[off:off+l]...)})
		off += l
	}
	return r, off, nil
}

// fruPadLen is the number of zero bytes DSP0257 puts after a table of n
// bytes so the checksum starts on a 4-byte boundary.
func fruPadLen(n int) int { return (4 - n%4) % 4 }

// FRUTableChecksum returns the FRU record table's integrity checksum: the
// CRC-32 of DSP0240 (polynomial 0x04C11DB7 reflected, initial value and
// final XOR 0xFFFFFFFF, the IEEE/Ethernet CRC) over the table and its pad
// bytes. DSP0257 leaves open whether the pad is covered; OpenBMC's pldm
// responder covers it, and so does this package.
func FRUTableChecksum(table []byte) uint32 {
	var pad [3]byte
	c := crc32.Update(0, crc32.IEEETable, table)
	return crc32.Update(c, crc32.IEEETable, pad[:fruPadLen(len(table))])
}

// AppendFRUTableIntegrity returns table followed by its pad bytes and its
// checksum (little endian): what GetFRURecordTable transfers.
func AppendFRUTableIntegrity(table []byte) []byte {
	out := make([]byte, 0, len(table)+fruPadLen(len(table))+4)
	out = append(out, table...)
	out = append(out, make([]byte, fruPadLen(len(table)))...)
	return binary.LittleEndian.AppendUint32(out, FRUTableChecksum(table))
}

// StripFRUTableIntegrity checks the checksum at the end of a transferred
// table and returns the record table without pad and checksum. The records
// are walked to find where the pad starts, so a table whose records do not
// parse is an error here too.
func StripFRUTableIntegrity(b []byte) ([]byte, error) {
	if len(b) < 4 || len(b)%4 != 0 {
		return nil, fmt.Errorf("pldm FRU record table: %d bytes with pad and checksum, want a multiple of 4: %w", len(b), ErrInvalidLength)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if got := crc32.ChecksumIEEE(body); got != sum {
		return nil, fmt.Errorf("pldm FRU record table: checksum 0x%08x, computed 0x%08x: %w", sum, got, ErrInvalidData)
	}
	off := 0
	for len(body)-off > 3 {
		_, n, err := parseFRURecord(body[off:])
		if err != nil {
			return nil, fmt.Errorf("pldm FRU record table: record at offset %d: %w", off, err)
		}
		off += n
	}
	if len(body)-off != fruPadLen(off) {
		return nil, fmt.Errorf("pldm FRU record table: %d bytes after the records at offset %d, want %d pad bytes: %w", len(body)-off, off, fruPadLen(off), ErrInvalidData)
	}
	for _, c := range body[off:] {
		if c != 0 {
			return nil, fmt.Errorf("pldm FRU record table: pad byte 0x%02x after offset %d, want 0: %w", c, off, ErrInvalidData)
		}
	}
	return body[:off], nil
}

// describeFRUTable returns the metadata GetFRURecordTableMetadata reports
// for table. A table that does not parse has no metadata.
func describeFRUTable(table []byte) (FRUTableMetadata, error) {
	records, err := ParseFRURecordTable(table)
	if err != nil {
		return FRUTableMetadata{}, err
	}
	if uint64(len(table)) > 0xFFFFFFF0 || len(records) > 0xFFFF {
		return FRUTableMetadata{}, fmt.Errorf("pldm FRU record table: %d bytes, %d records: too large", len(table), len(records))
	}
	sets := map[uint16]bool{}
	for _, r := range records {
		sets[r.SetID] = true
	}
	return FRUTableMetadata{
		MajorVersion: 1,
		MinorVersion: 0,
		Length:       uint32(len(table)),
		RecordSets:   uint16(len(sets)),
		Records:      uint16(len(records)),
		Checksum:     FRUTableChecksum(table),
	}, nil
}
