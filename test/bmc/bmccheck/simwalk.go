package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim"
)

// runSimWalk walks the emulated chassis' twin in the simulator and prints
// the bus time the simulator charges for it, to set beside the walk the
// guest times through the real driver. The twin is the user-space-mux
// board (the simulator has no kernel-owned mux channels; the wires carry
// the same bytes either way, plus the channel selections) with bay 3's
// I2C dead and its controller on UART only, as in QEMU.
func runSimWalk(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simwalk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	boardFile := fs.String("board", "", "the emulated chassis' board file with a user-space mux")
	scenarioFile := fs.String("scenario", "", "what the chassis holds")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *boardFile == "" || *scenarioFile == "" {
		fmt.Fprintln(stderr, "bmccheck simwalk: --board and --scenario are required")
		return 2
	}
	if err := simWalk(*boardFile, *scenarioFile, stdout); err != nil {
		fmt.Fprintln(stderr, "bmccheck simwalk:", err)
		return 1
	}
	return 0
}

func simWalk(boardFile, scenarioFile string, out io.Writer) error {
	b, err := board.Load(boardFile)
	if err != nil {
		return err
	}
	sc, err := sim.LoadScenario(scenarioFile)
	if err != nil {
		return err
	}
	c, err := sim.New(b, sc, sim.Options{})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetFaults(uartBay, sim.Faults{I2C: sim.FaultNACK, MCU: sim.FaultUARTOnly}); err != nil {
		return err
	}
	a, err := agent.New(agent.Config{Board: b, Hardware: c, Simulated: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	snap := a.Walk(context.Background())
	elapsed := time.Since(start)
	managed := 0
	for _, bay := range snap.Bays {
		if bay.Sled != nil && bay.Sled.Sideband != "" && bay.Sled.Sideband != "None" {
			managed++
		}
	}
	for name, bus := range c.Buses() {
		st := bus.Stats()
		fmt.Fprintf(out, "simulator walk: %d sleds managed; bus %s: %d transactions, %d bytes, bus time %s at %d Hz (wall %s, not real time)\n",
			managed, name, st.Transactions, st.Bytes, st.BusTime.Round(10*time.Microsecond), b.Buses[0].SpeedHz, elapsed.Round(time.Millisecond))
	}
	return nil
}
