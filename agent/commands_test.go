package agent

import (
	"context"
	"errors"
	"testing"

	"github.com/chassisd/chassisd/board/sim"
	"github.com/chassisd/chassisd/sled"
)

// TestLocateLEDOverEitherSideband: the LED command reaches the sled's
// controller over I2C (MCTP over SMBus) and over UART.
func TestLocateLEDOverEitherSideband(t *testing.T) {
	a, c, _ := newFaultAgent(t, map[int]sim.Faults{2: {I2C: sim.FaultNACK}})
	snap := a.Walk(context.Background())
	if sledOf(snap, 1).Sideband != sled.SidebandI2C || sledOf(snap, 2).Sideband != sled.SidebandUART {
		t.Fatalf("sidebands: %s, %s", sledOf(snap, 1).Sideband, sledOf(snap, 2).Sideband)
	}
	ctx := context.Background()
	for _, bay := range []int{1, 2} {
		if err := a.SetLocateLED(ctx, bay, true); err != nil {
			t.Fatalf("bay %d: %v", bay, err)
		}
		if on, _ := c.LocateLED(bay); !on {
			t.Errorf("bay %d: LED not lit", bay)
		}
		if err := a.SetLocateLED(ctx, bay, false); err != nil {
			t.Fatal(err)
		}
		if on, _ := c.LocateLED(bay); on {
			t.Errorf("bay %d: LED still lit", bay)
		}
	}
	if err := a.SetLocateLED(ctx, 3, true); !errors.Is(err, ErrNoSled) {
		t.Errorf("empty bay: %v", err)
	}
	if err := a.SetLocateLED(ctx, 42, true); !errors.Is(err, ErrNoSuchBay) {
		t.Errorf("no bay 42: %v", err)
	}
	// A sled nothing reaches: the command says so.
	c.SetFaults(2, sim.Faults{I2C: sim.FaultNACK, MCU: sim.FaultMute})
	if err := a.SetLocateLED(ctx, 2, true); err == nil {
		t.Error("LED over a mute controller succeeded")
	}
}

func TestResetSled(t *testing.T) {
	a, c, rec := newFaultAgent(t, nil)
	a.Walk(context.Background())
	before, _ := c.Resets(1)
	if err := a.ResetSled(context.Background(), 1, ResetForceRestart); err != nil {
		t.Fatal(err)
	}
	if after, _ := c.Resets(1); after != before+1 {
		t.Errorf("reset pulses %d -> %d", before, after)
	}
	// The bay is brought up again at the next refresh.
	snap := a.poll()
	if s := sledOf(snap, 1); s == nil || s.Sideband != sled.SidebandI2C {
		t.Errorf("after reset: %+v", s)
	}
	hasSteps(t, rec.steps(1), "ForceRestart requested by a client")
	if err := a.ResetSled(context.Background(), 1, "Nmi"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Nmi: %v", err)
	}
}
