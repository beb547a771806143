// Package sim is the simulated chassis: the buses, muxes, bays and GPIO lines
// a board file names, populated with emulated parts byte for byte on their
// real addresses (FRU EEPROMs, temperature sensors, sled muxes, NVMe-MI
// endpoints, drive VPD EEPROMs) from a scenario, and changed while it runs
// (plug and pull sleds and drives, heat a drive, corrupt a FRU) through Go
// calls or a small JSON control API on loopback.
//
// A Chassis implements board.Hardware, so the agent above it cannot tell it
// from a real BMC. With no board file, chassisd runs on DefaultBoard and
// DefaultScenario, both embedded.
package sim

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/linux"
	"github.com/chassisd/chassisd/board/sim/i2csim"
	"github.com/chassisd/chassisd/board/sim/simuart"
	"github.com/chassisd/chassisd/board/sim/switchtec"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
)

// Options tune a simulated chassis.
type Options struct {
	// RealTime makes every transaction take its bus time in wall time too,
	// so the simulator feels like hardware (a 256-byte FRU read at 100 kHz
	// takes about 25 ms). Tests leave it off.
	RealTime bool
}

// The ways a live change fails; the control API maps them to HTTP status.
var (
	ErrNoSuchBay  = errors.New("no such bay")
	ErrNoSuchSlot = errors.New("no such slot")
	ErrNoSled     = errors.New("no sled")
	ErrNoDrive    = errors.New("no drive")
	ErrNoSensor   = errors.New("no temperature sensor")
	ErrOccupied   = errors.New("occupied")
	ErrClosed     = errors.New("simulated chassis closed")
	// ErrNoUART is returned by UART: the sleds' serial ports are not
	// simulated yet.
	ErrNoUART = errors.New("no simulated UART of that name")
)

// Chassis is a running simulated chassis. It is safe for concurrent use: the
// live changes may race bus traffic from the agent.
type Chassis struct {
	board *board.Board
	buses map[string]*i2csim.Bus
	// muxChannels remembers each mux's size: i2csim.Mux does not say.
	muxChannels map[*i2csim.Mux]int
	pins        map[string]*Pin // by board.Line.String()
	realTime    bool
	sw          *switchtec.Device // the interposer's switch; nil without one

	mu     sync.Mutex
	closed bool
	bays   map[int]*bay
}

// bay is one bay's wiring and, when occupied, its sled.
type bay struct {
	def      board.Bay
	bus      *i2csim.Bus
	seg      *i2csim.Segment // the bay's segment, behind the bay mux
	presence *Pin            // nil when the board has no presence line
	reset    *Pin            // nil when the board has no reset line
	power    *Pin            // nil when the board has no power line
	uart     *simuart.Line   // nil when the board gives the bay no UART
	faults   Faults
	ctrl     *controller // the sled controller's emulation, whichever sled is plugged
	sled     *sled
}

// New builds the board's buses and muxes, wires each bay's segment and GPIO
// lines, and plugs what the scenario lists. sc may be nil: an empty chassis.
func New(b *board.Board, sc *Scenario, opts Options) (*Chassis, error) {
	if b == nil {
		return nil, errors.New("sim: no board")
	}
	c := &Chassis{
		board:       b,
		buses:       map[string]*i2csim.Bus{},
		muxChannels: map[*i2csim.Mux]int{},
		pins:        map[string]*Pin{},
		bays:        map[int]*bay{},
		realTime:    opts.RealTime,
	}
	if err := c.buildBuses(opts); err != nil {
		return nil, err
	}
	for _, def := range b.Bays {
		if err := c.buildBay(def); err != nil {
			return nil, err
		}
	}
	if err := c.buildInterposer(); err != nil {
		return nil, err
	}
	if sc != nil {
		for _, bc := range sc.Bays {
			if _, ok := c.bays[bc.Bay]; !ok {
				return nil, fmt.Errorf("scenario: bay %d: %w on board %s", bc.Bay, ErrNoSuchBay, b.Name)
			}
			if bc.Sled == nil {
				continue
			}
			if err := c.PlugSled(bc.Bay, *bc.Sled); err != nil {
				return nil, fmt.Errorf("scenario: %w", err)
			}
		}
	}
	return c, nil
}

