package redfish

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chassisd/chassisd/agent"
)

// sledAdded is the change the agent reports when a sled is plugged in.
var sledAdded = agent.Change{Kind: agent.SledAdded, Bay: 2, Slot: -1, BayName: "Bay 2", Model: "NS-4", SerialNumber: "SN42"}

// destination is an HTTP server that records the events POSTed to it.
type destination struct {
	srv    *httptest.Server
	bodies chan map[string]any
	auth   chan string
}

func newDestination(t *testing.T) *destination {
	d := &destination{bodies: make(chan map[string]any, 16), auth: make(chan string, 16)}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("destination got %q: %v", b, err)
		}
		d.auth <- r.Header.Get("Authorization")
		d.bodies <- m
	}))
	t.Cleanup(d.srv.Close)
	return d
}

// next waits for the next event payload.
func (d *destination) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case m := <-d.bodies:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no event delivered")
	}
	return nil
}

func TestEventServiceResource(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	m := f.expect(f.send(secAdmin, http.MethodGet, eventServicePath, ""), http.StatusOK, "")
	for k, want := range map[string]any{
		"@odata.type": "#EventService.v1_10_0.EventService", "ServiceEnabled": true,
		"ServerSentEventUri": sseURI, "DeliveryRetryAttempts": 3.0, "DeliveryRetryIntervalSeconds": 30.0,
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if p := at(t, m, "RegistryPrefixes").([]any); len(p) != 2 || p[0] != "Base" || p[1] != "Chassisd" {
		t.Errorf("RegistryPrefixes %v", p)
	}
	if at(t, m, "Actions", "#EventService.SubmitTestEvent", "target") != submitTestPath {
		t.Errorf("Actions %v", m["Actions"])
	}

	// Settings change together or not at all.
	rec := f.send(secAdmin, http.MethodPatch, eventServicePath, `{"DeliveryRetryAttempts":5,"DeliveryRetryIntervalSeconds":0,"ServerSentEventUri":"/x"}`)
	if ids := secErrorIDs(t, rec); rec.Code != http.StatusBadRequest || len(ids) != 2 ||
		ids[0] != "Base.1.22.PropertyValueOutOfRange" || ids[1] != "Base.1.22.PropertyNotWritable" {
		t.Fatalf("bad PATCH: %d %v", rec.Code, ids)
	}
	m = f.expect(f.send(secAdmin, http.MethodGet, eventServicePath, ""), http.StatusOK, "")
	if m["DeliveryRetryAttempts"] != 3.0 {
		t.Errorf("a refused PATCH changed DeliveryRetryAttempts to %v", m["DeliveryRetryAttempts"])
	}
	m = f.expect(f.send(secAdmin, http.MethodPatch, eventServicePath, `{"DeliveryRetryAttempts":5,"DeliveryRetryIntervalSeconds":7}`), http.StatusOK, "")
	if m["DeliveryRetryAttempts"] != 5.0 || m["DeliveryRetryIntervalSeconds"] != 7.0 {
		t.Errorf("after PATCH: %v", m)
	}

	// An Operator may not change the service; a ReadOnly user may read it.
	f.createAccount("op", "operator-pass-1", "Operator")
	f.createAccount("ro", "readonly-pass-1", "ReadOnly")
	f.expect(f.send(secCred{user: "op", pass: "operator-pass-1"}, http.MethodPatch, eventServicePath, `{"ServiceEnabled":false}`), http.StatusForbidden, "InsufficientPrivilege")
	f.expect(f.send(secCred{user: "ro", pass: "readonly-pass-1"}, http.MethodGet, eventServicePath, ""), http.StatusOK, "")
}

func TestEventSubscriptionPushDelivery(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	d := newDestination(t)
	rec := f.send(secAdmin, http.MethodPost, subscriptionsPath, `{"Destination":"`+d.srv.URL+`/events","Protocol":"Redfish",
		"Context":"rack 7","RegistryPrefixes":["Chassisd"],"HttpHeaders":[{"Authorization":"Bearer s3cret"}]}`)
	m := f.expect(rec, http.StatusCreated, "")
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, subscriptionsPath+"/") || m["@odata.id"] != loc {
		t.Fatalf("Location %q, body %v", loc, m)
	}
	if strings.Contains(rec.Body.String(), "s3cret") {
		t.Error("the subscription shows its HttpHeaders")
	}
	if m["Context"] != "rack 7" || m["SubscriptionType"] != "RedfishEvent" || at(t, m, "Status", "State") != "Enabled" {
		t.Errorf("subscription %v", m)
	}
	coll := f.expect(f.send(secAdmin, http.MethodGet, subscriptionsPath, ""), http.StatusOK, "")
	if coll["Members@odata.count"] != 1.0 {
		t.Errorf("collection %v", coll)
	}

	f.svc.Publish([]agent.Change{sledAdded})
	ev := d.next(t)
	if got := <-d.auth; got != "Bearer s3cret" {
		t.Errorf("destination got Authorization %q", got)
	}
	if ev["Context"] != "rack 7" {
		t.Errorf("event Context %v", ev["Context"])
	}
	rec0 := at(t, ev, "Events", 0).(map[string]any)
	if rec0["MessageId"] != "Chassisd.1.0.SledAdded" || at(t, rec0, "OriginOfCondition", "@odata.id") != "/redfish/v1/Chassis/Sled2" {
		t.Errorf("event record %v", rec0)
	}
	if args := rec0["MessageArgs"].([]any); len(args) != 3 || args[0] != "Bay 2" || args[2] != "SN42" {
		t.Errorf("MessageArgs %v", args)
	}

	// The change is in the manager's event log too.
	f.svc.FlushEventLog()
	log := f.expect(f.send(secAdmin, http.MethodGet, eventLogPath+"/Entries", ""), http.StatusOK, "")
	found := false
	for _, e := range log["Members"].([]any) {
		if e.(map[string]any)["MessageId"] == "Chassisd.1.0.SledAdded" {
			found = true
		}
	}
	if !found {
		t.Errorf("no SledAdded entry in the event log: %v", log["Members"])
	}

	// A test event reaches the destination; the subscription filters on
	// RegistryPrefixes, so the test uses a Chassisd message.
	f.expect(f.send(secAdmin, http.MethodPost, submitTestPath, `{"MessageId":"Chassisd.1.0.ChangeReported","MessageArgs":["drill"],"Message":"drill","MessageSeverity":"Warning"}`), http.StatusNoContent, "")
	ev = d.next(t)
	rec0 = at(t, ev, "Events", 0).(map[string]any)
	if rec0["MessageId"] != "Chassisd.1.0.ChangeReported" || rec0["MessageSeverity"] != "Warning" {
		t.Errorf("test event %v", rec0)
	}

	// PATCH changes what may change and refuses the rest.
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Destination":"http://elsewhere/"}`), http.StatusBadRequest, "PropertyNotWritable")
	m = f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Context":"rack 8"}`), http.StatusOK, "")
	if m["Context"] != "rack 8" || m["Destination"] != d.srv.URL+"/events" {
		t.Errorf("after PATCH %v", m)
	}
	// Suspend and resume.
	f.expect(f.send(secAdmin, http.MethodPost, loc+"/Actions/EventDestination.SuspendSubscription", `{}`), http.StatusNoContent, "")
	if m = f.expect(f.send(secAdmin, http.MethodGet, loc, ""), http.StatusOK, ""); at(t, m, "Status", "State") != "Disabled" {
		t.Errorf("suspended subscription shows %v", m["Status"])
	}
	f.expect(f.send(secAdmin, http.MethodPost, loc+"/Actions/EventDestination.ResumeSubscription", `{}`), http.StatusNoContent, "")

	f.expect(f.send(secAdmin, http.MethodDelete, loc, ""), http.StatusNoContent, "")
	f.expect(f.send(secAdmin, http.MethodGet, loc, ""), http.StatusNotFound, "ResourceMissingAtURI")
	f.expect(f.send(secAdmin, http.MethodDelete, loc, ""), http.StatusNotFound, "ResourceMissingAtURI")
}

