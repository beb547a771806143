// Package fru parses IPMI FRU images as the Platform Management FRU
// Information Storage Definition v1.0 rev 1.3 lays them out: an 8-byte common
// header giving the offset of each area (in 8-byte units), the chassis, board
// and product info areas (each a version byte, a length byte, fixed fields,
// optional custom fields, an end marker and a checksum), and the multirecord
// area (a chain of records, each with its own header and data checksums).
//
// A FRU EEPROM that went bad in one area still says something useful in the
// others, so a corrupt area is reported, not fatal: Parse returns every area
// it could read together with one error per bad area. Only a bad common
// header, which leaves nothing to read, yields no FRU at all.
//
// NextRead lets a reader fetch an image in a few transactions without
// knowing its length in advance: each area's length lives in the area itself.
package fru

import (
	"errors"
	"fmt"
	"time"
)

// MaxImage is the largest image this package looks at: the 16-bit offset
// space of the largest I2C EEPROMs (24C512). Bytes past it are ignored.
const MaxImage = 64 << 10

// The ways an image is wrong. Every error Parse and NextRead return wraps at
// least one of them, so callers can tell a checksum from a truncation with
// errors.Is.
var (
	// ErrHeader: the common header is unusable (bad checksum, version,
	// pad byte or offsets), so no area can be found.
	ErrHeader = errors.New("bad common header")
	// ErrChecksum: bytes that must sum to zero do not.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrTruncated: an area, field or record runs past the end of the
	// image or of its area.
	ErrTruncated = errors.New("truncated")
	// ErrVersion: a format version this package does not know.
	ErrVersion = errors.New("unsupported format version")
	// ErrFormat: the bytes break the layout in some other way (no end
	// marker, a zero length, a reserved code).
	ErrFormat = errors.New("malformed")
)

// FRU is what a FRU image says. An area absent from the image (or too broken
// to read) is nil.
type FRU struct {
	Chassis      *ChassisArea
	Board        *BoardArea
	Product      *ProductArea
	MultiRecords []MultiRecord
}

// ChassisArea is the chassis info area.
type ChassisArea struct {
	// Type is the SMBIOS chassis type (0x17 = rack mount chassis).
	Type         byte
	PartNumber   string
	SerialNumber string
	Custom       []string
}

// BoardArea is the board info area.
type BoardArea struct {
	// Language is the IPMI language code; 0 and 25 are English.
	Language byte
	// MfgDate is the manufacturing date to the minute, in UTC; the zero
	// time when the FRU leaves it unspecified.
	MfgDate      time.Time
	Manufacturer string
	ProductName  string
	SerialNumber string
	PartNumber   string
	FRUFileID    string
	Custom       []string
}

// ProductArea is the product info area.
type ProductArea struct {
	Language     byte
	Manufacturer string
	Name         string
	PartNumber   string
	Version      string
	SerialNumber string
	AssetTag     string
	FRUFileID    string
	Custom       []string
}

// MultiRecord is one record of the multirecord area, kept raw: its meaning
// depends on Type (0x00 power supply, 0x03 management access, 0xC0-0xFF
// OEM with the 3-byte IANA number first).
type MultiRecord struct {
	Type byte
	// Format is the record format version (low nibble of header byte 1), 2.
	Format byte
	Data   []byte
}

// epoch is where the board area's manufacturing minutes count from.
var epoch = time.Date(1996, 1, 1, 0, 0, 0, 0, time.UTC)

// Parse decodes a FRU image. It returns every area it could decode and,
// when some area is bad, an error joining one error per bad area, each
// naming the area, its offset and the fault ("board area at 0x08: checksum
// 0x1c != 0"). An area whose only fault is its checksum is still returned,
// since its text usually remains readable. A bad common header returns a nil
// FRU. Bytes past MaxImage are ignored.
func Parse(image []byte) (*FRU, error) {
	if len(image) > MaxImage {
		image = image[:MaxImage]
	}
	h, err := parseHeader(image)
	if err != nil {
		return nil, err
	}
	f := &FRU{}
	var errs []error
	if off := h.offset(areaChassis); off != 0 {
		a, err := parseChassis(image, off)
		f.Chassis = a
		errs = append(errs, err)
	}
	if off := h.offset(areaBoard); off != 0 {
		a, err := parseBoard(image, off)
		f.Board = a
		errs = append(errs, err)
	}
	if off := h.offset(areaProduct); off != 0 {
		a, err := parseProduct(image, off)
		f.Product = a
		errs = append(errs, err)
	}
	if off := h.offset(areaMultiRecord); off != 0 {
		recs, err := parseMultiRecords(image, off)
		f.MultiRecords = recs
		errs = append(errs, err)
	}
	return f, errors.Join(errs...)
}

// checksum returns the 8-bit sum of b; a valid area or header sums to 0.
func checksum(b []byte) byte {
	var s byte
	for _, x := range b {
		s += x
	}
	return s
}

// areaError names an area and its offset in front of what is wrong with it.
func areaError(name string, off int, format string, args ...any) error {
	return fmt.Errorf("%s area at %#02x: "+format, append([]any{name, off}, args...)...)
}
