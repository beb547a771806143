// Package fruimage lays out IPMI FRU images (Platform Management FRU
// Information Storage Definition v1.0 rev 1.3): the bytes the simulator puts
// in its EEPROMs and that `chassisd sim export-fru` writes out. It is the
// writing half of sled/fru, kept apart because the agent only ever reads.
//
// An image is the 8-byte common header followed by the chassis, board and
// product info areas that are set, in that order, each padded to a multiple
// of 8 bytes with its checksum last. Text is English (language code 0), so
// 8-bit fields are Latin-1; Image can ask for the denser 6-bit ASCII and
// BCD+ encodings where a field allows them.
package fruimage

import (
	"errors"
	"fmt"
	"time"
)

// Image says what goes into a FRU image. Areas left nil are absent.
type Image struct {
	Chassis *Chassis
	Board   *Board
	Product *Product
	// SixBitASCII packs a field as 6-bit ASCII when all its characters are
	// in 0x20..0x5F (no lower case) and it does not end in a space (the
	// padding of the last byte reads back as spaces).
	SixBitASCII bool
	// BCDPlus encodes fields made only of the digits 0-9 as BCD+.
	BCDPlus bool
}

// Chassis is the chassis info area.
type Chassis struct {
	// Type is the SMBIOS chassis type, e.g. 0x17 rack mount chassis.
	Type         byte
	PartNumber   string
	SerialNumber string
	Custom       []string
}

// Board is the board info area.
type Board struct {
	// MfgDate is stored to the minute (rounded down) from 1996-01-01 00:00
	// UTC; the zero time stores "unspecified". The 24-bit field ends in
	// November 2027.
	MfgDate      time.Time
	Manufacturer string
	ProductName  string
	SerialNumber string
	PartNumber   string
	FRUFileID    string
	Custom       []string
}

// Product is the product info area.
type Product struct {
	Manufacturer string
	Name         string
	PartNumber   string
	Version      string
	SerialNumber string
	AssetTag     string
	FRUFileID    string
	Custom       []string
}

// Build lays out img. It fails when a field does not fit its 63-byte
// length, holds a character outside Latin-1 (or invalid UTF-8), is a single
// character no encoding can hold (a one-byte 8-bit field would read as the
// end marker C1), when the manufacturing date is outside the field's range,
// or when an area outgrows 2040 bytes.
func Build(img Image) ([]byte, error) {
	e := &encoder{sixBit: img.SixBitASCII, bcd: img.BCDPlus}
	areas := [...][]byte{e.chassis(img.Chassis), e.board(img.Board), e.product(img.Product)}
	if err := errors.Join(e.errs...); err != nil {
		return nil, err
	}
	out := make([]byte, headerLen)
	out[0] = 1 // format version; no internal use or multirecord area
	for i, a := range areas {
		if a == nil {
			continue
		}
		off := len(out) / 8
		if off > 0xFF {
			return nil, fmt.Errorf("%s area at offset %d: past the %d the common header can name", areaNames[i], len(out), 0xFF*8)
		}
		out[2+i] = byte(off)
		out = append(out, a...)
	}
	out[7] = -sum(out[:7])
	return out, nil
}

const (
	headerLen    = 8
	maxAreaUnits = 0xFF // an area's length byte, in 8-byte units
	endOfFields  = 0xC1
)

var areaNames = [...]string{"chassis", "board", "product"}

// epoch is where the board area's manufacturing minutes count from.
var epoch = time.Date(1996, 1, 1, 0, 0, 0, 0, time.UTC)

// encoder turns the areas into bytes, collecting every error so one Build
// reports all bad fields at once.
type encoder struct {
	sixBit, bcd bool
	area        string // the area being built, for errors
	errs        []error
}

func (e *encoder) fail(format string, args ...any) {
	e.errs = append(e.errs, fmt.Errorf("%s area: "+format, append([]any{e.area}, args...)...))
}

func (e *encoder) chassis(c *Chassis) []byte {
	if c == nil {
		return nil
	}
	e.area = "chassis"
	a := []byte{c.Type}
	a = e.fields(a, []string{"part number", "serial number"}, []string{c.PartNumber, c.SerialNumber}, c.Custom)
	return e.finish(a)
}

func (e *encoder) board(b *Board) []byte {
	if b == nil {
		return nil
	}
	e.area = "board"
	var minutes int64
	if !b.MfgDate.IsZero() {
		// Sub saturates for dates centuries away; the range check
		// rejects those as well.
		minutes = int64(b.MfgDate.Sub(epoch) / time.Minute)
		if minutes < 1 || minutes > 1<<24-1 {
			e.fail("manufacturing date %s is outside %s .. %s",
				b.MfgDate.UTC().Format(time.RFC3339), epoch.Add(time.Minute).Format(time.RFC3339),
				epoch.Add((1<<24-1)*time.Minute).Format(time.RFC3339))
			minutes = 0
		}
	}
	a := []byte{0, byte(minutes), byte(minutes >> 8), byte(minutes >> 16)} // language 0: English
	a = e.fields(a, []string{"manufacturer", "product name", "serial number", "part number", "FRU file ID"},
		[]string{b.Manufacturer, b.ProductName, b.SerialNumber, b.PartNumber, b.FRUFileID}, b.Custom)
	return e.finish(a)
}

func (e *encoder) product(p *Product) []byte {
	if p == nil {
		return nil
	}
	e.area = "product"
	a := []byte{0} // language 0: English
	a = e.fields(a, []string{"manufacturer", "name", "part number", "version", "serial number", "asset tag", "FRU file ID"},
		[]string{p.Manufacturer, p.Name, p.PartNumber, p.Version, p.SerialNumber, p.AssetTag, p.FRUFileID}, p.Custom)
	return e.finish(a)
}

// fields appends the fixed fields, then the custom ones, then the end
// marker.
func (e *encoder) fields(a []byte, names, fixed, custom []string) []byte {
	for i, s := range fixed {
		a = e.field(a, names[i], s)
	}
	for i, s := range custom {
		a = e.field(a, fmt.Sprintf("custom field %d", i+1), s)
	}
	return append(a, endOfFields)
}

func (e *encoder) field(a []byte, name, s string) []byte {
	f, err := encodeField(s, e.sixBit, e.bcd)
	if err != nil {
		e.fail("%s %q: %w", name, s, err)
		return a
	}
	return append(a, f...)
}

// finish frames an area body: version 1 and length in front, zero padding
// to a multiple of 8 with the checksum as the last byte.
func (e *encoder) finish(body []byte) []byte {
	n := (2 + len(body) + 1 + 7) / 8 * 8
	if n/8 > maxAreaUnits {
		e.fail("%d bytes: longer than the %d an area can be", n, maxAreaUnits*8)
		return nil
	}
	a := make([]byte, n)
	a[0], a[1] = 1, byte(n/8)
	copy(a[2:], body)
	a[n-1] = -sum(a)
	return a
}

func sum(b []byte) byte {
	var s byte
	for _, x := range b {
		s += x
	}
	return s
}
