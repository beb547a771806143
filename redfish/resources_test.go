package redfish

import (
	"reflect"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
)

func boardFormFactor(s string) board.FormFactor { return board.FormFactor(s) }

func ids(t *testing.T, members any) []string {
	t.Helper()
	var out []string
	for _, m := range members.([]any) {
		out = append(out, m.(map[string]any)["@odata.id"].(string))
	}
	return out
}

func TestChassisCollection(t *testing.T) {
	f := newFixture(t, testSnapshot())
	m := f.get("/redfish/v1/Chassis")
	want := []string{"/redfish/v1/Chassis/Enclosure", "/redfish/v1/Chassis/Sled0", "/redfish/v1/Chassis/Sled2", "/redfish/v1/Chassis/Sled3"}
	if got := ids(t, m["Members"]); !reflect.DeepEqual(got, want) {
		t.Errorf("members %v, want %v", got, want)
	}
	if m["Members@odata.count"] != 4.0 || m["@odata.type"] != "#ChassisCollection.ChassisCollection" {
		t.Errorf("collection: %v", m)
	}
}

func TestEnclosureChassis(t *testing.T) {
	f := newFixture(t, testSnapshot())
	m := f.get("/redfish/v1/Chassis/Enclosure")
	for k, want := range map[string]any{
		"Id": "Enclosure", "Name": "Test enclosure", "ChassisType": "Enclosure",
		"Manufacturer": "Acme", "Model": "JBOF-8", "@odata.type": "#Chassis.v1_28_0.Chassis",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	// Own health: the worst sled (bay 2's FRU, Warning); rollup includes
	// bay 0's Critical drive.
	if at(t, m, "Status", "Health") != "Warning" || at(t, m, "Status", "HealthRollup") != "Critical" || at(t, m, "Status", "State") != "Enabled" {
		t.Errorf("Status %v", m["Status"])
	}
	if got := ids(t, at(t, m, "Links", "Contains")); !reflect.DeepEqual(got, []string{"/redfish/v1/Chassis/Sled0", "/redfish/v1/Chassis/Sled2", "/redfish/v1/Chassis/Sled3"}) {
		t.Errorf("Contains %v", got)
	}
	if got := ids(t, at(t, m, "Links", "ManagedBy")); !reflect.DeepEqual(got, []string{"/redfish/v1/Managers/bmc"}) {
		t.Errorf("ManagedBy %v", got)
	}
	if _, ok := m["Sensors"]; ok {
		t.Error("enclosure has a Sensors link but no sensors")
	}
	if at(t, m, "Oem", "Chassisd", "Simulated") != true || at(t, m, "Oem", "Chassisd", "BoardName") != "test-board" {
		t.Errorf("Oem %v", m["Oem"])
	}
}

func TestSledChassis(t *testing.T) {
	f := newFixture(t, testSnapshot())
	m := f.get("/redfish/v1/Chassis/Sled0")
	for k, want := range map[string]any{
		"@odata.id": "/redfish/v1/Chassis/Sled0", "Id": "Sled0", "Name": "Sled in Bay 0", "ChassisType": "Sled",
		"Manufacturer": "Acme Sleds", "Model": "NVS-4", "PartNumber": "PN-100", "SerialNumber": "SN0001", "Version": "B2",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if _, ok := m["AssetTag"]; ok {
		t.Error("AssetTag present although the FRU has none")
	}
	loc := at(t, m, "Location", "PartLocation").(map[string]any)
	if loc["ServiceLabel"] != "Bay 0" || loc["LocationType"] != "Bay" || loc["LocationOrdinalValue"] != 0.0 {
		t.Errorf("Location %v", loc)
	}
	if at(t, m, "Status", "Health") != "OK" || at(t, m, "Status", "HealthRollup") != "Critical" {
		t.Errorf("Status %v", m["Status"])
	}
	drives := ids(t, at(t, m, "Links", "Drives"))
	if want := []string{"/redfish/v1/Chassis/Sled0/Drives/Slot0", "/redfish/v1/Chassis/Sled0/Drives/Slot1", "/redfish/v1/Chassis/Sled0/Drives/Slot3"}; !reflect.DeepEqual(drives, want) {
		t.Errorf("Links.Drives %v", drives)
	}
	if at(t, m, "Links", "Drives@odata.count") != 3.0 {
		t.Errorf("Drives@odata.count %v", at(t, m, "Links", "Drives@odata.count"))
	}
	if at(t, m, "Links", "ContainedBy", "@odata.id") != "/redfish/v1/Chassis/Enclosure" {
		t.Errorf("ContainedBy %v", at(t, m, "Links", "ContainedBy"))
	}
	if at(t, m, "Drives", "@odata.id") != "/redfish/v1/Chassis/Sled0/Drives" || at(t, m, "Sensors", "@odata.id") != "/redfish/v1/Chassis/Sled0/Sensors" {
		t.Errorf("Drives/Sensors links: %v %v", m["Drives"], m["Sensors"])
	}
	if at(t, m, "Oem", "Chassisd", "Sideband") != "I2C" {
		t.Errorf("Oem %v", m["Oem"])
	}

	// The sled whose FRU did not parse: Warning, with the reason.
	bad := f.get("/redfish/v1/Chassis/Sled2")
	if at(t, bad, "Status", "Health") != "Warning" {
		t.Errorf("Sled2 Status %v", bad["Status"])
	}
	p := at(t, bad, "Oem", "Chassisd", "Problems", 0).(map[string]any)
	if p["Health"] != "Warning" || p["Message"] != "bay 2 FRU at 0x50 on i2c-1 ch2: board area checksum 0x1c != 0" {
		t.Errorf("Sled2 problem %v", p)
	}
	if _, ok := bad["Manufacturer"]; ok {
		t.Error("Sled2 shows a Manufacturer its FRU did not give")
	}

	// A bay without a name, an asset tag, no sensors at all.
	tiny := f.get("/redfish/v1/Chassis/Sled3")
	if at(t, tiny, "Location", "PartLocation", "ServiceLabel") != "Bay 3" || tiny["AssetTag"] != "rack7-u3" {
		t.Errorf("Sled3: %v", tiny)
	}
	// The OCP baseline profile wants a Sensors collection on every sled,
	// empty when the sled has none.
	if n := f.get("/redfish/v1/Chassis/Sled3/Sensors")["Members@odata.count"]; n != 0.0 {
		t.Errorf("Sled3 sensors: %v", n)
	}
	if n := f.get("/redfish/v1/Chassis/Sled3/Drives")["Members@odata.count"]; n != 0.0 {
		t.Errorf("Sled3 drives: %v", n)
	}
}

func TestDrives(t *testing.T) {
	f := newFixture(t, testSnapshot())
	c := f.get("/redfish/v1/Chassis/Sled0/Drives")
	if c["Members@odata.count"] != 3.0 || c["@odata.type"] != "#DriveCollection.DriveCollection" {
		t.Errorf("drive collection %v", c)
	}

	d := f.get("/redfish/v1/Chassis/Sled0/Drives/Slot0")
	for k, want := range map[string]any{
		"@odata.type": "#Drive.v1_22_0.Drive", "Id": "Slot0", "SerialNumber": "S0D0", "Model": "AF-2280",
		"Manufacturer": "Acme Flash", "PartNumber": "AF-1", "Protocol": "NVMe", "MediaType": "SSD",
		"SlotFormFactor": "M2_2280", "DriveFormFactor": "M2_2280", "PredictedMediaLifeLeftPercent": 97.0,
	} {
		if d[k] != want {
			t.Errorf("Slot0 %s = %v, want %v", k, d[k], want)
		}
	}
	if at(t, d, "Status", "State") != "Enabled" || at(t, d, "Status", "Health") != "OK" {
		t.Errorf("Slot0 Status %v", d["Status"])
	}
	loc := at(t, d, "PhysicalLocation", "PartLocation").(map[string]any)
	if loc["LocationType"] != "Slot" || loc["LocationOrdinalValue"] != 0.0 || loc["ServiceLabel"] != "Slot 0" {
		t.Errorf("Slot0 PhysicalLocation %v", loc)
	}
	if at(t, d, "Links", "Chassis", "@odata.id") != "/redfish/v1/Chassis/Sled0" {
		t.Errorf("Slot0 Links %v", d["Links"])
	}
	if at(t, d, "Oem", "Chassisd", "TemperatureCelsius") != 41.0 || at(t, d, "Oem", "Chassisd", "PercentLifeUsed") != 3.0 {
		t.Errorf("Slot0 Oem %v", d["Oem"])
	}

	// Worn past its rating, warnings raised, not ready.
	w := f.get("/redfish/v1/Chassis/Sled0/Drives/Slot1")
	if w["PredictedMediaLifeLeftPercent"] != 0.0 || w["SlotFormFactor"] != "M2_22110" || w["DriveFormFactor"] != "M2_22110" {
		t.Errorf("Slot1: life %v form factor %v/%v", w["PredictedMediaLifeLeftPercent"], w["SlotFormFactor"], w["DriveFormFactor"])
	}
	if at(t, w, "Status", "State") != "StandbyOffline" || at(t, w, "Status", "Health") != "Critical" {
		t.Errorf("Slot1 Status %v", w["Status"])
	}
	if got := at(t, w, "Oem", "Chassisd", "Warnings"); !reflect.DeepEqual(got, []any{"SpareLow", "TemperatureHigh"}) {
		t.Errorf("Slot1 warnings %v", got)
	}
	if at(t, w, "Oem", "Chassisd", "Problems", 0, "Health") != "Critical" {
		t.Errorf("Slot1 problems %v", at(t, w, "Oem", "Chassisd"))
	}

	// The serial comes from the VPD when NVMe-MI gave none.
	u := f.get("/redfish/v1/Chassis/Sled0/Drives/Slot3")
	if u["SerialNumber"] != "VPD-SN-3" || u["SlotFormFactor"] != "U2" {
		t.Errorf("Slot3: %v %v", u["SerialNumber"], u["SlotFormFactor"])
	}
	if at(t, u, "Oem", "Chassisd", "TemperatureCelsius") != nil || at(t, u, "Oem", "Chassisd", "TemperatureStatus") != "no data" {
		t.Errorf("Slot3 temperature %v", at(t, u, "Oem", "Chassisd"))
	}
	// Its status block was not read: no wear figure rather than a made-up 100%.
	if _, ok := u["PredictedMediaLifeLeftPercent"]; ok {
		t.Errorf("Slot3 shows PredictedMediaLifeLeftPercent %v without a status read", u["PredictedMediaLifeLeftPercent"])
	}
	if e := f.get("/redfish/v1/Chassis/Sled2/Drives/Slot0"); e["SlotFormFactor"] != "EDSFF_1U_Short" || e["DriveFormFactor"] != "EDSFF_1U_Short" {
		t.Errorf("Sled2 Slot0 form factor %v/%v", e["SlotFormFactor"], e["DriveFormFactor"])
	}
}

func TestDriveFormFactorMapping(t *testing.T) {
	for in, want := range map[string]string{
		"M2_2230": "M2_2230", "M2_2242": "M2_2242", "M2_2260": "M2_2260", "M2_2280": "M2_2280",
		"M2_22110": "M2_22110", "U2": "U2", "EDSFF": "EDSFF", "EDSFF_1U_Short": "EDSFF_1U_Short",
		"EDSFF_E3_Short": "EDSFF_E3_Short", "": "", "M.2": "", "u2": "",
	} {
		if got := driveFormFactor(boardFormFactor(in)); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
	// A generic family is a drive's form factor but never a slot's.
	if slotFormFactor(board.FormFactorEDSFF) != "" || slotFormFactor(board.FormFactorU2) != "U2" {
		t.Error("slot form factor")
	}
}

func TestSensors(t *testing.T) {
	f := newFixture(t, testSnapshot())
	c := f.get("/redfish/v1/Chassis/Sled0/Sensors")
	want := []string{
		"/redfish/v1/Chassis/Sled0/Sensors/Temp", "/redfish/v1/Chassis/Sled0/Sensors/Slot0Temp",
		"/redfish/v1/Chassis/Sled0/Sensors/Slot1Temp", "/redfish/v1/Chassis/Sled0/Sensors/Slot3Temp",
	}
	if got := ids(t, c["Members"]); !reflect.DeepEqual(got, want) {
		t.Errorf("Sled0 sensors %v", got)
	}

	s := f.get("/redfish/v1/Chassis/Sled0/Sensors/Temp")
	for k, want := range map[string]any{
		"@odata.type": "#Sensor.v1_12_0.Sensor", "Id": "Temp", "ReadingType": "Temperature",
		"ReadingUnits": "Cel", "Reading": 34.5, "PhysicalContext": "Chassis",
	} {
		if s[k] != want {
			t.Errorf("Temp %s = %v, want %v", k, s[k], want)
		}
	}
	if at(t, s, "Status", "Health") != "OK" || at(t, s, "RelatedItem", 0, "@odata.id") != "/redfish/v1/Chassis/Sled0" {
		t.Errorf("Temp: %v", s)
	}

	d := f.get("/redfish/v1/Chassis/Sled0/Sensors/Slot1Temp")
	if d["Reading"] != 78.0 || d["PhysicalContext"] != "StorageDevice" || at(t, d, "Status", "Health") != "Warning" {
		t.Errorf("Slot1Temp: %v", d)
	}
	if at(t, d, "RelatedItem", 0, "@odata.id") != "/redfish/v1/Chassis/Sled0/Drives/Slot1" {
		t.Errorf("Slot1Temp RelatedItem %v", d["RelatedItem"])
	}

	// A failed sensor: the reading is null, not zero, and the reason shows.
	bad := f.get("/redfish/v1/Chassis/Sled2/Sensors/Temp")
	if r, ok := bad["Reading"]; !ok || r != nil {
		t.Errorf("failed sensor Reading %v (present %v)", r, ok)
	}
	if at(t, bad, "Status", "Health") != "Warning" || at(t, bad, "Status", "State") != "UnavailableOffline" {
		t.Errorf("failed sensor Status %v", bad["Status"])
	}
	if at(t, bad, "Oem", "Chassisd", "ReadingStatus") != "sensor failure" {
		t.Errorf("failed sensor Oem %v", bad["Oem"])
	}
}

func TestManager(t *testing.T) {
	f := newFixture(t, testSnapshot())
	c := f.get("/redfish/v1/Managers")
	if got := ids(t, c["Members"]); !reflect.DeepEqual(got, []string{"/redfish/v1/Managers/bmc"}) {
		t.Errorf("managers %v", got)
	}
	m := f.get("/redfish/v1/Managers/bmc")
	for k, want := range map[string]any{
		"@odata.type": "#Manager.v1_24_0.Manager", "Id": "bmc", "ManagerType": "BMC",
		"FirmwareVersion": "v0.1.0-test", "UUID": testUUID, "ServiceEntryPointUUID": testUUID,
		"DateTime": "2025-03-04T06:00:00+02:00", "DateTimeLocalOffset": "+02:00",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if got := ids(t, at(t, m, "Links", "ManagerForChassis")); len(got) != 4 || at(t, m, "Links", "ManagerForChassis@odata.count") != 4.0 {
		t.Errorf("ManagerForChassis %v", got)
	}
	oem := at(t, m, "Oem", "Chassisd").(map[string]any)
	if oem["Commit"] != "abc1234" || oem["GoVersion"] != "go1.26.0" || oem["Simulated"] != true || oem["PollIntervalSeconds"] != 2.0 || oem["SnapshotGeneration"] != 7.0 {
		t.Errorf("Oem %v", oem)
	}
	// DateTime follows the clock although the snapshot is unchanged.
	first := f.do("GET", "/redfish/v1/Managers/bmc", true).Header().Get("ETag")
	f.svc.now = func() time.Time { return time.Date(2025, 3, 4, 6, 0, 1, 0, time.UTC) }
	m = f.get("/redfish/v1/Managers/bmc")
	if m["DateTime"] != "2025-03-04T06:00:01+00:00" {
		t.Errorf("DateTime %v", m["DateTime"])
	}
	if f.do("GET", "/redfish/v1/Managers/bmc", true).Header().Get("ETag") == first {
		t.Error("Manager ETag unchanged after the clock moved")
	}
}
