package fru

import (
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Type/length byte: bits 7:6 the encoding, bits 5:0 the length in bytes.
const (
	typeBinary  = 0 // raw bytes, shown as hex
	typeBCDPlus = 1 // two digits per byte, high nibble first
	typeSixBit  = 2 // 6-bit ASCII, four characters per three bytes
	// 3: 8-bit Latin-1 (English) or UCS-2 LE (other languages)
	endOfFields  = 0xC1
	maxFieldSize = 0x3F
)

// Language codes that mean English; any other language encodes type-3
// fields as UCS-2.
const (
	langEnglishDefault = 0
	langEnglish        = 25
)

// bcdPlus maps BCD+ digits; 0xD-0xF are reserved.
const bcdPlus = "0123456789 -."

// decodeField decodes the data of one field with type/length byte tl.
// english says how a type-3 field is encoded. Decoders that pad (BCD+ and
// 6-bit ASCII fill the last byte with spaces) have trailing spaces trimmed,
// since the encoding cannot tell padding from content.
func decodeField(tl byte, data []byte, english bool) (string, error) {
	switch tl >> 6 {
	case typeBinary:
		return hex.EncodeToString(data), nil
	case typeBCDPlus:
		var sb strings.Builder
		sb.Grow(2 * len(data))
		for _, b := range data {
			for _, d := range [2]byte{b >> 4, b & 0x0F} {
				if int(d) >= len(bcdPlus) {
					return "", fmt.Errorf("BCD+ digit %#x is reserved: %w", d, ErrFormat)
				}
				sb.WriteByte(bcdPlus[d])
			}
		}
		return strings.TrimRight(sb.String(), " "), nil
	case typeSixBit:
		return strings.TrimRight(decodeSixBit(data), " "), nil
	}
	// Type 3: text in the area's language.
	if english {
		return latin1(data), nil
	}
	if len(data)%2 != 0 {
		return "", fmt.Errorf("UCS-2 text of odd length %d: %w", len(data), ErrFormat)
	}
	units := make([]uint16, len(data)/2)
	for i := range units {
		units[i] = uint16(data[2*i]) | uint16(data[2*i+1])<<8
	}
	return string(utf16.Decode(units)), nil
}

// decodeSixBit unpacks 6-bit ASCII: the field is a little-endian bit stream,
// character k in bits 6k..6k+5, each the character minus 0x20. n bytes hold
// floor(8n/6) characters.
func decodeSixBit(data []byte) string {
	n := len(data) * 8 / 6
	out := make([]byte, n)
	for k := range n {
		bit := 6 * k
		i, shift := bit/8, bit%8
		v := uint16(data[i]) >> shift
		if shift > 2 {
			v |= uint16(data[i+1]) << (8 - shift)
		}
		out[k] = byte(v&0x3F) + 0x20
	}
	return string(out)
}

// latin1 converts ISO 8859-1 bytes to a Go string (each byte is the rune
// of the same value).
func latin1(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
