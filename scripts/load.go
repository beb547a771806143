//go:build ignore

// load drives many concurrent Redfish clients against chassisd for a bounded
// time and reports requests/s, latency percentiles, errors by status and the
// agent's memory; then it serves the same sled Chassis body from a bare Go
// HTTPS server in this process and measures that too, side by side. It is
// run by scripts/load.sh, which builds the agent:
//
//	go run scripts/load.go -bin /tmp/chassisd            # start the simulator
//	go run scripts/load.go -url https://127.0.0.1:8443 -pass-file F -pid N
//
// Phases, each for -d: a mixed run (GETs of a sled Chassis over Basic auth
// and over a session token, GETs of collections, an occasional PATCH of
// the sled's LocationIndicatorActive); then only GETs of the sled Chassis,
// Basic and token, with -c clients and with -bare-conns clients; then the
// bare server with -bare-conns connections. Every client has its own
// keep-alive HTTPS connection. The whole sequence runs -runs times; the
// agent's VmRSS, threads and open files after each run, and after -settle,
// show whether anything grows. Only loopback targets are accepted. Only
// the standard library is used.
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type config struct {
	bin       string
	base      string // https://host:port
	user      string
	pass      string
	pid       int
	clients   int
	bareConns int
	dur       time.Duration
	runs      int
	settle    time.Duration
	patch     bool
	sled      string
}

func main() {
	var cfg config
	var passFile, target string
	flag.StringVar(&cfg.bin, "bin", "", "chassisd binary to start on a free loopback port (simulated chassis)")
	flag.StringVar(&target, "url", "", "instead of -bin: base URL of a running agent (loopback only)")
	flag.StringVar(&cfg.user, "user", "admin", "account to use (needs ConfigureComponents for the PATCHes)")
	flag.StringVar(&passFile, "pass-file", "", "with -url: file holding the password")
	flag.IntVar(&cfg.pid, "pid", 0, "with -url: the agent's process id, for its memory figures")
	flag.IntVar(&cfg.clients, "c", 64, "concurrent clients")
	flag.IntVar(&cfg.bareConns, "bare-conns", 16, "connections for the bare-server comparison")
	flag.DurationVar(&cfg.dur, "d", 5*time.Second, "duration of each phase")
	flag.IntVar(&cfg.runs, "runs", 2, "how many times to run the whole sequence")
	flag.DurationVar(&cfg.settle, "settle", 15*time.Second, "wait after the last run before the final memory reading")
	flag.BoolVar(&cfg.patch, "patch", true, "include PATCHes of LocationIndicatorActive in the mixed run (skipped if the agent refuses them)")
	flag.StringVar(&cfg.sled, "sled", "/redfish/v1/Chassis/Sled0", "the sled Chassis to GET")
	bareChild := flag.Bool("bare-child", false, "internal: serve the body read from stdin as the bare server and print its URL")
	flag.Parse()
	if *bareChild {
		os.Exit(serveBareChild())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, cfg, target, passFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		if code == 0 {
			code = 2
		}
	}
	os.Exit(code)
}

