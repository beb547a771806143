package redfish

import (
	"net"
	"net/netip"
	"reflect"
	"testing"
)

// Fixtures in the kernel's formats (Linux 6.x on little-endian).
const (
	testProcNetRoute = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
		"eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
		"eth0\t000200C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n" +
		"eth1\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n" +
		"eth2\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
		"eth2\t00000000\t0202A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0\n" +
		"bad\n"
	testIfInet6 = "fd000000000000000000000000000002 02 40 00 80     eth0\n" +
		"fe8000000000000000fc00fffe000001 02 40 20 80     eth0\n" +
		"20010db8000000000000000000000005 02 40 00 00     eth0\n" +
		"20010db8000000000000000000000006 02 40 00 40     eth0\n" +
		"20010db8000000000000000000000007 02 40 00 20     eth0\n" +
		"20010db8000000000000000000000008 02 40 00 08     eth0\n" +
		"00000000000000000000000000000001 01 80 10 80       lo\n" +
		"zz000000000000000000000000000001 01 80 10 80       lo\n" +
		"00000000000000000000000000000001 01 99 10 80       lo\n"
	testResolvConf = "# generated\nsearch example.net\nnameserver 192.0.2.53\nnameserver  2001:db8::53 \nnameserver bogus\noptions edns0\n"
)

func TestParseDefaultGateways(t *testing.T) {
	got := parseDefaultGateways([]byte(testProcNetRoute))
	// eth1's default route has no gateway; eth2 keeps its first one.
	want := map[string]string{"eth0": "192.0.2.1", "eth2": "192.168.2.1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("gateways %v, want %v", got, want)
	}
}

func TestParseIfInet6(t *testing.T) {
	got := parseIfInet6([]byte(testIfInet6))
	var eth0 []hostIPv6
	for _, e := range got["eth0"] {
		eth0 = append(eth0, e.hostIPv6())
	}
	want := []hostIPv6{
		{Address: "fd00::2", PrefixLength: 64, Origin: "Static", State: "Preferred"},
		{Address: "fe80::fc:ff:fe00:1", PrefixLength: 64, Origin: "LinkLocal", State: "Preferred"},
		{Address: "2001:db8::5", PrefixLength: 64, State: "Preferred"},
		{Address: "2001:db8::6", PrefixLength: 64, State: "Tentative"},
		{Address: "2001:db8::7", PrefixLength: 64, State: "Deprecated"},
		{Address: "2001:db8::8", PrefixLength: 64, State: "Failed"},
	}
	if !reflect.DeepEqual(eth0, want) {
		t.Errorf("eth0\n got %+v\nwant %+v", eth0, want)
	}
	if lo := got["lo"]; len(lo) != 1 || lo[0].addr != netip.IPv6Loopback() || lo[0].prefix != 128 {
		t.Errorf("lo %+v", lo)
	}
}

func TestParseNameServers(t *testing.T) {
	if got := parseNameServers([]byte(testResolvConf)); !reflect.DeepEqual(got, []string{"192.0.2.53", "2001:db8::53"}) {
		t.Errorf("name servers %v", got)
	}
}

func TestIPv4Of(t *testing.T) {
	for _, tc := range []struct {
		ip, gw string
		mask   net.IPMask
		want   hostIPv4
	}{
		{"192.0.2.10", "192.0.2.1", net.CIDRMask(24, 32), hostIPv4{Address: "192.0.2.10", SubnetMask: "255.255.255.0", Gateway: "192.0.2.1"}},
		{"10.0.0.5", "192.0.2.1", net.CIDRMask(8, 32), hostIPv4{Address: "10.0.0.5", SubnetMask: "255.0.0.0"}},
		{"169.254.3.4", "", net.CIDRMask(16, 32), hostIPv4{Address: "169.254.3.4", SubnetMask: "255.255.0.0", Origin: "IPv4LinkLocal"}},
		{"192.0.2.10", "", net.CIDRMask(120, 128), hostIPv4{Address: "192.0.2.10", SubnetMask: "255.255.255.0"}},
	} {
		if got := ipv4Of(net.ParseIP(tc.ip).To4(), tc.mask, tc.gw); got != tc.want {
			t.Errorf("%s/%v: %+v, want %+v", tc.ip, tc.mask, got, tc.want)
		}
	}
}

func TestValidInterfaceName(t *testing.T) {
	for n, want := range map[string]bool{
		"eth0": true, "enp3s0f1": true, "eth0.100": true, "br-lan": true, "wlan_1": true,
		"": false, ".": false, "..": false, "a/b": false, "a b": false, "veth0@if5": false, "abcdefghijklmnop": false,
	} {
		if got := validInterfaceName(n); got != want {
			t.Errorf("%q: %v", n, got)
		}
	}
}

// TestSystemInterfaces reads this machine's network: whatever it has, the
// loopback is never listed and every name is usable in a URI.
func TestSystemInterfaces(t *testing.T) {
	hn, err := systemInterfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range hn.Interfaces {
		if i.Name == "lo" || !validInterfaceName(i.Name) || len(i.MAC) != 17 {
			t.Errorf("interface %+v", i)
		}
	}
}

// FuzzHostNetParsers feeds arbitrary text to the kernel-file parsers: no
// panic, and what they return is well formed.
func FuzzHostNetParsers(f *testing.F) {
	f.Add([]byte(testProcNetRoute))
	f.Add([]byte(testIfInet6))
	f.Add([]byte(testResolvConf))
	f.Add([]byte("eth0\t00000000\t0102\t0003\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for name, gw := range parseDefaultGateways(data) {
			if ip := net.ParseIP(gw); ip == nil || ip.To4() == nil || name == "" {
				t.Fatalf("gateway %q for %q", gw, name)
			}
		}
		for _, es := range parseIfInet6(data) {
			for _, e := range es {
				a := e.hostIPv6()
				if _, err := netip.ParseAddr(a.Address); err != nil || a.PrefixLength > 128 || a.State == "" {
					t.Fatalf("entry %+v", a)
				}
			}
		}
		for _, ns := range parseNameServers(data) {
			if _, err := netip.ParseAddr(ns); err != nil {
				t.Fatalf("name server %q", ns)
			}
		}
	})
}
