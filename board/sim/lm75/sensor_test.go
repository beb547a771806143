package lm75

import (
	"bytes"
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/chassisd/chassisd/board"
)

func newSensor(t *testing.T, kind string) *Sensor {
	t.Helper()
	s, err := New(kind)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tx runs one transaction and returns what was read.
func tx(t *testing.T, s *Sensor, w []byte, n int) []byte {
	t.Helper()
	r := make([]byte, n)
	if err := s.Transfer(w, r); err != nil {
		t.Fatalf("Transfer(% x, %d): %v", w, n, err)
	}
	return r
}

func TestNew(t *testing.T) {
	for _, k := range []string{"lm75", "tmp75"} {
		if _, err := New(k); err != nil {
			t.Errorf("New(%q): %v", k, err)
		}
	}
	if _, err := New("tmp102"); err == nil {
		t.Error("New(tmp102) succeeded")
	}
}

func TestPowerOnRegisters(t *testing.T) {
	for _, k := range []string{"lm75", "tmp75"} {
		s := newSensor(t, k)
		for _, c := range []struct {
			ptr  byte
			n    int
			want []byte
		}{
			{0, 2, []byte{0x00, 0x00}}, // 0 °C
			{1, 1, []byte{0x00}},
			{2, 2, []byte{0x4B, 0x00}}, // THYST 75 °C
			{3, 2, []byte{0x50, 0x00}}, // TOS 80 °C
		} {
			if got := tx(t, s, []byte{c.ptr}, c.n); !bytes.Equal(got, c.want) {
				t.Errorf("%s pointer %d: % x, want % x", k, c.ptr, got, c.want)
			}
		}
	}
}

func TestTemperature(t *testing.T) {
	tests := []struct {
		kind   string
		config byte // written to the config register first (tmp75 only)
		c      float64
		want   []byte
	}{
		{"lm75", 0, 25, []byte{0x19, 0x00}},
		{"lm75", 0, -25, []byte{0xE7, 0x00}},
		{"lm75", 0, 25.5, []byte{0x19, 0x80}},
		{"lm75", 0, -0.5, []byte{0xFF, 0x80}},
		{"lm75", 0, 40.5, []byte{0x28, 0x80}},
		{"lm75", 0, 25.3, []byte{0x19, 0x80}}, // rounded to 25.5
		{"lm75", 0, 25.2, []byte{0x19, 0x00}}, // rounded to 25
		{"lm75", 0, 200, []byte{0x7F, 0x80}},  // saturates at 127.5
		{"lm75", 0, -200, []byte{0x80, 0x00}}, // saturates at -128
		{"lm75", 0, math.NaN(), []byte{0, 0}}, // nonsense reads 0
		{"tmp75", 0, 25.0625, []byte{0x19, 0x00}},
		{"tmp75", 0x20, 25.25, []byte{0x19, 0x40}},   // 10-bit
		{"tmp75", 0x40, 25.125, []byte{0x19, 0x20}},  // 11-bit
		{"tmp75", 0x60, 25.0625, []byte{0x19, 0x10}}, // 12-bit
		{"tmp75", 0x60, -25.0625, []byte{0xE6, 0xF0}},
		{"tmp75", 0x60, 200, []byte{0x7F, 0xF0}},
	}
	for _, tt := range tests {
		s := newSensor(t, tt.kind)
		if tt.config != 0 {
			tx(t, s, []byte{1, tt.config}, 0)
		}
		s.SetCelsius(tt.c)
		if got := tx(t, s, []byte{0}, 2); !bytes.Equal(got, tt.want) {
			t.Errorf("%s config %#02x at %v °C: % x, want % x", tt.kind, tt.config, tt.c, got, tt.want)
		}
	}
}

func TestConfigMask(t *testing.T) {
	for kind, want := range map[string]byte{"lm75": 0x1F, "tmp75": 0x7F} {
		s := newSensor(t, kind)
		tx(t, s, []byte{1, 0xFF}, 0)
		if got := tx(t, s, []byte{1}, 1); got[0] != want {
			t.Errorf("%s config after writing ff: %#02x, want %#02x", kind, got[0], want)
		}
	}
}

func TestLimitWrites(t *testing.T) {
	s := newSensor(t, "lm75")
	tx(t, s, []byte{3, 0x55, 0x80}, 0)
	tx(t, s, []byte{2, 0x4B, 0xFF}, 0) // low bits beyond 9 read 0
	tx(t, s, []byte{2, 0x11}, 0)       // one byte: not latched
	if got := tx(t, s, []byte{3}, 2); !bytes.Equal(got, []byte{0x55, 0x80}) {
		t.Errorf("TOS % x, want 55 80", got)
	}
	if got := tx(t, s, []byte{2}, 2); !bytes.Equal(got, []byte{0x4B, 0x80}) {
		t.Errorf("THYST % x, want 4b 80", got)
	}
	s = newSensor(t, "tmp75")
	tx(t, s, []byte{2, 0x4B, 0xFF}, 0)
	if got := tx(t, s, []byte{2}, 2); !bytes.Equal(got, []byte{0x4B, 0xF0}) {
		t.Errorf("tmp75 THYST % x, want 4b f0", got)
	}
}

// Writes to the read-only temperature register are dropped.
func TestTemperatureReadOnly(t *testing.T) {
	s := newSensor(t, "lm75")
	s.SetCelsius(25)
	tx(t, s, []byte{0, 0x55, 0x00}, 0)
	if got := tx(t, s, []byte{0}, 2); !bytes.Equal(got, []byte{0x19, 0x00}) {
		t.Errorf("temperature % x after a write, want 19 00", got)
	}
}

func TestPointerPersistsAndReadsRepeat(t *testing.T) {
	s := newSensor(t, "lm75")
	s.SetCelsius(25)
	tx(t, s, []byte{2}, 0)
	if got := tx(t, s, nil, 2); !bytes.Equal(got, []byte{0x4B, 0x00}) {
		t.Errorf("read-only after pointer 2: % x, want THYST 4b 00", got)
	}
	if got := tx(t, s, []byte{0}, 5); !bytes.Equal(got, []byte{0x19, 0x00, 0x19, 0x00, 0x19}) {
		t.Errorf("5-byte temperature read: % x", got)
	}
	if got := tx(t, s, nil, 2); !bytes.Equal(got, []byte{0x19, 0x00}) {
		t.Errorf("read-only after pointer 0: % x", got)
	}
	tx(t, s, []byte{1, 0x06}, 0)
	if got := tx(t, s, nil, 3); !bytes.Equal(got, []byte{0x06, 0x06, 0x06}) {
		t.Errorf("config read: % x, want 06 06 06", got)
	}
}

func TestBadPointerNACK(t *testing.T) {
	s := newSensor(t, "tmp75")
	err := s.Transfer([]byte{4}, make([]byte, 2))
	if !errors.Is(err, board.ErrNACK) {
		t.Errorf("pointer 4: %v, want a NACK", err)
	}
	// The pointer did not move.
	if got := tx(t, s, nil, 2); !bytes.Equal(got, []byte{0, 0}) {
		t.Errorf("read after NACKed pointer: % x", got)
	}
}

func TestConcurrentSet(t *testing.T) {
	s := newSensor(t, "tmp75")
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 1000 {
			s.SetCelsius(float64(i % 100))
		}
	})
	for range 1000 {
		tx(t, s, []byte{0}, 2)
	}
	wg.Wait()
}

// FuzzTransfer drives the sensor with arbitrary transactions: it must never
// panic, and a read must always return the pointed register.
func FuzzTransfer(f *testing.F) {
	f.Add([]byte{0x01, 0x60}, uint8(2), 25.0625)
	f.Add([]byte{0x03, 0x55, 0x80}, uint8(3), -40.0)
	f.Add([]byte{0x07}, uint8(1), 0.0)
	f.Fuzz(func(t *testing.T, w []byte, n uint8, c float64) {
		s, _ := New("tmp75")
		s.SetCelsius(c)
		if err := s.Transfer(w, make([]byte, n)); err != nil && !errors.Is(err, board.ErrNACK) {
			t.Fatalf("Transfer(% x): %v", w, err)
		}
		r := make([]byte, 2)
		if err := s.Transfer(nil, r); err != nil {
			t.Fatal(err)
		}
	})
}
