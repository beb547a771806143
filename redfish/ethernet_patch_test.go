package redfish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

const eth0Path = ethernetInterfacesPath + "/eth0"

// recordingApplier stands in for the image's network tooling: it records
// what it is given and fails when told to.
type recordingApplier struct {
	mu    sync.Mutex
	calls []appliedCall
	err   error
}

type appliedCall struct {
	iface       string
	settings    NetworkSettings
	hasDeadline bool
}

func (a *recordingApplier) apply(ctx context.Context, iface string, ns NetworkSettings) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, dl := ctx.Deadline()
	a.calls = append(a.calls, appliedCall{iface, ns, dl})
	return a.err
}

func (a *recordingApplier) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.calls)
}

func (a *recordingApplier) last() appliedCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[len(a.calls)-1]
}

// newNetService is a service on dir with the test network, as a restarted
// chassisd would be; fn nil leaves the settings read-only.
func newNetService(t testing.TB, dir string, fn NetworkApplier) *fixture {
	t.Helper()
	f := &fixture{t: t}
	f.snap.Store(testSnapshot())
	svc, err := New(Config{Snapshot: f.snap.Load, Accounts: sharedAccounts, Logger: quietLogger(), UUID: testUUID})
	if err != nil {
		t.Fatal(err)
	}
	svc.ocp.interfaces = fakeNetwork
	svc.SetNetwork("bmc1.example.net", 8443)
	if err := svc.SetStateDir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.FlushEventLog)
	if fn != nil {
		svc.SetNetworkApplier(fn)
	}
	f.svc, f.h = svc, svc.Handler()
	return f
}

