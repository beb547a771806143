package redfish

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Users of the OCP fixture, one per predefined role.
const (
	ocpOperator   = "op"
	ocpReadOnly   = "ro"
	ocpUserSecret = "a long enough password 1"
)

// ocpFixture is a service with its own accounts (an Operator and a
// ReadOnly user besides admin), a state directory, a known network and a
// fixed clock.
type ocpFixture struct {
	*fixture
	dir string
}

// fakeNetwork is the host network the tests see.
func fakeNetwork() (hostNetwork, error) {
	return hostNetwork{
		NameServers: []string{"192.0.2.53"},
		Interfaces: []hostInterface{
			{
				Name: "eth0", MAC: "02:00:00:aa:bb:cc", MTU: 1500, Up: true, Running: true, SpeedMbps: 1000,
				IPv4: []hostIPv4{{Address: "192.0.2.10", SubnetMask: "255.255.255.0", Gateway: "192.0.2.1"}},
				IPv6: []hostIPv6{{Address: "fe80::1", PrefixLength: 64, Origin: "LinkLocal", State: "Preferred"}},
			},
			{Name: "eth1", MAC: "02:00:00:aa:bb:cd", MTU: 1500, Up: false},
		},
	}, nil
}

func newOCPFixture(t testing.TB) *ocpFixture {
	t.Helper()
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(testPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	accounts, _, err := OpenAccounts(dir, pw, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t}
	f.snap.Store(testSnapshot())
	svc, err := New(Config{Snapshot: f.snap.Load, Accounts: accounts, Logger: quietLogger(), UUID: testUUID})
	if err != nil {
		t.Fatal(err)
	}
	svc.now = func() time.Time { return time.Date(2025, 3, 4, 6, 0, 0, 0, time.FixedZone("", 2*3600)) }
	svc.ocp.interfaces = fakeNetwork
	svc.SetNetwork("bmc1.example.net", 8443)
	if err := svc.SetStateDir(dir); err != nil {
		t.Fatal(err)
	}
	f.svc, f.h = svc, svc.Handler()
	// Before the temporary directory goes: the log is written in the
	// background.
	t.Cleanup(svc.FlushEventLog)
	o := &ocpFixture{fixture: f, dir: dir}
	for user, role := range map[string]string{ocpOperator: RoleOperator, ocpReadOnly: RoleReadOnly} {
		body := `{"UserName":"` + user + `","Password":"` + ocpUserSecret + `","RoleId":"` + role + `"}`
		if rec := o.send(http.MethodPost, "/redfish/v1/AccountService/Accounts", testUser, body); rec.Code != http.StatusCreated {
			t.Fatalf("creating %s: %d %s", user, rec.Code, rec.Body)
		}
	}
	return o
}

// send makes one request as user (admin, or a fixture user) with a JSON
// body ("" for none).
func (o *ocpFixture) send(method, target, user, body string, hdr ...string) *httptest.ResponseRecorder {
	o.t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, target, nil)
	} else {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	pass := ocpUserSecret
	if user == testUser {
		pass = testPassword
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	o.h.ServeHTTP(rec, req)
	return rec
}

// wantError checks a Redfish error response and returns its MessageIds.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int) []string {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != contentTypeJSON {
		t.Errorf("error Content-Type %q", ct)
	}
	m := decode(t, rec.Body.Bytes())
	var ids []string
	for _, e := range at(t, m, "error", "@Message.ExtendedInfo").([]any) {
		info := e.(map[string]any)
		for _, k := range []string{"@odata.type", "Message", "MessageArgs", "MessageSeverity", "Resolution"} {
			if _, ok := info[k]; !ok {
				t.Errorf("ExtendedInfo has no %s: %v", k, info)
			}
		}
		ids = append(ids, info["MessageId"].(string))
	}
	// One message is the error's code; several make it GeneralError.
	code := at(t, m, "error", "code")
	if len(ids) == 1 && code != ids[0] || len(ids) > 1 && code != "Base.1.22.GeneralError" {
		t.Errorf("code %v with messages %v", code, ids)
	}
	return ids
}

