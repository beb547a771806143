package fruimage

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chassisd/chassisd/sled/fru"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var jan2024 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// TestGoldenBoardArea reproduces the board-area vector of
// hardware-facts.md behind the example common header.
func TestGoldenBoardArea(t *testing.T) {
	got, err := Build(Image{Board: &Board{
		MfgDate: jan2024, Manufacturer: "ACME", ProductName: "SLED", SerialNumber: "SN01", PartNumber: "PN01",
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, "01 00 00 01 00 00 00 FE"+
		"01 04 00 E0 B6 E0 C4 41 43 4D 45 C4 53 4C 45 44 C4 53 4E 30 31 C4 50 4E 30 31 C0 C1 00 00 00 B5")
	if !bytes.Equal(got, want) {
		t.Errorf("Build =\n% X\nwant\n% X", got, want)
	}
}

func TestEncodeField(t *testing.T) {
	tests := []struct {
		s             string
		sixBit, bcd   bool
		want          string
		wantErrSubstr string
	}{
		{s: "", want: "C0"},
		{s: "ACME", want: "C4 41 43 4D 45"},
		{s: "IPMI", sixBit: true, want: "83 29 DC A6"},
		{s: "IPMI", want: "C4 49 50 4D 49"},
		{s: "Acme", sixBit: true, want: "C4 41 63 6D 65"}, // lower case: Latin-1
		{s: "AB ", sixBit: true, want: "C3 41 42 20"},     // trailing space: Latin-1
		{s: "1234", bcd: true, want: "42 12 34"},
		{s: "123", bcd: true, want: "42 12 3A"},                   // odd: padded with BCD+ space
		{s: "12-3", bcd: true, sixBit: true, want: "83 91 D4 4C"}, // not all digits
		{s: "Café", want: "C4 43 61 66 E9"},
		{s: "X", want: "81 38"}, // one character: 6-bit, C1 is the end marker
		{s: "7", bcd: true, want: "41 7A"},
		{s: "x", wantErrSubstr: "end marker"},
		{s: " ", wantErrSubstr: "end marker"},
		{s: "€", wantErrSubstr: "not a Latin-1 character"},
		{s: "\xff", wantErrSubstr: "invalid UTF-8"},
		{s: strings.Repeat("a", 63), want: "FF" + strings.Repeat(" 61", 63)},
		{s: strings.Repeat("a", 64), wantErrSubstr: "64 bytes encoded, more than the 63"},
		{s: strings.Repeat("A", 84), sixBit: true, want: "BF" + strings.Repeat(" 61 18 86", 21)}, // 84 chars in 63 bytes
	}
	for _, tc := range tests {
		got, err := encodeField(tc.s, tc.sixBit, tc.bcd)
		if tc.wantErrSubstr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErrSubstr) {
				t.Errorf("%q: err %v, want %q", tc.s, err, tc.wantErrSubstr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.s, err)
			continue
		}
		if want := unhex(t, tc.want); !bytes.Equal(got, want) {
			t.Errorf("%q (6-bit %v, BCD+ %v) = % X, want % X", tc.s, tc.sixBit, tc.bcd, got, want)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name string
		img  Image
		want []string
	}{
		{"date before 1996", Image{Board: &Board{MfgDate: time.Date(1995, 12, 31, 0, 0, 0, 0, time.UTC)}},
			[]string{"board area: manufacturing date 1995-12-31T00:00:00Z is outside"}},
		{"date at the epoch", Image{Board: &Board{MfgDate: time.Date(1996, 1, 1, 0, 0, 30, 0, time.UTC)}},
			[]string{"board area: manufacturing date"}},
		{"date past 2027", Image{Board: &Board{MfgDate: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)}},
			[]string{"outside 1996-01-01T00:01:00Z .. 2027-11-24"}},
		{"every bad field is named", Image{
			Chassis: &Chassis{Custom: []string{"ok", "Ω"}},
			Product: &Product{Name: strings.Repeat("n", 70)},
		}, []string{`chassis area: custom field 2 "Ω"`, `product area: name "nnn`}},
		{"area too long", Image{Product: &Product{Custom: manyFields(40)}},
			[]string{"product area: 2576 bytes: longer than the 2040 an area can be"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Build(tc.img)
			if err == nil {
				t.Fatalf("no error; image % X", img)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func manyFields(n int) []string {
	f := make([]string, n)
	for i := range f {
		f[i] = strings.Repeat("z", 63)
	}
	return f
}

func TestLastDate(t *testing.T) {
	last := time.Date(2027, 11, 24, 0, 0, 0, 0, time.UTC)
	img, err := Build(Image{Board: &Board{MfgDate: last}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := fru.Parse(img)
	if err != nil || !f.Board.MfgDate.Equal(last) {
		t.Errorf("MfgDate %v, %v", f.Board.MfgDate, err)
	}
}

func TestRoundTrip(t *testing.T) {
	full := Image{
		Chassis: &Chassis{Type: 0x17, PartNumber: "CH-100", SerialNumber: "0042", Custom: []string{"rack A", ""}},
		Board: &Board{
			MfgDate:      time.Date(2023, 6, 15, 13, 47, 59, 999, time.FixedZone("CEST", 2*3600)),
			Manufacturer: "Chassisd Systems", ProductName: "NVMe sled", SerialNumber: "12345",
			PartNumber: "SLD-8X", FRUFileID: "v2.fru", Custom: []string{"X", "Rev B"},
		},
		Product: &Product{
			Manufacturer: "Chassisd Systems", Name: "SLED 8", PartNumber: "900-0001", Version: "A1",
			SerialNumber: "0000000001", AssetTag: "Ünïcøde ©", Custom: []string{strings.Repeat("Z", 63)},
		},
	}
	for _, opt := range []struct{ sixBit, bcd bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		img := full
		img.SixBitASCII, img.BCDPlus = opt.sixBit, opt.bcd
		checkRoundTrip(t, img)
	}
	checkRoundTrip(t, Image{})
	checkRoundTrip(t, Image{Product: &Product{}})
	checkRoundTrip(t, Image{Chassis: &Chassis{Type: 1}})
}

// checkRoundTrip builds img, parses it with sled/fru and compares.
func checkRoundTrip(t *testing.T, img Image) {
	t.Helper()
	b, err := Build(img)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if len(b)%8 != 0 {
		t.Errorf("image is %d bytes, not a multiple of 8", len(b))
	}
	f, err := fru.Parse(b)
	if err != nil {
		t.Fatalf("Parse(% X): %v", b, err)
	}
	if want := expected(img); !reflect.DeepEqual(f, want) {
		t.Errorf("6-bit %v BCD+ %v: Parse =\n%+v %+v %+v\nwant\n%+v %+v %+v", img.SixBitASCII, img.BCDPlus,
			f.Chassis, f.Board, f.Product, want.Chassis, want.Board, want.Product)
	}
}

// expected is what sled/fru must read back from Build(img).
func expected(img Image) *fru.FRU {
	f := &fru.FRU{}
	if c := img.Chassis; c != nil {
		f.Chassis = &fru.ChassisArea{Type: c.Type, PartNumber: c.PartNumber, SerialNumber: c.SerialNumber, Custom: c.Custom}
	}
	if b := img.Board; b != nil {
		f.Board = &fru.BoardArea{
			Manufacturer: b.Manufacturer, ProductName: b.ProductName, SerialNumber: b.SerialNumber,
			PartNumber: b.PartNumber, FRUFileID: b.FRUFileID, Custom: b.Custom,
		}
		if !b.MfgDate.IsZero() {
			f.Board.MfgDate = b.MfgDate.UTC().Truncate(time.Minute)
		}
	}
	if p := img.Product; p != nil {
		f.Product = &fru.ProductArea{
			Manufacturer: p.Manufacturer, Name: p.Name, PartNumber: p.PartNumber, Version: p.Version,
			SerialNumber: p.SerialNumber, AssetTag: p.AssetTag, FRUFileID: p.FRUFileID, Custom: p.Custom,
		}
	}
	return f
}
