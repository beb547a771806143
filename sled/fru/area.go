package fru

import (
	"fmt"
	"time"
)

// infoArea is an info area's bytes, checked for version and bounds, with
// its fields decoded in order.
type infoArea struct {
	fixed  []string // the fixed fields, "" where the area ended early
	custom []string
	// bad is the checksum error, kept apart because the fields are still
	// worth returning.
	bad error
}

// readInfoArea checks the area at off (version 1, length within the image),
// then decodes the fields starting prefix bytes in: the fixed ones named in
// names, then custom fields up to the C1 marker. A checksum mismatch is
// returned in infoArea.bad, any other fault as the error.
func readInfoArea(image []byte, name string, off, prefix int, names []string, english bool) (infoArea, []byte, error) {
	var a infoArea
	if off+2 > len(image) {
		return a, nil, areaError(name, off, "starts past the image end (%d bytes): %w", len(image), ErrTruncated)
	}
	if v := image[off]; v != 1 {
		return a, nil, areaError(name, off, "version %d != 1: %w", v, ErrVersion)
	}
	n := int(image[off+1]) * 8
	if n == 0 {
		return a, nil, areaError(name, off, "length 0: %w", ErrFormat)
	}
	if off+n > len(image) {
		return a, nil, areaError(name, off, "length %d runs past the image end (%d bytes): %w", n, len(image), ErrTruncated)
	}
	area := image[off : off+n]
	if n < prefix+2 {
		return a, nil, areaError(name, off, "length %d is too short for its fixed bytes: %w", n, ErrTruncated)
	}

	a.fixed = make([]string, len(names))
	end := n - 1 // the checksum byte is not field space
	p := prefix
	for i := 0; ; i++ {
		if p >= end {
			return a, nil, areaError(name, off, "no end-of-fields marker (C1) before the checksum: %w", ErrFormat)
		}
		tl := area[p]
		if tl == endOfFields {
			break
		}
		size := int(tl & maxFieldSize)
		if p+1+size > end {
			return a, nil, areaError(name, off, "field %d (%s) runs past the area end: %w", i+1, fieldName(names, i), ErrTruncated)
		}
		s, err := decodeField(tl, area[p+1:p+1+size], english)
		if err != nil {
			return a, nil, areaError(name, off, "field %d (%s) at %#02x: %w", i+1, fieldName(names, i), off+p, err)
		}
		if i < len(names) {
			a.fixed[i] = s
		} else {
			a.custom = append(a.custom, s)
		}
		p += 1 + size
	}
	if s := checksum(area); s != 0 {
		a.bad = areaError(name, off, "checksum %#02x != 0: %w", s, ErrChecksum)
	}
	return a, area, nil
}

func fieldName(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("custom %d", i-len(names)+1)
}

var chassisFields = []string{"part number", "serial number"}

// parseChassis: version, length, chassis type, then the fields. The chassis
// area carries no language code: its text is always English.
func parseChassis(image []byte, off int) (*ChassisArea, error) {
	a, raw, err := readInfoArea(image, "chassis", off, 3, chassisFields, true)
	if err != nil {
		return nil, err
	}
	return &ChassisArea{
		Type:         raw[2],
		PartNumber:   a.fixed[0],
		SerialNumber: a.fixed[1],
		Custom:       a.custom,
	}, a.bad
}

var boardFields = []string{"manufacturer", "product name", "serial number", "part number", "FRU file ID"}

// parseBoard: version, length, language, 3-byte manufacturing date, then
// the fields.
func parseBoard(image []byte, off int) (*BoardArea, error) {
	lang, ok := byteAt(image, off+2)
	a, raw, err := readInfoArea(image, "board", off, 6, boardFields, !ok || isEnglish(lang))
	if err != nil {
		return nil, err
	}
	b := &BoardArea{
		Language:     lang,
		Manufacturer: a.fixed[0],
		ProductName:  a.fixed[1],
		SerialNumber: a.fixed[2],
		PartNumber:   a.fixed[3],
		FRUFileID:    a.fixed[4],
		Custom:       a.custom,
	}
	if m := int(raw[3]) | int(raw[4])<<8 | int(raw[5])<<16; m != 0 {
		b.MfgDate = epoch.Add(time.Duration(m) * time.Minute)
	}
	return b, a.bad
}

var productFields = []string{"manufacturer", "name", "part number", "version", "serial number", "asset tag", "FRU file ID"}

// parseProduct: version, length, language, then the fields.
func parseProduct(image []byte, off int) (*ProductArea, error) {
	lang, ok := byteAt(image, off+2)
	a, _, err := readInfoArea(image, "product", off, 3, productFields, !ok || isEnglish(lang))
	if err != nil {
		return nil, err
	}
	return &ProductArea{
		Language:     lang,
		Manufacturer: a.fixed[0],
		Name:         a.fixed[1],
		PartNumber:   a.fixed[2],
		Version:      a.fixed[3],
		SerialNumber: a.fixed[4],
		AssetTag:     a.fixed[5],
		FRUFileID:    a.fixed[6],
		Custom:       a.custom,
	}, a.bad
}

func isEnglish(lang byte) bool { return lang == langEnglishDefault || lang == langEnglish }

func byteAt(b []byte, i int) (byte, bool) {
	if i < 0 || i >= len(b) {
		return 0, false
	}
	return b[i], true
}
