// Command chassisd is the chassis control-plane agent for a composable
// storage chassis' BMC: it brings the sleds up over I2C (or over their UART
// when I2C fails), programs the interposer's PCIe switch routing, and
// publishes inventory, health, events and composition through DMTF Redfish
// over HTTPS. With no board file it runs on the built-in simulated chassis.
//
// Subcommands: run (the default), walk, check-board, version, sim export-fru, sim mcu.
// main only parses flags and wires packages together; the logic lives in
// the packages.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: chassisd [command] [flags]

commands:
  run                 run the agent (default when no command is given)
  walk                walk the chassis once and print the inventory as JSON
  check-board FILE    validate a board file; name the line and field of every error
  sim export-fru DIR  write the simulated sleds' and drives' FRU EEPROM images
  sim mcu             a simulated sled controller answering MCTP on a serial line
  version             print version and build information

run 'chassisd COMMAND -h' for a command's flags
`

// run dispatches a command line and returns the process exit status.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return runAgent(args, stdout, stderr)
	case "walk":
		return runWalk(args, stdout, stderr)
	case "check-board":
		return runCheckBoard(args, stdout, stderr)
	case "version":
		return runVersion(args, stdout, stderr)
	case "sim":
		return runSim(args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "chassisd: unknown command %q\n\n%s", cmd, usage)
	return 2
}
