package mctp

import (
	"bytes"
	"errors"
	"testing"
)

// body150 is a 150-byte PLDM-typed message with distinct bytes, so a
// misplaced chunk shows.
func body150() []byte {
	b := make([]byte, 150)
	b[0] = TypePLDM
	for i := 1; i < len(b); i++ {
		b[i] = byte(i)
	}
	return b
}

func TestPacketizeMultiPacket(t *testing.T) {
	msg := body150()
	h := Header{Dst: 0x1D, Src: 8, TO: true, Tag: 3}
	pkts := Packetize(h, msg, 64)
	// 150 bytes at 64 per packet: 64 + 64 + 22. Flag bytes, derived from
	// the header layout with TO (08) and tag 3:
	//   first: SOM (80) | seq 0        | 0B = 8B
	//   second:           seq 1 (10)   | 0B = 1B
	//   last:  EOM (40) | seq 2 (20)   | 0B = 6B
	wantFlags := []byte{0x8B, 0x1B, 0x6B}
	wantLen := []int{64, 64, 22}
	if len(pkts) != 3 {
		t.Fatalf("Packetize: %d packets, want 3", len(pkts))
	}
	var joined []byte
	for i, p := range pkts {
		if !bytes.Equal(p[:3], []byte{0x01, 0x1D, 0x08}) {
			t.Errorf("packet %d header % X, want 01 1D 08 ..", i, p[:4])
		}
		if p[3] != wantFlags[i] {
			t.Errorf("packet %d flags %#02x, want %#02x", i, p[3], wantFlags[i])
		}
		if got := len(p) - HeaderLen; got != wantLen[i] {
			t.Errorf("packet %d payload %d bytes, want %d", i, got, wantLen[i])
		}
		joined = append(joined, p[HeaderLen:]...)
	}
	if !bytes.Equal(joined, msg) {
		t.Error("payloads do not join back into the message")
	}

	var r Reassembler
	for i, p := range pkts {
		m, done, err := r.Add(p)
		if err != nil {
			t.Fatalf("Add packet %d: %v", i, err)
		}
		if done != (i == 2) {
			t.Fatalf("Add packet %d: complete = %v", i, done)
		}
		if done {
			want := Message{Src: 8, Dst: 0x1D, Tag: 3, TO: true, Body: msg}
			if m.Src != want.Src || m.Dst != want.Dst || m.Tag != want.Tag || m.TO != want.TO || !bytes.Equal(m.Body, msg) {
				t.Errorf("message = %+v, want %+v", m, want)
			}
		}
	}
	if n := r.InProgress(); n != 0 {
		t.Errorf("InProgress = %d after EOM", n)
	}
}

func TestPacketizeEdges(t *testing.T) {
	tests := []struct {
		name   string
		msgLen int
		mtu    int
		want   []int // payload length of each packet
	}{
		{"exactly one mtu", 64, 64, []int{64}},
		{"one byte over", 65, 64, []int{64, 1}},
		{"single byte", 1, 64, []int{1}},
		{"empty", 0, 64, []int{0}},
		{"default mtu", 130, 0, []int{64, 64, 2}},
		{"seq wraps", 5, 1, []int{1, 1, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkts := Packetize(Header{Seq: 0}, make([]byte, tt.msgLen), tt.mtu)
			if len(pkts) != len(tt.want) {
				t.Fatalf("%d packets, want %d", len(pkts), len(tt.want))
			}
			for i, p := range pkts {
				h, _ := ParseHeader(p)
				if h.SOM != (i == 0) || h.EOM != (i == len(pkts)-1) || h.Seq != uint8(i%4) {
					t.Errorf("packet %d header %v", i, h)
				}
				if len(p)-HeaderLen != tt.want[i] {
					t.Errorf("packet %d: %d payload bytes, want %d", i, len(p)-HeaderLen, tt.want[i])
				}
			}
		})
	}
}

// pkt builds one packet by hand for the reassembly tests.
func pkt(src EID, tag uint8, to, som, eom bool, seq uint8, payload ...byte) []byte {
	return append(Header{Dst: 8, Src: src, SOM: som, EOM: eom, Seq: seq, TO: to, Tag: tag}.Append(nil), payload...)
}

