package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/chassisd/chassisd/board/sim"
	"github.com/chassisd/chassisd/sled/fru"
)

// The emulated chassis, as test/bmc/run.sh builds it and the board files
// describe it: bays 0-2 on I2C (an EEPROM and a TMP105 each, -device ids
// temp0..temp2), bay 3 on UART only. Presence lines are the SoC's GPIO
// inputs named as QMP names them.
var (
	i2cBays  = []int{0, 1, 2}
	uartBay  = 3
	presence = map[int]string{0: "gpioB0", 1: "gpioF0", 2: "gpioG0", 3: "gpioH0"}
	// Temperatures set before the guest boots, and the one set while bay 0
	// is pulled. Multiples of 0.5 °C: the LM75 format's resolution.
	bootTemps   = map[int]float64{0: 31.5, 1: 33, 2: 40.5}
	replugTemp  = 45.5
	edgeTimeout = 30 * time.Second
)

type caseRun struct {
	variant  string
	rf       *redfishClient
	q        *qmp
	console  string
	fruDir   string
	started  time.Time
	out      io.Writer
	failures int
}

func (c *caseRun) pass(name, format string, args ...any) {
	fmt.Fprintf(c.out, "[%s] PASS %s: %s\n", c.variant, name, fmt.Sprintf(format, args...))
}

func (c *caseRun) fail(name, format string, args ...any) {
	c.failures++
	fmt.Fprintf(c.out, "[%s] FAIL %s: %s\n", c.variant, name, fmt.Sprintf(format, args...))
}

func (c *caseRun) figure(name, format string, args ...any) {
	fmt.Fprintf(c.out, "[%s] FIGURE %s: %s\n", c.variant, name, fmt.Sprintf(format, args...))
}

func runCases(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cases", flag.ContinueOnError)
	fs.SetOutput(stderr)
	variant := fs.String("variant", "", "board variant under test (kernelmux, usermux)")
	url := fs.String("url", "", "the agent's Redfish base URL as forwarded to the host")
	qmpSock := fs.String("qmp", "", "QEMU's QMP unix socket")
	console := fs.String("console", "", "the guest console's log file")
	fruDir := fs.String("fru-dir", "", "the FRU images the emulated EEPROMs hold (bay<N>-sled.bin)")
	password := fs.String("password", "", "the admin password the guest's chassisd starts with")
	started := fs.Float64("started", 0, "when QEMU started, Unix seconds")
	bootWait := fs.Duration("boot-wait", 240*time.Second, "how long to wait for the first Redfish answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *url == "" || *qmpSock == "" || *console == "" || *fruDir == "" || *password == "" {
		fmt.Fprintln(stderr, "bmccheck cases: --url, --qmp, --console, --fru-dir and --password are required")
		return 2
	}
	c := &caseRun{variant: *variant, rf: newRedfishClient(*url), console: *console, fruDir: *fruDir, out: stdout,
		started: time.Unix(0, int64(*started*1e9))}
	if *started == 0 {
		c.started = time.Now()
	}
	q, err := dialQMP(*qmpSock, 20*time.Second)
	if err != nil {
		c.fail("qmp", "%v", err)
		return 1
	}
	defer q.Close()
	c.q = q
	if err := c.prepare(); err != nil {
		c.fail("prepare the emulated chassis", "%v", err)
		return 1
	}
	if err := c.waitForRedfish(*bootWait, *password); err != nil {
		c.fail("boot", "%v", err)
		return 1
	}
	c.inventory()
	c.temperatures()
	c.presenceEdges()
	c.uartPresenceEdges()
	c.agentLog()
	c.guestFigures()
	if c.failures > 0 {
		fmt.Fprintf(stdout, "[%s] %d case(s) failed\n", c.variant, c.failures)
		return 1
	}
	return 0
}

// prepare sets the sensors (QEMU's TMP105 reads 0 after reset) and the
// presence lines before the guest looks at them.
func (c *caseRun) prepare() error {
	for _, bay := range i2cBays {
		if err := c.q.setTemperature(fmt.Sprintf("temp%d", bay), bootTemps[bay]); err != nil {
			return err
		}
	}
	for bay := 0; bay <= uartBay; bay++ {
		if err := c.q.setGPIO(presence[bay], false); err != nil { // PRSNT# low: present
			return err
		}
	}
	return nil
}