func TestChassisOCPProperties(t *testing.T) {
	o := newOCPFixture(t)
	for _, id := range []string{"Enclosure", "Sled0", "Sled2", "Sled3"} {
		m := o.get("/redfish/v1/Chassis/" + id)
		if m["PowerState"] != "On" || m["LocationIndicatorActive"] != false {
			t.Errorf("%s: PowerState %v LocationIndicatorActive %v", id, m["PowerState"], m["LocationIndicatorActive"])
		}
		if at(t, m, "ThermalSubsystem", "@odata.id") != "/redfish/v1/Chassis/"+id+"/ThermalSubsystem" {
			t.Errorf("%s: ThermalSubsystem %v", id, m["ThermalSubsystem"])
		}
		_, power := m["PowerSubsystem"]
		if sled := id != "Enclosure"; power != sled {
			t.Errorf("%s: PowerSubsystem %v", id, m["PowerSubsystem"])
		}
	}
	// Every sled links the resources the baseline profile asks for beside
	// PowerSubsystem, Sensors included when there are none.
	m := o.get("/redfish/v1/Chassis/Sled3")
	for k, want := range map[string]string{
		"Sensors": "/redfish/v1/Chassis/Sled3/Sensors", "PowerSubsystem": "/redfish/v1/Chassis/Sled3/PowerSubsystem",
		"EnvironmentMetrics": "/redfish/v1/Chassis/Sled3/EnvironmentMetrics", "Controls": "/redfish/v1/Chassis/Sled3/Controls",
	} {
		if at(t, m, k, "@odata.id") != want {
			t.Errorf("Sled3 %s: %v", k, m[k])
		}
	}
	if n := o.get("/redfish/v1/Chassis/Sled3/Sensors")["Members@odata.count"]; n != 0.0 {
		t.Errorf("Sled3 sensors: %v", n)
	}
	// A FRU that did not parse: the model and serial are unknown (null),
	// not absent; a readable FRU without a field leaves it out.
	bad := o.get("/redfish/v1/Chassis/Sled2")
	for _, k := range []string{"Model", "SerialNumber"} {
		if v, ok := bad[k]; !ok || v != nil {
			t.Errorf("Sled2 %s = %v (present %v), want null", k, v, ok)
		}
	}
	if _, ok := bad["Manufacturer"]; ok {
		t.Error("Sled2 shows a Manufacturer")
	}
	if v := o.get("/redfish/v1/Chassis/Sled0")["SerialNumber"]; v != "SN0001" {
		t.Errorf("Sled0 SerialNumber %v", v)
	}
}

