package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chassisd/chassisd/sideband"
	"github.com/chassisd/chassisd/sideband/mctp"
	"github.com/chassisd/chassisd/sled"
	"github.com/chassisd/chassisd/sled/pldm"
	"periph.io/x/conn/v3/gpio"
)

// Errors of the commands clients send down to a sled.
var (
	ErrNoSuchBay = errors.New("no such bay")
	ErrNoSled    = errors.New("no sled in the bay")
	// ErrUnreachable: no sideband reaches the sled's controller now.
	ErrUnreachable = errors.New("no sideband reaches the sled's controller")
	// ErrUnsupported: the board has no line or part to do it with.
	ErrUnsupported = errors.New("not supported by this board")
)

// Reset kinds, as Redfish Chassis.Reset names them.
const (
	ResetForceRestart = "ForceRestart"
	ResetPowerCycle   = "PowerCycle"
)

// powerCycleOff is how long a power cycle keeps the sled's power off:
// long enough for its rails to discharge.
const powerCycleOff = 500 * time.Millisecond

// SetLocateLED turns a sled's locate LED on or off through its controller,
// over whichever sideband manages the sled. It runs at the interactive
// service level: an operator is waiting.
func (a *Agent) SetLocateLED(ctx context.Context, bayIndex int, on bool) error {
	st, s, err := a.sledFor(bayIndex)
	if err != nil {
		return err
	}
	state := pldm.IdentifyUnasserted
	if on {
		state = pldm.IdentifyAsserted
	}
	err = a.withController(ctx, st, s, func(c *pldm.Client) error {
		return c.SetStateEffecterStates(ctx, pldm.EffecterLocateLED, []pldm.EffecterField{{Set: true, State: state}})
	})
	if err != nil {
		return fmt.Errorf("bay %d: locate LED: %w", bayIndex, err)
	}
	a.log.Info("locate LED set", "bay", bayIndex, "on", on, "sideband", s.Sideband)
	return nil
}

// ResetSled resets a sled. ForceRestart pulses its reset line where the
// board has one, or asks its controller over the live sideband;
// PowerCycle switches its power enable off and on. The bay is brought up
// again afterwards.
func (a *Agent) ResetSled(ctx context.Context, bayIndex int, kind string) error {
	st, s, err := a.sledFor(bayIndex)
	if err != nil {
		return err
	}
	switch kind {
	case ResetForceRestart:
		if st.reset != nil {
			a.pulseReset(ctx, st)
		} else if err := a.withController(ctx, st, s, func(c *pldm.Client) error {
			return c.SetStateEffecterStates(ctx, pldm.EffecterSledReset, []pldm.EffecterField{{Set: true, State: pldm.ResetRequested}})
		}); err != nil {
			return fmt.Errorf("bay %d: reset: %w", bayIndex, err)
		}
	case ResetPowerCycle:
		if st.power == nil {
			return fmt.Errorf("bay %d: power cycle: no power enable line: %w", bayIndex, ErrUnsupported)
		}
		l := *st.bay.Power
		if err := st.power.Out(gpio.Level(l.ActiveLow)); err != nil {
			return fmt.Errorf("bay %d: power off: %w", bayIndex, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(powerCycleOff):
		}
		if err := st.power.Out(gpio.Level(!l.ActiveLow)); err != nil {
			return fmt.Errorf("bay %d: power on: %w", bayIndex, err)
		}
	default:
		return fmt.Errorf("bay %d: reset type %q: %w", bayIndex, kind, ErrUnsupported)
	}
	a.report(st, fmt.Sprintf("%s requested by a client; bringing the sled up again", kind))
	// Forget the sled so the next refresh brings it up from the start.
	st.mu.Lock()
	st.present, st.sled = false, nil
	st.mu.Unlock()
	a.kickBay(st)
	return nil
}

// sledFor finds a bay and its managed sled.
func (a *Agent) sledFor(bayIndex int) (*bayState, sled.Sled, error) {
	for _, st := range a.bays {
		if st.bay.Index != bayIndex {
			continue
		}
		st.mu.Lock()
		s := st.sled
		st.mu.Unlock()
		if s == nil {
			return nil, sled.Sled{}, fmt.Errorf("bay %d: %w", bayIndex, ErrNoSled)
		}
		return st, *s, nil
	}
	return nil, sled.Sled{}, fmt.Errorf("bay %d: %w", bayIndex, ErrNoSuchBay)
}

// withController runs fn with a PLDM client to the sled's controller over
// the sideband that manages the sled: its open UART link, or MCTP over
// SMBus. A sled on I2C whose bus cannot receive as a target is reached
// over its UART for the one command.
func (a *Agent) withController(ctx context.Context, st *bayState, s sled.Sled, fn func(*pldm.Client) error) error {
	switch s.Sideband {
	case sled.SidebandUART:
		st.mu.Lock()
		l := st.link
		st.mu.Unlock()
		if l == nil {
			return ErrUnreachable
		}
		return fn(l.client)
	case sled.SidebandI2C:
		if st.bay.Sled.MCU != 0 {
			if _, err := a.target(st.owner); err == nil {
				return fn(pldm.NewClient(smbusTransport{a: a, st: st, eid: sledEID(st.bay.Index)}))
			}
		}
		if st.bay.UART == nil {
			return fmt.Errorf("%w: no controller address or I2C target mode, and no UART", ErrUnreachable)
		}
		l, err := a.openUART(ctx, st)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUnreachable, err)
		}
		defer l.close()
		return fn(l.client)
	}
	return ErrUnreachable
}

// smbusTransport carries PLDM over MCTP over SMBus at the interactive
// level, one bus job per exchange.
type smbusTransport struct {
	a   *Agent
	st  *bayState
	eid mctp.EID
}

func (t smbusTransport) Exchange(ctx context.Context, req []byte) ([]byte, error) {
	return t.a.smbusRequest(ctx, t.st, sideband.Interactive, t.eid, req)
}
