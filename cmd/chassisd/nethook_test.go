package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chassisd/chassisd/redfish"
)

// writeHook writes an executable shell script into a temporary directory.
func writeHook(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hook")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestNetworkHookGetsInterfaceAndSettings(t *testing.T) {
	dir := t.TempDir()
	hook := writeHook(t, `echo "$1" > `+dir+`/arg; cat > `+dir+`/stdin; echo applied`)
	off := false
	ns := redfish.NetworkSettings{
		HostName: "bmc2", FQDN: "bmc2.example.net", DHCPv4Enabled: &off,
		StaticNameServers: []string{"192.0.2.53"},
		IPv4StaticAddresses: []redfish.IPv4StaticAddress{
			{Address: "192.0.2.10", SubnetMask: "255.255.255.0", Gateway: "192.0.2.1"},
			{Address: "10.0.0.0", SubnetMask: "255.255.255.254"},
		},
	}
	if err := networkHook(hook, quiet())(context.Background(), "eth0", ns); err != nil {
		t.Fatal(err)
	}
	arg, _ := os.ReadFile(filepath.Join(dir, "arg"))
	if string(arg) != "eth0\n" {
		t.Errorf("argument %q", arg)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "stdin"))
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("stdin is not JSON: %v\n%s", err, data)
	}
	want := map[string]any{
		"Interface": "eth0", "HostName": "bmc2", "FQDN": "bmc2.example.net", "DHCPv4Enabled": false,
		"StaticNameServers": []any{"192.0.2.53"},
		"IPv4StaticAddresses": []any{
			map[string]any{"Address": "192.0.2.10", "SubnetMask": "255.255.255.0", "PrefixLength": 24.0, "Gateway": "192.0.2.1"},
			map[string]any{"Address": "10.0.0.0", "SubnetMask": "255.255.255.254", "PrefixLength": 31.0, "Gateway": nil},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stdin\n got %v\nwant %v", got, want)
	}

	// What was never set is null, so the hook leaves it alone; an empty
	// list is "none".
	if err := networkHook(hook, quiet())(context.Background(), "eth1", redfish.NetworkSettings{StaticNameServers: []string{}}); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(filepath.Join(dir, "stdin"))
	if s := strings.TrimSpace(string(data)); s != `{"Interface":"eth1","HostName":null,"FQDN":null,"DHCPv4Enabled":null,"StaticNameServers":[],"IPv4StaticAddresses":null}` {
		t.Errorf("unset settings: %s", s)
	}
}

func TestNetworkHookFailure(t *testing.T) {
	hook := writeHook(t, "cat >/dev/null; echo 'networkctl: no such link' >&2; exit 3\n")
	err := networkHook(hook, quiet())(context.Background(), "eth0", redfish.NetworkSettings{})
	if err == nil || !strings.Contains(err.Error(), "exit status 3: networkctl: no such link") || !strings.Contains(err.Error(), "eth0") {
		t.Errorf("error %v", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("failure reported as a timeout: %v", err)
	}
}

// TestNetworkHookKilledAtDeadline: a hook that hangs, with a child holding
// its output open, is killed with its children when the context ends.
func TestNetworkHookKilledAtDeadline(t *testing.T) {
	hook := writeHook(t, "sleep 60 &\nsleep 60\n")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := networkHook(hook, quiet())(ctx, "eth0", redfish.NetworkSettings{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want a deadline", err)
	}
}

func TestCheckNetworkHook(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{plain, dir, filepath.Join(dir, "missing")} {
		if _, err := checkNetworkHook(p); err == nil || !strings.HasPrefix(err.Error(), "--network-hook: ") {
			t.Errorf("%s: %v", p, err)
		}
	}
	hook := writeHook(t, "exit 0\n")
	if got, err := checkNetworkHook(hook); err != nil || got != hook {
		t.Errorf("%s: %q %v", hook, got, err)
	}
}
