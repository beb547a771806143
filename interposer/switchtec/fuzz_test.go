package switchtec

import (
	"bytes"
	"testing"
)

func FuzzParseLinkStatus(f *testing.F) {
	f.Add(hx("08 01 00 10 04 04 01 84 03 01 00 00 05 00 02 05 04 02 00 83 03 01 00 00"))
	f.Add(bytes.Repeat([]byte{0xFF}, 24))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := parseLinkStatus(b)
		if err != nil {
			return
		}
		for _, r := range recs {
			p := r.port(4)
			if p.Width > p.MaxWidth && p.MaxWidth >= int(r.negWidth) {
				t.Fatalf("width %d over max %d", p.Width, p.MaxWidth)
			}
			if !p.LinkUp && (p.Width != 0 || p.SpeedGTs != 0) {
				t.Fatalf("down link with width %d speed %v", p.Width, p.SpeedGTs)
			}
		}
	})
}

func FuzzParseBindInfo(f *testing.F) {
	f.Add(hx("03 00 00 00 05 00 02 10 02 01 01 10 03 FF FF 00"))
	f.Add(hx("01 00 00 00 05 00 02 12"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parseBindInfo(b)
		if err != nil {
			return
		}
		bs, err := bindings(e)
		if err != nil {
			return
		}
		for _, x := range bs {
			if x.Partition > 0xFE || x.Logical > 0xFE {
				t.Fatalf("binding %+v uses the none value", x)
			}
		}
	})
}

// FuzzParseGASRead: an answer is accepted only with the right length and PEC.
func FuzzParseGASRead(f *testing.F) {
	f.Add(uint16(0x20), hx("E9 05 00 00 08 04 08"), hx("08 02 00 00 00 00 00 00 00 00 32"))
	f.Add(uint16(0x20), hx("E9 05 00 00 10 07 02"), hx("02 02 00 00 00"))
	f.Fuzz(func(t *testing.T, addr uint16, w, r []byte) {
		data, _, err := parseGASRead(addr&0x7F, w, r)
		if err == nil && (len(w) != 7 || len(data) != int(w[6]) || len(r) != len(data)+3) {
			t.Fatalf("accepted % x / % x", w, r)
		}
	})
}

func FuzzParseWriteStatus(f *testing.F) {
	f.Add(uint16(0x20), hx("02 00 47"))
	f.Fuzz(func(t *testing.T, addr uint16, r []byte) {
		parseWriteStatus(addr&0x7F, r)
	})
}
