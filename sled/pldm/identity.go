package pldm

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Identity is what the agent shows of a sled's FRU data: the text fields of
// its general FRU record.
type Identity struct {
	Manufacturer, Model, PartNumber, SerialNumber, Version, Name string
}

// identityFields ties each Identity string to its general FRU field type,
// in field type order (the order RecordsFromIdentity writes them).
func identityFields(id *Identity) []struct {
	typ uint8
	s   *string
} {
	return []struct {
		typ uint8
		s   *string
	}{
		{FieldModel, &id.Model},
		{FieldPartNumber, &id.PartNumber},
		{FieldSerialNumber, &id.SerialNumber},
		{FieldManufacturer, &id.Manufacturer},
		{FieldName, &id.Name},
		{FieldVersion, &id.Version},
	}
}

// IdentityFromRecords collects the identity from the general records: for
// each string, the first non-empty field of its type in table order. OEM
// records are skipped; their fields mean what the vendor says.
func IdentityFromRecords(records []FRURecord) Identity {
	var id Identity
	slots := identityFields(&id)
	for _, r := range records {
		if r.Type != RecordTypeGeneral {
			continue
		}
		for _, f := range r.Fields {
			for _, sl := range slots {
				if f.Type == sl.typ && *sl.s == "" {
					*sl.s = decodeFRUText(r.Encoding, f.Value)
				}
			}
		}
	}
	return id
}

// RecordsFromIdentity returns one general record, in record set setID,
// holding id's non-empty strings. The encoding is ASCII when every string
// is, UTF-8 otherwise; strings longer than a field holds are cut at a rune
// boundary within 255 bytes.
func RecordsFromIdentity(setID uint16, id Identity) []FRURecord {
	r := FRURecord{SetID: setID, Type: RecordTypeGeneral, Encoding: EncodingASCII}
	for _, sl := range identityFields(&id) {
		s := *sl.s
		if s == "" {
			continue
		}
		if !isASCII(s) {
			r.Encoding = EncodingUTF8
		}
		r.Fields = append(r.Fields, FRUField{Type: sl.typ, Value: []byte(cutUTF8(s, 0xFF))})
	}
	return []FRURecord{r}
}

// decodeFRUText turns a field value into a string by the record's
// encoding. Trailing NULs, which fixed-width EEPROM images often carry, are
// dropped; invalid sequences become U+FFFD rather than an error, since a
// garbled serial number is still worth showing.
func decodeFRUText(enc uint8, v []byte) string {
	var s string
	switch enc {
	case EncodingUTF16, EncodingUTF16LE, EncodingUTF16BE:
		order := binary.ByteOrder(binary.BigEndian)
		if enc == EncodingUTF16LE {
			order = binary.LittleEndian
		}
		if enc == EncodingUTF16 && len(v) >= 2 {
			switch {
			case v[0] == 0xFF && v[1] == 0xFE:
				order, v = binary.LittleEndian, v[2:]
			case v[0] == 0xFE && v[1] == 0xFF:
				v = v[2:]
			}
		}
		u := make([]uint16, len(v)/2)
		for i := range u {
			u[i] = order.Uint16(v[2*i:])
		}
		s = string(utf16.Decode(u))
	default:
		s = strings.ToValidUTF8(string(v), "\uFFFD")
	}
	return strings.TrimRight(s, "\x00")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not
// split a rune.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
