package linux

import (
	"fmt"
	"io"
	"time"

	"go.bug.st/serial"

	"github.com/chassisd/chassisd/board"
)

// UARTReadTimeout bounds each Read on a sled's UART, so that a reader
// waiting for a frame that never comes gets control back to check its
// deadline or cancellation. When it expires, Read returns n == 0 and
// err == nil (go.bug.st/serial's convention, not an error): callers must
// treat an empty read as "nothing yet", not as end of file.
const UARTReadTimeout = 100 * time.Millisecond

// OpenUART opens a sled MCU's serial port at the board's baud rate, 8N1, raw,
// without flow control. It opens exactly the device named: it never calls
// serial.GetPortsList or the enumerator, which reconfigure every serial port
// they find (a BMC's console among them). It leaves DTR and RTS as the
// driver sets them on open (InitialStatusBits nil): setting them fails on a
// pseudo-terminal and means nothing to a 3-wire sled UART.
func OpenUART(u board.UART) (io.ReadWriteCloser, error) {
	if u.Device == "" {
		return nil, fmt.Errorf("uart: no device")
	}
	if u.Baud <= 0 {
		return nil, fmt.Errorf("uart %s: baud %d", u.Device, u.Baud)
	}
	mode := &serial.Mode{
		BaudRate: u.Baud,
		DataBits: 8,
		Parity:   serial.NoParity,
		StopBits: serial.OneStopBit,
	}
	p, err := serial.Open(u.Device, mode)
	if err != nil {
		return nil, fmt.Errorf("uart %s: %w", u.Device, err)
	}
	if err := p.SetReadTimeout(UARTReadTimeout); err != nil {
		p.Close()
		return nil, fmt.Errorf("uart %s: set read timeout: %w", u.Device, err)
	}
	return p, nil
}
