package sim

import (
	_ "embed"
	"fmt"
	"log/slog"

	"github.com/chassisd/chassisd/board"
)

// The built-in chassis: an 8-bay board and what is plugged into it, so
// chassisd runs with no files at all.
var (
	//go:embed board.yaml
	defaultBoard []byte
	//go:embed scenario.yaml
	defaultScenario []byte
)

// DefaultBoard returns the embedded simulated board (board.yaml), parsed
// afresh so the caller may keep or change it.
func DefaultBoard() (*board.Board, error) {
	b, err := board.Parse("board.yaml", defaultBoard)
	if err != nil {
		return nil, fmt.Errorf("sim: embedded %w", err)
	}
	return b, nil
}

// DefaultScenario returns the embedded scenario (scenario.yaml), parsed
// afresh so the caller may keep or change it. The file is part of the
// binary and a test parses it, so it cannot fail at run time; should it
// ever, the chassis starts empty rather than the program dying.
func DefaultScenario() *Scenario {
	sc, err := ParseScenario("scenario.yaml", defaultScenario)
	if err != nil {
		slog.Error("sim: embedded scenario is broken; starting empty", "err", err)
		return &Scenario{}
	}
	return sc
}