// patch sends a PATCH as admin.
func (f *fixture) patch(target, body string) *httptest.ResponseRecorder {
	f.t.Helper()
	req := httptest.NewRequest(http.MethodPatch, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(testUser, testPassword)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// netProblems returns an error response's messages as "Key[arg arg]".
func netProblems(t testing.TB, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	m := decode(t, rec.Body.Bytes())
	var out []string
	for _, e := range at(t, m, "error", "@Message.ExtendedInfo").([]any) {
		info := e.(map[string]any)
		var args []string
		for _, a := range info["MessageArgs"].([]any) {
			args = append(args, a.(string))
		}
		out = append(out, fmt.Sprintf("%s%v", strings.TrimPrefix(info["MessageId"].(string), baseRegistry), args))
	}
	return out
}

func writeable(t testing.TB, m map[string]any) []string {
	t.Helper()
	raw, ok := m["@Redfish.WriteableProperties"].([]any)
	if !ok {
		t.Fatalf("no @Redfish.WriteableProperties array: %v", m["@Redfish.WriteableProperties"])
	}
	out := []string{}
	for _, v := range raw {
		out = append(out, v.(string))
	}
	return out
}

func TestEthernetPatchAppliedAndPersisted(t *testing.T) {
	dir := t.TempDir()
	ap := &recordingApplier{}
	f := newNetService(t, dir, ap.apply)

	e := f.get(eth0Path)
	if got := writeable(t, e); !reflect.DeepEqual(got, networkWritable) {
		t.Errorf("writable %v", got)
	}
	for k, want := range map[string]any{"StaticNameServers": []any{}, "IPv4StaticAddresses": []any{}, "DHCPv4": map[string]any{"DHCPEnabled": nil}} {
		if !reflect.DeepEqual(e[k], want) {
			t.Errorf("before any PATCH %s = %#v, want %#v", k, e[k], want)
		}
	}
	if e["Allow"] != nil || f.do(http.MethodGet, eth0Path, true).Header().Get("Allow") != "GET, HEAD, PATCH" {
		t.Error("Allow header does not list PATCH")
	}

	body := `{"HostName":"bmc2","StaticNameServers":["192.0.2.54","2001:DB8::35"],
		"IPv4StaticAddresses":[{"Address":"192.0.2.10","SubnetMask":"255.255.255.0","Gateway":"192.0.2.1"},
		{"Address":"10.1.0.0","SubnetMask":"255.255.255.254","Gateway":null,"AddressOrigin":"Static"}],
		"DHCPv4":{"DHCPEnabled":false}}`
	rec := f.patch(eth0Path, body)
	if rec.Code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", rec.Code, rec.Body)
	}
	off := false
	want := NetworkSettings{
		// The domain is kept from the name the host had.
		HostName: "bmc2", FQDN: "bmc2.example.net", DHCPv4Enabled: &off,
		// Addresses are kept in their canonical form.
		StaticNameServers: []string{"192.0.2.54", "2001:db8::35"},
		IPv4StaticAddresses: []IPv4StaticAddress{
			{Address: "192.0.2.10", SubnetMask: "255.255.255.0", Gateway: "192.0.2.1"},
			// A /31 has no network address to refuse (RFC 3021).
			{Address: "10.1.0.0", SubnetMask: "255.255.255.254"},
		},
	}
	if ap.count() != 1 {
		t.Fatalf("applier called %d times", ap.count())
	}
	if c := ap.last(); c.iface != "eth0" || !reflect.DeepEqual(c.settings, want) || !c.hasDeadline {
		t.Errorf("applier got %s %+v (deadline %v), want %+v", c.iface, c.settings, c.hasDeadline, want)
	}
	check := func(m map[string]any, writable bool) {
		t.Helper()
		if m["HostName"] != "bmc2" || m["FQDN"] != "bmc2.example.net" {
			t.Errorf("names %v %v", m["HostName"], m["FQDN"])
		}
		if !reflect.DeepEqual(m["StaticNameServers"], []any{"192.0.2.54", "2001:db8::35"}) {
			t.Errorf("StaticNameServers %v", m["StaticNameServers"])
		}
		static := []any{
			map[string]any{"Address": "192.0.2.10", "SubnetMask": "255.255.255.0", "Gateway": "192.0.2.1", "AddressOrigin": "Static"},
			map[string]any{"Address": "10.1.0.0", "SubnetMask": "255.255.255.254", "Gateway": nil, "AddressOrigin": "Static"},
		}
		if !reflect.DeepEqual(m["IPv4StaticAddresses"], static) {
			t.Errorf("IPv4StaticAddresses %v", m["IPv4StaticAddresses"])
		}
		if !reflect.DeepEqual(m["DHCPv4"], map[string]any{"DHCPEnabled": false}) {
			t.Errorf("DHCPv4 %v", m["DHCPv4"])
		}
		// The live address matches a static one: its origin is known.
		if v4 := at(t, m, "IPv4Addresses", 0).(map[string]any); v4["Address"] != "192.0.2.10" || v4["AddressOrigin"] != "Static" {
			t.Errorf("IPv4Addresses %v", v4)
		}
		// The name servers in use are still the host's.
		if !reflect.DeepEqual(m["NameServers"], []any{"192.0.2.53"}) {
			t.Errorf("NameServers %v", m["NameServers"])
		}
		if got := writeable(t, m); writable != (len(got) > 0) {
			t.Errorf("writable %v", got)
		}
	}
	check(decode(t, rec.Body.Bytes()), true)
	check(f.get(eth0Path), true)
	// The host has one name: every interface shows it.
	if m := f.get(ethernetInterfacesPath + "/eth1"); m["HostName"] != "bmc2" {
		t.Errorf("eth1 HostName %v", m["HostName"])
	}

	// A restarted chassisd shows the same, with or without an applier.
	check(newNetService(t, dir, ap.apply).get(eth0Path), true)
	check(newNetService(t, dir, nil).get(eth0Path), false)

	// The same values again change nothing: the applier is not run.
	if rec := f.patch(eth0Path, `{"HostName":"bmc2","DHCPv4":{"DHCPEnabled":false}}`); rec.Code != http.StatusOK || ap.count() != 1 {
		t.Errorf("unchanged PATCH: %d, applier calls %d", rec.Code, ap.count())
	}
}

func TestEthernetPatchHostNames(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		host, fqdn string
	}{
		{"host keeps the domain", `{"HostName":"n1"}`, "n1", "n1.example.net"},
		{"FQDN sets both", `{"FQDN":"n2.lab.example.org."}`, "n2", "n2.lab.example.org"},
		{"both", `{"HostName":"N3","FQDN":"n3.example.com"}`, "N3", "n3.example.com"},
		{"short FQDN: no domain", `{"FQDN":"n4"}`, "n4", "n4"},
		{"NameServers alias", `{"NameServers":["192.0.2.1"]}`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ap := &recordingApplier{}
			f := newNetService(t, t.TempDir(), ap.apply)
			if rec := f.patch(eth0Path, tc.body); rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if c := ap.last(); c.settings.HostName != tc.host || c.settings.FQDN != tc.fqdn {
				t.Errorf("host %q FQDN %q, want %q %q", c.settings.HostName, c.settings.FQDN, tc.host, tc.fqdn)
			}
		})
	}
}

