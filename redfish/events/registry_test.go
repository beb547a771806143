package events

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chassisd/chassisd/agent"
)

// TestRegistryJSON checks RegistryJSON against what MessageRegistry v1_7_0
// requires of the resource and of each message.
func TestRegistryJSON(t *testing.T) {
	var reg map[string]any
	if err := json.Unmarshal(RegistryJSON(), &reg); err != nil {
		t.Fatalf("RegistryJSON is not JSON: %v", err)
	}
	for _, p := range []string{"@odata.type", "Id", "Name", "Language", "RegistryPrefix", "RegistryVersion", "OwningEntity", "Messages"} {
		if _, ok := reg[p]; !ok {
			t.Errorf("registry lacks required %s", p)
		}
	}
	if reg["@odata.type"] != "#MessageRegistry.v1_7_0.MessageRegistry" || reg["Id"] != "Chassisd.1.0.0" ||
		reg["RegistryPrefix"] != "Chassisd" || reg["RegistryVersion"] != "1.0.0" {
		t.Errorf("registry identity = %v %v %v %v", reg["@odata.type"], reg["Id"], reg["RegistryPrefix"], reg["RegistryVersion"])
	}
	msgs, _ := reg["Messages"].(map[string]any)
	keyPattern := regexp.MustCompile(`^[A-Za-z0-9]+$`)
	placeholder := regexp.MustCompile(`%(\d+)`)
	want := []string{"SledAdded", "SledRemoved", "SledHealthChanged", "DriveAdded", "DriveRemoved",
		"DriveHealthChanged", "SidebandChanged", "RoutingChanged", "LinkStateChanged", "EventsDropped"}
	for _, k := range want {
		if _, ok := msgs[k]; !ok {
			t.Errorf("registry lacks message %s", k)
		}
	}
	if _, ok := msgs["EventBufferExceeded"]; ok {
		t.Error("Base's EventBufferExceeded must not be redefined in the Chassisd registry")
	}
	for k, v := range msgs {
		m, _ := v.(map[string]any)
		if !keyPattern.MatchString(k) {
			t.Errorf("message key %q does not match the schema's pattern", k)
		}
		for _, p := range []string{"Description", "Message", "Severity", "MessageSeverity", "NumberOfArgs", "Resolution"} {
			if _, ok := m[p]; !ok {
				t.Errorf("%s lacks required %s", k, p)
			}
		}
		if s := m["MessageSeverity"]; s != "OK" && s != "Warning" && s != "Critical" {
			t.Errorf("%s: MessageSeverity %v is not a Health value", k, s)
		}
		n := int(m["NumberOfArgs"].(float64))
		highest := 0
		for _, ph := range placeholder.FindAllStringSubmatch(m["Message"].(string), -1) {
			i, _ := strconv.Atoi(ph[1])
			highest = max(highest, i)
		}
		if highest != n {
			t.Errorf("%s: NumberOfArgs %d but the text uses up to %%%d", k, n, highest)
		}
		types, _ := m["ParamTypes"].([]any)
		descs, _ := m["ArgDescriptions"].([]any)
		if len(types) != n || len(descs) != n {
			t.Errorf("%s: %d ParamTypes, %d ArgDescriptions for %d args", k, len(types), len(descs), n)
		}
		for _, ty := range types {
			if ty != "string" && ty != "number" {
				t.Errorf("%s: ParamType %v", k, ty)
			}
		}
	}
}

func TestMessageFormatAndIDs(t *testing.T) {
	if got := MsgSledAdded.ID(); got != "Chassisd.1.0.SledAdded" {
		t.Errorf("ID = %q", got)
	}
	if got := MsgEventBufferExceeded.ID(); got != "Base.1.22.EventBufferExceeded" {
		t.Errorf("Base ID = %q", got)
	}
	if got := MsgDriveAdded.Format("3", "Bay 1", "NVMe 1T", "D1"); got != "A drive was added in slot 3 of the sled in Bay 1: model NVMe 1T, serial number D1." {
		t.Errorf("Format = %q", got)
	}
	// A missing argument stays visible; % not followed by an index is kept.
	m := Message{Text: "%1 and %2 at 100% (%0, %12)"}
	if got := m.Format("a"); got != "a and %2 at 100% (%0, %12)" {
		t.Errorf("Format with missing args = %q", got)
	}
	// Arguments are not expanded again.
	if got := (Message{Text: "%1 %2"}).Format("%2", "x"); got != "%2 x" {
		t.Errorf("Format re-expanded an argument: %q", got)
	}
}

