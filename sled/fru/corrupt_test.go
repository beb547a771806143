package fru

import (
	"errors"
	"strings"
	"testing"
)

// full.bin layout: header, chassis area at 0x08 (24 bytes), board area at
// 0x20 (40 bytes), product area at 0x48 (48 bytes), multirecord area at
// 0x78 (a 17-byte management access record, then a 5-byte OEM record).
const (
	fullChassis = 0x08
	fullBoard   = 0x20
	fullProduct = 0x48
	fullMR      = 0x78
)

// fixSum sets the last byte of b[start:end] so the range sums to zero.
func fixSum(b []byte, start, end int) {
	b[end-1] = 0
	b[end-1] = -checksum(b[start:end])
}

func TestParseCorrupt(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		mutate func(b []byte) []byte
		// wantNil: the header is bad, no FRU at all.
		wantNil bool
		is      []error
		msg     []string // substrings of the error
		// check what survived.
		check func(t *testing.T, f *FRU)
	}{
		{
			name: "header checksum", file: "board.bin", wantNil: true,
			mutate: func(b []byte) []byte { b[7]++; return b },
			is:     []error{ErrHeader, ErrChecksum}, msg: []string{"common header: checksum 0x01 != 0"},
		},
		{
			name: "header version 2", file: "board.bin", wantNil: true,
			mutate: func(b []byte) []byte { b[0] = 2; fixSum(b, 0, 8); return b },
			is:     []error{ErrHeader, ErrVersion}, msg: []string{"common header: version 0x02 != 1"},
		},
		{
			name: "header pad byte", file: "board.bin", wantNil: true,
			mutate: func(b []byte) []byte { b[6] = 1; fixSum(b, 0, 8); return b },
			is:     []error{ErrHeader}, msg: []string{"pad byte 6 is 0x01"},
		},
		{
			name: "header offsets not ascending", file: "full.bin", wantNil: true,
			mutate: func(b []byte) []byte { b[4] = 1; fixSum(b, 0, 8); return b },
			is:     []error{ErrHeader}, msg: []string{"product area offset 0x08 is not after board area offset 0x20"},
		},
		{
			name: "header offsets equal", file: "full.bin", wantNil: true,
			mutate: func(b []byte) []byte { b[3] = b[2]; fixSum(b, 0, 8); return b },
			is:     []error{ErrHeader}, msg: []string{"board area offset 0x08 is not after chassis area offset 0x08"},
		},
		{
			name: "header short", file: "board.bin", wantNil: true,
			mutate: func(b []byte) []byte { return b[:5] },
			is:     []error{ErrHeader, ErrTruncated}, msg: []string{"image is 5 bytes, need 8"},
		},
		{
			name: "blank EEPROM", file: "board.bin", wantNil: true,
			mutate: func(b []byte) []byte {
				for i := range b {
					b[i] = 0xFF
				}
				return b
			},
			is: []error{ErrHeader}, msg: []string{"blank EEPROM"},
		},
		{
			name: "board checksum", file: "board.bin",
			mutate: func(b []byte) []byte { b[len(b)-1] += 0x1c; return b },
			is:     []error{ErrChecksum}, msg: []string{"board area at 0x08: checksum 0x1c != 0"},
			check: func(t *testing.T, f *FRU) {
				// The text survives a bad checksum.
				if f.Board == nil || f.Board.Manufacturer != "ACME" {
					t.Errorf("Board = %+v, want it kept", f.Board)
				}
			},
		},
		{
			name: "board truncated", file: "board.bin",
			mutate: func(b []byte) []byte { return b[:30] },
			is:     []error{ErrTruncated}, msg: []string{"board area at 0x08: length 32 runs past the image end (30 bytes)"},
			check: wantNoBoard,
		},
		{
			name: "board starts past end", file: "board.bin",
			mutate: func(b []byte) []byte { return b[:8] },
			is:     []error{ErrTruncated}, msg: []string{"board area at 0x08: starts past the image end"},
			check: wantNoBoard,
		},
		{
			name: "board length past end", file: "board.bin",
			mutate: func(b []byte) []byte { b[9] = 0x10; return b },
			is:     []error{ErrTruncated}, msg: []string{"length 128 runs past the image end (40 bytes)"},
			check: wantNoBoard,
		},
		{
			name: "board length 0", file: "board.bin",
			mutate: func(b []byte) []byte { b[9] = 0; return b },
			is:     []error{ErrFormat}, msg: []string{"board area at 0x08: length 0"},
			check: wantNoBoard,
		},
		{
			name: "board version 2", file: "board.bin",
			mutate: func(b []byte) []byte { b[8] = 2; fixSum(b, 8, 40); return b },
			is:     []error{ErrVersion}, msg: []string{"board area at 0x08: version 2 != 1"},
			check: wantNoBoard,
		},
		{
			name: "board missing C1", file: "board.bin",
			// C1 at 0x08+27 becomes an empty field; the zero padding that
			// follows reads as empty binary fields up to the checksum.
			mutate: func(b []byte) []byte { b[8+27] = 0xC0; fixSum(b, 8, 40); return b },
			is:     []error{ErrFormat}, msg: []string{"board area at 0x08: no end-of-fields marker (C1)"},
			check: wantNoBoard,
		},
		{
			name: "board field past area end", file: "board.bin",
			// Part number "C4 PN01" claims 31 bytes.
			mutate: func(b []byte) []byte { b[8+21] = 0xDF; fixSum(b, 8, 40); return b },
			is:     []error{ErrTruncated}, msg: []string{"board area at 0x08: field 4 (part number) runs past the area end"},
			check: wantNoBoard,
		},
		{
			name: "product field 3 past area end", file: "full.bin",
			mutate: func(b []byte) []byte { b[fullProduct+18] = 0xFF; fixSum(b, fullProduct, fullProduct+48); return b },
			is:     []error{ErrTruncated}, msg: []string{"product area at 0x48: field 3 (part number) runs past the area end"},
			check: func(t *testing.T, f *FRU) {
				if f.Product != nil || f.Board == nil || f.Chassis == nil || len(f.MultiRecords) != 2 {
					t.Errorf("want only the product area lost, got %+v", f)
				}
			},
		},
		{
			name: "bad BCD digit", file: "full.bin",
			mutate: func(b []byte) []byte { b[fullChassis+11] = 0x0E; fixSum(b, fullChassis, fullChassis+24); return b },
			is:     []error{ErrFormat}, msg: []string{"chassis area at 0x08: field 2 (serial number) at 0x12: BCD+ digit 0xe is reserved"},
		},
		{
			name: "two bad areas", file: "full.bin",
			mutate: func(b []byte) []byte {
				b[fullBoard+39]++  // board checksum
				b[fullProduct] = 3 // product version
				return b
			},
			is: []error{ErrChecksum, ErrVersion}, msg: []string{"board area at 0x20: checksum 0x01 != 0", "\nproduct area at 0x48: version 3 != 1"},
			check: func(t *testing.T, f *FRU) {
				if f.Chassis == nil || f.Board == nil || f.Product != nil || len(f.MultiRecords) != 2 {
					t.Errorf("got %+v", f)
				}
			},
		},
		{
			name: "multirecord header checksum", file: "full.bin",
			mutate: func(b []byte) []byte { b[fullMR+22+4]++; return b },
			is:     []error{ErrChecksum}, msg: []string{"multirecord area at 0x78: record 2 at 0x8e: header checksum 0x01 != 0"},
			check: wantRecords(1),
		},
		{
			name: "multirecord data checksum", file: "full.bin",
			mutate: func(b []byte) []byte { b[fullMR+5]++; return b },
			is:     []error{ErrChecksum}, msg: []string{"record 1 at 0x78: data checksum 0x01 != 0"},
			check: wantRecords(0),
		},
		{
			name: "multirecord version", file: "full.bin",
			mutate: func(b []byte) []byte { b[fullMR+1] = 0x03; fixSum(b, fullMR, fullMR+5); return b },
			is:     []error{ErrVersion}, msg: []string{"record 1 at 0x78: format version 3 != 2"},
			check: wantRecords(0),
		},
		{
			name: "multirecord truncated data", file: "full.bin",
			mutate: func(b []byte) []byte { return b[:len(b)-1] },
			is:     []error{ErrTruncated}, msg: []string{"record 2 at 0x8e: 5 data bytes run past the image end (151 bytes)"},
			check: wantRecords(1),
		},
		{
			name: "multirecord no end of list", file: "full.bin",
			mutate: func(b []byte) []byte { b[fullMR+22+1] &^= 0x80; fixSum(b, fullMR+22, fullMR+27); return b },
			is:     []error{ErrTruncated}, msg: []string{"record 3 at 0x98: header runs past the image end (152 bytes)"},
			check: wantRecords(2),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := tc.mutate(readGolden(t, tc.file))
			f, err := Parse(img)
			if err == nil {
				t.Fatalf("no error; FRU %+v", f)
			}
			if (f == nil) != tc.wantNil {
				t.Errorf("FRU = %+v, want nil: %v", f, tc.wantNil)
			}
			for _, target := range tc.is {
				if !errors.Is(err, target) {
					t.Errorf("error %q is not %v", err, target)
				}
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
			if tc.check != nil && f != nil {
				tc.check(t, f)
			}
		})
	}
}

func wantNoBoard(t *testing.T, f *FRU) {
	t.Helper()
	if f.Board != nil {
		t.Errorf("Board = %+v, want nil", f.Board)
	}
}

func wantRecords(n int) func(t *testing.T, f *FRU) {
	return func(t *testing.T, f *FRU) {
		t.Helper()
		if len(f.MultiRecords) != n {
			t.Errorf("%d records kept, want %d", len(f.MultiRecords), n)
		}
		if f.Chassis == nil || f.Board == nil || f.Product == nil {
			t.Errorf("a multirecord fault cost an info area: %+v", f)
		}
	}
}

func TestParseIgnoresBytesPastMaxImage(t *testing.T) {
	img := make([]byte, MaxImage+100)
	copy(img, readGolden(t, "board.bin"))
	f, err := Parse(img)
	if err != nil || f.Board == nil {
		t.Errorf("Parse = %+v, %v", f, err)
	}
}