// TestEthernetPatchArrays follows DSP0266 "PATCH on array properties":
// null removes an element, {} keeps it, an object changes the properties
// it gives, and elements past the end of the request are removed.
func TestEthernetPatchArrays(t *testing.T) {
	ap := &recordingApplier{}
	f := newNetService(t, t.TempDir(), ap.apply)
	a1 := IPv4StaticAddress{Address: "192.0.2.10", SubnetMask: "255.255.255.0", Gateway: "192.0.2.1"}
	a2 := IPv4StaticAddress{Address: "198.51.100.7", SubnetMask: "255.255.255.0"}
	a3 := IPv4StaticAddress{Address: "203.0.113.9", SubnetMask: "255.255.255.128", Gateway: "203.0.113.1"}
	steps := []struct {
		body  string
		addrs []IPv4StaticAddress
		ns    []string
	}{
		{`{"IPv4StaticAddresses":[{"Address":"192.0.2.10","SubnetMask":"255.255.255.0","Gateway":"192.0.2.1"},{"Address":"198.51.100.7","SubnetMask":"255.255.255.0"}],
		   "StaticNameServers":["192.0.2.53","192.0.2.54"]}`,
			[]IPv4StaticAddress{a1, a2}, []string{"192.0.2.53", "192.0.2.54"}},
		{`{"IPv4StaticAddresses":[{},{},{"Address":"203.0.113.9","SubnetMask":"255.255.255.128","Gateway":"203.0.113.1"}],"StaticNameServers":[null,{}]}`,
			[]IPv4StaticAddress{a1, a2, a3}, []string{"192.0.2.54"}},
		{`{"IPv4StaticAddresses":[null,{"Gateway":"198.51.100.1"},{}]}`,
			[]IPv4StaticAddress{{Address: a2.Address, SubnetMask: a2.SubnetMask, Gateway: "198.51.100.1"}, a3}, []string{"192.0.2.54"}},
		// Truncation, and "0.0.0.0" for no gateway.
		{`{"IPv4Addresses":[{"Gateway":"0.0.0.0"}],"NameServers":[{},"2001:db8::1"]}`,
			[]IPv4StaticAddress{{Address: a2.Address, SubnetMask: a2.SubnetMask}}, []string{"192.0.2.54", "2001:db8::1"}},
		{`{"IPv4StaticAddresses":[],"StaticNameServers":[]}`, []IPv4StaticAddress{}, []string{}},
	}
	for i, st := range steps {
		if rec := f.patch(eth0Path, st.body); rec.Code != http.StatusOK {
			t.Fatalf("step %d: %d %s", i, rec.Code, rec.Body)
		}
		got := ap.last().settings
		if !reflect.DeepEqual(got.IPv4StaticAddresses, st.addrs) || !reflect.DeepEqual(got.StaticNameServers, st.ns) {
			t.Errorf("step %d: addresses %+v name servers %v\nwant %+v %v", i, got.IPv4StaticAddresses, got.StaticNameServers, st.addrs, st.ns)
		}
	}
}

