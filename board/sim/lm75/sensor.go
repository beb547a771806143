// Package lm75 emulates an LM75 or TMP75 temperature sensor on an I2C bus:
// a pointer register selecting one of four registers (temperature, config,
// THYST, TOS), each read MSB first. The temperature is set by the simulator
// in °C and served at the resolution the part is configured for.
package lm75

import (
	"fmt"
	"math"
	"sync"

	"github.com/chassisd/chassisd/board"
)

// Register pointers.
const (
	regTemp   = 0
	regConfig = 1
	regTHyst  = 2
	regTOS    = 3
)

// Power-on values of the limit registers: THYST 75 °C, TOS 80 °C.
const (
	resetTHyst = 0x4B00
	resetTOS   = 0x5000
)

// Sensor is one emulated part. It is safe for concurrent use.
type Sensor struct {
	kind string
	// configMask is the config bits the part keeps; limitMask the limit
	// register bits (the rest read as zero).
	configMask byte
	limitMask  uint16

	mu      sync.Mutex
	celsius float64
	pointer byte
	config  byte
	tHyst   uint16
	tOS     uint16
}

// New returns a sensor of the given kind at 0 °C with power-on register
// values. "lm75" is the classic 9-bit part (0.5 °C steps); "tmp75" selects
// 9 to 12 bits with config b6:5 and powers up at 9 bits.
func New(kind string) (*Sensor, error) {
	s := &Sensor{kind: kind, tHyst: resetTHyst, tOS: resetTOS}
	switch kind {
	case "lm75":
		// b4:3 fault queue, b2 polarity, b1 mode, b0 shutdown; the limits
		// have the temperature's 9 bits.
		s.configMask, s.limitMask = 0x1F, 0xFF80
	case "tmp75":
		// Adds b6:5 resolution; b7 (one-shot) always reads 0. Limits
		// have 12 bits.
		s.configMask, s.limitMask = 0x7F, 0xFFF0
	default:
		return nil, fmt.Errorf("temperature sensor kind %q: want lm75 or tmp75", kind)
	}
	return s, nil
}

// SetCelsius sets the temperature the sensor measures. The register holds
// it rounded to the configured resolution and saturated to the register's
// range (−128 °C to just under +128 °C).
func (s *Sensor) SetCelsius(c float64) {
	s.mu.Lock()
	s.celsius = c
	s.mu.Unlock()
}

// bitsLocked is the resolution the part converts at.
func (s *Sensor) bitsLocked() int {
	if s.kind == "tmp75" {
		return 9 + int(s.config>>5&0x03)
	}
	return 9
}

// tempLocked is the temperature register: two's complement, left-justified.
func (s *Sensor) tempLocked() uint16 {
	bits := s.bitsLocked()
	steps := math.Round(s.celsius * float64(int(1)<<(bits-8)))
	lo, hi := -float64(int(1)<<(bits-1)), float64(int(1)<<(bits-1)-1)
	if math.IsNaN(steps) {
		steps = 0
	}
	steps = max(lo, min(steps, hi))
	return uint16(int16(steps) << (16 - bits))
}

// Transfer handles one transaction. The first byte written sets the pointer
// (0..3; anything else is not acknowledged, as the pointer's upper bits must
// be zero); bytes after it are written to the pointed register: one to
// config, two (MSB first) to THYST or TOS. The temperature register is read
// only, so writes to it are acknowledged and dropped, as the part does. A
// read returns the pointed register MSB first; reading on repeats it. The
// pointer keeps its value after the transaction.
func (s *Sensor) Transfer(w, r []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(w) > 0 {
		if w[0] > regTOS {
			return fmt.Errorf("%s: pointer %#02x: %w", s.kind, w[0], board.ErrNACK)
		}
		s.pointer = w[0]
		data := w[1:]
		switch s.pointer {
		case regConfig:
			if len(data) >= 1 {
				s.config = data[0] & s.configMask
			}
		case regTHyst, regTOS:
			// A register takes a value only when both bytes arrive.
			if len(data) >= 2 {
				v := (uint16(data[0])<<8 | uint16(data[1])) & s.limitMask
				if s.pointer == regTHyst {
					s.tHyst = v
				} else {
					s.tOS = v
				}
			}
		}
	}
	if len(r) == 0 {
		return nil
	}
	var reg []byte
	switch s.pointer {
	case regTemp:
		v := s.tempLocked()
		reg = []byte{byte(v >> 8), byte(v)}
	case regConfig:
		reg = []byte{s.config}
	case regTHyst:
		reg = []byte{byte(s.tHyst >> 8), byte(s.tHyst)}
	case regTOS:
		reg = []byte{byte(s.tOS >> 8), byte(s.tOS)}
	}
	for i := range r {
		r[i] = reg[i%len(reg)]
	}
	return nil
}
