package events

import (
	"errors"
	"strings"
	"testing"
)

func TestAddSubscriptionValidates(t *testing.T) {
	b := newTestBroker(t, Options{})
	f := false
	tests := []struct {
		name string
		sub  Subscription
		prop string
		kind PropertyErrorKind
	}{
		{"no destination", Subscription{}, "Destination", Missing},
		{"relative URL", Subscription{Destination: "/events"}, "Destination", Format},
		{"other scheme", Subscription{Destination: "ftp://192.0.2.1/x"}, "Destination", Format},
		{"no host", Subscription{Destination: "https:///x"}, "Destination", Format},
		{"credentials in URL", Subscription{Destination: "https://u:p@192.0.2.1/x"}, "Destination", Format},
		{"bad port", Subscription{Destination: "http://192.0.2.1:99999/x"}, "Destination", Format},
		{"not a URL", Subscription{Destination: "http://[::1/x"}, "Destination", Format},
		{"SNMP protocol", Subscription{Destination: "http://192.0.2.1/x", Protocol: "SNMPv2c"}, "Protocol", NotInList},
		{"metric reports", Subscription{Destination: "http://192.0.2.1/x", EventFormatType: "MetricReport"}, "EventFormatType", NotInList},
		{"retry forever", Subscription{Destination: "http://192.0.2.1/x", DeliveryRetryPolicy: "RetryForever"}, "DeliveryRetryPolicy", NotInList},
		{"SSE by POST", Subscription{Destination: "http://192.0.2.1/x", SubscriptionType: "SSE"}, "SubscriptionType", NotInList},
		{"syslog", Subscription{Destination: "http://192.0.2.1/x", SubscriptionType: "Syslog"}, "SubscriptionType", NotInList},
		{"unknown registry", Subscription{Destination: "http://192.0.2.1/x", RegistryPrefixes: []string{"Contoso"}}, "RegistryPrefixes", NotInList},
		{"unknown excluded registry", Subscription{Destination: "http://192.0.2.1/x", ExcludeRegistryPrefixes: []string{"Task"}}, "ExcludeRegistryPrefixes", NotInList},
		{"malformed MessageId", Subscription{Destination: "http://192.0.2.1/x", MessageIDs: []string{"SledAdded"}}, "MessageIds", Format},
		{"MessageId of another registry", Subscription{Destination: "http://192.0.2.1/x", MessageIDs: []string{"Task.1.0.Started"}}, "MessageIds", NotInList},
		{"unknown resource type", Subscription{Destination: "http://192.0.2.1/x", ResourceTypes: []string{"Power"}}, "ResourceTypes", NotInList},
		{"origin not a URI", Subscription{Destination: "http://192.0.2.1/x", OriginResources: []string{"Sled1"}}, "OriginResources", Format},
		{"severity", Subscription{Destination: "http://192.0.2.1/x", Severities: []string{"Info"}}, "Severities", NotInList},
		{"metric event type", Subscription{Destination: "http://192.0.2.1/x", EventTypes: []string{"MetricReport"}}, "EventTypes", NotInList},
		{"too many", Subscription{Destination: "http://192.0.2.1/x", OriginResources: make([]string, 40)}, "OriginResources", Format},
		{"long context", Subscription{Destination: "http://192.0.2.1/x", Context: strings.Repeat("c", 300)}, "Context", Format},
		{"header name", Subscription{Destination: "http://192.0.2.1/x", HTTPHeaders: map[string]string{"Bad Name": "v"}}, "HttpHeaders", Format},
		{"header injection", Subscription{Destination: "http://192.0.2.1/x", HTTPHeaders: map[string]string{"X-Token": "a\r\nHost: evil"}}, "HttpHeaders", Format},
		{"our header", Subscription{Destination: "http://192.0.2.1/x", HTTPHeaders: map[string]string{"content-type": "text/plain"}}, "HttpHeaders", Format},
		{"state", Subscription{Destination: "http://192.0.2.1/x", State: "Suspended"}, "Status/State", NotInList},
		{"verify off is fine", Subscription{Destination: "https://192.0.2.1/x", VerifyCertificate: &f}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := b.AddSubscription(tt.sub)
			if tt.prop == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				_ = b.RemoveSubscription(s.ID)
				return
			}
			var pe *PropertyError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want a *PropertyError", err)
			}
			if pe.Property != tt.prop || pe.Kind != tt.kind {
				t.Errorf("error names %s (%s), want %s (%s): %v", pe.Property, pe.Kind, tt.prop, tt.kind, err)
			}
		})
	}
	if n := len(b.Subscriptions()); n != 0 {
		t.Errorf("%d subscriptions stored by failed creates", n)
	}
}

