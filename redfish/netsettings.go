package redfish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chassisd/chassisd/internal/atomicfile"
)

// Writable network settings of the manager's interfaces. The BMC's network
// stack belongs to its image (systemd-networkd, ifupdown, a vendor script),
// so chassisd never edits it: it validates what a client asks for, hands it
// to an applier the image provides (cmd/chassisd runs --network-hook), and
// keeps it in the state directory once the applier has taken it. What the
// interfaces really have is still read from the kernel (hostnet.go).

// NetworkSettings is the configuration a Redfish client asked for on one
// manager interface. A part that was never set through Redfish is empty
// (HostName "", a nil slice, a nil DHCPv4Enabled): the image's own setting
// stays. An empty but non-nil slice means "none".
type NetworkSettings struct {
	// HostName is the host's short name and FQDN its full name (HostName
	// alone when there is no domain); both are set or neither. The host
	// has one name, so it is the same on every interface.
	HostName string `json:"hostName,omitempty"`
	FQDN     string `json:"fqdn,omitempty"`
	// DHCPv4Enabled is DHCPv4.DHCPEnabled.
	DHCPv4Enabled       *bool               `json:"dhcpv4Enabled,omitempty"`
	StaticNameServers   []string            `json:"staticNameServers"`
	IPv4StaticAddresses []IPv4StaticAddress `json:"ipv4StaticAddresses"`
}

// IPv4StaticAddress is one statically assigned IPv4 address, in dotted
// quads. Gateway is "" when the address has none.
type IPv4StaticAddress struct {
	Address    string `json:"address"`
	SubnetMask string `json:"subnetMask"`
	Gateway    string `json:"gateway,omitempty"`
}

// PrefixLength is the length of SubnetMask (24 for 255.255.255.0), or -1
// when the mask is not a valid one.
func (a IPv4StaticAddress) PrefixLength() int {
	m, err := netip.ParseAddr(a.SubnetMask)
	if err != nil || !m.Is4() {
		return -1
	}
	return maskPrefix(m.As4())
}

// NetworkApplier applies settings to the interface named iface, through
// the image's own network tooling. It returns once they are in effect or
// have failed; ctx bounds it (networkApplyTimeout).
type NetworkApplier func(ctx context.Context, iface string, settings NetworkSettings) error

// networkApplyTimeout bounds one applier call: a client waits for its
// PATCH, and a hook that hangs must not hold every later PATCH.
const networkApplyTimeout = 10 * time.Second

// SetNetworkApplier makes HostName, FQDN, the static name servers and IPv4
// addresses and DHCPv4 of the manager's EthernetInterfaces writable: a
// PATCH that validates is handed to fn, and kept in the state directory
// only if fn succeeds. With fn nil (the default) they are read-only, as
// chassisd then has no way to apply them.
func (s *Service) SetNetworkApplier(fn NetworkApplier) {
	s.net.mu.Lock()
	s.net.applier = fn
	s.net.mu.Unlock()
	s.writes.Add(1)
}

// networkFileName is the settings file in the state directory.
const networkFileName = "network.json"

const networkFileVersion = 1

// networkFile is the state directory's network.json.
type networkFile struct {
	Version  int    `json:"version"`
	HostName string `json:"hostName,omitempty"`
	FQDN     string `json:"fqdn,omitempty"`
	// Interfaces holds each interface's own settings; HostName and FQDN
	// are the host's and left empty here.
	Interfaces map[string]NetworkSettings `json:"interfaces"`
}

// netState is the settings as set through Redfish, read from the state
// directory the first time they are needed (SetStateDir may come after
// New, and before or after SetNetworkApplier).
type netState struct {
	// patchMu lets one PATCH run at a time, applier call included, so two
	// clients' settings never interleave on the host or on disk.
	patchMu sync.Mutex

	mu       sync.Mutex // guards what follows
	applier  NetworkApplier
	loaded   bool
	dir      string // where the file was read from; "" keeps settings in memory only
	settings networkFile
}

// networkSettings returns the settings of iface and the applier, nil when
// they are not writable.
func (s *Service) networkSettings(iface string) (NetworkSettings, NetworkApplier) {
	st := &s.net
	st.mu.Lock()
	defer st.mu.Unlock()
	s.loadNetworkLocked()
	return st.settings.of(iface), st.applier
}

// of returns the settings of iface, the host name included. The slices
// are the file's own: callers copy before changing them.
func (f *networkFile) of(iface string) NetworkSettings {
	out := f.Interfaces[iface]
	out.HostName, out.FQDN = f.HostName, f.FQDN
	return out
}

