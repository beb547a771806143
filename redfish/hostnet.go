package redfish

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// The manager's network interfaces as the host has them, for the
// EthernetInterface resources. chassisd reads them and does not change
// them: the BMC's network is the operating system's to configure. What the
// kernel does not say (how an IPv4 address was obtained) is left unknown
// rather than guessed.

// hostNetwork is what the service shows of the host's network.
type hostNetwork struct {
	Interfaces  []hostInterface
	NameServers []string
}

// hostInterface is one Ethernet interface.
type hostInterface struct {
	Name    string
	MAC     string // "aa:bb:cc:dd:ee:ff"
	MTU     int
	Up      bool // administratively up
	Running bool // carrier
	// SpeedMbps is 0 when the driver does not say.
	SpeedMbps int
	IPv4      []hostIPv4
	IPv6      []hostIPv6
}

type hostIPv4 struct {
	Address, SubnetMask string
	Gateway             string // "" when there is no default route on the interface
	Origin              string // IPv4AddressOrigin, "" when unknown
}

type hostIPv6 struct {
	Address      string
	PrefixLength int
	Origin       string // IPv6AddressOrigin, "" when unknown
	State        string // AddressState, "" when unknown
}

// Kernel files the reader uses. Variables, so a test can point them at
// fixtures.
var (
	procNetRoute    = "/proc/net/route"
	procNetIfInet6  = "/proc/net/if_inet6"
	resolvConf      = "/etc/resolv.conf"
	sysClassNetPath = "/sys/class/net"
)

// systemInterfaces reads the host's Ethernet interfaces: those with a
// 6-byte hardware address, not loopback, that are either a device
// (/sys/class/net/<name>/device) or have an address. That leaves out the
// unused virtual ones (ifb, dummy, an idle bridge), which are no network
// the manager can be reached on. Files that are missing (another OS, a
// container) leave their facts unknown.
func systemInterfaces() (hostNetwork, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return hostNetwork{}, fmt.Errorf("network interfaces: %w", err)
	}
	gateways := map[string]string{}
	if data, err := os.ReadFile(procNetRoute); err == nil {
		gateways = parseDefaultGateways(data)
	}
	inet6 := map[string][]inet6Entry{}
	if data, err := os.ReadFile(procNetIfInet6); err == nil {
		inet6 = parseIfInet6(data)
	}
	var out hostNetwork
	if data, err := os.ReadFile(resolvConf); err == nil {
		out.NameServers = parseNameServers(data)
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback != 0 || len(ifc.HardwareAddr) != 6 || !validInterfaceName(ifc.Name) {
			continue
		}
		hi := hostInterface{
			Name: ifc.Name, MAC: ifc.HardwareAddr.String(), MTU: ifc.MTU,
			Up: ifc.Flags&net.FlagUp != 0, Running: ifc.Flags&net.FlagRunning != 0,
			SpeedMbps: linkSpeed(ifc.Name),
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			if v4 := ipn.IP.To4(); v4 != nil {
				hi.IPv4 = append(hi.IPv4, ipv4Of(v4, ipn.Mask, gateways[ifc.Name]))
			}
		}
		routable := len(hi.IPv4) > 0
		for _, e := range inet6[ifc.Name] {
			hi.IPv6 = append(hi.IPv6, e.hostIPv6())
			routable = routable || !e.addr.IsLinkLocalUnicast()
		}
		if !routable && !isDevice(ifc.Name) {
			continue
		}
		out.Interfaces = append(out.Interfaces, hi)
	}
	return out, nil
}

