package linux

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"

	"github.com/chassisd/chassisd/board"
)

// hardware is a board's real hardware: its I2C adapters, opened by Open, and
// the GPIO lines and UARTs the agent asks for, opened on first use. Close
// releases everything it opened.
type hardware struct {
	board *board.Board

	mu     sync.Mutex
	closed bool
	buses  map[string]*I2C      // by board bus name
	lines  map[string]*gpioLine // by board.Line.String
	uarts  map[*uartPort]bool   // open ports
}

// Open opens every I2C adapter the board names, so that a wrong device path
// is found at start rather than at the first sled; GPIO lines and UARTs are
// opened when asked for. On error nothing stays open.
func Open(b *board.Board) (board.Hardware, error) {
	if b == nil {
		return nil, errors.New("linux: no board")
	}
	h := &hardware{
		board: b,
		buses: map[string]*I2C{},
		lines: map[string]*gpioLine{},
		uarts: map[*uartPort]bool{},
	}
	for _, bus := range b.Buses {
		if _, dup := h.buses[bus.Name]; dup {
			h.Close()
			return nil, fmt.Errorf("bus %s is listed twice", bus.Name)
		}
		if bus.Device == "" {
			h.Close()
			return nil, fmt.Errorf("bus %s has no device: a board for real hardware names its /dev/i2c-N", bus.Name)
		}
		d, err := OpenI2C(bus.Device)
		if err != nil {
			h.Close()
			return nil, fmt.Errorf("bus %s: %w", bus.Name, err)
		}
		h.buses[bus.Name] = d
	}
	return h, nil
}

// errClosed is returned by every method after Close.
var errClosed = errors.New("hardware closed")

// I2C returns the adapter of the board bus with the given name.
func (h *hardware) I2C(bus string) (i2c.Bus, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, fmt.Errorf("bus %s: %w", bus, errClosed)
	}
	d := h.buses[bus]
	if d == nil {
		return nil, fmt.Errorf("no bus %q on board %s", bus, h.board.Name)
	}
	return d, nil
}

// GPIO returns a line, not yet configured; the caller calls In or Out.
// Asking twice for one line returns the same pin.
func (h *hardware) GPIO(l board.Line) (gpio.PinIO, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, fmt.Errorf("gpio %s: %w", l, errClosed)
	}
	key := l.String()
	if p := h.lines[key]; p != nil {
		return p, nil
	}
	p, err := openLine(l)
	if err != nil {
		return nil, err
	}
	h.lines[key] = p
	return p, nil
}

// UART opens a sled MCU's serial port (see OpenUART). The caller may close
// it; Close closes it otherwise.
func (h *hardware) UART(u board.UART) (io.ReadWriteCloser, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, fmt.Errorf("uart %s: %w", u.Device, errClosed)
	}
	rw, err := OpenUART(u)
	if err != nil {
		return nil, err
	}
	p := &uartPort{ReadWriteCloser: rw, h: h}
	h.uarts[p] = true
	return p, nil
}

// Close closes the adapters and ports and releases the lines. The
// hardware cannot be used afterwards.
func (h *hardware) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	buses, lines, uarts := h.buses, h.lines, h.uarts
	h.buses, h.lines, h.uarts = nil, nil, nil
	h.mu.Unlock()

	var errs []error
	for _, d := range buses {
		if err := d.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range lines {
		p.release()
	}
	for p := range uarts {
		if err := p.ReadWriteCloser.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// uartPort is an open UART that forgets itself when closed by the caller.
type uartPort struct {
	io.ReadWriteCloser
	h *hardware
}

func (p *uartPort) Close() error {
	p.h.mu.Lock()
	delete(p.h.uarts, p)
	p.h.mu.Unlock()
	return p.ReadWriteCloser.Close()
}

var _ board.Hardware = (*hardware)(nil)
