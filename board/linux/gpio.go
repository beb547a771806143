package linux

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/driver/driverreg"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/pin"
	"periph.io/x/host/v3/gpioioctl"

	"github.com/chassisd/chassisd/board"
)

// GPIO lines come from periph's gpioioctl (the GPIO character device, v2
// uAPI). That package has no function to open one chip: its Chips list is
// filled by its periph driver, and only driverreg.Init runs drivers. So
// loadChips runs driverreg.Init itself, once, instead of relying on the
// program to have done it, and reports the gpioioctl driver's failure if it
// had one. The driver opens each /dev/gpiochip* and reads its line names; it
// requests no line, so it changes nothing on the hardware. Only the drivers
// linked into the binary run, and chassisd links no other periph host
// driver (it must not import periph.io/x/host/v3 itself).
var loadChips = sync.OnceValue(func() error {
	state, err := driverreg.Init()
	if err != nil {
		return fmt.Errorf("gpio: periph driver init: %w", err)
	}
	for _, f := range state.Failed {
		if f.D.String() == "ioctl-gpio" {
			return fmt.Errorf("gpio: %w", f.Err)
		}
	}
	return nil
})

// findChip finds a chip by its kernel name (gpiochip0), its label
// (1e780000.gpio) or its device path.
func findChip(name string) (*gpioioctl.GPIOChip, error) {
	if err := loadChips(); err != nil {
		return nil, err
	}
	var found []string
	for _, c := range gpioioctl.Chips {
		if c.Name() == name || c.Label() == name || c.Path() == name || filepath.Base(c.Path()) == name {
			return c, nil
		}
		found = append(found, c.Name())
	}
	if len(found) == 0 {
		found = []string{"none"}
	}
	return nil, fmt.Errorf("gpio: no GPIO chip %q (chips: %s)", name, strings.Join(found, ", "))
}

// openLine finds a board line on its chip, by offset or by name.
func openLine(l board.Line) (*gpioLine, error) {
	chip, err := findChip(l.Chip)
	if err != nil {
		return nil, err
	}
	var line *gpioioctl.GPIOLine
	if l.Name != "" {
		line = chip.ByName(l.Name)
		if line == nil {
			// The driver renames a line whose name another chip already
			// registered to "<chip>-<name>".
			line = chip.ByName(chip.Name() + "-" + l.Name)
		}
		if line == nil {
			return nil, fmt.Errorf("gpio %s: no line named %q on %s", l, l.Name, chip.Name())
		}
	} else {
		if l.Offset < 0 || l.Offset >= chip.LineCount() {
			return nil, fmt.Errorf("gpio %s: %s has lines 0..%d", l, chip.Name(), chip.LineCount()-1)
		}
		line = chip.ByNumber(l.Offset)
	}
	return &gpioLine{GPIOLine: line, name: l.String()}, nil
}

// gpioLine is a gpioioctl line with these fixes for the way the agent uses
// lines. Levels are physical, as on the simulator: the caller applies
// board.Line.ActiveLow.
//
//   - Read on a line the BMC drives returns the level last driven. gpioioctl
//     would turn the line into an input with a pull-up to read it, which
//     would release a held reset.
//   - Read on a line never configured configures it as an input without
//     changing its bias (gpioioctl would enable the pull-up).
//   - WaitForEdge takes periph's timeouts (negative waits forever, zero does
//     not wait); gpioioctl waits forever on zero.
//   - Func and SetFunc go through the above rather than around it.
//   - String names the line ("gpiochip0:BAY0_PRSNT_N") instead of dumping
//     JSON.
//
// Known limit: gpioioctl switches a line to output before setting its
// level, so the first Out on a line briefly drives it low.
type gpioLine struct {
	*gpioioctl.GPIOLine
	name string

	mu      sync.Mutex
	state   pinState
	driving gpio.Level // last level given to Out
}

type pinState int

const (
	unconfigured pinState = iota
	input
	output
)

// String names the line as the board file does.
func (p *gpioLine) String() string { return p.name }

// In configures the line as an input.
func (p *gpioLine) In(pull gpio.Pull, edge gpio.Edge) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.GPIOLine.In(pull, edge); err != nil {
		return fmt.Errorf("gpio %s: %w", p.name, err)
	}
	p.state = input
	return nil
}

// Out drives the line.
func (p *gpioLine) Out(l gpio.Level) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.GPIOLine.Out(l); err != nil {
		return fmt.Errorf("gpio %s: %w", p.name, err)
	}
	p.state, p.driving = output, l
	return nil
}

// Read returns the line's level: read from the line for an input, the
// level last driven for an output.
func (p *gpioLine) Read() gpio.Level {
	p.mu.Lock()
	switch p.state {
	case output:
		l := p.driving
		p.mu.Unlock()
		return l
	case unconfigured:
		if err := p.GPIOLine.In(gpio.PullNoChange, gpio.NoEdge); err == nil {
			p.state = input
		}
	}
	p.mu.Unlock()
	return p.GPIOLine.Read()
}

// WaitForEdge waits up to timeout for an edge In asked for; a negative
// timeout waits forever and zero only looks for an edge already queued.
func (p *gpioLine) WaitForEdge(timeout time.Duration) bool {
	switch {
	case timeout < 0:
		timeout = 0 // gpioioctl's "forever"
	case timeout == 0:
		timeout = time.Nanosecond
	}
	return p.GPIOLine.WaitForEdge(timeout)
}

// Func reports the line's function without disturbing it.
func (p *gpioLine) Func() pin.Func {
	p.mu.Lock()
	st, l := p.state, p.driving
	p.mu.Unlock()
	switch st {
	case output:
		if l {
			return gpio.OUT_HIGH
		}
		return gpio.OUT_LOW
	case input:
		if p.GPIOLine.Read() {
			return gpio.IN_HIGH
		}
		return gpio.IN_LOW
	}
	return pin.FuncNone
}

// Function implements pin.Pin (deprecated in periph in favour of Func).
func (p *gpioLine) Function() string { return string(p.Func()) }

// SetFunc configures the line as an input or drives it.
func (p *gpioLine) SetFunc(f pin.Func) error {
	switch f {
	case gpio.IN:
		return p.In(gpio.PullNoChange, gpio.NoEdge)
	case gpio.OUT_HIGH:
		return p.Out(gpio.High)
	case gpio.OUT, gpio.OUT_LOW:
		return p.Out(gpio.Low)
	}
	return fmt.Errorf("gpio %s: function %s not supported", p.name, f)
}

// release gives the line back to the kernel.
func (p *gpioLine) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.GPIOLine.Close()
	p.state = unconfigured
}

var (
	_ gpio.PinIO  = (*gpioLine)(nil)
	_ pin.PinFunc = (*gpioLine)(nil)
)
