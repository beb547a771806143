package nvmemi_test

import (
	"testing"

	"github.com/chassisd/chassisd/sled/nvmemi"
)

func FuzzDecodeStatus(f *testing.F) {
	f.Add(goldenBasic[:8])
	f.Add(goldenBasic[:7])
	f.Add([]byte{0x06, 0x00, 0x00, 0x81, 0xFF, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := nvmemi.DecodeStatus(b)
		if err != nil {
			return
		}
		if b[0] != 6 || len(b) < 7 || len(b) > 8 {
			t.Fatalf("accepted % x", b)
		}
		if st.Temperature.Valid != (st.Temperature.Status == "") {
			t.Fatalf("temperature %+v: Valid and Status disagree", st.Temperature)
		}
		if st.Temperature.Celsius < -60 || st.Temperature.Celsius > 127 {
			t.Fatalf("temperature %v out of range", st.Temperature.Celsius)
		}
		if st.PercentLifeUsed < 0 || st.PercentLifeUsed > 255 {
			t.Fatalf("life used %d", st.PercentLifeUsed)
		}
		nvmemi.Health(st)
	})
}

func FuzzDecodeID(f *testing.F) {
	f.Add(goldenBasic[8:32])
	f.Add(goldenBasic[8:31])
	f.Add(idBlock(0x144D, "S3EVNX0K123456\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := nvmemi.DecodeID(b)
		if err != nil {
			return
		}
		if len(id.SerialNumber) > 20 {
			t.Fatalf("serial %q longer than its field", id.SerialNumber)
		}
		for _, c := range []byte(id.SerialNumber) {
			if c < 0x20 || c > 0x7E {
				t.Fatalf("serial %q holds %#02x", id.SerialNumber, c)
			}
		}
		if s := id.SerialNumber; s != "" && (s[0] == ' ' || s[len(s)-1] == ' ') {
			t.Fatalf("serial %q not trimmed", s)
		}
	})
}

// FuzzReadBasic feeds the bytes a drive (or a broken bus) might answer.
func FuzzReadBasic(f *testing.F) {
	f.Add(goldenBasic)
	f.Add(goldenBasic[:8])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, id, err := nvmemi.ReadBasic(dev(fakeBus{reply: b}), 0x6A)
		if err == nil {
			r := make([]byte, 32)
			copy(r, b)
			if crc8(append([]byte{0xD4, 0x00, 0xD5}, r[:7]...)...) != r[7] ||
				crc8(append([]byte{0xD4, 0x08, 0xD5}, r[8:31]...)...) != r[31] {
				t.Fatalf("accepted % x with a bad PEC", r)
			}
			if id2, err := nvmemi.DecodeID(r[8:32]); err != nil || id2 != id {
				t.Fatalf("ID %+v disagrees with DecodeID: %+v, %v", id, id2, err)
			}
		}
		if err != nil && id != (nvmemi.ID{}) {
			t.Fatalf("ID %+v returned with error %v", id, err)
		}
		_ = st
	})
}
