package fru

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, always explains a failure with
// one of the sentinel errors, returns only valid UTF-8, and that the prefix
// NextRead asks a reader for is all Parse ever looks at.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, img []byte) {
		fru, err := Parse(img)
		if fru == nil {
			if !errors.Is(err, ErrHeader) {
				t.Fatalf("nil FRU with error %v, want ErrHeader", err)
			}
			if len(img) >= headerLen {
				if _, nerr := NextRead(img[:headerLen]); nerr == nil {
					t.Fatalf("Parse rejects the header (%v), NextRead accepts it", err)
				}
			}
			return
		}
		if err != nil && !isSentinel(err) {
			t.Fatalf("error %q wraps no sentinel", err)
		}
		checkUTF8(t, fru)

		n, ok := readPrefix(t, img)
		if !ok {
			return
		}
		fp, perr := Parse(img[:n])
		if !reflect.DeepEqual(fp, fru) || errString(perr) != errString(err) {
			t.Fatalf("Parse of the %d bytes NextRead asked for differs from Parse of %d bytes:\n%+v %v\n%+v %v",
				n, len(img), fp, perr, fru, err)
		}
	})
}

// FuzzNextRead checks that the reader loop always makes progress, stays
// under MaxImage and ends.
func FuzzNextRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, img []byte) {
		readPrefix(t, img)
	})
}

// readPrefix runs the reader loop over img; ok is false when the loop
// needs more bytes than img holds or the header is bad.
func readPrefix(t *testing.T, img []byte) (n int, ok bool) {
	t.Helper()
	for calls := 0; ; calls++ {
		if calls > MaxImage {
			t.Fatalf("NextRead loop did not end")
		}
		more, err := NextRead(img[:n])
		if err != nil {
			if n < headerLen || !errors.Is(err, ErrHeader) {
				t.Fatalf("NextRead(%d bytes): unexpected error %v", n, err)
			}
			return n, false
		}
		if more < 0 || n+more > MaxImage {
			t.Fatalf("NextRead(%d bytes) = %d", n, more)
		}
		if more == 0 {
			if n < headerLen {
				t.Fatalf("NextRead(%d bytes) done before the header", n)
			}
			return n, true
		}
		if n+more > len(img) {
			return n, false
		}
		n += more
	}
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrHeader, ErrChecksum, ErrTruncated, ErrVersion, ErrFormat} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func checkUTF8(t *testing.T, f *FRU) {
	t.Helper()
	var all []string
	if c := f.Chassis; c != nil {
		all = append(append(all, c.PartNumber, c.SerialNumber), c.Custom...)
	}
	if b := f.Board; b != nil {
		all = append(append(all, b.Manufacturer, b.ProductName, b.SerialNumber, b.PartNumber, b.FRUFileID), b.Custom...)
	}
	if p := f.Product; p != nil {
		all = append(append(all, p.Manufacturer, p.Name, p.PartNumber, p.Version, p.SerialNumber, p.AssetTag, p.FRUFileID), p.Custom...)
	}
	for _, s := range all {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 %q", s)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