func TestEventSubscriptionErrors(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	f.createAccount("ro", "readonly-pass-1", "ReadOnly")
	f.createAccount("op", "operator-pass-1", "Operator")
	for _, tc := range []struct {
		name   string
		cred   secCred
		body   string
		status int
		id     string
	}{
		{"no destination", secAdmin, `{"Protocol":"Redfish"}`, 400, "PropertyMissing"},
		{"not a URL", secAdmin, `{"Destination":"ftp://x/"}`, 400, "PropertyValueFormatError"},
		{"credentials in the URL", secAdmin, `{"Destination":"https://u:p@x/"}`, 400, "PropertyValueFormatError"},
		{"unknown registry", secAdmin, `{"Destination":"https://x/","RegistryPrefixes":["Nope"]}`, 400, "PropertyValueNotInList"},
		{"wrong protocol", secAdmin, `{"Destination":"https://x/","Protocol":"SNMPv2c"}`, 400, "PropertyValueNotInList"},
		{"SSE is not created by POST", secAdmin, `{"Destination":"https://x/","SubscriptionType":"SSE"}`, 400, "PropertyValueNotInList"},
		{"retry forever", secAdmin, `{"Destination":"https://x/","DeliveryRetryPolicy":"RetryForever"}`, 400, "PropertyValueNotInList"},
		{"origin not a link", secAdmin, `{"Destination":"https://x/","OriginResources":["/redfish/v1/Chassis"]}`, 400, "PropertyValueTypeError"},
		{"unknown property", secAdmin, `{"Destination":"https://x/","Colour":"red"}`, 400, "PropertyUnknown"},
		{"read only user", secCred{user: "ro", pass: "readonly-pass-1"}, `{"Destination":"https://x/"}`, 403, "InsufficientPrivilege"},
		{"operator may subscribe", secCred{user: "op", pass: "operator-pass-1"}, `{"Destination":"https://x/","OriginResources":[{"@odata.id":"/redfish/v1/Chassis/Sled0"}],"SubordinateResources":true}`, 201, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			f.expect(f.send(tc.cred, http.MethodPost, subscriptionsPath, tc.body), tc.status, tc.id)
		})
	}
	f.t = t
	f.expect(f.send(secAdmin, http.MethodPost, submitTestPath, `{}`), http.StatusBadRequest, "ActionParameterMissing")
	f.expect(f.send(secAdmin, http.MethodPost, submitTestPath, `{"MessageId":"no-dots"}`), http.StatusBadRequest, "")
	f.expect(f.send(secAdmin, http.MethodGet, subscriptionsPath+"/nope", ""), http.StatusNotFound, "ResourceMissingAtURI")
}