// TestEthernetPatchRejects names each bad value; nothing of a rejected
// PATCH is applied or kept.
func TestEthernetPatchRejects(t *testing.T) {
	addr := func(a, m, g string) string {
		return `{"IPv4StaticAddresses":[{"Address":"` + a + `","SubnetMask":"` + m + `","Gateway":"` + g + `"}]}`
	}
	const p0 = "IPv4StaticAddresses/0"
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"host name with underscore", `{"HostName":"bmc_1"}`, []string{"PropertyValueFormatError[bmc_1 HostName]"}},
		{"host name with leading hyphen", `{"HostName":"-bmc"}`, []string{"PropertyValueFormatError[-bmc HostName]"}},
		{"host name too long", `{"HostName":"` + strings.Repeat("a", 64) + `"}`, []string{"PropertyValueFormatError[" + strings.Repeat("a", 64) + " HostName]"}},
		{"host name not a string", `{"HostName":5}`, []string{"PropertyValueTypeError[5 HostName]"}},
		// body.go's shortValue shows a JSON null as "".
		{"host name null", `{"HostName":null}`, []string{"PropertyValueTypeError[ HostName]"}},
		{"FQDN empty label", `{"FQDN":"bmc..example.net"}`, []string{"PropertyValueFormatError[bmc..example.net FQDN]"}},
		{"FQDN numeric top label", `{"FQDN":"bmc.123"}`, []string{"PropertyValueFormatError[bmc.123 FQDN]"}},
		{"FQDN too long", `{"FQDN":"` + strings.Repeat("abcdefgh.", 28) + `net"}`, []string{"PropertyValueFormatError[" + strings.Repeat("abcdefgh.", 7)[:61] + "... FQDN]"}},
		{"host name and FQDN disagree", `{"HostName":"a","FQDN":"b.example.net"}`, []string{"PropertyValueConflict[FQDN HostName]"}},
		{"name server not an address", `{"StaticNameServers":["dns.example.net"]}`, []string{"PropertyValueFormatError[dns.example.net StaticNameServers/0]"}},
		{"name server unspecified", `{"StaticNameServers":["192.0.2.1","0.0.0.0"]}`, []string{"PropertyValueFormatError[0.0.0.0 StaticNameServers/1]"}},
		{"name server with zone", `{"NameServers":["fe80::1%eth0"]}`, []string{"PropertyValueFormatError[fe80::1%eth0 NameServers/0]"}},
		{"name server not a string", `{"StaticNameServers":[53]}`, []string{"PropertyValueTypeError[53 StaticNameServers/0]"}},
		{"name servers not an array", `{"StaticNameServers":"192.0.2.1"}`, []string{"PropertyValueTypeError[192.0.2.1 StaticNameServers]"}},
		{"too many name servers", `{"StaticNameServers":["192.0.2.1","192.0.2.2","192.0.2.3","192.0.2.4"]}`, []string{"ArraySizeTooLong[StaticNameServers 3]"}},
		{"both names of the name servers", `{"StaticNameServers":[],"NameServers":[]}`, []string{"PropertyValueConflict[NameServers StaticNameServers]"}},
		{"address not a dotted quad", addr("192.0.2.256", "255.255.255.0", ""), []string{"PropertyValueFormatError[192.0.2.256 " + p0 + "/Address]"}},
		{"address with a leading zero", addr("192.0.2.010", "255.255.255.0", ""), []string{"PropertyValueFormatError[192.0.2.010 " + p0 + "/Address]"}},
		{"address IPv6", addr("2001:db8::1", "255.255.255.0", ""), []string{"PropertyValueFormatError[2001:db8::1 " + p0 + "/Address]"}},
		{"address loopback", addr("127.0.0.2", "255.0.0.0", ""), []string{"PropertyValueIncorrect[" + p0 + "/Address 127.0.0.2]"}},
		{"address multicast", addr("224.0.0.1", "255.255.255.0", ""), []string{"PropertyValueIncorrect[" + p0 + "/Address 224.0.0.1]"}},
		{"address is the network", addr("192.0.2.0", "255.255.255.0", ""), []string{"PropertyValueConflict[" + p0 + "/Address " + p0 + "/SubnetMask]"}},
		{"address is the broadcast", addr("192.0.2.127", "255.255.255.128", ""), []string{"PropertyValueConflict[" + p0 + "/Address " + p0 + "/SubnetMask]"}},
		{"mask not contiguous", addr("192.0.2.10", "255.0.255.0", ""), []string{"PropertyValueFormatError[255.0.255.0 " + p0 + "/SubnetMask]"}},
		{"mask as a prefix", addr("192.0.2.10", "24", ""), []string{"PropertyValueFormatError[24 " + p0 + "/SubnetMask]"}},
		{"mask zero", addr("192.0.2.10", "0.0.0.0", ""), []string{"PropertyValueIncorrect[" + p0 + "/SubnetMask 0.0.0.0]"}},
		{"gateway outside the subnet", addr("192.0.2.10", "255.255.255.0", "198.51.100.1"), []string{"PropertyValueConflict[" + p0 + "/Gateway " + p0 + "/SubnetMask]"}},
		{"gateway is the broadcast", addr("192.0.2.10", "255.255.255.0", "192.0.2.255"), []string{"PropertyValueConflict[" + p0 + "/Gateway " + p0 + "/SubnetMask]"}},
		{"gateway is the address", addr("192.0.2.10", "255.255.255.0", "192.0.2.10"), []string{"PropertyValueConflict[" + p0 + "/Gateway " + p0 + "/Address]"}},
		{"gateway not a dotted quad", addr("192.0.2.10", "255.255.255.0", "gw"), []string{"PropertyValueFormatError[gw " + p0 + "/Gateway]"}},
		{"new address without a mask", `{"IPv4StaticAddresses":[{"Address":"192.0.2.10"}]}`, []string{"PropertyMissing[" + p0 + "/SubnetMask]"}},
		{"address not a string", `{"IPv4StaticAddresses":[{"Address":1,"SubnetMask":"255.255.255.0"}]}`, []string{"PropertyValueTypeError[1 " + p0 + "/Address]"}},
		{"address entry not an object", `{"IPv4StaticAddresses":["192.0.2.10"]}`, []string{"PropertyValueTypeError[192.0.2.10 " + p0 + "]"}},
		{"address origin DHCP", `{"IPv4StaticAddresses":[{"Address":"192.0.2.10","SubnetMask":"255.255.255.0","AddressOrigin":"DHCP"}]}`,
			[]string{"PropertyValueNotInList[DHCP " + p0 + "/AddressOrigin]"}},
		{"unknown address property", `{"IPv4StaticAddresses":[{"Address":"192.0.2.10","SubnetMask":"255.255.255.0","Prefix":24}]}`,
			[]string{"PropertyUnknown[" + p0 + "/Prefix]"}},
		{"duplicate address", `{"IPv4StaticAddresses":[{"Address":"192.0.2.10","SubnetMask":"255.255.255.0"},{"Address":"192.0.2.10","SubnetMask":"255.255.0.0"}]}`,
			[]string{"PropertyValueConflict[IPv4StaticAddresses/1/Address IPv4StaticAddresses/0/Address]"}},
		{"too many addresses", `{"IPv4StaticAddresses":[` + strings.Repeat(`{"Address":"192.0.2.10","SubnetMask":"255.255.255.0"},`, 8) + `{"Address":"192.0.2.10","SubnetMask":"255.255.255.0"}]}`,
			[]string{"ArraySizeTooLong[IPv4StaticAddresses 8]"}},
		{"both names of the addresses", `{"IPv4StaticAddresses":[],"IPv4Addresses":[]}`, []string{"PropertyValueConflict[IPv4Addresses IPv4StaticAddresses]"}},
		{"DHCP flag not a boolean", `{"DHCPv4":{"DHCPEnabled":"yes"}}`, []string{"PropertyValueTypeError[yes DHCPv4/DHCPEnabled]"}},
		{"DHCP option chassisd does not set", `{"DHCPv4":{"UseDNSServers":false}}`, []string{"PropertyNotWritable[DHCPv4/UseDNSServers]"}},
		{"read-only property", `{"MTUSize":9000}`, []string{"PropertyNotWritable[MTUSize]"}},
		{"unknown property", `{"VLAN":{"VLANId":3}}`, []string{"PropertyUnknown[VLAN]"}},
		{"nothing", `{}`, []string{"NoOperation[]"}},
		{"several at once", `{"HostName":"ok-name","MACAddress":"x","StaticNameServers":["bad"],"IPv4StaticAddresses":[{"Address":"192.0.2.10","SubnetMask":"255.255.255.0","Gateway":"10.0.0.1"}]}`,
			[]string{"PropertyValueFormatError[bad StaticNameServers/0]", "PropertyValueConflict[" + p0 + "/Gateway " + p0 + "/SubnetMask]", "PropertyNotWritable[MACAddress]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ap := &recordingApplier{}
			dir := t.TempDir()
			f := newNetService(t, dir, ap.apply)
			before := f.get(eth0Path)
			rec := f.patch(eth0Path, tc.body)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if got := netProblems(t, rec); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("messages\n got %q\nwant %q", got, tc.want)
			}
			if ap.count() != 0 {
				t.Errorf("applier called: %+v", ap.last())
			}
			if after := f.get(eth0Path); !reflect.DeepEqual(before, after) {
				t.Errorf("resource changed:\n%v\n%v", before, after)
			}
			if _, err := os.Stat(filepath.Join(dir, networkFileName)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("settings file written: %v", err)
			}
		})
	}
}

