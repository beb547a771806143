//go:build !linux

package simuart

import (
	"errors"
	"os"
)

// ErrNoPTY: the simulated UARTs need Linux pseudo-terminals.
var ErrNoPTY = errors.New("simulated UARTs need Linux pseudo-terminals")

func openPTY() (*os.File, string, *os.File, error) { return nil, "", nil, ErrNoPTY }