// validInterfaceName keeps the interface names that are safe as a URI
// segment and a file name under /sys.
func validInterfaceName(n string) bool {
	if n == "" || len(n) > 15 || n == "." || n == ".." {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ipv4Of describes one IPv4 address. Only a link-local address says how it
// was obtained; the gateway is the interface's default route when it is in
// the address's subnet.
func ipv4Of(ip net.IP, mask net.IPMask, gateway string) hostIPv4 {
	a := hostIPv4{Address: ip.String()}
	if len(mask) == net.IPv4len || len(mask) == net.IPv6len {
		m := mask
		if len(m) == net.IPv6len {
			m = m[12:]
		}
		a.SubnetMask = net.IP(m).String()
		if gw := net.ParseIP(gateway); gw != nil && (&net.IPNet{IP: ip.Mask(m), Mask: m}).Contains(gw) {
			a.Gateway = gateway
		}
	}
	if ip[0] == 169 && ip[1] == 254 {
		a.Origin = "IPv4LinkLocal"
	}
	return a
}

// isDevice reports whether the interface is backed by a device (a NIC)
// rather than purely virtual.
func isDevice(name string) bool {
	_, err := os.Stat(sysClassNetPath + "/" + name + "/device")
	return err == nil
}

// linkSpeed reads the driver's link speed in Mb/s, 0 when unknown (no
// carrier, a virtual device, not Linux).
func linkSpeed(name string) int {
	data, err := os.ReadFile(sysClassNetPath + "/" + name + "/speed")
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// parseDefaultGateways reads /proc/net/route: the gateway of each
// interface's default route (destination 0, flag RTF_GATEWAY). Addresses
// are hexadecimal in host byte order, which is little-endian on every
// platform chassisd runs on.
func parseDefaultGateways(data []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	first := true
	for sc.Scan() {
		if first { // the header line
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[1] != "00000000" {
			continue
		}
		flags, err := strconv.ParseUint(f[3], 16, 16)
		if err != nil || flags&0x2 == 0 { // RTF_GATEWAY
			continue
		}
		gw, err := hex.DecodeString(f[2])
		if err != nil || len(gw) != 4 {
			continue
		}
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, binary.LittleEndian.Uint32(gw))
		if _, ok := out[f[0]]; !ok {
			out[f[0]] = ip.String()
		}
	}
	return out
}

// inet6Entry is one line of /proc/net/if_inet6.
type inet6Entry struct {
	addr   netip.Addr
	prefix int
	flags  uint64
}

// Address flags of /proc/net/if_inet6 (linux/if_addr.h).
const (
	ifaDADFailed  = 0x08
	ifaDeprecated = 0x20
	ifaTentative  = 0x40
	ifaPermanent  = 0x80
)

func (e inet6Entry) hostIPv6() hostIPv6 {
	a := hostIPv6{Address: e.addr.String(), PrefixLength: e.prefix, State: "Preferred"}
	switch {
	case e.flags&ifaDADFailed != 0:
		a.State = "Failed"
	case e.flags&ifaTentative != 0:
		a.State = "Tentative"
	case e.flags&ifaDeprecated != 0:
		a.State = "Deprecated"
	}
	switch {
	case e.addr.IsLinkLocalUnicast():
		a.Origin = "LinkLocal"
	case e.flags&ifaPermanent != 0:
		// Configured by hand, not by autoconfiguration or DHCPv6.
		a.Origin = "Static"
	}
	return a
}

var errIfInet6Line = errors.New("not an if_inet6 line")

// parseIfInet6Line parses "fe800000000000000000000000000001 02 40 20 80 eth0".
func parseIfInet6Line(line string) (string, inet6Entry, error) {
	f := strings.Fields(line)
	if len(f) != 6 || len(f[0]) != 32 {
		return "", inet6Entry{}, errIfInet6Line
	}
	raw, err := hex.DecodeString(f[0])
	if err != nil {
		return "", inet6Entry{}, fmt.Errorf("%w: address: %w", errIfInet6Line, err)
	}
	addr := netip.AddrFrom16([16]byte(raw))
	prefix, err := strconv.ParseUint(f[2], 16, 8)
	if err != nil || prefix > 128 {
		return "", inet6Entry{}, fmt.Errorf("%w: prefix %q", errIfInet6Line, f[2])
	}
	flags, err := strconv.ParseUint(f[4], 16, 32)
	if err != nil {
		return "", inet6Entry{}, fmt.Errorf("%w: flags %q", errIfInet6Line, f[4])
	}
	return f[5], inet6Entry{addr: addr, prefix: int(prefix), flags: flags}, nil
}

// parseIfInet6 reads /proc/net/if_inet6 by interface, skipping bad lines.
func parseIfInet6(data []byte) map[string][]inet6Entry {
	out := map[string][]inet6Entry{}
	for line := range strings.SplitSeq(string(data), "\n") {
		name, e, err := parseIfInet6Line(line)
		if err == nil {
			out[name] = append(out[name], e)
		}
	}
	return out
}

// parseNameServers reads the nameserver lines of resolv.conf, keeping only
// addresses.
func parseNameServers(data []byte) []string {
	var out []string
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" {
			if a, err := netip.ParseAddr(f[1]); err == nil {
				out = append(out, a.String())
			}
		}
	}
	return out
}