// TestEthernetPatchApplierFails: the image could not apply the settings,
// so the PATCH fails and the settings stay as they were, on disk too.
func TestEthernetPatchApplierFails(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.New("network hook: exit status 1"), "OperationFailed[]"},
		{fmt.Errorf("network hook: %w", context.DeadlineExceeded), "OperationTimeout[]"},
	} {
		ap := &recordingApplier{}
		dir := t.TempDir()
		f := newNetService(t, dir, ap.apply)
		if rec := f.patch(eth0Path, `{"HostName":"first"}`); rec.Code != http.StatusOK {
			t.Fatalf("first PATCH: %d %s", rec.Code, rec.Body)
		}
		file := filepath.Join(dir, networkFileName)
		saved, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		before := f.get(eth0Path)
		ap.err = tc.err
		rec := f.patch(eth0Path, `{"HostName":"second","StaticNameServers":["192.0.2.9"]}`)
		if rec.Code != http.StatusInternalServerError {
			t.Fatalf("%v: status %d %s", tc.err, rec.Code, rec.Body)
		}
		if got := netProblems(t, rec); !slices.Equal(got, []string{tc.want}) {
			t.Errorf("%v: messages %v", tc.err, got)
		}
		if after := f.get(eth0Path); !reflect.DeepEqual(before, after) || after["HostName"] != "first" {
			t.Errorf("%v: resource changed to %v", tc.err, after)
		}
		if now, _ := os.ReadFile(file); string(now) != string(saved) {
			t.Errorf("%v: settings file changed:\n%s", tc.err, now)
		}
		if m := newNetService(t, dir, nil).get(eth0Path); m["HostName"] != "first" {
			t.Errorf("%v: after restart HostName %v", tc.err, m["HostName"])
		}
	}
}

