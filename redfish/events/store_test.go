package events

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSubscriptionsPersistAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	b1, err := New(Options{StateDir: dir, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	off := false
	first, err := b1.AddSubscription(Subscription{Destination: "https://192.0.2.1/a", Context: "alpha",
		RegistryPrefixes: []string{"Chassisd"}, MessageIDs: []string{"Base.1.22.EventBufferExceeded"},
		ResourceTypes: []string{"Drive"}, OriginResources: []string{"/redfish/v1/Chassis/Sled1"}, SubordinateResources: true,
		Severities: []string{"Critical"}, ExcludeMessageIDs: []string{"Chassisd.DriveAdded"}, EventTypes: []string{"Alert"},
		DeliveryRetryPolicy: PolicyTerminate, VerifyCertificate: &off, HTTPHeaders: map[string]string{"X-Token": "t"}})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := b1.AddSubscription(Subscription{Destination: "http://192.0.2.2/b"})
	if err != nil {
		t.Fatal(err)
	}
	third, err := b1.AddSubscription(Subscription{Destination: "http://192.0.2.3/c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b1.RemoveSubscription(gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b1.Update(third.ID, func(s *Subscription) { s.State = StateDisabled; s.Context = "suspended one" }); err != nil {
		t.Fatal(err)
	}
	set := Settings{ServiceEnabled: true, DeliveryRetryAttempts: 5, DeliveryRetryInterval: 250 * time.Millisecond}
	if err := b1.SetSettings(set); err != nil {
		t.Fatal(err)
	}
	sse, err := b1.OpenSSE(Filter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Close()
	want := []Subscription{}
	for _, s := range b1.Subscriptions() {
		if s.SubscriptionType == SubscriptionTypePush {
			want = append(want, s)
		}
	}
	b1.Close()

	st, err := os.Stat(filepath.Join(dir, "subscriptions.json"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("subscriptions.json mode %v, want 0600 (it holds HttpHeaders)", st.Mode().Perm())
	}

	b2, err := New(Options{StateDir: dir, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	got := b2.Subscriptions()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after restart\n got %+v\nwant %+v", got, want)
	}
	if len(got) != 2 || got[0].ID != first.ID || got[1].State != StateDisabled {
		t.Errorf("restored %+v: want subscriptions %s and %s (suspended), not the SSE stream", got, first.ID, third.ID)
	}
	if b2.Settings() != set {
		t.Errorf("settings after restart %+v, want %+v", b2.Settings(), set)
	}
	// A removed subscription's Id is not reused after a restart (an SSE
	// stream's may be: it is gone with the restart anyway).
	next, err := b2.AddSubscription(Subscription{Destination: "http://192.0.2.4/d"})
	if err != nil {
		t.Fatal(err)
	}
	if next.ID != "4" {
		t.Errorf("new subscription after restart has Id %s, want 4", next.ID)
	}
}

func TestBrokenStateFileStopsTheBroker(t *testing.T) {
	valid := `{"version":1,"nextId":2,"subscriptions":[{"Id":"1","SubscriptionType":"RedfishEvent","Destination":"http://192.0.2.1/","Context":"","Protocol":"Redfish","EventFormatType":"Event","DeliveryRetryPolicy":"SuspendRetries","State":"Enabled"}]}`
	tests := []struct {
		name, file, why string
	}{
		{"truncated", valid[:40], "corrupt"},
		{"not JSON", "\x00\x01garbage", "corrupt"},
		{"wrong type", `{"version":1,"subscriptions":{}}`, "corrupt"},
		{"future version", `{"version":2,"subscriptions":[]}`, "version 2"},
		{"bad destination", strings.Replace(valid, "http://192.0.2.1/", "ftp://x", 1), "Destination"},
		{"bad id", strings.Replace(valid, `"Id":"1"`, `"Id":"../1"`, 1), "bad Id"},
		{"duplicate id", strings.Replace(valid, `}]}`, `},{"Id":"1","SubscriptionType":"RedfishEvent","Destination":"http://192.0.2.1/","Protocol":"Redfish","EventFormatType":"Event","DeliveryRetryPolicy":"SuspendRetries","State":"Enabled"}]}`, 1), "twice"},
		{"SSE saved", strings.Replace(valid, `"RedfishEvent"`, `"SSE"`, 1), "cannot be restored"},
		{"bad settings", `{"version":1,"settings":{"serviceEnabled":true,"deliveryRetryAttempts":1,"deliveryRetryInterval":"soon"},"subscriptions":[]}`, "settings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "subscriptions.json")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			b, err := New(Options{StateDir: dir, Logger: quietLogger()})
			if err == nil {
				b.Close()
				t.Fatal("broker started on a broken state file")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.why) {
				t.Errorf("error %q should name %s and say %q", err, path, tt.why)
			}
		})
	}

	// The valid file itself loads.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "subscriptions.json"), []byte(valid), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := New(Options{StateDir: dir, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("valid file: %v", err)
	}
	defer b.Close()
	if s := b.Subscriptions(); len(s) != 1 || s[0].VerifyCertificate == nil || !*s[0].VerifyCertificate {
		t.Errorf("loaded %+v", s)
	}
}

func TestSaveFailureLeavesNothingHalfDone(t *testing.T) {
	dir := t.TempDir()
	b := newTestBroker(t, Options{StateDir: dir})
	if _, err := b.AddSubscription(Subscription{Destination: "http://192.0.2.1/a"}); err != nil {
		t.Fatal(err)
	}
	// Put a directory where the file goes: the next save cannot replace it
	// (this works for root too, unlike a read-only directory).
	path := filepath.Join(dir, "subscriptions.json")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "occupied"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddSubscription(Subscription{Destination: "http://192.0.2.1/b"}); err == nil {
		t.Error("AddSubscription succeeded without saving")
	}
	if err := b.RemoveSubscription("1"); err == nil {
		t.Error("RemoveSubscription succeeded without saving")
	}
	if _, err := b.Update("1", func(s *Subscription) { s.State = StateDisabled }); err == nil {
		t.Error("Update succeeded without saving")
	}
	before := b.Settings()
	if err := b.SetSettings(Settings{DeliveryRetryAttempts: 1, DeliveryRetryInterval: time.Second}); err == nil {
		t.Error("SetSettings succeeded without saving")
	}
	if b.Settings() != before {
		t.Errorf("settings changed by a failed save: %+v", b.Settings())
	}
	if s := b.Subscriptions(); len(s) != 1 || s[0].ID != "1" || s[0].State != StateEnabled {
		t.Errorf("after failed saves the broker holds %+v, want subscription 1 only", s)
	}
}
