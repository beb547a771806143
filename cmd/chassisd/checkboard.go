package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/chassisd/chassisd/board"
)

func runCheckBoard(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check-board", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: chassisd check-board FILE") }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	b, err := board.Load(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, err)
		var le *board.LoadError
		if errors.As(err, &le) {
			fmt.Fprintf(stderr, "%d problem(s)\n", len(le.Problems))
		}
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok: board %q, %d bus(es), %d mux(es), %d bay(s)\n",
		fs.Arg(0), b.Name, len(b.Buses), len(b.Muxes), len(b.Bays))
	return 0
}
