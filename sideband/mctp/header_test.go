package mctp

import (
	"bytes"
	"errors"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		h     Header
		bytes []byte
	}{
		// The Get EID request of the hardware-facts vector: dst 0, src 8,
		// SOM|EOM (C0) | TO (08), tag 0.
		{"get eid request", Header{Dst: 0, Src: 8, SOM: true, EOM: true, TO: true}, []byte{0x01, 0x00, 0x08, 0xC8}},
		// Its response: TO clear.
		{"get eid response", Header{Dst: 8, Src: 0x1D, SOM: true, EOM: true}, []byte{0x01, 0x08, 0x1D, 0xC0}},
		// Middle packet, seq 2 (b5:4 = 10 -> 0x20), tag 5, TO: 0x20|0x08|0x05.
		{"middle packet", Header{Dst: 9, Src: 10, Seq: 2, TO: true, Tag: 5}, []byte{0x01, 0x09, 0x0A, 0x2D}},
		// Last packet, seq 3 (0x30) | EOM (0x40), tag 7: 0x77.
		{"last packet", Header{Dst: 0xFF, Src: 1, EOM: true, Seq: 3, Tag: 7}, []byte{0x01, 0xFF, 0x01, 0x77}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.h.Append(nil); !bytes.Equal(got, tt.bytes) {
				t.Errorf("Append = % X, want % X", got, tt.bytes)
			}
			got, err := ParseHeader(tt.bytes)
			if err != nil {
				t.Fatalf("ParseHeader: %v", err)
			}
			if got != tt.h {
				t.Errorf("ParseHeader = %+v, want %+v", got, tt.h)
			}
		})
	}
}

func TestHeaderAppendMasksFields(t *testing.T) {
	got := Header{Seq: 6, Tag: 9}.Append([]byte{0xAA})
	// seq 6&3 = 2 -> 0x20, tag 9&7 = 1.
	if want := []byte{0xAA, 0x01, 0x00, 0x00, 0x21}; !bytes.Equal(got, want) {
		t.Errorf("Append = % X, want % X", got, want)
	}
}

func TestParseHeaderErrors(t *testing.T) {
	for _, b := range [][]byte{
		nil,
		{0x01, 0x00, 0x08},
		{0x00, 0x00, 0x08, 0xC8}, // version 0
		{0x02, 0x00, 0x08, 0xC8}, // version 2
	} {
		if _, err := ParseHeader(b); !errors.Is(err, ErrHeader) {
			t.Errorf("ParseHeader(% X) error = %v, want ErrHeader", b, err)
		}
	}
	// The reserved high nibble of byte 0 is ignored.
	if _, err := ParseHeader([]byte{0xF1, 0, 0, 0}); err != nil {
		t.Errorf("ParseHeader with reserved bits set: %v", err)
	}
}

func TestMessageType(t *testing.T) {
	if typ, ok := MessageType([]byte{0x84, 0x08}); !ok || typ != TypeNVMeMI {
		t.Errorf("MessageType(84 ..) = %#02x, %v; want NVMe-MI", typ, ok)
	}
	if _, ok := MessageType(nil); ok {
		t.Error("MessageType(nil) ok")
	}
}