// TestEthernetPatchNotWritable: without an applier (a real board with no
// --network-hook) chassisd cannot apply anything, so nothing is writable
// and the settings are not shown.
func TestEthernetPatchNotWritable(t *testing.T) {
	f := newNetService(t, t.TempDir(), nil)
	m := f.get(eth0Path)
	if got := writeable(t, m); len(got) != 0 {
		t.Errorf("writable %v", got)
	}
	for _, k := range []string{"StaticNameServers", "IPv4StaticAddresses", "DHCPv4"} {
		if _, ok := m[k]; ok {
			t.Errorf("%s shown: %v", k, m[k])
		}
	}
	rec := f.patch(eth0Path, `{"HostName":"x","FQDN":"x.example.net","NameServers":[],"StaticNameServers":[],
		"IPv4Addresses":[],"IPv4StaticAddresses":[],"DHCPv4":{"DHCPEnabled":true}}`)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	var want []string
	for _, k := range networkWritable {
		want = append(want, "PropertyNotWritable["+k+"]")
	}
	if got := netProblems(t, rec); !reflect.DeepEqual(got, want) {
		t.Errorf("messages\n got %v\nwant %v", got, want)
	}
}

// TestEthernetPatchPrivileges: the network settings need ConfigureManager,
// which neither an Operator nor a ReadOnly account has.
func TestEthernetPatchPrivileges(t *testing.T) {
	o := newOCPFixture(t)
	ap := &recordingApplier{}
	o.svc.SetNetworkApplier(ap.apply)
	for _, user := range []string{ocpOperator, ocpReadOnly} {
		rec := o.send(http.MethodPatch, eth0Path, user, `{"HostName":"mine"}`)
		if ids := wantError(t, rec, http.StatusForbidden); !slices.Equal(ids, []string{"Base.1.22.InsufficientPrivilege"}) {
			t.Errorf("%s: %v", user, ids)
		}
	}
	if ap.count() != 0 {
		t.Errorf("applier called %d times", ap.count())
	}
	if rec := o.send(http.MethodPatch, ethernetInterfacesPath+"/eth9", testUser, `{"HostName":"x"}`); rec.Code != http.StatusNotFound {
		t.Errorf("unknown interface: %d", rec.Code)
	}
	if rec := o.send(http.MethodPatch, eth0Path, testUser, `{"HostName":"mine"}`); rec.Code != http.StatusOK {
		t.Errorf("admin: %d %s", rec.Code, rec.Body)
	}
}

