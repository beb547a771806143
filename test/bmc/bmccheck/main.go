// Command bmccheck is the host side of chassisd's emulated-BMC test
// (test/bmc/run.sh, `./build.sh test-bmc`): while QEMU runs the ARMv7
// chassisd on an emulated AST2600, it drives the emulated chassis through
// QEMU's QMP socket (presence lines, sensor values) and checks through the
// agent's Redfish service, over HTTPS forwarded to the host, that the
// agent saw it through the real Linux drivers. It also computes the
// simulator's figures for the same chassis, so the run can print the two
// side by side.
//
//	bmccheck cases --variant V --url https://127.0.0.1:P --qmp SOCK --console LOG --fru-dir DIR ...
//	bmccheck simwalk --board FILE --scenario FILE
//
// It prints one PASS or FAIL line per case and exits 0 only when all pass.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: bmccheck cases|simwalk [flags]")
		return 2
	}
	switch args[0] {
	case "cases":
		return runCases(args[1:], stdout, stderr)
	case "simwalk":
		return runSimWalk(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "bmccheck: unknown command %q\n", args[0])
	return 2
}