// waitForRedfish waits for the service's first answer, logs in, and waits
// until every sled is managed (bay 3's through its fallback).
func (c *caseRun) waitForRedfish(wait time.Duration, password string) error {
	deadline := time.Now().Add(wait)
	for {
		code, err := c.rf.get("/redfish/v1", nil)
		if err == nil && code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no Redfish answer %s after QEMU started (last: %d %v); console: %s", wait, code, err, c.console)
		}
		time.Sleep(250 * time.Millisecond)
	}
	c.figure("boot to first Redfish answer", "%.1f s (QEMU start to GET /redfish/v1 through hostfwd)", time.Since(c.started).Seconds())
	if err := c.rf.login("admin", password); err != nil {
		return err
	}
	for {
		n := 0
		for bay := 0; bay <= uartBay; bay++ {
			var s sledChassis
			if code, _ := c.rf.get(sledPath(bay), &s); code == http.StatusOK && s.Oem.Chassisd.Sideband != "" {
				n++
			}
		}
		if n == uartBay+1 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d sleds in Redfish %s after QEMU started", n, uartBay+1, wait)
		}
		time.Sleep(500 * time.Millisecond)
	}
	c.figure("boot to every sled managed", "%.1f s", time.Since(c.started).Seconds())
	return nil
}

func sledPath(bay int) string { return fmt.Sprintf("/redfish/v1/Chassis/Sled%d", bay) }

// wantIdentity is what a sled's Chassis must say: the product area of its
// FRU image, as the emulated EEPROM holds it.
func (c *caseRun) wantIdentity(bay int) (sledChassis, error) {
	img, err := os.ReadFile(filepath.Join(c.fruDir, sim.SledFRUFile(bay)))
	if err != nil {
		return sledChassis{}, err
	}
	f, err := fru.Parse(img)
	if err != nil {
		return sledChassis{}, fmt.Errorf("bay %d image: %w", bay, err)
	}
	if f.Product == nil {
		return sledChassis{}, fmt.Errorf("bay %d image has no product area", bay)
	}
	return sledChassis{Manufacturer: f.Product.Manufacturer, Model: f.Product.Name,
		PartNumber: f.Product.PartNumber, SerialNumber: f.Product.SerialNumber}, nil
}

func sameIdentity(got, want sledChassis) bool {
	return got.Manufacturer == want.Manufacturer && got.Model == want.Model &&
		got.PartNumber == want.PartNumber && got.SerialNumber == want.SerialNumber
}

func identity(s sledChassis) string {
	return fmt.Sprintf("%q %q %q %q", s.Manufacturer, s.Model, s.PartNumber, s.SerialNumber)
}

// inventory: every sled's identity is its EEPROM image's, and each says
// which sideband manages it.
func (c *caseRun) inventory() {
	for bay := 0; bay <= uartBay; bay++ {
		name := fmt.Sprintf("inventory bay %d", bay)
		want, err := c.wantIdentity(bay)
		if err != nil {
			c.fail(name, "%v", err)
			continue
		}
		var got sledChassis
		if code, err := c.rf.get(sledPath(bay), &got); code != http.StatusOK {
			c.fail(name, "GET %s: %d %v", sledPath(bay), code, err)
			continue
		}
		wantSideband := "I2C"
		if bay == uartBay {
			wantSideband = "UART"
		}
		switch {
		case !sameIdentity(got, want):
			c.fail(name, "Redfish says %s, the EEPROM image %s", identity(got), identity(want))
		case got.Oem.Chassisd.Sideband != wantSideband:
			c.fail(name, "Oem.Chassisd.Sideband %q, want %q (problems: %v)", got.Oem.Chassisd.Sideband, wantSideband, got.Oem.Chassisd.Problems)
		case bay == uartBay && !problemMentions(got, "UART"):
			c.fail(name, "managed over UART without saying why: problems %v", got.Oem.Chassisd.Problems)
		case bay != uartBay && got.Status.Health != "OK":
			c.fail(name, "Health %q, problems %v", got.Status.Health, got.Oem.Chassisd.Problems)
		default:
			c.pass(name, "%s, Sideband %s, Health %s", identity(got), got.Oem.Chassisd.Sideband, got.Status.Health)
		}
	}
}

