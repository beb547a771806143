package fruimage

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Type/length byte: bits 7:6 the encoding, bits 5:0 the data length.
const (
	typeBCDPlus  = 0x40
	typeSixBit   = 0x80
	typeText     = 0xC0 // 8-bit Latin-1 in an English area
	maxFieldSize = 0x3F
)

var errNotEncodable = errors.New("a one-character 8-bit field would read as the end marker C1, and no denser encoding holds it")

// encodeField returns the type/length byte and data of one field. It picks
// BCD+ for all-digit strings when bcd is set, 6-bit ASCII when sixBit is set
// and the string allows it, and Latin-1 otherwise. A single character must
// avoid Latin-1 (type/length C1 is the end marker), so it takes 6-bit ASCII
// when it can whatever sixBit says.
func encodeField(s string, sixBit, bcd bool) ([]byte, error) {
	if s == "" {
		return []byte{typeText}, nil
	}
	text, err := toLatin1(s)
	if err != nil {
		return nil, err
	}
	var f []byte
	switch {
	case bcd && allDigits(text):
		f = encodeBCDPlus(text)
	case (sixBit || len(text) == 1) && sixBitable(text):
		f = encodeSixBit(text)
	case len(text) == 1:
		return nil, errNotEncodable
	default:
		f = append([]byte{typeText | byte(len(text)&maxFieldSize)}, text...)
	}
	if n := len(f) - 1; n > maxFieldSize {
		return nil, fmt.Errorf("%d bytes encoded, more than the %d a field holds", n, maxFieldSize)
	}
	return f, nil
}

// toLatin1 converts s to ISO 8859-1 bytes.
func toLatin1(s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, errors.New("invalid UTF-8")
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return nil, fmt.Errorf("%q is not a Latin-1 character", r)
		}
		b = append(b, byte(r))
	}
	return b, nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// encodeBCDPlus packs two digits a byte, high nibble first; an odd count is
// padded with the BCD+ space (0xA), which the reader trims.
func encodeBCDPlus(digits []byte) []byte {
	f := make([]byte, 1, 1+(len(digits)+1)/2)
	for i := 0; i < len(digits); i += 2 {
		lo := byte(0xA)
		if i+1 < len(digits) {
			lo = digits[i+1] - '0'
		}
		f = append(f, (digits[i]-'0')<<4|lo)
	}
	f[0] = typeBCDPlus | byte((len(f)-1)&maxFieldSize)
	return f
}

// sixBitable: every character is in 6-bit ASCII's 0x20..0x5F, and the last
// is not a space, which would be lost with the padding.
func sixBitable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x5F {
			return false
		}
	}
	return b[len(b)-1] != ' '
}

// encodeSixBit packs characters minus 0x20 as a little-endian stream of
// 6-bit values, four characters to three bytes.
func encodeSixBit(text []byte) []byte {
	n := (len(text)*6 + 7) / 8
	f := make([]byte, 1+n)
	for k, c := range text {
		v := uint16(c-0x20) << (6 * k % 8)
		i := 1 + 6*k/8
		f[i] |= byte(v)
		if v > 0xFF {
			f[i+1] |= byte(v >> 8)
		}
	}
	f[0] = typeSixBit | byte(n&maxFieldSize)
	return f
}
