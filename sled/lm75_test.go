package sled_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim/i2csim"
	"github.com/chassisd/chassisd/board/sim/lm75"
	"github.com/chassisd/chassisd/sled"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/physic"
)

func TestDecodeLM75(t *testing.T) {
	tests := []struct {
		raw  uint16
		bits int
		want float64
	}{
		{0x1900, 9, 25},   // hardware-facts.md golden
		{0xE700, 9, -25},  // hardware-facts.md golden
		{0x1980, 9, 25.5}, // 0.5 °C steps
		{0xFF80, 9, -0.5},
		{0x0000, 9, 0},
		{0x7F80, 9, 127.5},
		{0x8000, 9, -128},
		{0x197F, 9, 25}, // bits below the resolution are ignored
		{0x1910, 12, 25.0625},
		{0xFFF0, 12, -0.0625},
		{0xE6F0, 12, -25.0625},
		{0x1940, 10, 25.25},
		{0x1920, 11, 25.125},
		{0x1900, 12, 25},      // a 9-bit reading decodes the same at 12 bits
		{0x1980, 8, 25.5},     // below 9 bits: taken as 9
		{0x1910, 16, 25.0625}, // above 12 bits: taken as 12
	}
	for _, tt := range tests {
		if got := sled.DecodeLM75(tt.raw, tt.bits); got != tt.want {
			t.Errorf("DecodeLM75(%#04x, %d) = %v, want %v", tt.raw, tt.bits, got, tt.want)
		}
	}
}

// ReadLM75 is one transaction: pointer 0 written, 2 bytes read.
func TestReadLM75Golden(t *testing.T) {
	for _, tt := range []struct {
		r    []byte
		want float64
	}{
		{[]byte{0x19, 0x00}, 25},
		{[]byte{0xE7, 0x00}, -25},
	} {
		p := &i2ctest.Playback{Ops: []i2ctest.IO{{Addr: 0x48, W: []byte{0x00}, R: tt.r}}, DontPanic: true}
		got, err := sled.ReadLM75(&i2c.Dev{Bus: p, Addr: 0x48}, 9)
		if err != nil {
			t.Fatal(err)
		}
		if got != (sled.Temperature{Celsius: tt.want, Valid: true}) {
			t.Errorf("% x: %+v, want %v °C", tt.r, got, tt.want)
		}
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	}
}

type nackBus struct{}

func (nackBus) String() string { return "i2c-1" }
func (nackBus) Tx(addr uint16, w, r []byte) error {
	return fmt.Errorf("i2c-1: addr %#02x: %w", addr, board.ErrNACK)
}
func (nackBus) SetSpeed(physic.Frequency) error { return nil }

func TestReadLM75Error(t *testing.T) {
	got, err := sled.ReadLM75(&i2c.Dev{Bus: nackBus{}, Addr: 0x48}, 9)
	if !errors.Is(err, board.ErrNACK) {
		t.Errorf("error %v, want a NACK", err)
	}
	want := "read failed: temperature register: i2c-1: addr 0x48: no acknowledge"
	if got.Valid || got.Status != want || err.Error() != strings.TrimPrefix(want, "read failed: ") {
		t.Errorf("got %+v, %v; want Status %q", got, err, want)
	}
}

// The agent against the emulated parts, including a pointer another master
// left on THYST.
func TestReadLM75FromSim(t *testing.T) {
	tests := []struct {
		kind   string
		config []byte // written first, if any
		bits   int
		c      float64
		want   float64
	}{
		{"lm75", nil, 9, 25, 25},
		{"lm75", nil, 9, -25, -25},
		{"lm75", nil, 9, 40.5, 40.5},
		{"lm75", nil, 12, 40.5, 40.5},
		{"tmp75", nil, 12, 40.5, 40.5}, // powers up at 9 bits
		{"tmp75", []byte{0x01, 0x60}, 12, 40.0625, 40.0625},
		{"tmp75", []byte{0x01, 0x60}, 12, -10.125, -10.125},
		{"lm75", []byte{0x02}, 9, 31, 31},   // pointer left on THYST
		{"tmp75", []byte{0x03}, 12, 31, 31}, // pointer left on TOS
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.kind, tt.c), func(t *testing.T) {
			bus := i2csim.NewBus("i2c-sim", 100_000)
			s, err := lm75.New(tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			bus.Root().Attach(0x48, s)
			s.SetCelsius(tt.c)
			if tt.config != nil {
				if err := bus.Tx(0x48, tt.config, nil); err != nil {
					t.Fatal(err)
				}
			}
			bus.ResetStats()
			got, err := sled.ReadLM75(&i2c.Dev{Bus: bus, Addr: 0x48}, tt.bits)
			if err != nil {
				t.Fatal(err)
			}
			if got != (sled.Temperature{Celsius: tt.want, Valid: true}) {
				t.Errorf("%+v, want %v °C", got, tt.want)
			}
			// a+W, pointer, a+R, 2 bytes: about 0.5 ms at 100 kHz.
			if st := bus.Stats(); st.Transactions != 1 || st.Bytes != 5 {
				t.Errorf("bus stats %+v, want 1 transaction of 5 bytes", st)
			}
		})
	}
}

// FuzzDecodeLM75 checks the decoder against Linux lm75's integer formula,
// mC = ((s16 >> (16-r)) * 1000) >> (r-8).
func FuzzDecodeLM75(f *testing.F) {
	f.Add(uint16(0x1900), 9)
	f.Add(uint16(0xE700), 9)
	f.Add(uint16(0xE6F0), 12)
	f.Add(uint16(0x8000), 0)
	f.Fuzz(func(t *testing.T, raw uint16, bits int) {
		got := sled.DecodeLM75(raw, bits)
		r := max(9, min(bits, 12))
		mC := (int(int16(raw)>>(16-r)) * 1000) >> (r - 8)
		if got < -128 || got >= 128 {
			t.Fatalf("DecodeLM75(%#04x, %d) = %v out of range", raw, bits, got)
		}
		// Linux floors to whole m°C; the exact value is at most 1 m°C above.
		if d := got*1000 - float64(mC); d < 0 || d >= 1 {
			t.Fatalf("DecodeLM75(%#04x, %d) = %v, Linux says %d m°C", raw, bits, got, mC)
		}
	})
}