func TestAddSubscriptionDefaults(t *testing.T) {
	b := newTestBroker(t, Options{})
	s, err := b.AddSubscription(Subscription{ID: "99", Destination: "https://192.0.2.1/x", Context: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "1" || s.SubscriptionType != "RedfishEvent" || s.Protocol != "Redfish" || s.EventFormatType != "Event" ||
		s.DeliveryRetryPolicy != "SuspendRetries" || s.State != "Enabled" || s.VerifyCertificate == nil || !*s.VerifyCertificate {
		t.Errorf("defaults: %+v", s)
	}
	// The returned copy is the caller's: changing it changes nothing stored.
	s.RegistryPrefixes = append(s.RegistryPrefixes, "Base")
	*s.VerifyCertificate = false
	got, err := b.Subscription("1")
	if err != nil || len(got.RegistryPrefixes) != 0 || !*got.VerifyCertificate {
		t.Errorf("stored subscription changed through a returned copy: %+v %v", got, err)
	}
}

func TestSubscriptionMatch(t *testing.T) {
	sled := sampleRecords["sledAdded"]
	drive := sampleRecords["driveHot"]
	note := sampleRecords["bufferNote"]
	tests := []struct {
		name string
		sub  Subscription
		want []bool // sled, drive, note
	}{
		{"no filter", Subscription{}, []bool{true, true, true}},
		{"registry", Subscription{RegistryPrefixes: []string{"Base"}}, []bool{false, false, true}},
		{"message id, version ignored", Subscription{MessageIDs: []string{"Chassisd.SledAdded"}}, []bool{true, false, false}},
		{"message ids or registries", Subscription{MessageIDs: []string{"Chassisd.1.0.SledAdded"}, RegistryPrefixes: []string{"Base"}}, []bool{true, false, true}},
		{"exclude registry", Subscription{ExcludeRegistryPrefixes: []string{"Base"}}, []bool{true, true, false}},
		{"exclude message", Subscription{ExcludeMessageIDs: []string{"Chassisd.1.0.DriveHealthChanged"}}, []bool{true, false, true}},
		{"resource type", Subscription{ResourceTypes: []string{"Drive"}}, []bool{false, true, false}},
		{"origin", Subscription{OriginResources: []string{"/redfish/v1/Chassis/Sled1"}}, []bool{true, false, false}},
		{"origin and below", Subscription{OriginResources: []string{"/redfish/v1/Chassis/Sled1"}, SubordinateResources: true}, []bool{true, true, false}},
		{"severity", Subscription{Severities: []string{"Critical", "Warning"}}, []bool{false, true, true}},
		{"legacy event types", Subscription{EventTypes: []string{"ResourceAdded", "Alert"}}, []bool{true, false, true}},
		{"legacy Other means any", Subscription{EventTypes: []string{"Other"}}, []bool{true, true, true}},
		{"all at once", Subscription{RegistryPrefixes: []string{"Chassisd"}, ResourceTypes: []string{"Drive", "Chassis"},
			OriginResources: []string{"/redfish/v1/Chassis/Sled1"}, SubordinateResources: true, Severities: []string{"Critical"}}, []bool{false, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, r := range []Record{sled, drive, note} {
				if got := tt.sub.match(&r); got != tt.want[i] {
					t.Errorf("record %s: match = %v, want %v", r.MessageID, got, tt.want[i])
				}
			}
		})
	}
}

// A push subscription's filters decide what reaches its destination.
func TestPushSubscriptionFilters(t *testing.T) {
	s := newSink(t, nil)
	s.each = make(chan received, 10)
	b := newTestBroker(t, Options{})
	if _, err := b.AddSubscription(Subscription{Destination: s.srv.URL, ResourceTypes: []string{"Drive"}}); err != nil {
		t.Fatal(err)
	}
	b.Publish(sampleRecords["sledAdded"])
	b.Publish(sampleRecords["driveHot"])
	if p := <-s.each; p.Events[0].MessageID != "Chassisd.1.0.DriveHealthChanged" || p.last() != "2" {
		t.Errorf("first delivery %+v, want the drive event (2) only", p)
	}
}
