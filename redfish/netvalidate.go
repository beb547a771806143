package redfish

import (
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
)

// Checks of the network settings a client may set. They are strict on
// purpose: a bad value reaches the BMC's own network configuration, and a
// BMC that lost its address is a trip to the data centre.

// Limits of the settings lists. Three name servers is what the C library's
// resolver uses (MAXNS); eight static addresses is far beyond what a
// management port carries.
const (
	maxStaticNameServers   = 3
	maxIPv4StaticAddresses = 8
	maxFQDNLength          = 253
)

// validHostLabel reports whether s is one DNS label as RFC 1123 allows for
// host names: 1 to 63 letters, digits and hyphens, no hyphen at either end.
func validHostLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validFQDN reports whether s (without a trailing dot) is a host name of
// valid labels, at most 253 characters, whose top-level label is not all
// digits (RFC 3696 2: that would read as an IPv4 address).
func validFQDN(s string) bool {
	if s == "" || len(s) > maxFQDNLength {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if !validHostLabel(l) {
			return false
		}
	}
	if len(labels) > 1 {
		if _, err := strconv.ParseUint(labels[len(labels)-1], 10, 64); err == nil {
			return false
		}
	}
	return true
}

// firstLabel is the host part of a name: "bmc1" of "bmc1.example.net".
func firstLabel(name string) string {
	h, _, _ := strings.Cut(name, ".")
	return h
}

// domainOf is the domain of a name: "example.net" of "bmc1.example.net",
// "" for a short name.
func domainOf(name string) string {
	_, d, _ := strings.Cut(strings.TrimSuffix(name, "."), ".")
	return d
}

// parseDottedQuad reads an IPv4 address written a.b.c.d, nothing else
// (netip already refuses leading zeros, which some parsers read as octal).
func parseDottedQuad(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, false
	}
	return a, true
}

// parseNameServer reads a DNS server address: IPv4 or IPv6, without a
// zone, one a resolver can send to.
func parseNameServer(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || a.Is4In6() || !a.IsValid() || a.IsUnspecified() || a.IsMulticast() {
		return netip.Addr{}, false
	}
	if a.Is4() && (a.As4()[0] == 0 || a.As4()[0] >= 240) {
		return netip.Addr{}, false
	}
	return a, true
}

// maskPrefix is the prefix length of a contiguous netmask, -1 otherwise.
func maskPrefix(m [4]byte) int {
	v := uint32(m[0])<<24 | uint32(m[1])<<16 | uint32(m[2])<<8 | uint32(m[3])
	ones := bits.LeadingZeros32(^v)
	if v<<ones != 0 {
		return -1
	}
	return ones
}

// unicastHost reports whether a can be a host's address or a gateway: not
// "this network" (0/8), loopback, multicast, or the reserved 240/4 with
// the limited broadcast address.
func unicastHost(a netip.Addr) bool {
	b := a.As4()[0]
	return b != 0 && b != 127 && b < 224
}

// checkIPv4Static checks a list of static addresses, each on its own and
// against the ones before it. paths[i] names entry i in messages
// ("IPv4StaticAddresses/1").
func checkIPv4Static(p *props, list []IPv4StaticAddress, paths []string) {
	seen := map[netip.Addr]string{}
	for i, a := range list {
		addr, ok := checkIPv4Entry(p, a, paths[i])
		if !ok {
			continue
		}
		if prev, dup := seen[addr]; dup {
			p.fail(msgPropertyValueConflict, paths[i]+"/Address", prev+"/Address")
			continue
		}
		seen[addr] = paths[i]
	}
}

// checkIPv4Entry checks one static address: dotted quads, a contiguous
// mask, an address that is neither the subnet's network nor its broadcast
// address, and a gateway inside the subnet. It returns the address when
// the entry is good.
func checkIPv4Entry(p *props, a IPv4StaticAddress, path string) (netip.Addr, bool) {
	good := true
	addr, ok := parseDottedQuad(a.Address)
	switch {
	case !ok:
		p.fail(msgPropertyValueFormatError, clientString(a.Address), path+"/Address")
		good = false
	case !unicastHost(addr):
		p.fail(msgPropertyValueIncorrect, path+"/Address", a.Address)
		good = false
	}
	mask, ok := parseDottedQuad(a.SubnetMask)
	prefix := -1
	if ok {
		prefix = maskPrefix(mask.As4())
	}
	switch {
	case prefix < 0:
		p.fail(msgPropertyValueFormatError, clientString(a.SubnetMask), path+"/SubnetMask")
		good = false
	case prefix == 0:
		p.fail(msgPropertyValueIncorrect, path+"/SubnetMask", a.SubnetMask)
		good = false
	}
	if !good {
		return netip.Addr{}, false
	}
	subnet := netip.PrefixFrom(addr, prefix).Masked()
	// A /31 or /32 has no network or broadcast address (RFC 3021).
	edge := func(x netip.Addr) bool {
		return prefix <= 30 && (x == subnet.Addr() || x == lastAddr(subnet))
	}
	if edge(addr) {
		p.fail(msgPropertyValueConflict, path+"/Address", path+"/SubnetMask")
		good = false
	}
	if a.Gateway == "" {
		return addr, good
	}
	gw, ok := parseDottedQuad(a.Gateway)
	switch {
	case !ok:
		p.fail(msgPropertyValueFormatError, clientString(a.Gateway), path+"/Gateway")
		good = false
	case !unicastHost(gw):
		p.fail(msgPropertyValueIncorrect, path+"/Gateway", a.Gateway)
		good = false
	case gw == addr:
		p.fail(msgPropertyValueConflict, path+"/Gateway", path+"/Address")
		good = false
	case !subnet.Contains(gw) || edge(gw):
		p.fail(msgPropertyValueConflict, path+"/Gateway", path+"/SubnetMask")
		good = false
	}
	return addr, good
}

// lastAddr is the highest address of an IPv4 prefix (its broadcast
// address).
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v |= ^uint32(0) >> p.Bits()
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
