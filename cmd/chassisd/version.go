package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Stamped by build.sh with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

// buildInfo describes the binary in one line per fact.
func buildInfo() []string {
	lines := []string{
		"chassisd " + version,
		"go: " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
	}
	if commit != "" {
		lines = append(lines, "commit: "+commit)
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "GOARM", "GOARM64", "CGO_ENABLED", "-trimpath", "vcs.revision", "vcs.time", "vcs.modified":
				lines = append(lines, s.Key+": "+s.Value)
			}
		}
	}
	return lines
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	for _, l := range buildInfo() {
		fmt.Fprintln(stdout, l)
	}
	return 0
}