// TestNetworkFileUnusable: a settings file that does not parse or holds a
// value a PATCH would refuse is moved aside, and nothing is shown from it.
func TestNetworkFileUnusable(t *testing.T) {
	for name, content := range map[string]string{
		"not JSON":      "{",
		"version":       `{"version":2,"interfaces":{}}`,
		"bad address":   `{"version":1,"interfaces":{"eth0":{"staticNameServers":null,"ipv4StaticAddresses":[{"address":"192.0.2.0","subnetMask":"255.255.255.0"}]}}}`,
		"bad host name": `{"version":1,"hostName":"a_b","fqdn":"a_b","interfaces":{}}`,
		"bad interface": `{"version":1,"interfaces":{"../x":{"staticNameServers":[],"ipv4StaticAddresses":null}}}`,
	} {
		dir := t.TempDir()
		file := filepath.Join(dir, networkFileName)
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		m := newNetService(t, dir, (&recordingApplier{}).apply).get(eth0Path)
		if m["HostName"] != "bmc1" || !reflect.DeepEqual(m["IPv4StaticAddresses"], []any{}) {
			t.Errorf("%s: shown %v %v", name, m["HostName"], m["IPv4StaticAddresses"])
		}
		if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: not moved aside: %v", name, err)
		}
	}
}

func TestMaskPrefix(t *testing.T) {
	for mask, want := range map[[4]byte]int{
		{255, 255, 255, 255}: 32, {255, 255, 255, 254}: 31, {255, 255, 255, 0}: 24, {255, 255, 128, 0}: 17,
		{128, 0, 0, 0}: 1, {0, 0, 0, 0}: 0, {255, 0, 255, 0}: -1, {0, 255, 255, 255}: -1, {255, 255, 255, 253}: -1,
	} {
		if got := maskPrefix(mask); got != want {
			t.Errorf("%v: %d, want %d", mask, got, want)
		}
	}
	if p := (IPv4StaticAddress{SubnetMask: "255.255.240.0"}).PrefixLength(); p != 20 {
		t.Errorf("PrefixLength %d", p)
	}
}

// FuzzEthernetPatch sends arbitrary bodies as PATCHes: only 200 or 400
// (404/412 never, the interface exists and no If-Match is sent), always a
// well-formed answer, and whatever was accepted passes the checks the
// settings file is read back with.
func FuzzEthernetPatch(f *testing.F) {
	f.Add(`{"HostName":"bmc2","FQDN":"bmc2.example.net"}`)
	f.Add(`{"IPv4StaticAddresses":[{"Address":"192.0.2.10","SubnetMask":"255.255.255.0","Gateway":"192.0.2.1"}]}`)
	f.Add(`{"IPv4Addresses":[null,{},{"Gateway":null}],"NameServers":[{},"2001:db8::1"]}`)
	f.Add(`{"DHCPv4":{"DHCPEnabled":true,"UseDNSServers":false},"StaticNameServers":["192.0.2.53"]}`)
	f.Add(`{"IPv4StaticAddresses":[{"Address":"10.0.0.0","SubnetMask":"255.255.255.254"}],"MTUSize":1}`)
	ap := &recordingApplier{}
	dir := f.TempDir()
	fx := newNetService(f, dir, ap.apply)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPatch, eth0Path, strings.NewReader(body))
		req.SetBasicAuth(testUser, testPassword)
		rec := httptest.NewRecorder()
		fx.h.ServeHTTP(rec, req)
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("%d: body not JSON: %v\n%s", rec.Code, err, rec.Body)
		}
		switch rec.Code {
		case http.StatusOK:
			ns, _ := fx.svc.networkSettings("eth0")
			if err := checkSettings(ns); err != nil {
				t.Fatalf("accepted %q: %v", body, err)
			}
			// What was kept reads back: a restart shows it.
			if data, err := os.ReadFile(filepath.Join(dir, networkFileName)); err == nil {
				if _, err := parseNetworkFile(data); err != nil {
					t.Fatalf("accepted %q, kept a file that does not read back: %v", body, err)
				}
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if _, ok := m["error"]; !ok {
				t.Fatalf("%d without an error: %s", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
	})
}
