package fru

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The golden images in testdata were laid out by hand from the spec (see
// the hex in each test); board.bin holds the hardware-facts board-area
// vector behind the example common header 01 00 00 01 00 00 00 FE.

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goldenBoardArea is the board area vector of hardware-facts.md: English,
// made 2024-01-01 00:00 UTC, "ACME" / "SLED" / "SN01" / "PN01", empty file
// ID. Its bytes sum to 0 (checked in TestGoldenBoardVector).
const goldenBoardArea = "01 04 00 E0 B6 E0 C4 41 43 4D 45 C4 53 4C 45 44 C4 53 4E 30 31 C4 50 4E 30 31 C0 C1 00 00 00 B5"

func TestGoldenBoardVector(t *testing.T) {
	area := unhex(t, goldenBoardArea)
	if s := checksum(area); s != 0 {
		t.Fatalf("vector sums to %#02x", s)
	}
	img := readGolden(t, "board.bin")
	if want := append(unhex(t, "01 00 00 01 00 00 00 FE"), area...); !bytes.Equal(img, want) {
		t.Fatalf("board.bin = % x, want % x", img, want)
	}
	f, err := Parse(img)
	if err != nil {
		t.Fatal(err)
	}
	want := &FRU{Board: &BoardArea{
		MfgDate:      time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		Manufacturer: "ACME", ProductName: "SLED", SerialNumber: "SN01", PartNumber: "PN01",
	}}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("Parse = %+v, want %+v", f.Board, want.Board)
	}
}

func TestGoldenFull(t *testing.T) {
	f, err := Parse(readGolden(t, "full.bin"))
	if err != nil {
		t.Fatal(err)
	}
	want := &FRU{
		Chassis: &ChassisArea{
			Type:         0x17,
			PartNumber:   "CH-100",
			SerialNumber: "0123456789",     // BCD+
			Custom:       []string{"IPMI"}, // 6-bit ASCII 83 29 DC A6
		},
		Board: &BoardArea{
			MfgDate:      time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
			Manufacturer: "ACME", ProductName: "SLED", SerialNumber: "SN01", PartNumber: "PN01",
			FRUFileID: "beef", // binary 02 BE EF
			Custom:    []string{"", "Rev B"},
		},
		Product: &ProductArea{
			Manufacturer: "ACME", Name: "Sled 9000", PartNumber: "PN-9", Version: "1.2",
			SerialNumber: "S12345", // 6-bit ASCII, 5 bytes, padded
			Custom:       []string{"Café"},
		},
		MultiRecords: []MultiRecord{
			{Type: 0x03, Format: 2, Data: append([]byte{0x07}, unhex(t, "101112131415161718191a1b1c1d1e1f")...)},
			{Type: 0xC0, Format: 2, Data: unhex(t, "b3a2000102")},
		},
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("Parse =\n%+v %+v %+v %+v\nwant\n%+v %+v %+v %+v",
			f.Chassis, f.Board, f.Product, f.MultiRecords, want.Chassis, want.Board, want.Product, want.MultiRecords)
	}
}

func TestGoldenUCS2(t *testing.T) {
	f, err := Parse(readGolden(t, "ucs2.bin"))
	if err != nil {
		t.Fatal(err)
	}
	want := &ProductArea{
		Language: 2, Manufacturer: "Sté", Name: "€1", PartNumber: "42",
		Custom: []string{"Ωmega"},
	}
	if !reflect.DeepEqual(f.Product, want) {
		t.Errorf("Product = %+v, want %+v", f.Product, want)
	}
}

func TestGoldenGap(t *testing.T) {
	// An internal use area sits between the header and the board area.
	f, err := Parse(readGolden(t, "gap.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Board == nil || f.Board.Manufacturer != "ACME" {
		t.Errorf("Board = %+v", f.Board)
	}
}

func TestDecodeField(t *testing.T) {
	tests := []struct {
		name    string
		field   string // type/length byte then data, hex
		english bool
		want    string
	}{
		{"6-bit IPMI", "83 29 DC A6", true, "IPMI"},
		{"6-bit one char", "81 21", true, "A"},
		{"6-bit two chars", "82 A1 08", true, "AB"},
		{"6-bit padding trimmed", "83 A1 08 00", true, "AB"},
		{"6-bit all 63", "83 FF FF FF", true, "____"},
		{"BCD+ digits", "42 12 34", true, "1234"},
		{"BCD+ specials", "42 AB C0", true, " -.0"},
		{"BCD+ odd padded", "42 12 3A", true, "123"},
		{"binary", "03 00 7F FF", true, "007fff"},
		{"binary empty", "00", true, ""},
		{"Latin-1", "C4 41 43 4D 45", true, "ACME"},
		{"Latin-1 high", "C2 E9 FF", true, "éÿ"},
		{"empty", "C0", true, ""},
		{"UCS-2", "C4 53 00 AC 20", false, "S€"},
		{"UCS-2 ignores english for 6-bit", "83 29 DC A6", false, "IPMI"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := unhex(t, tc.field)
			got, err := decodeField(b[0], b[1:], tc.english)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDecodeFieldErrors(t *testing.T) {
	tests := []struct {
		name, field string
		english     bool
	}{
		{"BCD+ reserved digit", "41 1D", true},
		{"UCS-2 odd length", "C3 41 00 42", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := unhex(t, tc.field)
			if got, err := decodeField(b[0], b[1:], tc.english); err == nil {
				t.Errorf("got %q, want an error", got)
			}
		})
	}
}

func TestMfgDate(t *testing.T) {
	tests := []struct {
		date string // 3 bytes LE
		want time.Time
	}{
		{"00 00 00", time.Time{}},
		{"01 00 00", time.Date(1996, 1, 1, 0, 1, 0, 0, time.UTC)},
		{"E0 B6 E0", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"FF FF FF", epoch.Add((1<<24 - 1) * time.Minute)},
	}
	for _, tc := range tests {
		body := append(append([]byte{0x01, 0x01, 0x00}, unhex(t, tc.date)...), 0xC1)
		body = append(body, -checksum(body))
		img := append(unhex(t, "01 00 00 01 00 00 00 FE"), body...)
		f, err := Parse(img)
		if err != nil {
			t.Fatalf("%s: %v", tc.date, err)
		}
		if !f.Board.MfgDate.Equal(tc.want) || f.Board.MfgDate.IsZero() != tc.want.IsZero() {
			t.Errorf("%s: MfgDate = %v, want %v", tc.date, f.Board.MfgDate, tc.want)
		}
	}
}

func TestEmptyHeader(t *testing.T) {
	// A valid header naming no area is an empty FRU, not an error.
	f, err := Parse(unhex(t, "01 00 00 00 00 00 00 FF"))
	if err != nil || !reflect.DeepEqual(f, &FRU{}) {
		t.Errorf("Parse = %+v, %v", f, err)
	}
}