// TestSSEStream reads a real Server-Sent Events stream over HTTP.
func TestSSEStream(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close)

	// A $filter the service cannot parse is a 400 before any stream.
	f.expect(f.send(secAdmin, http.MethodGet, sseURI+"?$filter=MessageId%20eq", ""), http.StatusBadRequest, "QueryParameterValueFormatError")
	f.expect(f.send(secCred{}, http.MethodGet, sseURI, ""), http.StatusUnauthorized, "")

	req, _ := http.NewRequest(http.MethodGet, srv.URL+sseURI+"?$filter="+strings.ReplaceAll("MessageId eq 'Chassisd.1.0.SledAdded'", " ", "%20"), nil)
	req.SetBasicAuth(testUser, testPassword)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("SSE: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// While open, the stream is listed as an SSE subscription.
	coll := f.expect(f.send(secAdmin, http.MethodGet, subscriptionsPath, ""), http.StatusOK, "")
	members := coll["Members"].([]any)
	if len(members) != 1 {
		t.Fatalf("subscriptions while streaming: %v", members)
	}
	sub := f.expect(f.send(secAdmin, http.MethodGet, members[0].(map[string]any)["@odata.id"].(string), ""), http.StatusOK, "")
	if sub["SubscriptionType"] != "SSE" {
		t.Errorf("stream listed as %v", sub["SubscriptionType"])
	}

	// The filter drops the drive event and passes the sled event.
	f.svc.Publish([]agent.Change{
		{Kind: agent.DriveAdded, Bay: 2, Slot: 1, BayName: "Bay 2", Model: "D", SerialNumber: "S"},
		sledAdded,
	})
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var data string
	deadline := time.After(10 * time.Second)
	for data == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("stream ended")
			}
			if d, found := strings.CutPrefix(l, "data: "); found {
				data = d
			}
		case <-deadline:
			t.Fatal("no event on the stream")
		}
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(data), &ev); err != nil {
		t.Fatalf("data %q: %v", data, err)
	}
	recs := ev["Events"].([]any)
	if len(recs) != 1 || recs[0].(map[string]any)["MessageId"] != "Chassisd.1.0.SledAdded" {
		t.Errorf("streamed events %v", recs)
	}

	// Deleting the SSE subscription ends the stream.
	f.expect(f.send(secAdmin, http.MethodDelete, members[0].(map[string]any)["@odata.id"].(string), ""), http.StatusNoContent, "")
	for {
		select {
		case _, ok := <-lines:
			if !ok {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatal("stream still open after its subscription was deleted")
		}
	}
}

