package fru

import "fmt"

// Multirecord header: type, end-of-list bit 7 and format version in bits
// 3:0 of byte 1, data length, data checksum, header checksum.
const (
	recordHeaderLen = 5
	recordEndOfList = 0x80
	recordVersion   = 2
)

// recordHeader is one record's header, read from the image.
type recordHeader struct {
	typ, format, length, dataSum byte
	last                         bool
}

// readRecordHeader checks the header of the record at pos. It is shared
// with NextRead, so both stop walking at the same bad header: a header that
// fails its checksum or version cannot be trusted for the next record's
// position.
func readRecordHeader(image []byte, pos int) (recordHeader, error) {
	if pos+recordHeaderLen > len(image) {
		return recordHeader{}, fmt.Errorf("header runs past the image end (%d bytes): %w", len(image), ErrTruncated)
	}
	b := image[pos : pos+recordHeaderLen]
	if s := checksum(b); s != 0 {
		return recordHeader{}, fmt.Errorf("header checksum %#02x != 0: %w", s, ErrChecksum)
	}
	if v := b[1] & 0x0F; v != recordVersion {
		return recordHeader{}, fmt.Errorf("format version %d != %d: %w", v, recordVersion, ErrVersion)
	}
	return recordHeader{typ: b[0], format: b[1] & 0x0F, length: b[2], dataSum: b[3], last: b[1]&recordEndOfList != 0}, nil
}

// parseMultiRecords walks the records from off until the end-of-list bit.
// It keeps the records before the first bad one and reports that one.
func parseMultiRecords(image []byte, off int) ([]MultiRecord, error) {
	var recs []MultiRecord
	pos := off
	for i := 1; ; i++ {
		h, err := readRecordHeader(image, pos)
		if err != nil {
			return recs, recordError(off, i, pos, err)
		}
		start, end := pos+recordHeaderLen, pos+recordHeaderLen+int(h.length)
		if end > len(image) {
			return recs, recordError(off, i, pos, fmt.Errorf("%d data bytes run past the image end (%d bytes): %w", h.length, len(image), ErrTruncated))
		}
		data := image[start:end]
		if s := checksum(data) + h.dataSum; s != 0 {
			return recs, recordError(off, i, pos, fmt.Errorf("data checksum %#02x != 0: %w", s, ErrChecksum))
		}
		recs = append(recs, MultiRecord{Type: h.typ, Format: h.format, Data: append([]byte(nil), data...)})
		if h.last {
			return recs, nil
		}
		pos = end
	}
}

func recordError(off, i, pos int, err error) error {
	return areaError("multirecord", off, "record %d at %#02x: %w", i, pos, err)
}