func TestReassemblerRejects(t *testing.T) {
	tests := []struct {
		name    string
		pkts    [][]byte
		wantErr []error // per packet
		done    int     // index of the packet that completes a message, -1 none
		body    []byte
	}{
		{
			name:    "middle without start",
			pkts:    [][]byte{pkt(1, 0, true, false, false, 1, 0x01, 2)},
			wantErr: []error{ErrNoStart},
			done:    -1,
		},
		{
			name: "sequence gap drops the message",
			pkts: [][]byte{
				pkt(1, 0, true, true, false, 0, 0x01, 1),
				pkt(1, 0, true, false, false, 2, 2), // seq 1 lost
				pkt(1, 0, true, false, true, 3, 3),
			},
			wantErr: []error{nil, ErrSequence, ErrNoStart},
			done:    -1,
		},
		{
			name: "duplicate packet is a gap",
			pkts: [][]byte{
				pkt(1, 0, true, true, false, 0, 0x01, 1),
				pkt(1, 0, true, false, false, 1, 2),
				pkt(1, 0, true, false, false, 1, 2),
			},
			wantErr: []error{nil, nil, ErrSequence},
			done:    -1,
		},
		{
			name: "new SOM restarts the message",
			pkts: [][]byte{
				pkt(1, 0, true, true, false, 0, 0x01, 1),
				pkt(1, 0, true, true, false, 2, 0x01, 9),
				pkt(1, 0, true, false, true, 3, 10),
			},
			wantErr: []error{nil, nil, nil},
			done:    2,
			body:    []byte{0x01, 9, 10},
		},
		{
			name:    "start without type byte",
			pkts:    [][]byte{pkt(1, 0, true, true, true, 0)},
			wantErr: []error{ErrEmpty},
			done:    -1,
		},
		{
			name:    "bad header",
			pkts:    [][]byte{{0x02, 0, 0, 0xC0, 0x01}},
			wantErr: []error{ErrHeader},
			done:    -1,
		},
		{
			name: "seq wraps 3 to 0",
			pkts: [][]byte{
				pkt(1, 0, true, true, false, 3, 0x01),
				pkt(1, 0, true, false, true, 0, 2),
			},
			wantErr: []error{nil, nil},
			done:    1,
			body:    []byte{0x01, 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Reassembler
			for i, p := range tt.pkts {
				m, done, err := r.Add(p)
				if want := tt.wantErr[i]; (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
					t.Fatalf("packet %d: error %v, want %v", i, err, want)
				}
				if done != (i == tt.done) {
					t.Fatalf("packet %d: complete = %v", i, done)
				}
				if done && !bytes.Equal(m.Body, tt.body) {
					t.Errorf("body % X, want % X", m.Body, tt.body)
				}
			}
		})
	}
}

func TestReassemblerInterleaves(t *testing.T) {
	// Two messages from different sources, and a request and response on
	// the same tag (TO differs), interleaved packet by packet.
	var r Reassembler
	in := [][]byte{
		pkt(1, 2, true, true, false, 0, 0x01, 'a'),
		pkt(5, 2, true, true, false, 0, 0x01, 'b'),
		pkt(1, 2, false, true, false, 0, 0x01, 'c'),
		pkt(5, 2, true, false, true, 1, 'B'),
		pkt(1, 2, true, false, true, 1, 'A'),
		pkt(1, 2, false, false, true, 1, 'C'),
	}
	var got []string
	for i, p := range in {
		m, done, err := r.Add(p)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if done {
			got = append(got, string(m.Body[1:]))
		}
	}
	want := []string{"bB", "aA", "cC"}
	if len(got) != len(want) {
		t.Fatalf("messages %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestReassemblerBounds(t *testing.T) {
	t.Run("message size", func(t *testing.T) {
		r := Reassembler{MaxMessage: 100}
		msg := make([]byte, 101)
		msg[0] = TypePLDM
		var err error
		for _, p := range Packetize(Header{Src: 1}, msg, 64) {
			_, _, err = r.Add(p)
		}
		if !errors.Is(err, ErrTooLong) {
			t.Errorf("101-byte message with limit 100: error %v, want ErrTooLong", err)
		}
		if r.InProgress() != 0 || r.Stats().Dropped != 1 {
			t.Errorf("after overflow: in progress %d, stats %+v", r.InProgress(), r.Stats())
		}
	})
	t.Run("evicts oldest", func(t *testing.T) {
		r := Reassembler{MaxPartial: 2}
		for src := EID(1); src <= 3; src++ {
			if _, _, err := r.Add(pkt(src, 0, true, true, false, 0, 0x01)); err != nil {
				t.Fatal(err)
			}
		}
		if r.InProgress() != 2 {
			t.Errorf("InProgress = %d, want 2", r.InProgress())
		}
		// Source 1 was evicted; 2 and 3 complete.
		if _, _, err := r.Add(pkt(1, 0, true, false, true, 1, 'x')); !errors.Is(err, ErrNoStart) {
			t.Errorf("evicted message continued: %v", err)
		}
		for src := EID(2); src <= 3; src++ {
			if _, done, err := r.Add(pkt(src, 0, true, false, true, 1, 'x')); err != nil || !done {
				t.Errorf("source %d: done %v, err %v", src, done, err)
			}
		}
	})
}

func BenchmarkReassemble150(b *testing.B) {
	pkts := Packetize(Header{Src: 1, TO: true}, body150(), 64)
	var r Reassembler
	for b.Loop() {
		for _, p := range pkts {
			r.Add(p)
		}
	}
}
