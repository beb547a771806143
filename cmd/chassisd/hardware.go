package main

import (
	"fmt"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/linux"
	"github.com/chassisd/chassisd/board/sim"
)

// hardwareFlags choose between a real board and the simulator.
type hardwareFlags struct {
	boardFile    string
	scenarioFile string
	simRealTime  bool
}

// opened is the chassis the agent will run on.
type opened struct {
	board *board.Board
	hw    board.Hardware
	sim   *sim.Chassis // nil on a real board
}

func (o *opened) Close() error { return o.hw.Close() }

// openHardware opens the board file's real hardware, or the simulated
// chassis when no board file is given.
func openHardware(f hardwareFlags) (*opened, error) {
	if f.boardFile != "" {
		if f.scenarioFile != "" {
			return nil, fmt.Errorf("--scenario describes the simulated chassis; it cannot be used with --board")
		}
		b, err := board.Load(f.boardFile)
		if err != nil {
			return nil, err
		}
		hw, err := linux.Open(b)
		if err != nil {
			return nil, fmt.Errorf("open board %s: %w", f.boardFile, err)
		}
		return &opened{board: b, hw: hw}, nil
	}
	b, err := sim.DefaultBoard()
	if err != nil {
		return nil, fmt.Errorf("embedded simulator board: %w", err)
	}
	sc := sim.DefaultScenario()
	if f.scenarioFile != "" {
		if sc, err = sim.LoadScenario(f.scenarioFile); err != nil {
			return nil, err
		}
	}
	c, err := sim.New(b, sc, sim.Options{RealTime: f.simRealTime})
	if err != nil {
		return nil, fmt.Errorf("simulated chassis: %w", err)
	}
	return &opened{board: b, hw: c, sim: c}, nil
}