func problemMentions(s sledChassis, word string) bool {
	for _, p := range s.Oem.Chassisd.Problems {
		if strings.Contains(p.Message, word) {
			return true
		}
	}
	return false
}

func (c *caseRun) reading(bay int) (float64, error) {
	var s sensor
	p := sledPath(bay) + "/Sensors/Temp"
	code, err := c.rf.get(p, &s)
	if code != http.StatusOK || err != nil {
		return 0, fmt.Errorf("GET %s: %d %v", p, code, err)
	}
	if s.Reading == nil {
		return 0, fmt.Errorf("%s: no reading", p)
	}
	return *s.Reading, nil
}

// temperatures: the values QMP put into the TMP105s are the sleds'
// readings (the agent reads them as LM75 registers through i2c-dev).
func (c *caseRun) temperatures() {
	for _, bay := range i2cBays {
		name := fmt.Sprintf("temperature bay %d", bay)
		got, err := c.reading(bay)
		switch {
		case err != nil:
			c.fail(name, "%v", err)
		case math.Abs(got-bootTemps[bay]) > 0.01:
			c.fail(name, "Reading %.2f °C, QMP set %.2f °C", got, bootTemps[bay])
		default:
			c.pass(name, "QMP set %.1f °C, Redfish reads %.1f °C", bootTemps[bay], got)
		}
	}
	// Bay 3's comes from its controller over PLDM: scenario.yaml's value.
	if got, err := c.reading(uartBay); err != nil {
		c.fail("temperature bay 3 (over UART)", "%v", err)
	} else {
		c.pass("temperature bay 3 (over UART)", "the controller reports %.1f °C", got)
	}
}

