package fru

// NextRead tells a reader how many more bytes, right after the have bytes
// it already read from offset 0, it needs to cover the header and every
// area of the image; 0 means have is enough. A reader loops:
//
//	img := read(0, 8)
//	for {
//		more, err := fru.NextRead(img)
//		if err != nil || more == 0 { break }
//		img = append(img, read(len(img), more)...)
//	}
//
// An info area's length is in its own second byte and each multirecord's in
// its header, so the image cannot be sized from the common header alone.
// NextRead asks for as much as it can already justify: first the header;
// then everything up to the last area's length byte (the first record header
// for the multirecord area); then the rest, one more read per further
// multirecord. A typical image with board and product areas takes three
// reads.
//
// The internal use area is not asked for unless it lies before an area
// (its length is unknowable and nothing here reads it). The multirecord walk
// stops at a record header that fails its checksum or version (its length
// cannot be trusted; Parse reports it), and no request goes past MaxImage.
// Each answer > 0 lets the reader make progress, so the loop ends. The only
// error is a bad common header, which wraps ErrHeader: there is then
// nothing to read.
func NextRead(have []byte) (more int, err error) {
	if len(have) < headerLen {
		return headerLen - len(have), nil
	}
	h, err := parseHeader(have)
	if err != nil {
		return 0, err
	}
	need := headerLen
	for _, area := range [...]int{areaChassis, areaBoard, areaProduct} {
		off := h.offset(area)
		if off == 0 {
			continue
		}
		end := off + 2 // through the length byte
		if off+2 <= len(have) {
			end = max(end, off+int(have[off+1])*8)
		}
		need = max(need, end)
	}
	if off := h.offset(areaMultiRecord); off != 0 {
		need = max(need, multiRecordExtent(have, off))
	}
	need = min(need, MaxImage)
	return max(need-len(have), 0), nil
}

// multiRecordExtent walks the records present in have from off and returns
// how far the image must reach: the end of the last record, or the end of
// the first header not yet in have.
func multiRecordExtent(have []byte, off int) int {
	pos := off
	for pos < MaxImage {
		if pos+recordHeaderLen > len(have) {
			return pos + recordHeaderLen
		}
		h, err := readRecordHeader(have, pos)
		if err != nil {
			return pos + recordHeaderLen
		}
		pos += recordHeaderLen + int(h.length)
		if h.last {
			return pos
		}
	}
	return pos
}
