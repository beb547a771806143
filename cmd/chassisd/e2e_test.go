package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEndToEnd starts the real chassisd binary on the simulated chassis and
// talks to it the way an operator would: Redfish over HTTPS with Basic auth,
// and the simulator's control API to pull a sled. CI points
// CHASSISD_E2E_BINARY at the binary build.sh made; otherwise the test builds
// one.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and starts the binary")
	}
	bin := os.Getenv("CHASSISD_E2E_BINARY")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "chassisd")
		out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	state := t.TempDir()
	pwFile := filepath.Join(t.TempDir(), "pw")
	const password = "e2e-Secret-pass"
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--listen", "127.0.0.1:0", "--state-dir", state,
		"--initial-password-file", pwFile, "--sim-control", "127.0.0.1:0", "--poll-interval", "200ms")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("chassisd stderr:\n%s", stderr.String())
		}
	}()

	redfishURL, controlURL := readAnnouncement(t, stdout)
	go io.Copy(io.Discard, stdout)

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // self-signed at first start
	}}
	get := func(path string, auth bool) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("GET", redfishURL+path, nil)
		if auth {
			req.SetBasicAuth("admin", password)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
			t.Fatalf("GET %s: not served over TLS 1.2+", path)
		}
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("GET %s: body is not JSON: %v", path, err)
		}
		return resp.StatusCode, body
	}

	if code, body := get("/redfish/v1", false); code != 200 || body["Chassis"] == nil {
		t.Fatalf("service root: %d %v", code, body)
	}
	if code, body := get("/redfish/v1/Chassis", false); code != 401 || body["error"] == nil {
		t.Fatalf("chassis without auth: %d %v, want 401 with an error body", code, body)
	}

	// The agent walks at start; wait for the six sleds of the default scenario.
	var members []any
	waitFor(t, 10*time.Second, "six sleds in the Chassis collection", func() bool {
		code, body := get("/redfish/v1/Chassis", true)
		members, _ = body["Members"].([]any)
		return code == 200 && len(members) == 7
	})
	code, sled := get("/redfish/v1/Chassis/Sled0", true)
	if code != 200 {
		t.Fatalf("Sled0: %d %v", code, sled)
	}
	for _, k := range []string{"Manufacturer", "Model", "PartNumber", "SerialNumber"} {
		if s, _ := sled[k].(string); s == "" {
			t.Errorf("Sled0 %s is empty: %v", k, sled)
		}
	}
	if sled["ChassisType"] != "Sled" {
		t.Errorf("Sled0 ChassisType = %v", sled["ChassisType"])
	}
	code, drives := get("/redfish/v1/Chassis/Sled0/Drives", true)
	if n, _ := drives["Members@odata.count"].(float64); code != 200 || n < 1 {
		t.Errorf("Sled0 drives: %d %v", code, drives)
	}

	// Pull sled 1 through the simulator; Redfish follows within a poll.
	req, _ := http.NewRequest("DELETE", controlURL+"/sim/v1/bays/1/sled", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("unplug through the control API: %s", resp.Status)
	}
	waitFor(t, 5*time.Second, "Sled1 to leave Redfish", func() bool {
		code, _ := get("/redfish/v1/Chassis/Sled1", true)
		return code == 404
	})

	if _, err := os.Stat(filepath.Join(state, "tls", "cert.pem")); err != nil {
		t.Errorf("certificate not kept in the state directory: %v", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("chassisd did not stop cleanly on SIGTERM: %v", err)
	}
}

var (
	redfishLine = regexp.MustCompile(`Redfish: (https://\S+)/redfish/v1`)
	controlLine = regexp.MustCompile(`Simulator control: (http://[^/\s]+)`)
)

func readAnnouncement(t *testing.T, r io.Reader) (redfishURL, controlURL string) {
	t.Helper()
	sc := bufio.NewScanner(r)
	for (redfishURL == "" || controlURL == "") && sc.Scan() {
		if m := redfishLine.FindStringSubmatch(sc.Text()); m != nil {
			redfishURL = m[1]
		}
		if m := controlLine.FindStringSubmatch(sc.Text()); m != nil {
			controlURL = m[1]
		}
	}
	if redfishURL == "" || controlURL == "" {
		t.Fatalf("chassisd did not announce its addresses (redfish %q, control %q)", redfishURL, controlURL)
	}
	return redfishURL, controlURL
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting %v for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
