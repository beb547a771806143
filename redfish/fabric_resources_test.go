package redfish

import (
	"net/http"
	"testing"
)

// TestFabricResources checks what each Fabric resource shows of
// testFabric.
func TestFabricResources(t *testing.T) {
	ff := newFabricFixture(t, true)
	get := func(p string) map[string]any { return ff.get(secAdmin, p) }

	if c := get(fabricCollectionPath); at(t, c, "Members", 0, "@odata.id") != fabricPath {
		t.Errorf("Fabrics %v", c)
	}
	fab := get(fabricPath)
	if fab["FabricType"] != "PCIe" || at(t, fab, "Zones", "@odata.id") != zonesPath || at(t, fab, "MaxZones") != 2.0 {
		t.Errorf("Fabric %v", fab)
	}
	// Port 9 lost its link with a drive behind it.
	if at(t, fab, "Status", "HealthRollup") != "Warning" || at(t, fab, "Status", "Health") != "OK" {
		t.Errorf("Fabric Status %v", fab["Status"])
	}

	sw := get(switchPath)
	if sw["Manufacturer"] != "Microchip" || sw["Model"] != "Switchtec PFX 28xG4" || sw["FirmwareVersion"] != "4.70 B0A5" ||
		sw["SwitchType"] != "PCIe" || at(t, sw, "Oem", "Chassisd", "Address") != "i2c-1 0x20" {
		t.Errorf("Switch %v", sw)
	}
	if n := at(t, get(portCollectionPath), "Members@odata.count"); n != 6.0 {
		t.Errorf("%v ports", n)
	}

	// Speeds: lanes times GT/s, encoding overhead included (Port schema).
	for _, tc := range []struct {
		port, typ, link     string
		width, active       float64
		current, max        any
		health, endpoint, _ string
	}{
		{"0", "UpstreamPort", "LinkUp", 16, 8, 64.0, 256.0, "OK", epHost0, ""},
		{"1", "UpstreamPort", "LinkDown", 16, 0, nil, 256.0, "OK", epHost1, ""},
		{"8", "DownstreamPort", "LinkUp", 4, 4, 64.0, 64.0, "OK", epDrive8, ""},
		{"9", "DownstreamPort", "LinkDown", 4, 0, nil, 64.0, "Warning", epDrive9, ""},
		{"10", "DownstreamPort", "LinkDown", 4, 0, nil, 64.0, "OK", epEmpty, ""},
		{"11", "DownstreamPort", "LinkUp", 4, 4, 32.0, 64.0, "OK", epDrive, ""},
	} {
		p := get(portCollectionPath + "/" + tc.port)
		if p["PortType"] != tc.typ || p["LinkStatus"] != tc.link || p["Width"] != tc.width || p["ActiveWidth"] != tc.active ||
			p["CurrentSpeedGbps"] != tc.current || p["MaxSpeedGbps"] != tc.max || p["PortProtocol"] != "PCIe" ||
			at(t, p, "Status", "Health") != tc.health || at(t, p, "Links", "AssociatedEndpoints", 0, "@odata.id") != tc.endpoint {
			t.Errorf("port %s: %v", tc.port, p)
		}
	}

	// Port 8 counted 1 bad TLP, 2 bad DLLPs, 3 receiver errors, 4 replay
	// timeouts and 5 rollovers: 15 correctable errors in all.
	m := get(portCollectionPath + "/8/Metrics")
	for k, want := range map[string]float64{"CorrectableErrorCount": 15, "BadTLPCount": 1, "BadDLLPCount": 2, "ReplayCount": 4, "ReplayRolloverCount": 5} {
		if got := at(t, m, "PCIeErrors", k); got != want {
			t.Errorf("PCIeErrors.%s %v, want %v", k, got, want)
		}
	}
	if at(t, m, "Oem", "Chassisd", "ReceiverErrorCount") != 3.0 {
		t.Errorf("PortMetrics Oem %v", m["Oem"])
	}

	eps := get(endpointsPath)
	if at(t, eps, "Members@odata.count") != 6.0 || at(t, eps, "Members", 0, "@odata.id") != epHost0 || at(t, eps, "Members", 2, "@odata.id") != epDrive8 {
		t.Errorf("Endpoints %v", eps["Members"])
	}
	h0 := get(epHost0)
	if at(t, h0, "ConnectedEntities", 0, "EntityRole") != "Initiator" || at(t, h0, "ConnectedEntities", 0, "EntityType") != "RootComplex" ||
		at(t, h0, "Links", "Zones", 0, "@odata.id") != zonesPath+"/Host0" || at(t, h0, "Links", "ConnectedPorts", 0, "@odata.id") != portCollectionPath+"/0" ||
		h0["Name"] != "Host 0" {
		t.Errorf("Host0 endpoint %v", h0)
	}
	d8 := get(epDrive8)
	if at(t, d8, "ConnectedEntities", 0, "EntityRole") != "Target" || at(t, d8, "ConnectedEntities", 0, "EntityLink", "@odata.id") != "/redfish/v1/Chassis/Sled0/Drives/Slot0" ||
		at(t, d8, "Status", "State") != "Enabled" {
		t.Errorf("Drive8 endpoint %v", d8)
	}
	if d9 := get(epDrive9); at(t, d9, "Status", "Health") != "Warning" {
		t.Errorf("Drive9 endpoint (no link) %v", d9["Status"])
	}
	empty := get(epEmpty)
	if at(t, empty, "Status", "State") != "Absent" || at(t, empty, "ConnectedEntities", 0).(map[string]any)["EntityLink"] != nil {
		t.Errorf("empty slot's endpoint %v", empty)
	}

	rec := ff.send(secAdmin, http.MethodGet, zonesPath+"/Host0", "")
	z := decode(t, rec.Body.Bytes())
	if z["@odata.etag"] != rec.Header().Get("ETag") || z["ZoneType"] != "ZoneOfEndpoints" ||
		at(t, z, "Links", "Endpoints", 0, "@odata.id") != epHost0 || at(t, z, "Links", "Endpoints", 1, "@odata.id") != epDrive8 ||
		at(t, z, "Actions", "#Zone.AddEndpoint", "target") != zonesPath+"/Host0/Actions/Zone.AddEndpoint" {
		t.Errorf("zone %v (ETag %s)", z, rec.Header().Get("ETag"))
	}
	if c := get(connectionsPath + "/Host0"); c["ConnectionType"] != "Storage" ||
		at(t, c, "Links", "InitiatorEndpoints", 0, "@odata.id") != epHost0 || at(t, c, "Links", "TargetEndpoints", 0, "@odata.id") != epDrive8 {
		t.Errorf("connection %v", c)
	}
	if n := at(t, get(zonesPath), "Members@odata.count"); n != 1.0 {
		t.Errorf("%v zones", n)
	}

	// Drives link back; the one without a link says so.
	d := get("/redfish/v1/Chassis/Sled0/Drives/Slot0")
	if at(t, d, "Links", "Endpoints", 0, "@odata.id") != epDrive8 || at(t, d, "Status", "Health") != "OK" {
		t.Errorf("Slot0 drive %v", d)
	}
	d = get("/redfish/v1/Chassis/Sled0/Drives/Slot3")
	if at(t, d, "Status", "Health") != "Warning" || at(t, d, "Oem", "Chassisd", "Problems", 0, "Message") != "PCIe link down on interposer drive port 9" {
		t.Errorf("Slot3 drive (no link) %v %v", d["Status"], d["Oem"])
	}

	// Nothing else exists under the fabric.
	for _, p := range []string{fabricCollectionPath + "/CXL", switchCollectionPath + "/Other", portCollectionPath + "/08",
		portCollectionPath + "/7", endpointsPath + "/Host2", endpointsPath + "/Drive0", endpointsPath + "/Drive08", zonesPath + "/Host01", connectionsPath + "/Host1"} {
		ff.expect(ff.send(secAdmin, http.MethodGet, p, ""), http.StatusNotFound, "ResourceMissingAtURI")
	}
	// Reads need credentials.
	ff.expect(ff.send(secCred{}, http.MethodGet, zonesPath, ""), http.StatusUnauthorized, "NoValidSession")
}

// TestSwitchModel: Switchtec Gen4 names from the device id.
func TestSwitchModel(t *testing.T) {
	for _, tc := range []struct {
		vendor, device uint16
		want           string
	}{
		{0x11F8, 0x4000, "Switchtec PFX 100xG4"},
		{0x11F8, 0x4084, "Switchtec PFX 84xG4"},
		{0x11F8, 0x4136, "Switchtec PSX 36xG4"},
		{0x11F8, 0x4228, "Switchtec PAX 28xG4"},
		{0x11F8, 0x4352, "Switchtec PFXA 52xG4"},
		{0x11F8, 0x4099, "PCIe switch 11f8:4099"},
		{0x11F8, 0x8536, "PCIe switch 11f8:8536"},
		{0x10B5, 0x4000, "PCIe switch 10b5:4000"},
	} {
		if got := switchModel(tc.vendor, tc.device); got != tc.want {
			t.Errorf("%04x:%04x: %q, want %q", tc.vendor, tc.device, got, tc.want)
		}
	}
}
