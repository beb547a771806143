package mctp

import (
	"bytes"
	"errors"
	"testing"
)

func TestEncodeSerialFrame(t *testing.T) {
	tests := []struct {
		name  string
		pkt   []byte
		frame string
	}{
		{"get eid request", vector(t, "serial-get-eid-request")[3:10], "serial-get-eid-request"},
		{"get eid response", vector(t, "serial-get-eid-response")[3:14], "serial-get-eid-response"},
		{"escapes", vector(t, "serial-escape-packet"), "serial-escape-frame"},
		{"FCS high byte 7E", vector(t, "serial-fcs7e-packet"), "serial-fcs7e-frame"},
		{"FCS high byte 7D", vector(t, "serial-fcs7d-packet"), "serial-fcs7d-frame"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := vector(t, tt.frame)
			if got := EncodeSerialFrame(tt.pkt); !bytes.Equal(got, want) {
				t.Errorf("EncodeSerialFrame(% X) = % X, want % X", tt.pkt, got, want)
			}
			pkts, errs := feedAll(&SerialDecoder{}, want)
			if len(errs) != 0 || len(pkts) != 1 || !bytes.Equal(pkts[0], tt.pkt) {
				t.Errorf("decoded %X, errors %v; want [% X]", pkts, errs, tt.pkt)
			}
		})
	}
}

