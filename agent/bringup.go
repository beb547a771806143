package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/sideband"
	"github.com/chassisd/chassisd/sled"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"
)

// BringUp is a ChangeKind for each step of a sled's bring-up: which
// sideband was tried, what failed and what comes next. The Redfish layer
// turns it into an event and an event log entry with the message as is.
const BringUp ChangeKind = "BringUp"

// resetPulse is how long the reset line is held asserted: PERST# needs at
// least 100 µs; a sled controller's reset input is slower still.
const resetPulse = time.Millisecond

// presenceWatch is how often presence is sampled while a bring-up runs, so
// an unplug cancels it.
const presenceWatch = 10 * time.Millisecond

// bringUp brings a newly present sled under management, trying each
// sideband in turn: I2C (the FRU answers and the controller takes its EID
// over MCTP over SMBus), then I2C again after bus recovery and a reset
// pulse, then the UART. It returns the sled as read, or nil when the sled
// was pulled (or the agent stopped) on the way. quiet suppresses the step
// reports while the outcome is the same as before (a Failed sled retried
// at every poll).
func (a *Agent) bringUp(ctx context.Context, st *bayState, run sled.Runner, quiet bool) *sled.Sled {
	ctx, cancel := a.whilePresent(ctx, st)
	defer cancel()
	report := func(msg string, args ...any) {
		if !quiet {
			a.report(st, fmt.Sprintf(msg, args...))
		}
	}
	a.powerOn(st)

	err := a.i2cBringUp(ctx, st, sideband.Normal, run)
	if err == nil {
		return a.managedOverI2C(st, run)
	}
	if ctx.Err() != nil {
		return nil
	}
	report("I2C bring-up failed (%v); recovering the bus and pulsing the sled's reset", err)
	a.recover(ctx, st)
	if err = a.i2cBringUp(ctx, st, sideband.Normal, run); err == nil {
		if !quiet {
			a.report(st, "I2C answers after bus recovery and reset; managed over I2C")
		}
		return a.managedOverI2C(st, run)
	}
	if ctx.Err() != nil {
		return nil
	}
	i2cErr := err
	report("I2C bring-up failed again (%v); bringing the sled up over its UART", err)

	s, err := a.uartBringUp(ctx, st, i2cErr)
	if err == nil {
		a.report(st, fmt.Sprintf("managed over UART %s: its I2C path does not answer", st.bay.UART.Device))
		return &s
	}
	if ctx.Err() != nil {
		return nil
	}
	report("UART bring-up failed (%v); the sled is present but not managed", err)
	f := sled.Sled{Bay: st.bay.Index, Sideband: sled.SidebandNone, Health: sled.HealthCritical, ReadAt: time.Now(),
		Problems: []sled.Problem{
			{Health: sled.HealthCritical, Message: fmt.Sprintf("bay %d: I2C bring-up failed: %v", st.bay.Index, i2cErr)},
			{Health: sled.HealthCritical, Message: fmt.Sprintf("bay %d: UART bring-up failed: %v", st.bay.Index, err)},
		}}
	return &f
}

// managedOverI2C reads the sled over I2C and closes a UART link it no
// longer needs.
func (a *Agent) managedOverI2C(st *bayState, run sled.Runner) *sled.Sled {
	a.dropLink(st)
	s := sled.Read(st.bay, run)
	return &s
}

// i2cBringUp checks the sled's I2C path: its FRU EEPROM answers and, where
// the board names a controller address and the bus can receive as a
// target, the controller takes its EID over MCTP over SMBus.
func (a *Agent) i2cBringUp(ctx context.Context, st *bayState, level sideband.Level, run sled.Runner) error {
	if err := a.probeFRU(st, run); err != nil {
		return err
	}
	if st.bay.Sled.MCU == 0 {
		return nil
	}
	err := a.smbusSetEID(ctx, st, level)
	if errors.Is(err, board.ErrNotSupported) {
		return nil // no target mode here: the FRU answering is all I2C can show
	}
	return err
}

// probeFRU reads one byte from the FRU EEPROM: the cheapest transaction
// that proves the sled's segment answers.
func (a *Agent) probeFRU(st *bayState, run sled.Runner) error {
	addr := st.bay.Sled.FRU.Addr
	err := run(st.bay.I2C, func(bus i2c.Bus) error { return bus.Tx(addr, nil, make([]byte, 1)) })
	if err != nil {
		return fmt.Errorf("FRU at %#02x on %s: %w", addr, st.bay.I2C, err)
	}
	return nil
}

// recover frees the bus (nine clocks, where the adapter can) and pulses
// the sled's reset line (where the board has one), then waits for the
// controller to boot.
func (a *Agent) recover(ctx context.Context, st *bayState) {
	root := board.Path{Bus: st.owner.String()}
	err := st.owner.Do(ctx, sideband.Normal, root, func(bus i2c.Bus) error {
		if r, ok := bus.(interface{ Recover() error }); ok {
			return r.Recover()
		}
		return nil
	})
	if err != nil {
		a.log.Warn("bus recovery failed", "bay", st.bay.Index, "bus", st.owner.String(), "err", err)
	}
	st.owner.Invalidate()
	if st.reset != nil {
		a.pulseReset(ctx, st)
	}
}

