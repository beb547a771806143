package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/board/sim"
	"github.com/chassisd/chassisd/redfish"
)

type runFlags struct {
	hardwareFlags
	listen          string
	stateDir        string
	initialPassword string
	simControl      string
	pollInterval    time.Duration
	logLevel        string
}

func runAgent(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f runFlags
	fs.StringVar(&f.boardFile, "board", "", "board file (YAML); without it, the built-in simulated chassis")
	fs.StringVar(&f.scenarioFile, "scenario", "", "simulated chassis contents (YAML) instead of the embedded one")
	fs.BoolVar(&f.simRealTime, "sim-realtime", true, "simulated bus transactions take their bus time in wall time")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8443", "HTTPS address for Redfish")
	fs.StringVar(&f.stateDir, "state-dir", "", "state directory: certificate, accounts (default /var/lib/chassisd with --board, a per-user directory in simulation)")
	fs.StringVar(&f.initialPassword, "initial-password-file", "", "file holding the admin password, used at first start only")
	fs.StringVar(&f.simControl, "sim-control", "", "serve the simulator's control API on this loopback address (off unless given)")
	fs.DurationVar(&f.pollInterval, "poll-interval", 2*time.Second, "how often sled health is polled")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "chassisd: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		fmt.Fprintf(stderr, "chassisd: --log-level: %v\n", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, f, stdout, logger); err != nil {
		logger.Error("chassisd stopped", "err", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, f runFlags, stdout io.Writer, logger *slog.Logger) error {
	if f.simControl != "" && f.boardFile != "" {
		return errors.New("--sim-control drives the simulated chassis; it cannot be used with --board")
	}
	if f.simControl != "" {
		if err := requireLoopback(f.simControl); err != nil {
			return fmt.Errorf("--sim-control: %w", err)
		}
	}
	stateDir, err := resolveStateDir(f.stateDir, f.boardFile != "")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}

	hw, err := openHardware(f.hardwareFlags)
	if err != nil {
		return err
	}
	defer hw.Close()

	cert, err := redfish.LoadOrCreateCertificate(stateDir, logger)
	if err != nil {
		return err
	}
	accounts, generated, err := redfish.OpenAccounts(stateDir, f.initialPassword, logger)
	if err != nil {
		return err
	}
	uuid, err := serviceUUID(stateDir)
	if err != nil {
		return err
	}

	a, err := agent.New(agent.Config{
		Board: hw.board, Hardware: hw.hw, PollInterval: f.pollInterval, Logger: logger,
		Simulated: hw.sim != nil, Version: version, Commit: commit,
	})
	if err != nil {
		return err
	}
	defer a.Close()

	svc, err := redfish.New(redfish.Config{Snapshot: a.Snapshot, Accounts: accounts, Logger: logger, UUID: uuid})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	srv := redfish.NewServer(f.listen, svc.Handler(), cert)
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelDebug)

	errc := make(chan error, 2)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	var ctl *http.Server
	simControlAddr := ""
	if f.simControl != "" {
		cln, err := net.Listen("tcp", f.simControl)
		if err != nil {
			return fmt.Errorf("--sim-control: %w", err)
		}
		simControlAddr = cln.Addr().String()
		ctl = &http.Server{Handler: sim.ControlHandler(hw.sim), ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- ctl.Serve(cln) }()
	}

	agentDone := make(chan struct{})
	agentCtx, stopAgent := context.WithCancel(ctx)
	go func() {
		a.Run(agentCtx)
		close(agentDone)
	}()

	announce(stdout, ln.Addr().String(), stateDir, generated, f.initialPassword, hw.sim != nil, simControlAddr)
	logger.Info("chassisd started", "version", version, "board", hw.board.Name,
		"redfish", "https://"+ln.Addr().String()+"/redfish/v1", "state_dir", stateDir)

	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	stopAgent()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	if ctl != nil {
		_ = ctl.Shutdown(shutdownCtx)
	}
	<-agentDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	logger.Info("chassisd stopped")
	return err
}

// announce tells the person who started the agent where Redfish is and how
// to log in. A generated password is shown here once and kept only in the
// 0600 file beside the state.
func announce(w io.Writer, addr, stateDir, generated, pwFile string, simulated bool, simControl string) {
	what := "board"
	if simulated {
		what = "simulated chassis"
	}
	fmt.Fprintf(w, "chassisd %s on the %s\n", version, what)
	fmt.Fprintf(w, "Redfish: https://%s/redfish/v1 (self-signed certificate in %s)\n", addr, filepath.Join(stateDir, "tls"))
	switch {
	case generated != "":
		fmt.Fprintf(w, "Login:   admin / %s  (generated at first start; also in %s)\n", generated, filepath.Join(stateDir, "initial-password"))
	case pwFile != "":
		fmt.Fprintf(w, "Login:   admin with the password from %s\n", pwFile)
	default:
		fmt.Fprintf(w, "Login:   admin with the password set at first start (see %s if it was generated)\n", filepath.Join(stateDir, "initial-password"))
	}
	fmt.Fprintf(w, "Try:     curl -k -u admin:PASSWORD https://%s/redfish/v1/Chassis\n", addr)
	if simControl != "" {
		fmt.Fprintf(w, "Simulator control: http://%s/sim/v1/state\n", simControl)
	}
}

// resolveStateDir picks the state directory: the flag, else /var/lib/chassisd
// on a real board, else a per-user directory so a laptop run needs no root.
func resolveStateDir(flagValue string, realBoard bool) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if realBoard {
		return "/var/lib/chassisd", nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "chassisd-sim"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return filepath.Join(os.TempDir(), fmt.Sprintf("chassisd-sim-%d", os.Getuid())), nil
	}
	return filepath.Join(home, ".local", "state", "chassisd-sim"), nil
}

// requireLoopback refuses to expose the simulator's unauthenticated control
// API anywhere but on this machine.
func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address: the control API has no authentication", addr)
	}
	return nil
}