func run(ctx context.Context, cfg config, target, passFile string) (int, error) {
	switch {
	case cfg.bin != "" && target != "":
		return 2, errors.New("give -bin or -url, not both")
	case cfg.bin != "":
		stopAgent, err := startAgent(ctx, &cfg)
		if err != nil {
			return 2, err
		}
		defer stopAgent()
	case target != "":
		if err := checkLoopback(target); err != nil {
			return 2, err
		}
		cfg.base = strings.TrimSuffix(target, "/")
		pw, err := os.ReadFile(passFile)
		if err != nil {
			return 2, err
		}
		cfg.pass = strings.TrimSpace(string(pw))
	default:
		return 2, errors.New("give -bin or -url")
	}
	if cfg.clients < 1 || cfg.bareConns < 1 || cfg.runs < 1 || cfg.dur <= 0 {
		return 2, errors.New("-c, -bare-conns, -runs and -d must be positive")
	}
	if err := waitReady(ctx, cfg); err != nil {
		return 2, err
	}
	body, hdr, err := fetchBody(cfg)
	if err != nil {
		return 2, err
	}
	if cfg.patch {
		if why := probePatch(cfg); why != "" {
			fmt.Printf("PATCH skipped: %s\n", why)
			cfg.patch = false
		}
	}
	bare, err := startBare(body, hdr)
	if err != nil {
		return 2, err
	}
	defer bare.Close()
	// The same server in a process of its own, as the agent is: the
	// in-process figure also saves the cross-process scheduling.
	bareProc, stopBareProc, err := startBareProcess(body, hdr)
	if err != nil {
		return 2, err
	}
	defer stopBareProc()

	fmt.Printf("chassisd load: %s, %d clients, %v per phase, %d run(s); %d CPUs, GOMAXPROCS %d\n",
		cfg.base, cfg.clients, cfg.dur, cfg.runs, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Printf("sled body: %s, %d bytes; mixed run: %s\n", cfg.sled, len(body), mixDescription(cfg.patch))
	mem := []memReading{readMem(cfg.pid, "before")}
	fail5xx := 0
	for r := 1; r <= cfg.runs && ctx.Err() == nil; r++ {
		fmt.Printf("\nrun %d\n", r)
		fmt.Printf("%-34s %5s %9s %9s %8s %8s %8s %8s  %s\n", "phase", "conns", "requests", "req/s", "p50", "p90", "p99", "max", "statuses")
		phases := []struct {
			name  string
			conns int
			kind  phaseKind
			base  string
		}{
			{"mixed", cfg.clients, phaseMixed, cfg.base},
			{"GET sled, Basic", cfg.clients, phaseBasic, cfg.base},
			{"GET sled, session token", cfg.clients, phaseToken, cfg.base},
			{"GET sled, Basic", cfg.bareConns, phaseBasic, cfg.base},
			{"GET sled, session token", cfg.bareConns, phaseToken, cfg.base},
			{"bare Go HTTPS, same bytes", cfg.bareConns, phaseBare, bare.URL},
			{"bare, own process", cfg.bareConns, phaseBare, bareProc},
		}
		results := map[string]result{}
		for _, ph := range phases {
			if ctx.Err() != nil {
				break
			}
			res, err := runPhase(ctx, cfg, ph.base, ph.kind, ph.conns)
			if err != nil {
				return 2, fmt.Errorf("%s: %w", ph.name, err)
			}
			fail5xx += res.count5xx()
			fmt.Println(res.line(ph.name, ph.conns))
			results[ph.name+"/"+strconv.Itoa(ph.conns)] = res
		}
		for _, bare := range []string{"bare Go HTTPS, same bytes", "bare, own process"} {
			printRatios(results, bare, cfg)
		}
		mem = append(mem, readMem(cfg.pid, fmt.Sprintf("after run %d", r)))
		fmt.Println(mem[len(mem)-1])
	}
	if cfg.pid > 0 && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-time.After(cfg.settle):
		}
		mem = append(mem, readMem(cfg.pid, fmt.Sprintf("%v after the last run", cfg.settle)))
		fmt.Println()
		for _, m := range mem {
			fmt.Println(m)
		}
	}
	if fail5xx > 0 {
		return 1, fmt.Errorf("%d responses with a 5xx status", fail5xx)
	}
	return 0, nil
}

// printRatios prints each agent GET figure as a share of the bare server's.
func printRatios(results map[string]result, bare string, cfg config) {
	ref := results[bare+"/"+strconv.Itoa(cfg.bareConns)].rate()
	if ref <= 0 {
		return
	}
	fmt.Printf("agent / %s (%d conns, %.0f req/s):", bare, cfg.bareConns, ref)
	for _, n := range []int{cfg.clients, cfg.bareConns} {
		for _, k := range []string{"Basic", "session token"} {
			if res, ok := results["GET sled, "+k+"/"+strconv.Itoa(n)]; ok {
				fmt.Printf("  %s x%d %.0f%%", k, n, 100*res.rate()/ref)
			}
		}
	}
	fmt.Println()
}

func mixDescription(patch bool) string {
	if patch {
		return "per 50 requests: 22 GET sled Basic, 16 GET sled token, 5 GET Chassis collection, 3 GET Drives, 3 GET Sensors, 1 PATCH LocationIndicatorActive"
	}
	return "per 50 requests: 23 GET sled Basic, 16 GET sled token, 5 GET Chassis collection, 3 GET Drives, 3 GET Sensors (no PATCH)"
}

// checkLoopback refuses anything but a loopback https URL: a load test
// never leaves the machine.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "https" {
		return fmt.Errorf("%s: only https targets", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s: only loopback targets", raw)
	}
	return nil
}

