package fru

import "fmt"

// headerLen is the size of the common header at offset 0.
const headerLen = 8

// The areas in the order the common header lists them, which is also the
// order their offsets must ascend in.
const (
	areaInternal = iota
	areaChassis
	areaBoard
	areaProduct
	areaMultiRecord
	numAreas
)

var areaNames = [numAreas]string{"internal use", "chassis", "board", "product", "multirecord"}

// header is a validated common header: byte offsets, 0 for an absent area.
type header [numAreas]int

func (h header) offset(area int) int { return h[area] }

// parseHeader validates the common header: format version 1, pad byte 6
// zero, checksum, and non-zero offsets strictly ascending in header order
// (the rule OpenBMC applies too, and what keeps areas from overlapping
// starts).
func parseHeader(image []byte) (header, error) {
	var h header
	if len(image) < headerLen {
		return h, fmt.Errorf("common header: image is %d bytes, need %d: %w: %w", len(image), headerLen, ErrHeader, ErrTruncated)
	}
	b := image[:headerLen]
	if allFF(b) {
		// Say what it most likely is: a part that was never programmed.
		return h, fmt.Errorf("common header: all bytes 0xff (blank EEPROM): %w: %w", ErrHeader, ErrVersion)
	}
	if b[0] != 1 {
		return h, fmt.Errorf("common header: version %#02x != 1: %w: %w", b[0], ErrHeader, ErrVersion)
	}
	if s := checksum(b); s != 0 {
		return h, fmt.Errorf("common header: checksum %#02x != 0: %w: %w", s, ErrHeader, ErrChecksum)
	}
	if b[6] != 0 {
		return h, fmt.Errorf("common header: pad byte 6 is %#02x, want 0: %w", b[6], ErrHeader)
	}
	last, lastArea := 0, -1
	for i := range numAreas {
		off := int(b[1+i]) * 8
		if off == 0 {
			continue
		}
		if off <= last {
			return h, fmt.Errorf("common header: %s area offset %#02x is not after %s area offset %#02x: %w",
				areaNames[i], off, areaNames[lastArea], last, ErrHeader)
		}
		h[i], last, lastArea = off, off, i
	}
	return h, nil
}

func allFF(b []byte) bool {
	for _, x := range b {
		if x != 0xFF {
			return false
		}
	}
	return true
}
