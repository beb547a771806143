package crc

import "testing"

func TestPEC(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want byte
	}{
		// CRC-8/SMBUS check value from the CRC catalogue.
		{"check string", []byte("123456789"), 0xF4},
		{"empty", nil, 0x00},
		// NVMe-MI basic management status block, 35 °C, healthy
		// (hardware-facts.md test vector).
		{"nvme-mi status", []byte{0xD4, 0x00, 0xD5, 0x06, 0xBB, 0xFF, 0x23, 0x03, 0x00, 0x00}, 0x35},
		// MCTP over SMBus Get Endpoint ID request, PEC 0x56 ends the frame.
		{"mctp get eid", []byte{0x3A, 0x0F, 0x08, 0x21, 0x01, 0x00, 0x08, 0xC8, 0x00, 0x80, 0x02}, 0x56},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PEC(0, tt.data...); got != tt.want {
				t.Errorf("PEC(% X) = %#02x, want %#02x", tt.data, got, tt.want)
			}
		})
	}
}

func TestPECChains(t *testing.T) {
	data := []byte("123456789")
	if got := PEC(PEC(0, data[:4]...), data[4:]...); got != 0xF4 {
		t.Errorf("chained PEC = %#02x, want 0xf4", got)
	}
}
