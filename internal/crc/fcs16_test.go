package crc

import "testing"

func TestFCS16(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want uint16
	}{
		// CRC-16/MCRF4XX check value from the CRC catalogue (init FFFF,
		// reflected 0x8408, no final XOR).
		{"check string", []byte("123456789"), 0x6F91},
		// Nothing hashed: the initial value comes back unchanged.
		{"empty", nil, 0xFFFF},
		// hardware-facts.md "Test vectors": MCTP serial Get EID request
		// 7E 01 07 01 00 08 C8 00 80 02 2B C1 7E. The FCS covers revision,
		// byte count and the packet and is sent MSB first: 2B C1.
		{"serial get eid request", []byte{0x01, 0x07, 0x01, 0x00, 0x08, 0xC8, 0x00, 0x80, 0x02}, 0x2BC1},
		// The matching response frame, FCS B4 34.
		{"serial get eid response", []byte{0x01, 0x0B, 0x01, 0x08, 0x1D, 0xC0, 0x00, 0x00, 0x02, 0x00, 0x1D, 0x00, 0x00}, 0xB434},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FCS16(0xFFFF, tt.data...); got != tt.want {
				t.Errorf("FCS16(FFFF, % X) = %#04x, want %#04x", tt.data, got, tt.want)
			}
		})
	}
}

// TestFCS16Chains checks that a frame can be hashed in pieces (header, then
// the packet as it is unescaped) with the same result as in one call.
func TestFCS16Chains(t *testing.T) {
	data := []byte("123456789")
	for i := range len(data) + 1 {
		if got := FCS16(FCS16(0xFFFF, data[:i]...), data[i:]...); got != 0x6F91 {
			t.Errorf("split at %d: FCS16 = %#04x, want 0x6f91", i, got)
		}
	}
}

// TestFCS16Bitwise compares the table with the bit-at-a-time definition of
// RFC 1662 for every single byte from a few starting values.
func TestFCS16Bitwise(t *testing.T) {
	bitwise := func(fcs uint16, b byte) uint16 {
		fcs ^= uint16(b)
		for range 8 {
			if fcs&1 != 0 {
				fcs = fcs>>1 ^ 0x8408
			} else {
				fcs >>= 1
			}
		}
		return fcs
	}
	for _, init := range []uint16{0xFFFF, 0x0000, 0x1234} {
		for b := range 256 {
			if got, want := FCS16(init, byte(b)), bitwise(init, byte(b)); got != want {
				t.Fatalf("FCS16(%#04x, %#02x) = %#04x, want %#04x", init, b, got, want)
			}
		}
	}
}

func BenchmarkFCS16(b *testing.B) {
	data := make([]byte, 68)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		FCS16(0xFFFF, data...)
	}
}
