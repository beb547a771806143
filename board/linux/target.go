package linux

import (
	"fmt"

	"github.com/chassisd/chassisd/board"
)

// I2CTarget implements board.Hardware. Target mode needs a kernel driver
// on the BMC's adapter (the MCTP-over-I2C stack or i2c-slave-mqueue) that
// this backend does not drive yet, so it reports ErrNotSupported: the agent
// then brings sleds up without MCTP over SMBus (the FRU and devices over
// I2C, MCTP over the UART).
func (h *hardware) I2CTarget(bus string, addr uint16) (board.I2CTarget, error) {
	return nil, fmt.Errorf("i2c %s: target mode at %#02x: %w (needs the kernel's MCTP or slave-mqueue driver)", bus, addr, board.ErrNotSupported)
}
