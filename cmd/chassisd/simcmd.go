package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func runSim(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "mcu" {
		return runSimMCU(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "export-fru" {
		fmt.Fprintln(stderr, "usage: chassisd sim export-fru [--scenario FILE] DIR")
		fmt.Fprintln(stderr, "       chassisd sim mcu --bay N --device PATH [--scenario FILE] [--baud 115200]")
		return 2
	}
	fs := flag.NewFlagSet("sim export-fru", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var hf hardwareFlags
	fs.StringVar(&hf.scenarioFile, "scenario", "", "simulated chassis contents (YAML) instead of the embedded one")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: chassisd sim export-fru [--scenario FILE] DIR")
		return 2
	}
	dir := fs.Arg(0)
	hw, err := openHardware(hf)
	if err != nil {
		fmt.Fprintln(stderr, "chassisd sim export-fru:", err)
		return 1
	}
	defer hw.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "chassisd sim export-fru:", err)
		return 1
	}
	files, err := hw.sim.ExportFRU(dir)
	if err != nil {
		fmt.Fprintln(stderr, "chassisd sim export-fru:", err)
		return 1
	}
	for _, f := range files {
		fmt.Fprintln(stdout, f)
	}
	return 0
}
