package mctp

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{0x01, 0x00, 0x08, 0xC8})
	f.Add([]byte{0x02, 0x00, 0x08, 0xC8})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		want := []byte{0x01, b[1], b[2], b[3]}
		if got := h.Append(nil); !bytes.Equal(got, want) {
			t.Errorf("ParseHeader(% X) = %v, re-encodes as % X", b[:4], h, got)
		}
	})
}

// FuzzReassemblerAdd feeds a stream of packets, each prefixed by its length
// byte, to one Reassembler with small limits.
func FuzzReassemblerAdd(f *testing.F) {
	var seed []byte
	for _, p := range Packetize(Header{Src: 1, TO: true, Tag: 2}, body150(), 64) {
		seed = append(append(seed, byte(len(p))), p...)
	}
	f.Add(seed)
	f.Add([]byte{5, 0x01, 0x08, 0x1D, 0x80, 0x01, 5, 0x01, 0x08, 0x1D, 0x20, 0x02})
	f.Fuzz(func(t *testing.T, stream []byte) {
		// Longer streams add nothing the limits below do not already
		// exercise, and make the fuzzer's minimization crawl.
		if len(stream) > 512 {
			return
		}
		r := Reassembler{MaxMessage: 200, MaxPartial: 3}
		for len(stream) > 0 {
			n := min(int(stream[0]), len(stream)-1)
			p := stream[1 : 1+n]
			stream = stream[1+n:]
			m, done, err := r.Add(p)
			if done && (err != nil || len(m.Body) == 0 || len(m.Body) > 200) {
				t.Fatalf("message of %d bytes, err %v", len(m.Body), err)
			}
			if r.InProgress() > 3 {
				t.Fatalf("%d messages in progress, limit 3", r.InProgress())
			}
		}
	})
}

func FuzzSerialDecoderFeed(f *testing.F) {
	f.Add([]byte{0x7E, 0x01, 0x07, 0x01, 0x00, 0x08, 0xC8, 0x00, 0x80, 0x02, 0x2B, 0xC1, 0x7E})
	f.Add([]byte{0x00, 0x7E, 0x01, 0x07, 0x01, 0x1D, 0x08, 0xC8, 0x7D, 0x5E, 0x7D, 0x5D, 0x01, 0x32, 0x86, 0x7E, 0x7D})
	f.Add([]byte{0x7E, 0x01, 0x06, 0x01, 0x1D, 0x08, 0xC8, 0x7F, 0xBF, 0x7E, 0x11, 0x7E})
	f.Fuzz(func(t *testing.T, stream []byte) {
		var d SerialDecoder
		for _, b := range stream {
			p, err := d.Feed(b)
			if p == nil {
				continue
			}
			if err != nil || len(p) < HeaderLen || len(p) > DefaultSerialMaxPacket {
				t.Fatalf("packet of %d bytes, err %v", len(p), err)
			}
			// Whatever decodes re-encodes into a frame a fresh decoder
			// reads back unchanged.
			var d2 SerialDecoder
			got, errs := feedAll(&d2, EncodeSerialFrame(p))
			if len(errs) != 0 || len(got) != 1 || !bytes.Equal(got[0], p) {
				t.Fatalf("packet % X does not round-trip: %X %v", p, got, errs)
			}
		}
	})
}

func FuzzDecodeSMBus(f *testing.F) {
	f.Add(uint16(0x1D), []byte{0x0F, 0x08, 0x21, 0x01, 0x00, 0x08, 0xC8, 0x00, 0x80, 0x02, 0x56})
	f.Add(uint16(0x10), []byte{0x0F, 0x0C, 0x3B, 0x01, 0x08, 0x1D, 0xC0, 0x00, 0x00, 0x02, 0x00, 0x1D, 0x00, 0x00, 0xEF})
	f.Fuzz(func(t *testing.T, own uint16, w []byte) {
		own &= 0x7F
		src, pkt, err := DecodeSMBus(own, w)
		if err != nil {
			return
		}
		if got := EncodeSMBus(own, src, pkt); !bytes.Equal(got, w) {
			t.Fatalf("DecodeSMBus(%#02x, % X) = %#02x, % X; re-encodes as % X", own, w, src, pkt, got)
		}
	})
}

// FuzzControl runs every control parser over the same bytes, and checks that
// what parses rebuilds into the same values.
func FuzzControl(f *testing.F) {
	for _, name := range []string{
		"ctl-set-eid-request", "ctl-set-eid-response", "ctl-get-version-request",
		"ctl-get-version-response", "ctl-get-types-response", "ctl-get-eid-busowner",
	} {
		f.Add(vector(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := ParseControlRequest(b); err == nil {
			r.SetEIDArgs()
			r.VersionArg()
			if !bytes.Equal(r.Data, b[3:]) {
				t.Fatal("request data does not follow the command byte")
			}
		}
		var inst uint8
		if len(b) > 1 {
			inst = b[1] & ctlInstance
		}
		if r, err := ParseSetEIDResponse(b); err == nil {
			if got, _ := ParseSetEIDResponse(SetEIDResponse(inst, CCSuccess, r)); got != r {
				t.Fatalf("Set EID %+v rebuilds as %+v", r, got)
			}
		} else {
			checkControlErr(t, err)
		}
		if r, err := ParseGetEIDResponse(b); err == nil {
			if got, _ := ParseGetEIDResponse(GetEIDResponse(inst, CCSuccess, r)); got != r {
				t.Fatalf("Get EID %+v rebuilds as %+v", r, got)
			}
		} else {
			checkControlErr(t, err)
		}
		if vs, err := ParseGetVersionResponse(b); err == nil {
			got, err := ParseGetVersionResponse(GetVersionResponse(inst, CCSuccess, vs))
			if err != nil || len(got) != len(vs) {
				t.Fatalf("versions %v rebuild as %v, %v", vs, got, err)
			}
			for _, v := range vs {
				_ = v.String()
			}
		} else {
			checkControlErr(t, err)
		}
		if ts, err := ParseGetMessageTypesResponse(b); err == nil {
			if got, _ := ParseGetMessageTypesResponse(GetMessageTypesResponse(inst, CCSuccess, ts)); !bytes.Equal(got, ts) {
				t.Fatalf("types % X rebuild as % X", ts, got)
			}
		} else {
			checkControlErr(t, err)
		}
	})
}

// checkControlErr: a parser fails only with ErrControl or a completion code.
func checkControlErr(t *testing.T, err error) {
	t.Helper()
	var ce *CompletionError
	if !errors.Is(err, ErrControl) && !errors.As(err, &ce) {
		t.Fatalf("unexpected error kind: %v", err)
	}
}