// feedAll runs a byte stream through d.
func feedAll(d *SerialDecoder, stream []byte) (pkts [][]byte, errs []error) {
	for _, b := range stream {
		p, err := d.Feed(b)
		if err != nil {
			errs = append(errs, err)
		}
		if p != nil {
			pkts = append(pkts, p)
		}
	}
	return pkts, errs
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestSerialDecoderSurvivesNoise(t *testing.T) {
	req := vector(t, "serial-get-eid-request")
	reqPkt := req[3:10]
	esc := vector(t, "serial-escape-frame")
	escPkt := vector(t, "serial-escape-packet")
	fcs7e := vector(t, "serial-fcs7e-frame")

	// badFCS is the request frame with the FCS low byte changed.
	badFCS := bytes.Clone(req)
	badFCS[len(badFCS)-2] ^= 0x01
	// flipped corrupts a packet byte: the FCS no longer matches.
	flipped := bytes.Clone(req)
	flipped[5] ^= 0x10

	tests := []struct {
		name   string
		stream []byte
		want   [][]byte
		errs   []error
		check  func(SerialStats) bool
	}{
		{
			name:   "garbage between frames",
			stream: cat([]byte{0x00, 0x55, 0xFF}, req, []byte{0x13, 0x37}, esc),
			want:   [][]byte{reqPkt, escPkt},
			check:  func(s SerialStats) bool { return s.Garbage == 5 && s.Frames == 2 },
		},
		{
			name:   "shared flag between frames",
			stream: cat(req, esc[1:]),
			want:   [][]byte{reqPkt, escPkt},
		},
		{
			name:   "idle flags",
			stream: cat([]byte{0x7E, 0x7E, 0x7E}, req, []byte{0x7E, 0x7E}),
			want:   [][]byte{reqPkt},
		},
		{
			name:   "bad FCS",
			stream: cat(badFCS, req),
			want:   [][]byte{reqPkt},
			errs:   []error{ErrFrameFCS},
			check:  func(s SerialStats) bool { return s.BadFCS == 1 },
		},
		{
			name:   "corrupt packet byte",
			stream: cat(flipped, req),
			want:   [][]byte{reqPkt},
			errs:   []error{ErrFrameFCS},
		},
		{
			name:   "truncated in the packet",
			stream: cat(req[:6], req),
			want:   [][]byte{reqPkt},
			errs:   []error{ErrFrameTruncated},
			check:  func(s SerialStats) bool { return s.Truncated == 1 },
		},
		{
			name:   "truncated after the revision",
			stream: cat(req[:2], req),
			want:   [][]byte{reqPkt},
			errs:   []error{ErrFrameTruncated},
		},
		{
			name:   "truncated after an escape",
			stream: cat(esc[:8], esc),
			want:   [][]byte{escPkt},
			errs:   []error{ErrFrameTruncated},
		},
		{
			name:   "broken escape",
			stream: cat([]byte{0x7E, 0x01, 0x07, 0x01, 0x1D, 0x08, 0xC8, 0x7D, 0x41}, req),
			want:   [][]byte{reqPkt},
			errs:   []error{ErrFrameEscape},
			check:  func(s SerialStats) bool { return s.BadEscape == 1 },
		},
		{
			name: "over-long frame",
			// One more packet byte than the count says, before the FCS.
			stream: cat([]byte{0x7E, 0x01, 0x04, 0x01, 0x1D, 0x08, 0xC0, 0x00, 0xAA, 0xBB, 0x7E}, req),
			want:   [][]byte{reqPkt},
			errs:   []error{ErrFrameOverlong},
			check:  func(s SerialStats) bool { return s.Overlong == 1 },
		},
		{
			name:   "count too long",
			stream: cat([]byte{0x7E, 0x01, 0x45, 0x01, 0x02}, req),
			want:   [][]byte{reqPkt},
			errs:   []error{ErrFrameLength},
		},
		{
			name:   "count shorter than a header",
			stream: cat([]byte{0x7E, 0x01, 0x03, 0x01, 0x02, 0x03}, req),
			want:   [][]byte{reqPkt},
			errs:   []error{ErrFrameLength},
		},
		{
			name:   "unknown revision",
			stream: cat([]byte{0x7E, 0x02, 0x07}, req),
			want:   [][]byte{reqPkt},
			check:  func(s SerialStats) bool { return s.Garbage == 2 },
		},
		{
			name:   "FCS containing a flag",
			stream: cat(fcs7e, req),
			want:   [][]byte{vector(t, "serial-fcs7e-packet"), reqPkt},
		},
		{
			name:   "byte at a time after noise burst",
			stream: cat(bytes.Repeat([]byte{0x7D, 0x7E, 0x01}, 10), req),
			want:   [][]byte{reqPkt},
			errs:   []error{ErrFrameLength, ErrFrameLength, ErrFrameLength, ErrFrameLength, ErrFrameLength, ErrFrameLength, ErrFrameLength, ErrFrameLength, ErrFrameLength, ErrFrameTruncated},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d SerialDecoder
			pkts, errs := feedAll(&d, tt.stream)
			if len(pkts) != len(tt.want) {
				t.Fatalf("decoded %d packets (% X), want %d; errors %v", len(pkts), pkts, len(tt.want), errs)
			}
			for i := range pkts {
				if !bytes.Equal(pkts[i], tt.want[i]) {
					t.Errorf("packet %d = % X, want % X", i, pkts[i], tt.want[i])
				}
			}
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors %v, want %v", errs, tt.errs)
			}
			for i := range errs {
				if !errors.Is(errs[i], tt.errs[i]) {
					t.Errorf("error %d = %v, want %v", i, errs[i], tt.errs[i])
				}
			}
			if s := d.Stats(); s.Dropped() != uint64(len(tt.errs)) || (tt.check != nil && !tt.check(s)) {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

// TestSerialRoundTripAllBytes frames packets holding every byte value,
// flags and escapes included, and decodes them back.
func TestSerialRoundTripAllBytes(t *testing.T) {
	var stream []byte
	var want [][]byte
	for start := 0; start < 256; start += 60 {
		p := Header{Dst: 1, Src: 2, SOM: true, EOM: true}.Append(nil)
		for i := start; i < start+60 && i < 256; i++ {
			p = append(p, byte(i))
		}
		want = append(want, p)
		stream = append(stream, EncodeSerialFrame(p)...)
	}
	pkts, errs := feedAll(&SerialDecoder{}, stream)
	if len(errs) != 0 || len(pkts) != len(want) {
		t.Fatalf("decoded %d packets, errors %v; want %d", len(pkts), errs, len(want))
	}
	for i := range want {
		if !bytes.Equal(pkts[i], want[i]) {
			t.Errorf("packet %d = % X, want % X", i, pkts[i], want[i])
		}
	}
}

func TestSerialDecoderMaxPacket(t *testing.T) {
	p := append(Header{SOM: true, EOM: true}.Append(nil), make([]byte, 100)...)
	frame := EncodeSerialFrame(p)
	if pkts, errs := feedAll(&SerialDecoder{}, frame); len(pkts) != 0 || len(errs) != 1 || !errors.Is(errs[0], ErrFrameLength) {
		t.Errorf("default limit: packets %d, errors %v", len(pkts), errs)
	}
	if pkts, errs := feedAll(&SerialDecoder{MaxPacket: 104}, frame); len(pkts) != 1 || len(errs) != 0 {
		t.Errorf("MaxPacket 104: packets %d, errors %v", len(pkts), errs)
	}
}

func BenchmarkSerialDecode(b *testing.B) {
	p := append(Header{SOM: true, EOM: true}.Append(nil), bytes.Repeat([]byte{0x7E, 0x11}, 32)...)
	frame := EncodeSerialFrame(p)
	var d SerialDecoder
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		for _, c := range frame {
			d.Feed(c)
		}
	}
}