func TestFromChangeCoversEveryKind(t *testing.T) {
	kinds := []agent.ChangeKind{agent.SledAdded, agent.SledRemoved, agent.SledHealthChanged, agent.DriveAdded,
		agent.DriveRemoved, agent.DriveHealthChanged, agent.SidebandChanged, "RoutingChanged", "LinkStateChanged"}
	for _, k := range kinds {
		slot := -1
		if strings.HasPrefix(string(k), "Drive") {
			slot = 2
		}
		r := FromChange(agent.Change{Kind: k, Bay: 1, Slot: slot, BayName: "Bay 1", From: "OK", To: "Critical"}, "/redfish/v1/Chassis/Sled1")
		if r.MessageID != "Chassisd.1.0."+string(k) {
			t.Errorf("%s: MessageId %q", k, r.MessageID)
		}
		if strings.Contains(r.Message, "%") {
			t.Errorf("%s: unexpanded argument in %q", k, r.Message)
		}
		if r.OriginOfCondition != "/redfish/v1/Chassis/Sled1" || r.EventType == "" || r.MessageSeverity == "" {
			t.Errorf("%s: record %+v", k, r)
		}
	}
}

func TestFromChange(t *testing.T) {
	r := FromChange(agent.Change{Kind: agent.DriveHealthChanged, Bay: 1, Slot: 2, BayName: "Bay 1", From: "OK", To: "Critical"},
		"/redfish/v1/Chassis/Sled1/Drives/Slot2")
	if r.Message != "The health of the drive in slot 2 of the sled in Bay 1 changed from OK to Critical." {
		t.Errorf("Message %q", r.Message)
	}
	if strings.Join(r.MessageArgs, "|") != "2|Bay 1|OK|Critical" || r.ResourceType != "Drive" ||
		r.MessageSeverity != "Critical" || r.Severity != "Critical" || r.EventType != "StatusChange" {
		t.Errorf("record %+v", r)
	}

	r = FromChange(agent.Change{Kind: agent.SledAdded, Bay: 3, Slot: -1, BayName: "Bay 3", Model: "X100"}, "/redfish/v1/Chassis/Sled3")
	if r.Message != "A sled was added in Bay 3: model X100, serial number unknown." || r.ResourceType != "Chassis" ||
		r.EventType != "ResourceAdded" || r.MessageSeverity != "OK" {
		t.Errorf("sled added record %+v", r)
	}

	r = FromChange(agent.Change{Kind: "FanFailed", Bay: 3, Slot: -1, BayName: "Bay 3", Message: "fan 2 stopped"}, "/redfish/v1/Chassis/Sled3")
	if r.MessageID != "Chassisd.1.0.ChangeReported" || r.Message != "fan 2 stopped" {
		t.Errorf("unknown kind record %+v", r)
	}
}

func TestEventJSON(t *testing.T) {
	r := MsgSledRemoved.Record("/redfish/v1/Chassis/Sled2", ResourceChassis, "Bay 2", "X100", "S2")
	r.EventID = "42"
	r.EventTimestamp = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b, err := r.JSON("ctx-1")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"@odata.type":"#Event.v1_12_0.Event","Id":"42","Name":"Chassisd Event","Context":"ctx-1","Events":[` +
		`{"MemberId":"0","EventId":"42","EventType":"ResourceRemoved","EventTimestamp":"2026-01-02T03:04:05Z",` +
		`"Severity":"OK","MessageSeverity":"OK","Message":"The sled in Bay 2 (model X100, serial number S2) was removed.",` +
		`"MessageId":"Chassisd.1.0.SledRemoved","MessageArgs":["Bay 2","X100","S2"],` +
		`"OriginOfCondition":{"@odata.id":"/redfish/v1/Chassis/Sled2"},"Resolution":"None."}],"Events@odata.count":1}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}

	// The schema requires EventType, MessageId and MemberId in every record
	// and MessageArgs is an array even when empty.
	b, err = Event{ID: "1", Records: []Record{{MessageID: "Base.1.22.EventBufferExceeded"}, {MessageID: "Chassisd.1.0.X"}}}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Context string
		Events  []map[string]any
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"Context"`) {
		t.Error("empty Context rendered")
	}
	for i, rec := range ev.Events {
		if rec["MemberId"] != strconv.Itoa(i) || rec["EventType"] != "Other" || rec["MessageArgs"] == nil {
			t.Errorf("record %d = %v", i, rec)
		}
		if _, ok := rec["OriginOfCondition"]; ok {
			t.Errorf("record %d renders an empty OriginOfCondition", i)
		}
	}
}