// loadNetworkLocked reads network.json once the state directory is known.
// A file that cannot be used is moved aside and logged, not fatal: the
// interfaces keep the configuration the image gave them either way.
func (s *Service) loadNetworkLocked() {
	st := &s.net
	dir := s.ocp.stateDirectory()
	if st.loaded && st.dir == dir {
		return
	}
	st.loaded, st.dir = true, dir
	if dir == "" {
		return
	}
	path := filepath.Join(dir, networkFileName)
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return
	case err != nil:
		s.log.Error("network settings unreadable; showing none", "file", path, "err", err)
		return
	}
	f, err := parseNetworkFile(data)
	if err != nil {
		aside := path + ".corrupt-" + s.now().UTC().Format("20060102T150405Z")
		if rerr := os.Rename(path, aside); rerr != nil {
			s.log.Error("network settings unusable and not moved aside", "file", path, "err", err, "rename_err", rerr)
			return
		}
		s.log.Warn("network settings unusable; moved aside", "file", path, "moved_to", aside, "err", err)
		return
	}
	st.settings = f
}

// parseNetworkFile reads and checks network.json: every value must pass
// the same checks as a PATCH, so nothing a client could not have set is
// shown or handed to a hook.
func parseNetworkFile(data []byte) (networkFile, error) {
	var f networkFile
	if err := json.Unmarshal(data, &f); err != nil {
		return networkFile{}, fmt.Errorf("%s: %w", networkFileName, err)
	}
	if f.Version != networkFileVersion {
		return networkFile{}, fmt.Errorf("%s: version %d, want %d", networkFileName, f.Version, networkFileVersion)
	}
	if (f.HostName == "") != (f.FQDN == "") || f.HostName != "" && (!validHostLabel(f.HostName) || !validFQDN(f.FQDN) || !strings.EqualFold(firstLabel(f.FQDN), f.HostName)) {
		return networkFile{}, fmt.Errorf("%s: host name %q, FQDN %q", networkFileName, f.HostName, f.FQDN)
	}
	for name, ifc := range f.Interfaces {
		if !validInterfaceName(name) {
			return networkFile{}, fmt.Errorf("%s: interface name %q", networkFileName, name)
		}
		if ifc.HostName != "" || ifc.FQDN != "" {
			return networkFile{}, fmt.Errorf("%s: interface %s: host name kept per interface", networkFileName, name)
		}
		if err := checkSettings(ifc); err != nil {
			return networkFile{}, fmt.Errorf("%s: interface %s: %w", networkFileName, name, err)
		}
	}
	return f, nil
}

// checkSettings applies the PATCH checks to stored settings.
func checkSettings(ns NetworkSettings) error {
	if len(ns.StaticNameServers) > maxStaticNameServers || len(ns.IPv4StaticAddresses) > maxIPv4StaticAddresses {
		return errors.New("too many entries")
	}
	for _, a := range ns.StaticNameServers {
		if _, ok := parseNameServer(a); !ok {
			return fmt.Errorf("name server %q", a)
		}
	}
	var p props // collects the address problems
	paths := make([]string, len(ns.IPv4StaticAddresses))
	for i := range paths {
		paths[i] = "IPv4StaticAddresses/" + strconv.Itoa(i)
	}
	checkIPv4Static(&p, ns.IPv4StaticAddresses, paths)
	if p.errs != nil && len(*p.errs) > 0 {
		e := (*p.errs)[0]
		return fmt.Errorf("IPv4 static address: %s", e.msg.format(e.args))
	}
	return nil
}

// saveNetwork makes next the settings of iface, on disk first. It is
// called with patchMu held.
func (s *Service) saveNetwork(iface string, next NetworkSettings) error {
	st := &s.net
	st.mu.Lock()
	defer st.mu.Unlock()
	f := networkFile{Version: networkFileVersion, HostName: next.HostName, FQDN: next.FQDN,
		Interfaces: make(map[string]NetworkSettings, len(st.settings.Interfaces)+1)}
	for k, v := range st.settings.Interfaces {
		f.Interfaces[k] = v
	}
	own := next
	own.HostName, own.FQDN = "", ""
	own.StaticNameServers = slices.Clone(next.StaticNameServers)
	own.IPv4StaticAddresses = slices.Clone(next.IPv4StaticAddresses)
	f.Interfaces[iface] = own
	if st.dir != "" {
		data, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			return fmt.Errorf("network settings: %w", err)
		}
		if err := atomicfile.Write(filepath.Join(st.dir, networkFileName), append(data, '\n'), 0o600); err != nil {
			return fmt.Errorf("network settings of %s: %w", iface, err)
		}
	}
	st.settings = f
	return nil
}

// logNetworkChange records an applied change in the service's log.
func logNetworkChange(log *slog.Logger, who principal, iface string, ns NetworkSettings) {
	log.Info("network settings applied", "interface", iface, "user", who.user,
		"host_name", ns.HostName, "fqdn", ns.FQDN, "name_servers", ns.StaticNameServers,
		"ipv4_static", len(ns.IPv4StaticAddresses), "dhcpv4", ns.DHCPv4Enabled)
}