// startAgent runs the binary on a free loopback port with a fresh state
// directory and password, and returns how to stop it.
func startAgent(ctx context.Context, cfg *config) (func(), error) {
	dir, err := os.MkdirTemp("", "chassisd-load-")
	if err != nil {
		return nil, err
	}
	cfg.pass = "load-test-password"
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(cfg.pass+"\n"), 0o600); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.Create(filepath.Join(dir, "agent.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(cfg.bin, "--listen", addr, "--state-dir", filepath.Join(dir, "state"),
		"--initial-password-file", pw, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	// The agent dies with this process, even on a kill.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	cfg.base = "https://" + addr
	cfg.pid = cmd.Process.Pid
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	return func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
		if b, err := os.ReadFile(logf.Name()); err == nil && len(bytes.TrimSpace(b)) > 0 {
			fmt.Printf("\nagent log (warnings and errors):\n%s", tail(b, 2000))
		}
		os.RemoveAll(dir)
	}, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// newClient is one client's keep-alive HTTPS connection. The agent's
// certificate is self-signed and the target is loopback: it is not
// verified.
func newClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: true},
			MaxIdleConnsPerHost: 1,
			MaxConnsPerHost:     1,
			DisableCompression:  true,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

func waitReady(ctx context.Context, cfg config) error {
	c := newClient()
	defer c.CloseIdleConnections()
	deadline := time.Now().Add(60 * time.Second)
	last := "no answer"
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, cfg.base+cfg.sled, nil)
		req.SetBasicAuth(cfg.user, cfg.pass)
		resp, err := c.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("agent not ready at %s%s within 60s: %s", cfg.base, cfg.sled, last)
}

// fetchBody gets the sled Chassis as the bare server will serve it.
func fetchBody(cfg config) ([]byte, http.Header, error) {
	c := newClient()
	defer c.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, cfg.base+cfg.sled, nil)
	req.SetBasicAuth(cfg.user, cfg.pass)
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: %s", cfg.sled, resp.Status)
	}
	return b, resp.Header, nil
}

// probePatch sends one PATCH that changes nothing (the current value) and
// says why PATCHes cannot be part of the mix, or "".
func probePatch(cfg config) string {
	body, _, err := fetchBody(cfg)
	if err != nil {
		return err.Error()
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return err.Error()
	}
	cur, ok := m["LocationIndicatorActive"].(bool)
	if !ok {
		return cfg.sled + " has no LocationIndicatorActive"
	}
	st, err := doPatch(newClient(), cfg, "", cur)
	if err != nil {
		return err.Error()
	}
	if st != http.StatusOK && st != http.StatusNoContent {
		return fmt.Sprintf("PATCH %s answered %d", cfg.sled, st)
	}
	return ""
}

func doPatch(c *http.Client, cfg config, token string, on bool) (int, error) {
	req, _ := http.NewRequest(http.MethodPatch, cfg.base+cfg.sled,
		strings.NewReader(`{"LocationIndicatorActive":`+strconv.FormatBool(on)+`}`))
	req.Header.Set("Content-Type", "application/json")
	authorize(req, cfg, token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func authorize(req *http.Request, cfg config, token string) {
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	} else {
		req.SetBasicAuth(cfg.user, cfg.pass)
	}
}

type phaseKind int

const (
	phaseMixed phaseKind = iota
	phaseBasic
	phaseToken
	phaseBare
)

// result is one phase's figures.
type result struct {
	elapsed  time.Duration
	lat      []time.Duration // sorted
	statuses map[string]int  // "200", "401", "error: timeout"
}

func (r result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(len(r.lat)) / r.elapsed.Seconds()
}

func (r result) pct(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[int(q*float64(len(r.lat)-1))]
}

func (r result) count5xx() int {
	n := 0
	for k, v := range r.statuses {
		if strings.HasPrefix(k, "5") {
			n += v
		}
	}
	return n
}

func (r result) line(name string, conns int) string {
	keys := make([]string, 0, len(r.statuses))
	for k := range r.statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var st []string
	for _, k := range keys {
		st = append(st, fmt.Sprintf("%s:%d", k, r.statuses[k]))
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/1e6) }
	return fmt.Sprintf("%-34s %5d %9d %9.0f %8s %8s %8s %8s  %s (5xx: %d)", name, conns, len(r.lat), r.rate(),
		ms(r.pct(0.50)), ms(r.pct(0.90)), ms(r.pct(0.99)), ms(r.pct(1)), strings.Join(st, " "), r.count5xx())
}