func TestChassisIndicatorPatch(t *testing.T) {
	o := newOCPFixture(t)
	rec := o.send(http.MethodPatch, "/redfish/v1/Chassis/Sled0", ocpOperator, `{"LocationIndicatorActive": true}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", rec.Code, rec.Body)
	}
	if m := decode(t, rec.Body.Bytes()); m["LocationIndicatorActive"] != true {
		t.Errorf("PATCH answer: %v", m["LocationIndicatorActive"])
	}
	if rec.Header().Get("ETag") == "" {
		t.Error("PATCH answer has no ETag")
	}
	if v := o.get("/redfish/v1/Chassis/Sled0")["LocationIndicatorActive"]; v != true {
		t.Errorf("GET after PATCH: %v", v)
	}
	if v := o.get("/redfish/v1/Chassis/Sled2")["LocationIndicatorActive"]; v != false {
		t.Errorf("Sled2 changed too: %v", v)
	}
	// The change is in the event log, with the chassis as origin.
	entries := o.get(logEntriesPath)["Members"].([]any)
	last := o.get(entries[len(entries)-1].(map[string]any)["@odata.id"].(string))
	if last["MessageId"] != "ResourceEvent.1.4.PropertyValueModifiedByClient" ||
		!reflect.DeepEqual(last["MessageArgs"], []any{"LocationIndicatorActive", "true"}) ||
		at(t, last, "Links", "OriginOfCondition", "@odata.id") != "/redfish/v1/Chassis/Sled0" {
		t.Errorf("log entry %v", last)
	}

	// A different sled in the bay starts with its indicator off.
	snap := testSnapshot()
	snap.Generation++
	snap.Bays[0].Sled.Identity.SerialNumber = "SN0002"
	o.snap.Store(snap)
	if v := o.get("/redfish/v1/Chassis/Sled0")["LocationIndicatorActive"]; v != false {
		t.Errorf("new sled's indicator: %v", v)
	}

	// The enclosure's indicator, and off again.
	for _, on := range []bool{true, false} {
		body := `{"LocationIndicatorActive": ` + map[bool]string{true: "true", false: "false"}[on] + `}`
		if rec := o.send(http.MethodPatch, "/redfish/v1/Chassis/Enclosure", testUser, body); rec.Code != http.StatusOK {
			t.Fatalf("PATCH enclosure: %d %s", rec.Code, rec.Body)
		}
		if v := o.get("/redfish/v1/Chassis/Enclosure")["LocationIndicatorActive"]; v != on {
			t.Errorf("enclosure indicator %v, want %v", v, on)
		}
	}
}

func TestChassisPatchErrors(t *testing.T) {
	o := newOCPFixture(t)
	for _, tc := range []struct {
		name, path, user, body string
		status                 int
		ids                    []string
	}{
		{"read only user", "/redfish/v1/Chassis/Sled0", ocpReadOnly, `{"LocationIndicatorActive": true}`, 403,
			[]string{"Base.1.22.InsufficientPrivilege"}},
		{"no such chassis", "/redfish/v1/Chassis/Sled1", testUser, `{"LocationIndicatorActive": true}`, 404,
			[]string{"Base.1.22.ResourceMissingAtURI"}},
		{"wrong type", "/redfish/v1/Chassis/Sled0", testUser, `{"LocationIndicatorActive": "on"}`, 400,
			[]string{"Base.1.22.PropertyValueTypeError"}},
		{"null", "/redfish/v1/Chassis/Sled0", testUser, `{"LocationIndicatorActive": null}`, 400,
			[]string{"Base.1.22.PropertyValueTypeError"}},
		{"read-only and unknown with a good one", "/redfish/v1/Chassis/Sled0", testUser,
			`{"LocationIndicatorActive": true, "AssetTag": "x", "Colour": "red"}`, 400,
			[]string{"Base.1.22.PropertyNotWritable", "Base.1.22.PropertyUnknown"}},
		{"nothing to do", "/redfish/v1/Chassis/Sled0", testUser, `{"@odata.etag": "x"}`, 400,
			[]string{"Base.1.22.NoOperation"}},
		{"not JSON", "/redfish/v1/Chassis/Sled0", testUser, `{"LocationIndicatorActive": tru`, 400,
			[]string{"Base.1.22.MalformedJSON"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := o.send(http.MethodPatch, tc.path, tc.user, tc.body)
			if ids := wantError(t, rec, tc.status); !reflect.DeepEqual(ids, tc.ids) {
				t.Errorf("MessageIds %v, want %v", ids, tc.ids)
			}
		})
	}
	// Nothing was applied by the failed requests.
	if v := o.get("/redfish/v1/Chassis/Sled0")["LocationIndicatorActive"]; v != false {
		t.Errorf("indicator after failed PATCHes: %v", v)
	}
	// If-Match: a stale ETag is refused, the current one accepted.
	cur := o.send(http.MethodGet, "/redfish/v1/Chassis/Sled0", testUser, "").Header().Get("ETag")
	if rec := o.send(http.MethodPatch, "/redfish/v1/Chassis/Sled0", testUser, `{"LocationIndicatorActive": true}`, "If-Match", `W/"stale"`); rec.Code != http.StatusPreconditionFailed {
		t.Errorf("stale If-Match: %d", rec.Code)
	}
	if rec := o.send(http.MethodPatch, "/redfish/v1/Chassis/Sled0", testUser, `{"LocationIndicatorActive": true}`, "If-Match", cur); rec.Code != http.StatusOK {
		t.Errorf("current If-Match: %d %s", rec.Code, rec.Body)
	}
}

func TestThermalAndPowerSubsystems(t *testing.T) {
	o := newOCPFixture(t)
	ts := o.get("/redfish/v1/Chassis/Sled0/ThermalSubsystem")
	// Sled0's drive in slot 1 is over its temperature threshold.
	if ts["@odata.type"] != "#ThermalSubsystem.v1_5_0.ThermalSubsystem" || at(t, ts, "Status", "Health") != "Warning" {
		t.Errorf("ThermalSubsystem %v", ts)
	}
	if at(t, ts, "Fans", "@odata.id") != "/redfish/v1/Chassis/Sled0/ThermalSubsystem/Fans" {
		t.Errorf("Fans link %v", ts["Fans"])
	}
	if n := o.get("/redfish/v1/Chassis/Sled0/ThermalSubsystem/Fans")["Members@odata.count"]; n != 0.0 {
		t.Errorf("fans: %v", n)
	}

	tm := o.get("/redfish/v1/Chassis/Sled0/ThermalSubsystem/ThermalMetrics")
	readings := tm["TemperatureReadingsCelsius"].([]any)
	if len(readings) != 4 || tm["TemperatureReadingsCelsius@odata.count"] != 4.0 {
		t.Fatalf("readings %v", readings)
	}
	first := readings[0].(map[string]any)
	if first["DataSourceUri"] != "/redfish/v1/Chassis/Sled0/Sensors/Temp" || first["Reading"] != 34.5 || first["PhysicalContext"] != "Chassis" {
		t.Errorf("first reading %v", first)
	}
	// Slot 3's drive has no reading: null, not made up.
	if v, ok := readings[3].(map[string]any)["Reading"]; !ok || v != nil {
		t.Errorf("slot 3 reading %v", readings[3])
	}
	if at(t, tm, "TemperatureSummaryCelsius", "Internal", "Reading") != 34.5 {
		t.Errorf("summary %v", tm["TemperatureSummaryCelsius"])
	}
	// The sled without sensors: no readings, no summary.
	tiny := o.get("/redfish/v1/Chassis/Sled3/ThermalSubsystem/ThermalMetrics")
	if len(tiny["TemperatureReadingsCelsius"].([]any)) != 0 || tiny["TemperatureSummaryCelsius"] != nil {
		t.Errorf("Sled3 metrics %v", tiny)
	}
	// The enclosure gathers every sled's readings and names the sled.
	enc := o.get("/redfish/v1/Chassis/Enclosure/ThermalSubsystem/ThermalMetrics")
	er := enc["TemperatureReadingsCelsius"].([]any)
	if len(er) != 6 || er[0].(map[string]any)["DeviceName"] != "Sled0 Sled temperature" {
		t.Errorf("enclosure readings %v", er)
	}

	env := o.get("/redfish/v1/Chassis/Sled0/EnvironmentMetrics")
	if at(t, env, "TemperatureCelsius", "Reading") != 34.5 || env["@odata.type"] != "#EnvironmentMetrics.v1_5_0.EnvironmentMetrics" {
		t.Errorf("EnvironmentMetrics %v", env)
	}
	if _, ok := o.get("/redfish/v1/Chassis/Sled3/EnvironmentMetrics")["TemperatureCelsius"]; ok {
		t.Error("Sled3 EnvironmentMetrics shows a temperature")
	}
	ps := o.get("/redfish/v1/Chassis/Sled2/PowerSubsystem")
	if ps["@odata.type"] != "#PowerSubsystem.v1_1_3.PowerSubsystem" || at(t, ps, "Status", "State") != "Enabled" {
		t.Errorf("PowerSubsystem %v", ps)
	}
	if n := o.get("/redfish/v1/Chassis/Sled2/Controls")["Members@odata.count"]; n != 0.0 {
		t.Errorf("controls %v", n)
	}
	// Sleds only, and only existing ones.
	for _, p := range []string{
		"/redfish/v1/Chassis/Enclosure/PowerSubsystem", "/redfish/v1/Chassis/Enclosure/Controls",
		"/redfish/v1/Chassis/Sled1/ThermalSubsystem", "/redfish/v1/Chassis/Sled9/ThermalSubsystem/Fans",
		"/redfish/v1/Chassis/Sled1/EnvironmentMetrics",
	} {
		if rec := o.send(http.MethodGet, p, testUser, ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d", p, rec.Code)
		}
	}
}

func TestManagerOCPLinks(t *testing.T) {
	o := newOCPFixture(t)
	m := o.get(managerPath)
	for k, want := range map[string]string{
		"NetworkProtocol": networkProtocolPath, "EthernetInterfaces": ethernetInterfacesPath, "LogServices": logServicesPath,
	} {
		if at(t, m, k, "@odata.id") != want {
			t.Errorf("%s: %v", k, m[k])
		}
	}
	reset := at(t, m, "Actions", "#Manager.Reset").(map[string]any)
	if reset["target"] != managerResetPath || reset["@Redfish.ActionInfo"] != managerResetInfoPath ||
		!reflect.DeepEqual(reset["ResetType@Redfish.AllowableValues"], []any{"ForceRestart", "GracefulRestart"}) {
		t.Errorf("Reset action %v", reset)
	}
	info := o.get(managerResetInfoPath)
	p := at(t, info, "Parameters", 0).(map[string]any)
	if p["Name"] != "ResetType" || p["Required"] != false || p["DataType"] != "String" {
		t.Errorf("ResetActionInfo %v", info)
	}
}

func TestManagerReset(t *testing.T) {
	o := newOCPFixture(t)
	var mu sync.Mutex
	var got []string
	o.svc.SetResetHandler(func(rt string) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, rt)
		return nil
	})
	for _, tc := range []struct {
		body, want string
	}{
		{`{"ResetType": "ForceRestart"}`, "ForceRestart"},
		{`{"ResetType": "GracefulRestart"}`, "GracefulRestart"},
		{`{}`, "GracefulRestart"},
	} {
		rec := o.send(http.MethodPost, managerResetPath, testUser, tc.body)
		if rec.Code != http.StatusNoContent {
			t.Fatalf("%s: %d %s", tc.body, rec.Code, rec.Body)
		}
		mu.Lock()
		last := got[len(got)-1]
		mu.Unlock()
		if last != tc.want {
			t.Errorf("%s: handler got %q", tc.body, last)
		}
	}
	entries := o.get(logEntriesPath)["Members"].([]any)
	e := o.get(entries[0].(map[string]any)["@odata.id"].(string))
	if e["MessageId"] != "ManagerEvent.1.0.ManagerReset" || e["Message"] != "Manager `bmc` performed a 'ForceRestart' type of reset." {
		t.Errorf("log entry %v", e)
	}

	for _, tc := range []struct {
		name, user, body string
		status           int
		ids              []string
	}{
		{"operator", ocpOperator, `{"ResetType": "ForceRestart"}`, 403, []string{"Base.1.22.InsufficientPrivilege"}},
		{"read only", ocpReadOnly, `{"ResetType": "ForceRestart"}`, 403, []string{"Base.1.22.InsufficientPrivilege"}},
		{"not allowed value", testUser, `{"ResetType": "On"}`, 400, []string{"Base.1.22.ActionParameterValueNotInList"}},
		{"wrong type", testUser, `{"ResetType": 1}`, 400, []string{"Base.1.22.ActionParameterValueTypeError"}},
		{"null", testUser, `{"ResetType": null}`, 400, []string{"Base.1.22.ActionParameterValueTypeError"}},
		{"unknown parameter", testUser, `{"ResetType": "ForceRestart", "Delay": 3}`, 400, []string{"Base.1.22.ActionParameterUnknown"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(got)
			if ids := wantError(t, o.send(http.MethodPost, managerResetPath, tc.user, tc.body), tc.status); !reflect.DeepEqual(ids, tc.ids) {
				t.Errorf("MessageIds %v, want %v", ids, tc.ids)
			}
			if len(got) != n {
				t.Error("the reset handler ran")
			}
		})
	}
	if rec := o.send(http.MethodGet, managerResetPath, testUser, ""); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET on the action: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}

	// A failing handler is a 500; without one the request is only logged.
	o.svc.SetResetHandler(func(string) error { return errors.New("cannot restart") })
	if rec := o.send(http.MethodPost, managerResetPath, testUser, `{"ResetType": "ForceRestart"}`); rec.Code != http.StatusInternalServerError {
		t.Errorf("failing handler: %d", rec.Code)
	}
	o.svc.SetResetHandler(nil)
	if rec := o.send(http.MethodPost, managerResetPath, testUser, `{"ResetType": "ForceRestart"}`); rec.Code != http.StatusNoContent {
		t.Errorf("no handler: %d", rec.Code)
	}
}

func TestNetworkProtocol(t *testing.T) {
	o := newOCPFixture(t)
	m := o.get(networkProtocolPath)
	if m["HostName"] != "bmc1" || m["FQDN"] != "bmc1.example.net" || at(t, m, "HTTPS", "Port") != 8443.0 ||
		at(t, m, "HTTPS", "ProtocolEnabled") != true || at(t, m, "HTTPS", "Certificates", "@odata.id") != httpsCertificatesPath {
		t.Errorf("NetworkProtocol %v", m)
	}
	for _, k := range []string{"HTTP", "SSH", "IPMI", "SSDP"} {
		if _, ok := m[k]; ok {
			t.Errorf("shows %s, which chassisd does not serve or know", k)
		}
	}
	// A short name has no FQDN (null); an unknown port is null.
	o.svc.SetNetwork("bmc1", 0)
	m = o.get(networkProtocolPath)
	if v, ok := m["FQDN"]; !ok || v != nil || m["HostName"] != "bmc1" || at(t, m, "HTTPS", "Port") != nil {
		t.Errorf("short name: %v", m)
	}
}

func TestEthernetInterfaces(t *testing.T) {
	o := newOCPFixture(t)
	c := o.get(ethernetInterfacesPath)
	if got := ids(t, c["Members"]); !reflect.DeepEqual(got, []string{ethernetInterfacesPath + "/eth0", ethernetInterfacesPath + "/eth1"}) {
		t.Errorf("members %v", got)
	}
	e := o.get(ethernetInterfacesPath + "/eth0")
	for k, want := range map[string]any{
		"@odata.type": "#EthernetInterface.v1_12_4.EthernetInterface", "Id": "eth0", "MACAddress": "02:00:00:AA:BB:CC",
		"SpeedMbps": 1000.0, "InterfaceEnabled": true, "LinkStatus": "LinkUp", "HostName": "bmc1", "FQDN": "bmc1.example.net",
		"MTUSize": 1500.0,
	} {
		if e[k] != want {
			t.Errorf("eth0 %s = %v, want %v", k, e[k], want)
		}
	}
	v4 := at(t, e, "IPv4Addresses", 0).(map[string]any)
	if v4["Address"] != "192.0.2.10" || v4["SubnetMask"] != "255.255.255.0" || v4["Gateway"] != "192.0.2.1" {
		t.Errorf("IPv4 %v", v4)
	}
	if v, ok := v4["AddressOrigin"]; !ok || v != nil {
		t.Errorf("IPv4 origin %v (present %v): unknown must be null", v, ok)
	}
	if v6 := at(t, e, "IPv6Addresses", 0).(map[string]any); v6["AddressOrigin"] != "LinkLocal" || v6["AddressState"] != "Preferred" || v6["PrefixLength"] != 64.0 {
		t.Errorf("IPv6 %v", v6)
	}
	if !reflect.DeepEqual(e["NameServers"], []any{"192.0.2.53"}) {
		t.Errorf("NameServers %v", e["NameServers"])
	}
	down := o.get(ethernetInterfacesPath + "/eth1")
	if down["LinkStatus"] != "LinkDown" || at(t, down, "Status", "State") != "Disabled" || down["SpeedMbps"] != nil {
		t.Errorf("eth1 %v", down)
	}
	if rec := o.send(http.MethodGet, ethernetInterfacesPath+"/eth9", testUser, ""); rec.Code != http.StatusNotFound {
		t.Errorf("eth9: %d", rec.Code)
	}
	// Without an applier (SetNetworkApplier) nothing is writable
	// (ethernet_patch_test.go has the rest).
	if ids := wantError(t, o.send(http.MethodPatch, ethernetInterfacesPath+"/eth0", testUser, `{"HostName":"x"}`), http.StatusBadRequest); !slices.Equal(ids, []string{"Base.1.22.PropertyNotWritable"}) {
		t.Errorf("PATCH: %v", ids)
	}
}

func TestUpdateService(t *testing.T) {
	o := newOCPFixture(t)
	u := o.get(updateServicePath)
	if u["ServiceEnabled"] != false || at(t, u, "FirmwareInventory", "@odata.id") != firmwareInventoryPath {
		t.Errorf("UpdateService %v", u)
	}
	if got := ids(t, o.get(firmwareInventoryPath)["Members"]); !reflect.DeepEqual(got, []string{firmwarePath}) {
		t.Errorf("inventory %v", got)
	}
	fw := o.get(firmwarePath)
	if fw["Version"] != "v0.1.0-test" || fw["Updateable"] != false || fw["Manufacturer"] != "chassisd" {
		t.Errorf("firmware %v", fw)
	}
}

// TestOCPSchemasInMetadata: every @odata.type of the new resources is in
// $metadata, and the resources are reachable from the manager or the
// chassis (the crawler test covers the whole tree).
func TestOCPSchemasInMetadata(t *testing.T) {
	o := newOCPFixture(t)
	ns := metadataNamespaces(t, o.fixture)
	for _, sc := range append(slices.Clone(ocpSchemas), certificateSchemas...) {
		if _, ok := ns[sc.namespace()]; !ok {
			t.Errorf("$metadata lacks %s", sc.namespace())
		}
	}
	for _, p := range []string{
		logServicesPath, eventLogPath, logEntriesPath, networkProtocolPath, ethernetInterfacesPath,
		"/redfish/v1/Chassis/Sled0/ThermalSubsystem/ThermalMetrics", updateServicePath, firmwarePath,
		certificateServicePath, certificateLocationsPath, httpsCertificatesPath, replaceCertificateInfo, generateCSRInfo,
	} {
		m := o.get(p)
		typ, _ := m["@odata.type"].(string)
		if typ == "" || m["@odata.id"] != p {
			t.Errorf("%s: @odata.id %v @odata.type %q", p, m["@odata.id"], typ)
			continue
		}
		namespace := strings.TrimPrefix(typ[:strings.LastIndex(typ, ".")], "#")
		if _, ok := ns[namespace]; !ok {
			t.Errorf("%s: %s not in $metadata", p, namespace)
		}
	}
}

// TestOCPBeforeFirstSnapshot: like the manager, its resources do not exist
// before the agent's first walk.
func TestOCPBeforeFirstSnapshot(t *testing.T) {
	o := newOCPFixture(t)
	o.snap.Store(nil)
	for _, p := range []string{logServicesPath, eventLogPath, logEntriesPath, networkProtocolPath, ethernetInterfacesPath,
		managerResetInfoPath, httpsCertificatesPath, firmwarePath} {
		if rec := o.send(http.MethodGet, p, testUser, ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d", p, rec.Code)
		}
	}
	if rec := o.send(http.MethodPost, managerResetPath, testUser, `{}`); rec.Code != http.StatusNotFound {
		t.Errorf("reset: %d", rec.Code)
	}
}
