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
	// insecureHTTP, when set, serves Redfish over plain HTTP too (lab
	// use); only on loopback unless insecureHTTPRemote says otherwise.
	insecureHTTP       string
	insecureHTTPRemote bool
	// networkHook applies the BMC network settings set through Redfish.
	networkHook string
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
	fs.StringVar(&f.insecureHTTP, "insecure-http", "", "also serve Redfish over plain HTTP on this loopback address (lab only: credentials and tokens cross in clear text)")
	fs.BoolVar(&f.insecureHTTPRemote, "insecure-http-allow-remote", false, "let --insecure-http listen on a non-loopback address (lab only)")
	fs.StringVar(&f.networkHook, "network-hook", "", "executable that applies the BMC network settings set through Redfish (interface name as argument, settings as JSON on stdin); without it they are read-only on a board")
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
		if errors.Is(err, errRestart) {
			stop()
			err = reexec()
		}
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
	if err := checkInsecureHTTP(f.insecureHTTP, f.insecureHTTPRemote); err != nil {
		return err
	}
	hookPath := ""
	if f.networkHook != "" {
		p, err := checkNetworkHook(f.networkHook)
		if err != nil {
			return err
		}
		hookPath = p
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

	// The agent's changes become Redfish events once the service exists;
	// the agent publishes none before Run starts, below.
	var onChanges func([]agent.Change)
	a, err := agent.New(agent.Config{
		Board: hw.board, Hardware: hw.hw, PollInterval: f.pollInterval, Logger: logger,
		Simulated: hw.sim != nil, Version: version, Commit: commit, StateDir: stateDir,
		OnChanges: func(ch []agent.Change) {
			if onChanges != nil {
				onChanges(ch)
			}
		},
	})
	if err != nil {
		return err
	}
	defer a.Close()

	svc, err := redfish.New(redfish.Config{Snapshot: a.Snapshot, Accounts: accounts, Logger: logger, UUID: uuid})
	if err != nil {
		return err
	}
	if err := svc.SetStateDir(stateDir); err != nil {
		return err
	}
	defer svc.FlushEventLog()
	if err := svc.StartEvents(stateDir); err != nil {
		return err
	}
	defer svc.StopEvents()
	onChanges = svc.Publish
	// Sled LEDs and Chassis.Reset go down to the agent, which uses the
	// sideband that manages each sled.
	svc.SetSledControl(a)
	// Zones and Connections go down to the agent, which programs the
	// interposer's switch as a transaction.
	svc.SetComposer(a)
	svc.UseCertificate(cert)
	// The BMC's network belongs to the image: settings are writable only
	// when something applies them (the hook), or in simulation, where they
	// are recorded and shown without touching this machine's network.
	switch {
	case hookPath != "":
		svc.SetNetworkApplier(networkHook(hookPath, logger))
	case hw.sim != nil:
		svc.SetNetworkApplier(simulatedNetwork(logger))
	}
	// Manager.Reset restarts chassisd itself: the service answers, then
	// the process shuts down cleanly and execs itself again.
	restart := make(chan string, 1)
	svc.SetResetHandler(func(resetType string) error {
		select {
		case restart <- resetType:
		default:
		}
		return nil
	})
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	host, _ := os.Hostname()
	svc.SetNetwork(host, ln.Addr().(*net.TCPAddr).Port)
	srv := redfish.NewServer(f.listen, svc.Handler(), cert)
	// Certificates replaced through CertificateService are served at once.
	srv.TLSConfig.GetCertificate = svc.GetCertificate
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelDebug)

	errc := make(chan error, 3)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	var plain *http.Server
	if f.insecureHTTP != "" {
		pln, err := net.Listen("tcp", f.insecureHTTP)
		if err != nil {
			return fmt.Errorf("--insecure-http: %w", err)
		}
		// The same handler, limits and timeouts as HTTPS, without TLS.
		plain = redfish.NewServer(f.insecureHTTP, svc.Handler(), cert)
		plain.TLSConfig = nil
		plain.ErrorLog = srv.ErrorLog
		logger.Warn("serving Redfish over plain HTTP as well: passwords and session tokens cross the network in clear text; use this in a lab only",
			"addr", "http://"+pln.Addr().String()+"/redfish/v1", "remote_allowed", f.insecureHTTPRemote)
		fmt.Fprintf(stdout, "WARNING: Redfish also on plain HTTP at http://%s/redfish/v1 (no encryption; lab use only)\n", pln.Addr())
		go func() { errc <- plain.Serve(pln) }()
	}
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

	restartType := ""
	select {
	case <-ctx.Done():
	case err = <-errc:
	case restartType = <-restart:
		// Let the Reset response reach the client first.
		time.Sleep(500 * time.Millisecond)
		logger.Info("Manager.Reset: restarting chassisd", "reset_type", restartType)
	}
	stopAgent()
	// Open SSE streams would hold Shutdown up until its timeout.
	svc.StopEvents()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	if plain != nil {
		_ = plain.Shutdown(shutdownCtx)
	}
	if ctl != nil {
		_ = ctl.Shutdown(shutdownCtx)
	}
	<-agentDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	logger.Info("chassisd stopped")
	if err == nil && restartType != "" {
		return errRestart
	}
	return err
}

// errRestart asks runAgent to exec the binary again (Manager.Reset).
var errRestart = errors.New("restart requested")

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

// checkInsecureHTTP vets --insecure-http: plain HTTP carries Basic
// credentials and session tokens in clear text, so it is only served where
// no network can read it (loopback), unless the operator says in a second
// flag that this is a lab.
func checkInsecureHTTP(addr string, allowRemote bool) error {
	if addr == "" {
		if allowRemote {
			return errors.New("--insecure-http-allow-remote needs --insecure-http")
		}
		return nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("--insecure-http: %w", err)
	}
	if allowRemote {
		return nil
	}
	if !isLoopback(addr) {
		return fmt.Errorf("--insecure-http: %s is not a loopback address; plain HTTP exposes passwords and session tokens, add --insecure-http-allow-remote only on a lab network", addr)
	}
	return nil
}

// isLoopback reports whether a host:port names this machine only. An empty
// host means every interface, which is not loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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

// reexec replaces the process with a fresh copy of the same binary and
// arguments: a Manager.Reset of a BMC agent starts it from scratch, with
// state only from disk. It returns only on failure.
func reexec() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	return fmt.Errorf("restart: %w", syscall.Exec(exe, os.Args, os.Environ()))
}
