package events

import (
	"errors"
	"strings"
	"testing"
)

// sampleRecords are the records filters are checked against.
var sampleRecords = map[string]Record{
	"sledAdded":   MsgSledAdded.Record("/redfish/v1/Chassis/Sled1", ResourceChassis, "Bay 1", "X100", "S1"),
	"driveHot":    withSeverity(MsgDriveHealthChanged.Record("/redfish/v1/Chassis/Sled1/Drives/Slot2", ResourceDrive, "2", "Bay 1", "OK", "Critical"), "Critical"),
	"sled2Gone":   MsgSledRemoved.Record("/redfish/v1/Chassis/Sled2", ResourceChassis, "Bay 2", "X100", "S2"),
	"bufferNote":  MsgEventBufferExceeded.Record("/redfish/v1/EventService/Subscriptions/1", "EventDestination"),
	"otherSled10": MsgSidebandChanged.Record("/redfish/v1/Chassis/Sled10", ResourceChassis, "Bay 10", "I2C", "UART"),
}

func withSeverity(r Record, s string) Record {
	r.Severity, r.MessageSeverity = s, s
	return r
}

func TestParseSSEFilterMatches(t *testing.T) {
	all := []string{"bufferNote", "driveHot", "otherSled10", "sled2Gone", "sledAdded"}
	tests := []struct {
		filter string
		want   []string // sample names that match, sorted
	}{
		{"", all},
		{"   ", all},
		{"MessageId eq 'Chassisd.1.0.SledAdded'", []string{"sledAdded"}},
		{"MessageId eq 'Chassisd.SledAdded'", []string{"sledAdded"}},     // version ignored
		{"MessageId eq 'Chassisd.2.7.SledAdded'", []string{"sledAdded"}}, // version ignored
		{"MessageId eq 'Base.1.22.EventBufferExceeded'", []string{"bufferNote"}},
		{"MessageId ne 'Chassisd.1.0.SledAdded'", []string{"bufferNote", "driveHot", "otherSled10", "sled2Gone"}},
		{"MessageId eq 'Chassisd.1.0.SledAdded' or OriginResource eq '/redfish/v1/Chassis/Sled2'", []string{"sled2Gone", "sledAdded"}},
		{"OriginResource eq '/redfish/v1/Chassis/Sled1'", []string{"sledAdded"}},
		{"(OriginResource eq '/redfish/v1/Chassis/Sled1') and (SubordinateResources eq true)", []string{"driveHot", "sledAdded"}},
		{"SubordinateResources eq true and OriginResource eq '/redfish/v1/Chassis/Sled1/'", []string{"driveHot", "sledAdded"}},
		{"OriginResource eq '/redfish/v1/Chassis/Sled1' and SubordinateResources eq false", []string{"sledAdded"}},
		// Sled1 must not swallow Sled10: subordinates are below a "/".
		{"OriginResource eq '/redfish/v1/Chassis/Sled1' and SubordinateResources eq true", []string{"driveHot", "sledAdded"}},
		{"(RegistryPrefix eq Base) or (RegistryPrefix eq 'Base')", []string{"bufferNote"}},
		{"RegistryPrefix eq Chassisd", []string{"driveHot", "otherSled10", "sled2Gone", "sledAdded"}},
		{"(ResourceType eq 'Drive') or (ResourceType eq EventDestination)", []string{"bufferNote", "driveHot"}},
		{"EventType eq StatusChange", []string{"driveHot"}},
		{"EventType eq 'ResourceRemoved'", []string{"sled2Gone"}},
		{"EventFormatType eq Event", all},
		{"EventFormatType eq MetricReport", nil},
		{"not (RegistryPrefix eq Chassisd)", []string{"bufferNote"}},
		{"not RegistryPrefix eq Chassisd", []string{"bufferNote"}},
		{"not not (ResourceType eq Drive)", []string{"driveHot"}},
		// and binds tighter than or.
		{"ResourceType eq Drive or ResourceType eq Chassis and EventType eq ResourceRemoved", []string{"driveHot", "sled2Gone"}},
		{"(ResourceType eq Drive or ResourceType eq Chassis) and EventType eq ResourceRemoved", []string{"sled2Gone"}},
		{"\tResourceType  eq\tDrive ", []string{"driveHot"}},
		{"OriginResource eq '/redfish/v1/It''s'", nil},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := ParseSSEFilter(tt.filter)
			if err != nil {
				t.Fatalf("ParseSSEFilter: %v", err)
			}
			if f.String() != tt.filter && strings.TrimSpace(tt.filter) != "" {
				t.Errorf("String() = %q, want the filter as written", f.String())
			}
			var got []string
			for _, name := range all {
				r := sampleRecords[name]
				if f.Match(&r) {
					got = append(got, name)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("matches %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseSSEFilterRejects(t *testing.T) {
	tests := []struct{ filter, why string }{
		{"MessageId", "expected eq or ne"},
		{"MessageId eq", "expected a value"},
		{"MessageId eq 'Chassisd.1.0.SledAdded", "not closed"},
		{"MessageId eq 'SledAdded'", "not of the form"},
		{"MessageId eq 'Chassisd.1.SledAdded'", "not of the form"},
		{"MessageId gt 'Chassisd.1.0.SledAdded'", "operator \"gt\" is not supported"},
		{"MessageId eq 5", "compares with a string"},
		{"MessageId eq true", "compares with a string"},
		{"Severity eq 'OK'", "cannot be filtered on"},
		{"MetricReportDefinition eq '/redfish/v1/TelemetryService/MetricReportDefinitions/X'", "not supported"},
		{"EventType eq Bogus", "not one of"},
		{"EventFormatType eq 'Events'", "not one of"},
		{"OriginResource eq 'Chassis/Sled1'", "not a /redfish/v1 URI"},
		{"RegistryPrefix eq 'Base.1.22'", "not a bare name"},
		{"ResourceType eq ''", "not a bare name"},
		{"SubordinateResources eq 'true'", "true or false"},
		{"SubordinateResources eq true or OriginResource eq '/redfish/v1/Chassis/Sled1'", "top level"},
		{"not (SubordinateResources eq true)", "top level"},
		{"SubordinateResources eq true and SubordinateResources eq false", "more than once"},
		{"(MessageId eq 'Base.X'", "expected ')'"},
		{"MessageId eq 'Base.X')", "unexpected ')'"},
		{"MessageId eq 'Base.X' and", "expected a property name"},
		{"MessageId eq 'Base.X' MessageId eq 'Base.Y'", "unexpected"},
		{"and eq 'x'", "expected a property name"},
		{"MessageId eq \"Base.X\"", "unexpected character"},
		{"MessageId eq 'Base.X' && ResourceType eq Drive", "unexpected character"},
		{strings.Repeat("(", 40) + "ResourceType eq Drive" + strings.Repeat(")", 40), "nested deeper"},
		{strings.Repeat("not ", 40) + "ResourceType eq Drive", "nested deeper"},
		{strings.Repeat("ResourceType eq Drive or ", 70) + "ResourceType eq Drive", "more than 64"},
		{strings.Repeat("x", 3000), "longer than"},
	}
	for _, tt := range tests {
		name := tt.filter
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			_, err := ParseSSEFilter(tt.filter)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalidFilter) {
				t.Errorf("error %v does not wrap ErrInvalidFilter", err)
			}
			if !strings.Contains(err.Error(), tt.why) {
				t.Errorf("error %q does not say %q", err, tt.why)
			}
		})
	}
}

func TestSSEFilterPropertiesAreTruthful(t *testing.T) {
	for prop, supported := range SSEFilterProperties {
		value := "'x'"
		switch prop {
		case "SubordinateResources":
			value = "true"
		case "EventFormatType":
			value = "Event"
		case "EventType":
			value = "Alert"
		case "MessageId":
			value = "'Base.X'"
		case "OriginResource", "MetricReportDefinition":
			value = "'/redfish/v1/X'"
		}
		_, err := ParseSSEFilter(prop + " eq " + value)
		if supported != (err == nil) {
			t.Errorf("%s: SSEFilterProperties says %v, parser says %v", prop, supported, err)
		}
	}
}

// FuzzParseSSEFilter checks that no input panics or loops, that errors
// always wrap ErrInvalidFilter, and that a filter's text parses again to a
// filter that decides every sample record the same way.
func FuzzParseSSEFilter(f *testing.F) {
	f.Add("MessageId eq 'Chassisd.1.0.SledAdded' or OriginResource eq '/redfish/v1/Chassis/Sled1'")
	f.Add("(OriginResource eq '/redfish/v1/Systems/1') and (SubordinateResources eq true)")
	f.Add("not (RegistryPrefix eq Base) and EventType ne Alert")
	f.Fuzz(func(t *testing.T, raw string) {
		flt, err := ParseSSEFilter(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidFilter) {
				t.Fatalf("error %v does not wrap ErrInvalidFilter", err)
			}
			return
		}
		again, err := ParseSSEFilter(flt.String())
		if err != nil {
			t.Fatalf("String() %q does not parse again: %v", flt.String(), err)
		}
		for name, r := range sampleRecords {
			if flt.Match(&r) != again.Match(&r) {
				t.Fatalf("%s: reparsed filter decides differently", name)
			}
		}
	})
}
