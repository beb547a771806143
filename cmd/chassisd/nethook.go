package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/chassisd/chassisd/redfish"
)

// The network hook: how a BMC image applies the network settings a Redfish
// client sets. chassisd does not know whether the image uses
// systemd-networkd, ifupdown or a script of its own, so it runs the
// executable the image names (--network-hook) with the interface name as
// its argument and the settings as one JSON document on stdin, and takes
// exit status 0 as "applied".

// hookDocument is what the hook reads on stdin. A null member was never
// set through Redfish: the hook leaves the image's own setting alone. An
// empty list means none.
type hookDocument struct {
	Interface           string        `json:"Interface"`
	HostName            *string       `json:"HostName"`
	FQDN                *string       `json:"FQDN"`
	DHCPv4Enabled       *bool         `json:"DHCPv4Enabled"`
	StaticNameServers   []string      `json:"StaticNameServers"`
	IPv4StaticAddresses []hookAddress `json:"IPv4StaticAddresses"`
}

// hookAddress is one static address; PrefixLength saves every hook from
// converting the mask (ip addr, .network files and /etc/network/interfaces
// all take CIDR).
type hookAddress struct {
	Address      string  `json:"Address"`
	SubnetMask   string  `json:"SubnetMask"`
	PrefixLength int     `json:"PrefixLength"`
	Gateway      *string `json:"Gateway"`
}

func newHookDocument(iface string, ns redfish.NetworkSettings) hookDocument {
	doc := hookDocument{Interface: iface, DHCPv4Enabled: ns.DHCPv4Enabled, StaticNameServers: ns.StaticNameServers}
	if ns.HostName != "" {
		doc.HostName, doc.FQDN = &ns.HostName, &ns.FQDN
	}
	if ns.IPv4StaticAddresses != nil {
		doc.IPv4StaticAddresses = make([]hookAddress, len(ns.IPv4StaticAddresses))
		for i, a := range ns.IPv4StaticAddresses {
			h := hookAddress{Address: a.Address, SubnetMask: a.SubnetMask, PrefixLength: a.PrefixLength()}
			if a.Gateway != "" {
				gw := a.Gateway
				h.Gateway = &gw
			}
			doc.IPv4StaticAddresses[i] = h
		}
	}
	return doc
}

// hookOutputLimit bounds what is kept of the hook's output for the log.
const hookOutputLimit = 4 << 10

// checkNetworkHook vets --network-hook at start, so a typo is found then
// and not at the first PATCH.
func checkNetworkHook(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("--network-hook: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("--network-hook: %w", err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("--network-hook: %s is not an executable file", abs)
	}
	return abs, nil
}

// networkHook returns the applier that runs the hook at path. The service
// bounds each call with its context; on expiry the hook's whole process
// group is killed, so a script's children go too.
func networkHook(path string, logger *slog.Logger) redfish.NetworkApplier {
	return func(ctx context.Context, iface string, ns redfish.NetworkSettings) error {
		doc, err := json.Marshal(newHookDocument(iface, ns))
		if err != nil {
			return fmt.Errorf("network hook %s for %s: %w", path, iface, err)
		}
		cmd := exec.CommandContext(ctx, path, iface)
		cmd.Stdin = bytes.NewReader(append(doc, '\n'))
		var out limitedBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		// A child that keeps the output pipe open must not hold the PATCH
		// past the kill.
		cmd.WaitDelay = time.Second
		err = cmd.Run()
		msg := strings.TrimSpace(out.String())
		if ctx.Err() != nil {
			logger.Error("network hook killed", "hook", path, "interface", iface, "output", msg)
			return fmt.Errorf("network hook %s for %s: %w", path, iface, ctx.Err())
		}
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) && msg != "" {
				return fmt.Errorf("network hook %s for %s: %w: %s", path, iface, err, msg)
			}
			return fmt.Errorf("network hook %s for %s: %w", path, iface, err)
		}
		logger.Info("network hook applied settings", "hook", path, "interface", iface, "output", msg)
		return nil
	}
}

// simulatedNetwork is the applier in simulation without a hook: the
// settings are recorded and shown, and the host's network is not touched.
func simulatedNetwork(logger *slog.Logger) redfish.NetworkApplier {
	return func(_ context.Context, iface string, _ redfish.NetworkSettings) error {
		logger.Info("simulation: network settings recorded; the host's network is unchanged (no --network-hook)", "interface", iface)
		return nil
	}
}

// limitedBuffer keeps the first hookOutputLimit bytes written to it.
type limitedBuffer struct {
	buf bytes.Buffer
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := hookOutputLimit - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string { return strings.ToValidUTF8(b.buf.String(), "?") }
