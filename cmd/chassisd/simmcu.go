package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/linux"
)

const simMCUUsage = "usage: chassisd sim mcu --bay N --device PATH [--scenario FILE] [--baud 115200]"

// runSimMCU is `chassisd sim mcu`: one simulated sled controller, alone,
// answering MCTP over serial on a real line. It stands beside an emulated
// BMC (QEMU) whose UART is wired to this host, so that the agent inside
// reaches the sled only through the serial sideband. It runs until SIGTERM
// or SIGINT, or until the line goes away.
func runSimMCU(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return simMCU(ctx, args, stdout, stderr)
}

func simMCU(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("sim mcu", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var hf hardwareFlags
	bay := fset.Int("bay", -1, "the simulated bay whose controller answers (required)")
	device := fset.String("device", "", "the line to answer on: a serial device or pty (QEMU's -serial pty), or a unix socket QEMU listens on (-chardev socket,server=on) (required)")
	baud := fset.Int("baud", 115200, "baud rate of a serial device")
	fset.StringVar(&hf.scenarioFile, "scenario", "", "simulated chassis contents (YAML) instead of the embedded one")
	if err := fset.Parse(args); err != nil {
		return 2
	}
	if fset.NArg() > 0 || *bay < 0 || *device == "" {
		fmt.Fprintln(stderr, simMCUUsage)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	hw, err := openHardware(hf)
	if err != nil {
		fmt.Fprintln(stderr, "chassisd sim mcu:", err)
		return 1
	}
	defer hw.Close()
	line, err := openMCULine(*device, *baud)
	if err != nil {
		fmt.Fprintf(stderr, "chassisd sim mcu: bay %d: %v\n", *bay, err)
		return 1
	}
	w := &watchedLine{ReadWriteCloser: line, dead: make(chan struct{})}
	// The controller stops with the chassis (hw.Close, deferred above);
	// the line is closed after it so that its reader is not left blocked.
	defer w.Close()
	if err := hw.sim.ServeController(*bay, w, *device); err != nil {
		fmt.Fprintf(stderr, "chassisd sim mcu: bay %d: %v\n", *bay, err)
		return 1
	}
	logger.Info("sled controller answering MCTP over serial", "bay", *bay, "device", *device, "baud", *baud)
	fmt.Fprintf(stdout, "chassisd sim mcu: bay %d's controller on %s\n", *bay, *device)

	select {
	case <-ctx.Done():
		logger.Info("sled controller stopped", "bay", *bay)
		return 0
	case <-w.dead:
		fmt.Fprintf(stderr, "chassisd sim mcu: bay %d: %s: %v\n", *bay, *device, w.err)
		return 1
	}
}

// openMCULine opens the controller's end of the line. A unix socket is
// dialled (QEMU's socket chardev is the server); anything else is opened as
// a serial port, raw 8N1, the way the agent opens a sled's UART.
func openMCULine(path string, baud int) (io.ReadWriteCloser, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Type() == fs.ModeSocket {
		c, err := net.Dial("unix", path)
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w", path, err)
		}
		return c, nil
	}
	return linux.OpenUART(board.UART{Device: path, Baud: baud})
}

// watchedLine remembers the first read error, so that the process ends
// when the far side goes away (QEMU exits and its pty or socket closes)
// instead of serving a dead line.
type watchedLine struct {
	io.ReadWriteCloser
	once sync.Once
	dead chan struct{}
	err  error
}

func (w *watchedLine) Read(p []byte) (int, error) {
	n, err := w.ReadWriteCloser.Read(p)
	if err != nil {
		w.once.Do(func() {
			if errors.Is(err, io.EOF) {
				err = errors.New("the other end closed the line")
			}
			w.err = err
			close(w.dead)
		})
	}
	return n, err
}