func TestRegistries(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	coll := f.expect(f.send(secAdmin, http.MethodGet, registriesPath, ""), http.StatusOK, "")
	if coll["Members@odata.count"] != float64(len(registryFiles)) {
		t.Errorf("Registries %v", coll)
	}
	base := f.expect(f.send(secAdmin, http.MethodGet, registriesPath+"/Base", ""), http.StatusOK, "")
	if base["Registry"] != "Base.1.22" || at(t, base, "Location", 0, "PublicationUri") != "https://redfish.dmtf.org/registries/Base.1.22.0.json" {
		t.Errorf("Base file %v", base)
	}
	own := f.expect(f.send(secAdmin, http.MethodGet, registriesPath+"/Chassisd", ""), http.StatusOK, "")
	uri, _ := at(t, own, "Location", 0, "Uri").(string)
	reg := f.expect(f.send(secAdmin, http.MethodGet, uri, ""), http.StatusOK, "")
	if reg["RegistryPrefix"] != "Chassisd" || reg["Id"] != "Chassisd.1.0.0" || own["Registry"] != "Chassisd.1.0" {
		t.Errorf("Chassisd file %v, registry %v", own, reg["Id"])
	}
	if _, ok := at(t, reg, "Messages").(map[string]any)["SledAdded"]; !ok {
		t.Error("registry has no SledAdded")
	}
	f.expect(f.send(secAdmin, http.MethodGet, registriesPath+"/Base/Base.1.22.0", ""), http.StatusNotFound, "ResourceMissingAtURI")
	f.expect(f.send(secAdmin, http.MethodGet, registriesPath+"/Nope", ""), http.StatusNotFound, "ResourceMissingAtURI")
}

// TestSSEEndsWithItsSession: a stream opened with a session token ends
// when the session is deleted.
func TestSSEEndsWithItsSession(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close)
	token, loc := f.login(testUser, testPassword)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+sseURI, nil)
	req.Header.Set("X-Auth-Token", token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("SSE: %d", resp.StatusCode)
	}
	ended := make(chan struct{})
	go func() {
		io.Copy(io.Discard, resp.Body)
		close(ended)
	}()
	f.expect(f.send(secAdmin, http.MethodDelete, loc, ""), http.StatusNoContent, "")
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("stream still open after its session was deleted")
	}
}