func (c *Chassis) buildBuses(opts Options) error {
	for _, bd := range c.board.Buses {
		if bd.Parent != "" {
			return fmt.Errorf("sim: bus %s (a channel of %s): kernel-owned mux channels are not simulated", bd.Name, bd.Parent)
		}
		if _, dup := c.buses[bd.Name]; dup {
			return fmt.Errorf("sim: bus %s is listed twice", bd.Name)
		}
		speed := bd.SpeedHz
		if speed <= 0 {
			speed = 100000
		}
		bus := i2csim.NewBus(bd.Name, speed)
		bus.SetRealTime(opts.RealTime)
		c.buses[bd.Name] = bus
	}
	for _, md := range c.board.Muxes {
		bus := c.buses[md.Bus]
		if bus == nil {
			return fmt.Errorf("sim: mux %s: no bus %q", md.Name, md.Bus)
		}
		n := md.Channels
		if n <= 0 {
			n = 8
			if md.Type == board.MuxPCA9546 {
				n = 4
			}
		}
		if n > 8 {
			return fmt.Errorf("sim: mux %s: %d channels; a PCA954x has at most 8", md.Name, n)
		}
		if bus.Root().Device(md.Addr) != nil {
			return fmt.Errorf("sim: mux %s: address %#02x on %s is taken", md.Name, md.Addr, md.Bus)
		}
		m := i2csim.NewMux(bus, n)
		c.muxChannels[m] = n
		bus.Root().Attach(md.Addr, m)
	}
	return nil
}

func (c *Chassis) buildBay(def board.Bay) error {
	if _, dup := c.bays[def.Index]; dup {
		return fmt.Errorf("sim: bay %d is listed twice", def.Index)
	}
	seg, err := c.segment(def.I2C)
	if err != nil {
		return fmt.Errorf("sim: bay %d: %w", def.Index, err)
	}
	bb := &bay{def: def, bus: c.buses[def.I2C.Bus], seg: seg}
	if def.Presence != nil {
		// Empty bay: the host's pull-up holds PRSNT# inactive.
		bb.presence, err = c.addPin(*def.Presence, rolePresence, inactive(*def.Presence))
		if err != nil {
			return fmt.Errorf("sim: bay %d: presence: %w", def.Index, err)
		}
	}
	// Reset starts released and power on: the scenario's sleds are running.
	bb.ctrl = newController(c, bb)
	if def.Sled.MCU != 0 {
		bb.ctrl.serveI2C(bb.bus, def.Sled.MCU)
	}
	if l := def.Reset; l != nil {
		if bb.reset, err = c.addPin(*l, roleOutput, inactive(*l)); err != nil {
			return fmt.Errorf("sim: bay %d: reset: %w", def.Index, err)
		}
		line := *l
		bb.reset.watch(func(lvl gpio.Level) { bb.ctrl.resetLine(lvl == active(line)) })
	}
	if l := def.Power; l != nil {
		if bb.power, err = c.addPin(*l, roleOutput, active(*l)); err != nil {
			return fmt.Errorf("sim: bay %d: power: %w", def.Index, err)
		}
	}
	c.bays[def.Index] = bb
	return nil
}

func (c *Chassis) addPin(l board.Line, role pinRole, level gpio.Level) (*Pin, error) {
	key := l.String()
	if _, dup := c.pins[key]; dup {
		return nil, fmt.Errorf("line %s is wired twice", key)
	}
	num := l.Offset
	if l.Name != "" {
		num = -1
	}
	p := newPin(lineKey{name: key, number: num}, role, level)
	c.pins[key] = p
	return p, nil
}

// inactive is the physical level of a line that is not asserted.
func inactive(l board.Line) gpio.Level { return gpio.Level(l.ActiveLow) }

// active is the physical level of an asserted line: low for active_low.
func active(l board.Line) gpio.Level { return gpio.Level(!l.ActiveLow) }

// segment follows a path from its bus through user-space mux hops.
func (c *Chassis) segment(p board.Path) (*i2csim.Segment, error) {
	bus := c.buses[p.Bus]
	if bus == nil {
		return nil, fmt.Errorf("path %s: no bus %q", p, p.Bus)
	}
	seg := bus.Root()
	for _, h := range p.Hops {
		m, ok := seg.Device(h.Mux).(*i2csim.Mux)
		if !ok {
			return nil, fmt.Errorf("path %s: no mux at %#02x", p, h.Mux)
		}
		if h.Channel < 0 || h.Channel >= c.muxChannels[m] {
			return nil, fmt.Errorf("path %s: mux at %#02x has no channel %d", p, h.Mux, h.Channel)
		}
		seg = m.Channel(h.Channel)
	}
	return seg, nil
}

