package at24

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim/i2csim"
)

var _ i2csim.Device = (*Device)(nil)

// pattern returns n bytes 0, 1, 2, ... (mod 251, so 256-byte blocks differ).
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// step is one transaction and what it must return.
type step struct {
	w       []byte
	n       int    // bytes to read
	want    []byte // nil: do not check
	wantErr error
}

func run(t *testing.T, d *Device, steps []step) {
	t.Helper()
	for i, s := range steps {
		r := make([]byte, s.n)
		err := d.Transfer(s.w, r)
		if !errors.Is(err, s.wantErr) || (err != nil && s.wantErr == nil) {
			t.Fatalf("step %d: W % x R %d: err %v, want %v", i, s.w, s.n, err, s.wantErr)
		}
		if s.want != nil && !bytes.Equal(r, s.want) {
			t.Fatalf("step %d: W % x: read % x, want % x", i, s.w, r, s.want)
		}
	}
}

func TestReads(t *testing.T) {
	tests := []struct {
		name  string
		part  Part
		steps []step
	}{
		{"24c02 random read", AT24C02, []step{
			{w: []byte{0x10}, n: 4, want: []byte{0x10, 0x11, 0x12, 0x13}},
		}},
		{"24c02 current address read continues", AT24C02, []step{
			{w: []byte{0x10}, n: 2, want: []byte{0x10, 0x11}},
			{n: 3, want: []byte{0x12, 0x13, 0x14}},
		}},
		{"24c02 address-only write then current read", AT24C02, []step{
			{w: []byte{0x20}},
			{n: 1, want: []byte{0x20}},
		}},
		{"24c02 wraps at end of memory", AT24C02, []step{
			{w: []byte{0xFE}, n: 4, want: []byte{pattern(256)[0xFE], pattern(256)[0xFF], 0x00, 0x01}},
		}},
		{"24c02 probe touches nothing", AT24C02, []step{
			{w: []byte{0x05}},
			{},
			{n: 1, want: []byte{0x05}},
		}},
		{"24c64 random read", AT24C64, []step{
			{w: []byte{0x01, 0x02}, n: 2, want: []byte{pattern(8192)[0x102], pattern(8192)[0x103]}},
		}},
		{"24c64 address bits past the size are ignored", AT24C64, []step{
			{w: []byte{0xE0, 0x05}, n: 1, want: []byte{0x05}},
		}},
		{"24c64 wraps at end of memory", AT24C64, []step{
			{w: []byte{0x1F, 0xFF}, n: 2, want: []byte{pattern(8192)[0x1FFF], 0x00}},
		}},
		{"24c64 lone byte sets the high address byte only", AT24C64, []step{
			{w: []byte{0x00, 0x30}, n: 1, want: []byte{0x30}},
			{w: []byte{0x01}, n: 1, want: []byte{pattern(8192)[0x131]}},
			{w: []byte{0x01}, n: 1, want: []byte{pattern(8192)[0x132]}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run(t, New(tc.part, pattern(tc.part.Size)), tc.steps)
		})
	}
}

// TestOpenBMCDetection replays OpenBMC's MODE_1 width detection: Send Byte
// 0x00, then eight Read Byte Data at command 0. A 2-byte part returns
// successive bytes, a 1-byte part the same byte eight times.
func TestOpenBMCDetection(t *testing.T) {
	img := []byte{0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xFE}
	for _, tc := range []struct {
		part Part
		want []byte
	}{
		{AT24C02, []byte{1, 1, 1, 1, 1, 1, 1, 1}},
		{AT24C64, img},
		{AT24C256, img},
	} {
		d := New(tc.part, img)
		if err := d.Transfer([]byte{0x00}, nil); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 8)
		for i := range got {
			if err := d.Transfer([]byte{0x00}, got[i:i+1]); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s: read % x, want % x", tc.part.Name, got, tc.want)
		}
		if !bytes.Equal(d.Contents()[:8], img) {
			t.Errorf("%s: detection changed memory", tc.part.Name)
		}
	}
}

func TestPageWrite(t *testing.T) {
	d := New(AT24C02, nil)
	// 10 bytes at 0x06 in an 8-byte page: 0x06, 0x07, then wrap to 0x00;
	// the last two overwrite the first two.
	data := []byte{0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9}
	if err := d.Transfer(append([]byte{0x06}, data...), nil); err != nil {
		t.Fatal(err)
	}
	// The write cycle: the next transaction is not acknowledged.
	if err := d.Transfer([]byte{0x00}, make([]byte, 1)); !errors.Is(err, board.ErrNACK) {
		t.Fatalf("during write cycle: err %v, want ErrNACK", err)
	}
	want := []byte{0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xFF}
	got := make([]byte, 9)
	if err := d.Transfer([]byte{0x00}, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("memory % x, want % x", got, want)
	}
}

