//go:build !linux

package linux

import (
	"errors"
	"fmt"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
)

// errNotLinux is what every I2C call returns off Linux: i2c-dev is a Linux
// interface. The package still builds elsewhere so that the rest of the
// agent (and the simulator) can be developed on any OS.
var errNotLinux = errors.New("i2c-dev is only available on Linux")

// I2C is a Linux I2C adapter; off Linux it cannot be opened.
type I2C struct{ device string }

// OpenI2C fails off Linux.
func OpenI2C(device string) (*I2C, error) { return nil, fmt.Errorf("i2c %s: %w", device, errNotLinux) }

// String names the adapter.
func (b *I2C) String() string { return b.device }

// Tx fails off Linux.
func (b *I2C) Tx(addr uint16, w, r []byte) error { return errNotLinux }

// SetSpeed fails off Linux.
func (b *I2C) SetSpeed(physic.Frequency) error { return errNotLinux }

// Close does nothing off Linux.
func (b *I2C) Close() error { return nil }

var _ i2c.BusCloser = (*I2C)(nil)
