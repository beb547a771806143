package fru

import (
	"errors"
	"reflect"
	"testing"
)

// readAll runs the reader loop NextRead documents over img and returns the
// size of each read.
func readAll(t *testing.T, img []byte) []int {
	t.Helper()
	var reads []int
	n := 0
	for range 1000 {
		more, err := NextRead(img[:n])
		if err != nil {
			t.Fatalf("NextRead(%d bytes): %v", n, err)
		}
		if more == 0 {
			return reads
		}
		if n+more > len(img) {
			t.Fatalf("NextRead(%d bytes) asks for %d more, image has %d", n, more, len(img))
		}
		reads = append(reads, more)
		n += more
	}
	t.Fatal("NextRead never finished")
	return nil
}

func TestNextReadGolden(t *testing.T) {
	tests := []struct {
		file  string
		reads []int
	}{
		// Header; through the board length byte; the rest of the board.
		{"board.bin", []int{8, 2, 30}},
		// Header; through the first multirecord header (0x78+5); the
		// first record and the second's header; the second record.
		{"full.bin", []int{8, 0x7D - 8, 0x93 - 0x7D, 0x98 - 0x93}},
		// The internal use area before the board is read through.
		{"gap.bin", []int{8, 0x22 - 8, 0x40 - 0x22}},
		{"ucs2.bin", []int{8, 2, 38}},
	}
	for _, tc := range tests {
		img := readGolden(t, tc.file)
		got := readAll(t, img)
		if !reflect.DeepEqual(got, tc.reads) {
			t.Errorf("%s: reads %v, want %v", tc.file, got, tc.reads)
		}
		total := 0
		for _, n := range got {
			total += n
		}
		if total != len(img) {
			t.Errorf("%s: read %d bytes, image is %d", tc.file, total, len(img))
		}
	}
}

func TestNextReadHaveMore(t *testing.T) {
	// Bytes past the areas (the rest of the EEPROM) need nothing more.
	img := append(readGolden(t, "board.bin"), make([]byte, 200)...)
	if more, err := NextRead(img); more != 0 || err != nil {
		t.Errorf("NextRead = %d, %v; want 0, nil", more, err)
	}
}

func TestNextReadBadHeader(t *testing.T) {
	img := readGolden(t, "board.bin")
	img[7]++
	if _, err := NextRead(img[:8]); !errors.Is(err, ErrHeader) || !errors.Is(err, ErrChecksum) {
		t.Errorf("err = %v, want ErrHeader and ErrChecksum", err)
	}
}

func TestNextReadStopsAtBadRecord(t *testing.T) {
	// A multirecord area of zeros: the first header sums to zero but has
	// format version 0, so the walk stops there rather than crawl through
	// zero-length records to the end of the part.
	img := make([]byte, 4096)
	copy(img, []byte{1, 0, 0, 0, 0, 1, 0, 0xFE})
	if got := readAll(t, img); !reflect.DeepEqual(got, []int{8, 5}) {
		t.Errorf("reads %v, want [8 5]", got)
	}
	if _, err := Parse(img); !errors.Is(err, ErrVersion) {
		t.Errorf("Parse err = %v, want ErrVersion", err)
	}
}

func TestNextReadCap(t *testing.T) {
	// Valid 255-byte records that never set end-of-list: NextRead stops at
	// MaxImage and Parse reports the list as truncated.
	img := make([]byte, MaxImage+1024)
	copy(img, []byte{1, 0, 0, 0, 0, 1, 0, 0xFE})
	for pos := 8; pos+5 <= len(img); pos += 5 + 255 {
		h := []byte{0xC0, 0x02, 0xFF, 0x00, 0}
		h[4] = -checksum(h)
		copy(img[pos:], h)
	}
	reads := readAll(t, img)
	total := 0
	for _, n := range reads {
		total += n
	}
	if total != MaxImage {
		t.Errorf("read %d bytes, want %d", total, MaxImage)
	}
	f, err := Parse(img[:total])
	if !errors.Is(err, ErrTruncated) || f == nil || len(f.MultiRecords) != (MaxImage-8)/260 {
		t.Errorf("Parse: %d records, err %v", len(f.MultiRecords), err)
	}
}