// Board returns the board the chassis was built from.
func (c *Chassis) Board() *board.Board { return c.board }

// Buses returns every simulated bus by name, for bus statistics and faults
// (SetStuck). The map is the caller's.
func (c *Chassis) Buses() map[string]*i2csim.Bus {
	m := make(map[string]*i2csim.Bus, len(c.buses))
	for k, v := range c.buses {
		m[k] = v
	}
	return m
}

// I2C implements board.Hardware.
func (c *Chassis) I2C(name string) (i2c.Bus, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	bus := c.buses[name]
	if bus == nil {
		return nil, fmt.Errorf("sim: no bus %q on board %s", name, c.board.Name)
	}
	return bus, nil
}

// GPIO implements board.Hardware: each bay's presence, reset and power
// lines as the board names them. The same line always returns the same pin.
func (c *Chassis) GPIO(line board.Line) (gpio.PinIO, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	p := c.pins[line.String()]
	if p == nil {
		return nil, fmt.Errorf("sim: GPIO %s is not a line of board %s", line, c.board.Name)
	}
	return p, nil
}

// UART implements board.Hardware: the board names a bay's port
// "sim:bay<N>"; the agent gets the slave end of that bay's pseudo-terminal,
// opened through go.bug.st/serial as on a board.
func (c *Chassis) UART(u board.UART) (io.ReadWriteCloser, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	line, err := c.uartLocked(u.Device)
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return linux.OpenUART(board.UART{Device: line.Path(), Baud: u.Baud})
}

// uartLocked returns the line of the bay whose UART is named device,
// making its pseudo-terminal on first use: a chassis whose UARTs nobody
// opens (most tests) holds no terminals.
func (c *Chassis) uartLocked(device string) (*simuart.Line, error) {
	for _, b := range c.bays {
		if b.def.UART == nil || b.def.UART.Device != device {
			continue
		}
		if b.uart == nil {
			l, err := simuart.Open(fmt.Sprintf("bay%d", b.def.Index), b.def.UART.Baud, c.realTime)
			if err != nil {
				return nil, fmt.Errorf("sim: bay %d: %w", b.def.Index, err)
			}
			b.uart = l
			l.SetFault(b.faults.UART)
			b.lineReady()
		}
		return b.uart, nil
	}
	return nil, fmt.Errorf("sim: UART %s: %w", device, ErrNoUART)
}

// I2CTarget implements board.Hardware: the simulated adapter answers as a
// target at addr, where the sleds' controllers write their MCTP answers.
func (c *Chassis) I2CTarget(bus string, addr uint16) (board.I2CTarget, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	b, ok := c.buses[bus]
	if !ok {
		return nil, fmt.Errorf("sim: no bus %q", bus)
	}
	return b.AttachTarget(addr)
}

// Close implements board.Hardware. Buses and pins already handed out keep
// working; live changes and new opens fail.
func (c *Chassis) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	var lines []*simuart.Line
	var ctrls []*controller
	for _, b := range c.bays {
		if b.uart != nil {
			lines = append(lines, b.uart)
		}
		ctrls = append(ctrls, b.ctrl)
	}
	c.mu.Unlock()
	// Lines first: a serial endpoint's reader returns when its line does.
	for _, l := range lines {
		l.Close()
	}
	for _, m := range ctrls {
		m.stopLinks()
	}
	return nil
}

func (c *Chassis) checkOpen() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return fmt.Errorf("sim: %w", ErrClosed)
	}
	return nil
}

var _ board.Hardware = (*Chassis)(nil)

// lineReady is called when the bay's UART line is made: the controller
// answers on it (while a sled is plugged and its faults allow).
func (b *bay) lineReady() {
	b.ctrl.serveSerial(b.uart, fmt.Sprintf("bay %d controller UART", b.def.Index))
}

// log reports what the simulator itself runs into.
func (c *Chassis) log(msg string, args ...any) { slog.Debug("sim: "+msg, args...) }
