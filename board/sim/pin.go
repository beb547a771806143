package sim

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/pin"
)

// pinRole says what a simulated line is wired to.
type pinRole int

const (
	rolePresence pinRole = iota // driven by the sled (PRSNT#): input only
	roleOutput                  // reset or power: driven by the BMC
)

// Pin is a simulated GPIO line. Levels are physical: a presence line with
// active_low reads Low while a sled grounds it. A presence line delivers an
// edge to WaitForEdge when a sled is plugged or pulled; reset and power lines
// take Out and read back what was driven.
type Pin struct {
	name   string
	number int
	role   pinRole

	mu     sync.Mutex
	level  gpio.Level
	out    bool
	pull   gpio.Pull
	edge   gpio.Edge
	edges  chan struct{} // one pending edge at most, as a kernel line buffers
	wakeup chan struct{} // closed by In to end a WaitForEdge in progress
	// onOut, when set, sees every level the BMC drives (the sled's
	// controller watching its reset and power lines).
	onOut func(gpio.Level)
}

// watch sets the function that sees every level the BMC drives.
func (p *Pin) watch(fn func(gpio.Level)) {
	p.mu.Lock()
	p.onOut = fn
	p.mu.Unlock()
}

func newPin(l lineKey, role pinRole, level gpio.Level) *Pin {
	return &Pin{
		name:   l.name,
		number: l.number,
		role:   role,
		level:  level,
		pull:   gpio.PullNoChange,
		edges:  make(chan struct{}, 1),
		wakeup: make(chan struct{}),
	}
}

// lineKey names a line the way pins are looked up and reported.
type lineKey struct {
	name   string
	number int
}

// setLevel is the sled side of the line: plugging or pulling a sled.
func (p *Pin) setLevel(l gpio.Level) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.level == l {
		return
	}
	p.level = l
	want := p.edge == gpio.BothEdges ||
		(p.edge == gpio.RisingEdge && l == gpio.High) ||
		(p.edge == gpio.FallingEdge && l == gpio.Low)
	if want {
		select {
		case p.edges <- struct{}{}:
		default: // an edge is already pending
		}
	}
}

// String implements conn.Resource.
func (p *Pin) String() string { return p.name }

// Halt implements conn.Resource.
func (p *Pin) Halt() error { return nil }

// Name implements pin.Pin.
func (p *Pin) Name() string { return p.name }

// Number implements pin.Pin: the line offset, or -1 for a line named only.
func (p *Pin) Number() int { return p.number }

// Function implements pin.Pin.
func (p *Pin) Function() string { return string(p.Func()) }

// Func implements pin.PinFunc.
func (p *Pin) Func() pin.Func {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.out {
		if p.level == gpio.High {
			return gpio.OUT_HIGH
		}
		return gpio.OUT_LOW
	}
	return gpio.IN
}

// SupportedFuncs implements pin.PinFunc.
func (p *Pin) SupportedFuncs() []pin.Func {
	if p.role == rolePresence {
		return []pin.Func{gpio.IN}
	}
	return []pin.Func{gpio.IN, gpio.OUT}
}

// SetFunc implements pin.PinFunc.
func (p *Pin) SetFunc(f pin.Func) error {
	switch f {
	case gpio.IN:
		return p.In(gpio.PullNoChange, gpio.NoEdge)
	case gpio.OUT_HIGH:
		return p.Out(gpio.High)
	case gpio.OUT, gpio.OUT_LOW:
		return p.Out(gpio.Low)
	}
	return fmt.Errorf("%s: function %s not supported", p.name, f)
}

// In implements gpio.PinIn. Pending edges are dropped and a WaitForEdge in
// progress returns false, as the interface asks.
func (p *Pin) In(pull gpio.Pull, edge gpio.Edge) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out = false
	p.pull = pull
	p.edge = edge
	select {
	case <-p.edges:
	default:
	}
	close(p.wakeup)
	p.wakeup = make(chan struct{})
	return nil
}

// Read implements gpio.PinIn: the physical level.
func (p *Pin) Read() gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.level
}

// WaitForEdge implements gpio.PinIn; a negative timeout waits forever.
func (p *Pin) WaitForEdge(timeout time.Duration) bool {
	p.mu.Lock()
	edges, wakeup := p.edges, p.wakeup
	p.mu.Unlock()
	// An edge already pending wins over a zero timeout.
	select {
	case <-edges:
		return true
	default:
	}
	var expire <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expire = t.C
	}
	select {
	case <-edges:
		return true
	case <-wakeup:
		return false
	case <-expire:
		return false
	}
}

// Pull implements gpio.PinIn.
func (p *Pin) Pull() gpio.Pull {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pull
}

// DefaultPull implements gpio.PinIn: presence lines have the host's
// pull-up, so an empty bay reads High.
func (p *Pin) DefaultPull() gpio.Pull {
	if p.role == rolePresence {
		return gpio.PullUp
	}
	return gpio.PullNoChange
}

// errInputOnly is returned when the BMC tries to drive a line the sled drives.
var errInputOnly = errors.New("presence lines are driven by the sled, not the BMC")

// Out implements gpio.PinOut.
func (p *Pin) Out(l gpio.Level) error {
	if p.role == rolePresence {
		return fmt.Errorf("%s: %w", p.name, errInputOnly)
	}
	p.mu.Lock()
	p.out = true
	p.level = l
	fn := p.onOut
	p.mu.Unlock()
	if fn != nil {
		fn(l)
	}
	return nil
}

// PWM implements gpio.PinOut; no simulated line does PWM.
func (p *Pin) PWM(gpio.Duty, physic.Frequency) error {
	return fmt.Errorf("%s: PWM not supported", p.name)
}

var (
	_ gpio.PinIO  = (*Pin)(nil)
	_ pin.PinFunc = (*Pin)(nil)
)