func TestPageWriteTwoByte(t *testing.T) {
	d := New(AT24C64, nil)
	if err := d.Transfer([]byte{0x01, 0x1E, 0x11, 0x22, 0x33}, nil); err != nil {
		t.Fatal(err)
	}
	_ = d.Transfer(nil, nil) // ACK poll, NACKed
	mem := d.Contents()
	// Page 0x100..0x11F: 0x11E, 0x11F, then 0x100.
	if mem[0x11E] != 0x11 || mem[0x11F] != 0x22 || mem[0x100] != 0x33 || mem[0x120] != 0xFF {
		t.Errorf("memory around page: % x", mem[0x100:0x121])
	}
	// The counter stands after the last byte latched.
	got := make([]byte, 1)
	if err := d.Transfer(nil, got); err != nil || got[0] != mem[0x101] {
		t.Errorf("current read = % x, %v; want % x", got, err, mem[0x101])
	}
}

func TestWriteWithoutStopIsNotCommitted(t *testing.T) {
	d := New(AT24C02, pattern(256))
	got := make([]byte, 1)
	if err := d.Transfer([]byte{0x10, 0xEE}, got); err != nil {
		t.Fatal(err)
	}
	if got[0] != 0x11 || d.Contents()[0x10] != 0x10 {
		t.Errorf("read %#x, memory %#x: want 0x11 read and nothing written", got[0], d.Contents()[0x10])
	}
	if err := d.Transfer(nil, got); err != nil {
		t.Errorf("part busy after an abandoned write: %v", err)
	}
}

func TestAlias(t *testing.T) {
	p, _ := PartByName("24c04")
	d := New(p, pattern(512))
	hi := d.Alias(1)
	run(t, hi, []step{{w: []byte{0xFF}, n: 2, want: []byte{pattern(512)[0x1FF], 0x00}}})
	// The counter is the part's: the base address continues from it.
	run(t, d, []step{{n: 1, want: []byte{0x01}}})
	if d.Alias(3).block != 1 || New(AT24C64, nil).Alias(1).block != 0 {
		t.Error("alias blocks not taken modulo the part's blocks")
	}
}

func TestNewPadsAndTruncates(t *testing.T) {
	d := New(AT24C02, []byte{1, 2, 3})
	c := d.Contents()
	if len(c) != 256 || c[2] != 3 || c[3] != 0xFF || c[255] != 0xFF {
		t.Errorf("padded contents % x...", c[:8])
	}
	if c := New(AT24C02, pattern(300)).Contents(); len(c) != 256 || c[255] != pattern(300)[255] {
		t.Errorf("truncated contents: %d bytes", len(c))
	}
	// A copy: changing it changes nothing.
	c[0] = 0x55
	if d.Contents()[0] != 1 {
		t.Error("Contents is not a copy")
	}
}

func TestPoke(t *testing.T) {
	d := New(AT24C02, nil)
	d.Poke(254, []byte{1, 2, 3, 4})
	d.Poke(-1, []byte{9, 8})
	c := d.Contents()
	if c[254] != 1 || c[255] != 2 || c[0] != 8 || c[1] != 0xFF {
		t.Errorf("after Poke: % x ... % x", c[:2], c[254:])
	}
}

func TestPartByName(t *testing.T) {
	for _, n := range []string{"24c02", "24c04", "24c08", "24c16", "24c32", "24c64", "24c128", "24c256", "24c512", "24C64"} {
		p, ok := PartByName(n)
		if !ok {
			t.Errorf("%s unknown", n)
			continue
		}
		if p.Size&(p.Size-1) != 0 || p.Size%p.PageSize != 0 || (p.AddrBytes == 1) != (p.Size <= 2048) {
			t.Errorf("%s: inconsistent %+v", n, p)
		}
	}
	if _, ok := PartByName("24c03"); ok {
		t.Error("24c03 known")
	}
	if p, _ := PartByName("24c256"); p != AT24C256 {
		t.Errorf("24c256 = %+v", p)
	}
}

func TestInvalidPartNACKs(t *testing.T) {
	d := New(Part{Name: "none"}, []byte{1})
	if err := d.Transfer([]byte{0}, make([]byte, 1)); !errors.Is(err, board.ErrNACK) {
		t.Errorf("err %v, want ErrNACK", err)
	}
	odd := New(Part{"odd", 100, 1, 7}, nil)
	if err := odd.Transfer([]byte{98, 1, 2, 3, 4}, nil); err != nil {
		t.Fatal(err)
	}
	// A 1-byte page: every byte lands on the same cell.
	if c := odd.Contents(); len(c) != 100 || c[98] != 4 || c[99] != 0xFF || c[0] != 0xFF {
		t.Errorf("odd part: % x", c[96:])
	}
}

// TestOnBus reads through i2csim, so the bus sees the device the way the
// simulator wires it, and pokes from another goroutine meanwhile (run with
// -race).
func TestOnBus(t *testing.T) {
	bus := i2csim.NewBus("i2c-0", 100000)
	d := New(AT24C02, pattern(256))
	bus.Root().Attach(0x50, d)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 100 {
			d.Poke(0x80, []byte{byte(i)})
			_ = d.Contents()
		}
	}()
	got := make([]byte, 4)
	for range 100 {
		if err := bus.Tx(0x50, []byte{0x00}, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, []byte{0, 1, 2, 3}) {
			t.Fatalf("read % x", got)
		}
	}
	wg.Wait()
}