// waitSled polls until the sled is in Redfish (or gone) and returns how
// long it took.
func (c *caseRun) waitSled(bay int, present bool, ok func(sledChassis) bool) (time.Duration, error) {
	start := time.Now()
	for {
		var s sledChassis
		code, err := c.rf.get(sledPath(bay), &s)
		if err == nil {
			if !present && code == http.StatusNotFound && !c.listed(bay) {
				return time.Since(start), nil
			}
			if present && code == http.StatusOK && ok(s) && c.listed(bay) {
				return time.Since(start), nil
			}
		}
		if time.Since(start) > edgeTimeout {
			return 0, fmt.Errorf("Sled%d still %s after %s (last: %d %v)", bay, map[bool]string{true: "absent", false: "present"}[present], edgeTimeout, code, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// listed reports whether the Chassis collection lists the sled.
func (c *caseRun) listed(bay int) bool {
	var coll collection
	if code, err := c.rf.get("/redfish/v1/Chassis", &coll); code != http.StatusOK || err != nil {
		return false
	}
	for _, m := range coll.Members {
		if m.ID == sledPath(bay) {
			return true
		}
	}
	return false
}

// presenceEdges pulls bay 0's sled by raising its PRSNT# through QMP, sets
// a new temperature while it is out, and plugs it back. The agent polls
// only hourly in this test, so only the GPIO edges can make Redfish follow.
func (c *caseRun) presenceEdges() {
	const bay = 0
	name := "presence edges bay 0"
	if err := c.q.setGPIO(presence[bay], true); err != nil {
		c.fail(name, "%v", err)
		return
	}
	gone, err := c.waitSled(bay, false, nil)
	if err != nil {
		c.fail(name, "pulled: %v", err)
		return
	}
	if err := c.q.setTemperature("temp0", replugTemp); err != nil {
		c.fail(name, "%v", err)
		return
	}
	want, err := c.wantIdentity(bay)
	if err != nil {
		c.fail(name, "%v", err)
		return
	}
	if err := c.q.setGPIO(presence[bay], false); err != nil {
		c.fail(name, "%v", err)
		return
	}
	back, err := c.waitSled(bay, true, func(s sledChassis) bool { return sameIdentity(s, want) })
	if err != nil {
		c.fail(name, "plugged again: %v", err)
		return
	}
	c.pass(name, "PRSNT# high: gone from Redfish in %s; low again: back in %s", gone.Round(time.Millisecond), back.Round(time.Millisecond))
	got, err := c.reading(bay)
	switch {
	case err != nil:
		c.fail("temperature after re-plug bay 0", "%v", err)
	case math.Abs(got-replugTemp) > 0.01:
		c.fail("temperature after re-plug bay 0", "Reading %.2f °C, QMP set %.2f °C while the sled was out", got, replugTemp)
	default:
		c.pass("temperature after re-plug bay 0", "QMP set %.1f °C while out, Redfish reads %.1f °C", replugTemp, got)
	}
}

// uartPresenceEdges does the same to the UART-only sled: it must come back
// through the fallback again, reopening the guest's ttyS0.
func (c *caseRun) uartPresenceEdges() {
	bay := uartBay
	name := "presence edges bay 3 (UART)"
	if err := c.q.setGPIO(presence[bay], true); err != nil {
		c.fail(name, "%v", err)
		return
	}
	gone, err := c.waitSled(bay, false, nil)
	if err != nil {
		c.fail(name, "pulled: %v", err)
		return
	}
	if err := c.q.setGPIO(presence[bay], false); err != nil {
		c.fail(name, "%v", err)
		return
	}
	back, err := c.waitSled(bay, true, func(s sledChassis) bool { return s.Oem.Chassisd.Sideband == "UART" })
	if err != nil {
		c.fail(name, "plugged again: %v", err)
		return
	}
	c.pass(name, "gone in %s; back over UART in %s", gone.Round(time.Millisecond), back.Round(time.Millisecond))
}

// consoleLines returns the guest console's lines, without the carriage
// returns the serial console adds.
func (c *caseRun) consoleLines() ([]string, error) {
	b, err := os.ReadFile(c.console)
	if err != nil {
		return nil, err
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	return lines, sc.Err()
}

var bayAttr = regexp.MustCompile(`\bbay=(\d+)`)

// agentLog: chassisd logs no ERROR about a healthy bay (or about none in
// particular). Its log is on the guest console.
func (c *caseRun) agentLog() {
	lines, err := c.consoleLines()
	if err != nil {
		c.fail("agent log", "%v", err)
		return
	}
	var bad []string
	warns := 0
	for _, l := range lines {
		if strings.Contains(l, "level=WARN") {
			warns++
		}
		if !strings.Contains(l, "level=ERROR") {
			continue
		}
		if m := bayAttr.FindStringSubmatch(l); m != nil && m[1] == strconv.Itoa(uartBay) {
			continue
		}
		bad = append(bad, l)
	}
	if len(bad) > 0 {
		c.fail("agent log", "%d ERROR line(s) for healthy bays, first: %s", len(bad), bad[0])
		return
	}
	c.pass("agent log", "no ERROR for the healthy bays (%d WARN lines in all)", warns)
}

// guestFigures reports what the guest's init printed: chassisd's resident
// memory (sampled every 2 s: it waits for a sample taken after the cases)
// and the timing of a full walk through i2c-aspeed.
func (c *caseRun) guestFigures() {
	rssLines := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			if i := strings.Index(l, "BMC: rss "); i >= 0 {
				out = append(out, l[i+len("BMC: rss "):])
			}
		}
		return out
	}
	lines, err := c.consoleLines()
	if err != nil {
		return
	}
	before := len(rssLines(lines))
	for deadline := time.Now().Add(6 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if lines, err = c.consoleLines(); err != nil || len(rssLines(lines)) > before {
			break
		}
	}
	for _, l := range lines {
		if i := strings.Index(l, "BMC: walk "); i >= 0 {
			c.figure("walk in the guest", "%s", l[i+len("BMC: walk "):])
		}
		if strings.Contains(l, "BMC: walk-sled ") {
			c.figure("walk in the guest", "sled found %s %s %s", logAttr(l, "time"), logAttr(l, "bay"), logAttr(l, "sideband"))
		}
	}
	if rss := rssLines(lines); len(rss) > 0 {
		c.figure("chassisd RSS in the guest", "%s (after the cases)", rss[len(rss)-1])
	}
}

// logAttr returns key=value from a log/slog text line.
func logAttr(line, key string) string {
	m := regexp.MustCompile(`\b` + key + `=(\S+)`).FindString(line)
	return m
}