// op is one request of a phase.
type op struct {
	method string
	path   string
	token  bool // session token, else Basic (ignored by the bare server)
	want   int  // expected status; another one is an error
}

// mix is the mixed run's sequence of 50 requests; each client starts at a
// different place in it.
func mix(cfg config) []op {
	var ops []op
	add := func(n int, o op) {
		for range n {
			ops = append(ops, o)
		}
	}
	basic := 22
	if !cfg.patch {
		basic = 23
	}
	add(basic, op{"GET", cfg.sled, false, 200})
	add(16, op{"GET", cfg.sled, true, 200})
	add(5, op{"GET", "/redfish/v1/Chassis", true, 200})
	add(3, op{"GET", cfg.sled + "/Drives", false, 200})
	add(3, op{"GET", cfg.sled + "/Sensors", true, 200})
	if cfg.patch {
		add(1, op{"PATCH", cfg.sled, true, 200})
	}
	// Interleave deterministically so PATCHes and collections are spread.
	out := make([]op, 0, len(ops))
	for i := range ops {
		out = append(out, ops[(i*7)%len(ops)])
	}
	return out
}

// runPhase runs conns clients for cfg.dur. Token phases log each client in
// first and out after; the login and logout are not counted.
func runPhase(ctx context.Context, cfg config, base string, kind phaseKind, conns int) (result, error) {
	var ops []op
	switch kind {
	case phaseMixed:
		ops = mix(cfg)
	case phaseBasic, phaseBare:
		ops = []op{{"GET", cfg.sled, false, 200}}
	case phaseToken:
		ops = []op{{"GET", cfg.sled, true, 200}}
	}
	needToken := slices.ContainsFunc(ops, func(o op) bool { return o.token }) && kind != phaseBare
	clients := make([]*http.Client, conns)
	tokens := make([]string, conns)
	var sessions []session
	for i := range clients {
		clients[i] = newClient()
	}
	defer func() {
		for _, c := range clients {
			c.CloseIdleConnections()
		}
	}()
	if needToken {
		var err error
		if sessions, err = login(cfg, clients, tokens); err != nil {
			return result{}, err
		}
		defer logout(cfg, clients[0], sessions)
	}

	type local struct {
		lat      []time.Duration
		statuses map[string]int
	}
	locals := make([]local, conns)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(cfg.dur)
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := &locals[w]
			l.lat = make([]time.Duration, 0, 1<<14)
			l.statuses = map[string]int{}
			c := clients[w]
			led := false
			for i := w * 13; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				o := ops[i%len(ops)]
				token := ""
				if o.token {
					token = tokens[w]
				}
				t0 := time.Now()
				var status int
				var err error
				if o.method == http.MethodPatch {
					led = !led
					status, err = doPatch(c, cfg, token, led)
				} else {
					status, err = get(c, base+o.path, cfg, token, kind == phaseBare)
				}
				d := time.Since(t0)
				if err != nil {
					l.statuses["error: "+errKind(err)]++
					continue
				}
				l.lat = append(l.lat, d)
				if status != o.want && !(o.method == http.MethodPatch && status == http.StatusNoContent) {
					l.statuses[strconv.Itoa(status)+" on "+o.method]++
				} else {
					l.statuses[strconv.Itoa(status)]++
				}
			}
		}()
	}
	wg.Wait()
	res := result{elapsed: time.Since(start), statuses: map[string]int{}}
	for _, l := range locals {
		res.lat = append(res.lat, l.lat...)
		for k, v := range l.statuses {
			res.statuses[k] += v
		}
	}
	slices.Sort(res.lat)
	return res, nil
}