// pulseReset asserts the bay's reset line for resetPulse, releases it and
// gives the sled's controller ResetSettle to boot. The bay must have a
// reset line.
func (a *Agent) pulseReset(ctx context.Context, st *bayState) {
	l := *st.bay.Reset
	if err := st.reset.Out(gpio.Level(!l.ActiveLow)); err != nil {
		a.log.Warn("reset pulse failed", "bay", st.bay.Index, "line", l.String(), "err", err)
		return
	}
	time.Sleep(resetPulse)
	if err := st.reset.Out(gpio.Level(l.ActiveLow)); err != nil {
		a.log.Warn("reset release failed", "bay", st.bay.Index, "line", l.String(), "err", err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(a.cfg.ResetSettle):
	}
}

// powerOn asserts the bay's power enable, where the board has one.
func (a *Agent) powerOn(st *bayState) {
	if st.power == nil {
		return
	}
	l := *st.bay.Power
	if err := st.power.Out(gpio.Level(!l.ActiveLow)); err != nil {
		a.log.Warn("power enable failed", "bay", st.bay.Index, "line", l.String(), "err", err)
	}
}

// uartBringUp opens the sled's UART, assigns its controller an EID and
// reads the sled over PLDM. i2cErr is why: the sled shows it as a Warning.
func (a *Agent) uartBringUp(ctx context.Context, st *bayState, i2cErr error) (sled.Sled, error) {
	a.dropLink(st)
	l, err := a.openUART(ctx, st)
	if err != nil {
		return sled.Sled{}, err
	}
	s, err := sled.ReadPLDM(ctx, st.bay, l.client, sled.SidebandUART)
	if err != nil {
		l.close()
		return sled.Sled{}, err
	}
	st.mu.Lock()
	st.link, st.i2cErr = l, i2cErr.Error()
	st.mu.Unlock()
	markUART(&s, st)
	return s, nil
}

// markUART adds the reason a sled is managed over UART to its problems.
func markUART(s *sled.Sled, st *bayState) {
	st.mu.Lock()
	why := st.i2cErr
	st.mu.Unlock()
	s.Problems = append(s.Problems, sled.Problem{Health: sled.HealthWarning,
		Message: fmt.Sprintf("bay %d: managed over UART because its I2C path failed: %s", st.bay.Index, why)})
	s.Health = sled.Worse(s.Health, sled.HealthWarning)
}

// pollManaged refreshes a sled over the sideband that manages it. A sled
// on UART gets a background I2C probe first and moves back to I2C when it
// answers; a sled whose I2C stops answering is brought up again (and falls
// back); a sled no sideband answered is retried quietly.
func (a *Agent) pollManaged(ctx context.Context, st *bayState, prev sled.Sled, run sled.Runner) *sled.Sled {
	switch prev.Sideband {
	case sled.SidebandUART:
		st.mu.Lock()
		l := st.link
		st.mu.Unlock()
		if a.i2cBringUp(ctx, st, sideband.Background, run) == nil {
			a.report(st, "I2C answers again; managed over I2C")
			return a.managedOverI2C(st, run)
		}
		if l == nil {
			return a.bringUp(ctx, st, run, false)
		}
		if _, err := l.client.GetTID(ctx); err != nil {
			a.report(st, fmt.Sprintf("the controller stopped answering on UART (%v); bringing the sled up again", err))
			return a.bringUp(ctx, st, run, false)
		}
		s := sled.PollPLDM(ctx, prev, st.bay, l.client)
		markUART(&s, st)
		return &s
	case sled.SidebandNone:
		s := a.bringUp(ctx, st, run, true)
		if s != nil && s.Sideband != sled.SidebandNone {
			a.report(st, fmt.Sprintf("answers on %s now", s.Sideband))
		}
		return s
	}
	// On a board without a presence line, detect has just probed the FRU
	// in this refresh: it answered, or the sled would not be polled.
	if st.presence != nil {
		if err := a.probeFRU(st, run); err != nil {
			a.report(st, fmt.Sprintf("I2C stopped answering (%v); bringing the sled up again", err))
			return a.bringUp(ctx, st, run, false)
		}
	}
	s := sled.Poll(prev, st.bay, run)
	return &s
}

// whilePresent returns a context that ends when the sled is pulled, so a
// bring-up in progress stops at once.
func (a *Agent) whilePresent(ctx context.Context, st *bayState) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if st.presence == nil {
		return ctx, cancel
	}
	go func() {
		t := time.NewTicker(presenceWatch)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if lvl := st.presence.Read(); (lvl == gpio.Low) != st.bay.Presence.ActiveLow {
					a.log.Info("sled pulled during bring-up", "bay", st.bay.Index)
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}

// dropLink closes the bay's UART link, if one is open.
func (a *Agent) dropLink(st *bayState) {
	st.mu.Lock()
	l := st.link
	st.link, st.i2cErr = nil, ""
	st.mu.Unlock()
	if l != nil {
		l.close()
	}
}

// report tells the event log and subscribers about a bring-up step.
func (a *Agent) report(st *bayState, msg string) {
	name := a.bayName(st.bay.Index)
	text := fmt.Sprintf("sled in %s: %s", name, msg)
	a.log.Info("bring-up", "bay", st.bay.Index, "step", msg)
	if a.cfg.OnChanges == nil {
		return
	}
	a.pubMu.Lock()
	defer a.pubMu.Unlock()
	a.cfg.OnChanges([]Change{{Kind: BringUp, Bay: st.bay.Index, Slot: -1, BayName: name, Message: text}})
}
