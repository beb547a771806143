package at24

import (
	"bytes"
	"testing"
)

// FuzzTransfer drives a 1-byte and a 2-byte part with the same script of
// transactions: no input may panic or change the memory size, and after
// any script a full random read from 0 returns exactly Contents.
//
// Script: a part selector byte, then repeated [wlen, w..., rlen]; lengths
// are taken modulo 64 and cut at the script end.
func FuzzTransfer(f *testing.F) {
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) == 0 {
			return
		}
		p := parts[int(script[0])%len(parts)]
		d := New(p, pattern(p.Size))
		s := script[1:]
		for len(s) > 0 {
			wl := min(int(s[0]%64), len(s)-1)
			w := s[1 : 1+wl]
			s = s[1+wl:]
			rl := 0
			if len(s) > 0 {
				rl = int(s[0] % 64)
				s = s[1:]
			}
			_ = d.Transfer(w, make([]byte, rl))
		}
		for range BusyTransactions {
			_ = d.Transfer(nil, nil)
		}
		mem := d.Contents()
		if len(mem) != p.Size {
			t.Fatalf("memory is %d bytes, want %d", len(mem), p.Size)
		}
		got := make([]byte, p.Size)
		if err := d.Transfer(make([]byte, p.AddrBytes), got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, mem) {
			t.Fatal("random read from 0 differs from Contents")
		}
	})
}