func get(c *http.Client, u string, cfg config, token string, bare bool) (int, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	if !bare {
		authorize(req, cfg, token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

func errKind(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "EOF"
	}
	return "other"
}

// session is one login: its URI and token.
type session struct{ uri, token string }

// login creates a session per client (each on its own connection) and
// sets the clients' tokens. When the agent's session limit is reached, the
// remaining clients share the sessions made so far.
func login(cfg config, clients []*http.Client, tokens []string) ([]session, error) {
	body, _ := json.Marshal(map[string]string{"UserName": cfg.user, "Password": cfg.pass})
	var sessions []session
	for i, c := range clients {
		req, _ := http.NewRequest(http.MethodPost, cfg.base+"/redfish/v1/SessionService/Sessions", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			return sessions, fmt.Errorf("login: %w", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusCreated && resp.Header.Get("X-Auth-Token") != "" {
			tokens[i] = resp.Header.Get("X-Auth-Token")
			loc := resp.Header.Get("Location")
			if u, err := url.Parse(loc); err == nil {
				loc = u.Path
			}
			sessions = append(sessions, session{loc, tokens[i]})
			continue
		}
		if len(sessions) == 0 {
			return sessions, fmt.Errorf("login: POST Sessions answered %s", resp.Status)
		}
		tokens[i] = sessions[i%len(sessions)].token
	}
	return sessions, nil
}

// logout deletes the sessions login made, so the next phase starts clean.
func logout(cfg config, c *http.Client, sessions []session) {
	for _, s := range sessions {
		// Each session ends itself with its own token.
		req, _ := http.NewRequest(http.MethodDelete, cfg.base+s.uri, nil)
		req.Header.Set("X-Auth-Token", s.token)
		if resp, err := c.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 300 {
				// Fall back to Basic (an administrator may delete any).
				req, _ = http.NewRequest(http.MethodDelete, cfg.base+s.uri, nil)
				req.SetBasicAuth(cfg.user, cfg.pass)
				if resp, err := c.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}
	}
}

// startBare serves body with the agent's headers over TLS on loopback with
// a certificate of the agent's kind (self-signed ECDSA P-256), HTTP/1.1
// keep-alive like the agent's clients here.
func startBare(body []byte, agentHdr http.Header) (*bareServer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bare"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hdr := map[string][]string{}
	for _, k := range []string{"Content-Type", "Etag", "Odata-Version", "Cache-Control", "Link", "Allow"} {
		if v := agentHdr.Values(k); len(v) > 0 {
			hdr[k] = v
		}
	}
	hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			for k, v := range hdr {
				h[k] = v
			}
			w.Write(body)
		}),
		TLSConfig: &tls.Config{
			MinVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		},
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	go srv.ServeTLS(ln, "", "")
	return &bareServer{URL: "https://" + ln.Addr().String(), srv: srv}, nil
}

// startBareProcess runs this program again as the bare server (see
// serveBareChild) and returns its URL and how to stop it.
func startBareProcess(body []byte, agentHdr http.Header) (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	hdrJSON, _ := json.Marshal(agentHdr)
	in, _ := json.Marshal(bareSpec{Body: body, Header: hdrJSON})
	cmd := exec.Command(self, "-bare-child")
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	line := make([]byte, 256)
	n, err := out.Read(line)
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("bare server process: %w", err)
	}
	return strings.TrimSpace(string(line[:n])), stop, nil
}

// bareSpec is what the bare server process is given on stdin.
type bareSpec struct {
	Body   []byte
	Header json.RawMessage
}

// serveBareChild is the bare server process: it serves until SIGTERM.
func serveBareChild() int {
	var spec bareSpec
	if err := json.NewDecoder(os.Stdin).Decode(&spec); err != nil {
		fmt.Fprintln(os.Stderr, "load -bare-child:", err)
		return 2
	}
	var hdr http.Header
	if err := json.Unmarshal(spec.Header, &hdr); err != nil {
		fmt.Fprintln(os.Stderr, "load -bare-child:", err)
		return 2
	}
	b, err := startBare(spec.Body, hdr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load -bare-child:", err)
		return 2
	}
	fmt.Println(b.URL)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	b.Close()
	return 0
}

type bareServer struct {
	URL string
	srv *http.Server
}

func (b *bareServer) Close() { b.srv.Close() }

// memReading is the agent's memory and resources at one moment.
type memReading struct {
	when                 string
	rssKB, hwmKB, thread int
	fds                  int
	err                  error
}

func readMem(pid int, when string) memReading {
	m := memReading{when: when}
	if pid <= 0 {
		m.err = errors.New("no -pid")
		return m
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		m.err = err
		return m
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		switch k {
		case "VmRSS":
			m.rssKB = n
		case "VmHWM":
			m.hwmKB = n
		case "Threads":
			m.thread = n
		}
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		m.fds = len(ents)
	}
	return m
}

func (m memReading) String() string {
	if m.err != nil {
		return fmt.Sprintf("agent memory %s: unknown (%v)", m.when, m.err)
	}
	return fmt.Sprintf("agent %-28s VmRSS %6.1f MB  VmHWM %6.1f MB  threads %3d  open files %3d",
		m.when+":", float64(m.rssKB)/1024, float64(m.hwmKB)/1024, m.thread, m.fds)
}
