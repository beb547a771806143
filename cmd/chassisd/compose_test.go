package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/board/sim"
	simswitch "github.com/chassisd/chassisd/board/sim/switchtec"
	"github.com/chassisd/chassisd/redfish"
)

// Composition end to end, in process: the simulated chassis, the agent
// and the Redfish service wired the way serve (run.go) wires them, and
// requests through the service's handler. The simulated switch's own
// bindings are the proof that a request reached the hardware.

const (
	composePassword = "compose-Secret-pass1"
	zonesURI        = "/redfish/v1/Fabrics/PCIe/Zones"
	endpointsURI    = "/redfish/v1/Fabrics/PCIe/Endpoints"
)

// composeRig is one chassisd in process on the default simulated chassis
// (four hosts, Host N in partition N; drive port 8+4*bay+slot).
type composeRig struct {
	t   testing.TB
	sim *sim.Chassis
	sw  *simswitch.Device
	a   *agent.Agent
	h   http.Handler
}

func newComposeRig(t testing.TB, opts sim.Options) *composeRig {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	state := t.TempDir()
	b, err := sim.DefaultBoard()
	if err != nil {
		t.Fatal(err)
	}
	c, err := sim.New(b, sim.DefaultScenario(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var svc *redfish.Service
	a, err := agent.New(agent.Config{Board: b, Hardware: c, PollInterval: time.Hour, Logger: logger,
		Simulated: true, Version: "test", StateDir: state,
		OnChanges: func(ch []agent.Change) {
			if svc != nil {
				svc.Publish(ch)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(composePassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	accounts, _, err := redfish.OpenAccounts(state, pwFile, logger)
	if err != nil {
		t.Fatal(err)
	}
	svc, err = redfish.New(redfish.Config{Snapshot: a.Snapshot, Accounts: accounts, Logger: logger,
		UUID: "5c8b4a2e-1f0d-4e6a-9b3c-7d2e1f0a9b8c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetStateDir(state); err != nil {
		t.Fatal(err)
	}
	// The event log is written in the background: let it finish before
	// the state directory is removed.
	t.Cleanup(svc.FlushEventLog)
	if err := svc.StartEvents(state); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.StopEvents)
	svc.SetComposer(a)
	a.Walk(context.Background())
	if f := a.Snapshot().Fabric; f == nil || f.Version == 0 {
		t.Fatalf("the walk did not start the interposer: %+v", f)
	}
	return &composeRig{t: t, sim: c, sw: c.Switch(), a: a, h: svc.Handler()}
}

// do sends one request as admin; hdr are extra headers ("If-Match").
func (r *composeRig) do(method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	r.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.SetBasicAuth("admin", composePassword)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	return rec
}

// expect checks a response's status and returns its JSON body (nil when
// it has none).
func (r *composeRig) expect(rec *httptest.ResponseRecorder, status int, what string) map[string]any {
	r.t.Helper()
	if rec.Code != status {
		r.t.Fatalf("%s: %d, want %d\n%s", what, rec.Code, status, rec.Body)
	}
	if rec.Body.Len() == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		r.t.Fatalf("%s: body is not JSON: %v\n%s", what, err, rec.Body)
	}
	return m
}

// etag is a zone's current ETag.
func (r *composeRig) etag(zone string) string {
	r.t.Helper()
	rec := r.do(http.MethodGet, zonesURI+"/"+zone, "")
	r.expect(rec, http.StatusOK, "GET zone "+zone)
	tag := rec.Header().Get("ETag")
	if tag == "" {
		r.t.Fatalf("zone %s has no ETag", zone)
	}
	return tag
}

// endpointAction posts Zone.AddEndpoint or Zone.RemoveEndpoint (action
// "Add" or "Remove") for a drive port.
func (r *composeRig) endpointAction(zone, action string, phys int, hdr ...string) *httptest.ResponseRecorder {
	r.t.Helper()
	body := fmt.Sprintf(`{"Endpoint": {"@odata.id": %q}}`, driveEndpoint(phys))
	return r.do(http.MethodPost, zonesURI+"/"+zone+"/Actions/Zone."+action+"Endpoint", body, hdr...)
}

func driveEndpoint(phys int) string { return fmt.Sprintf("%s/Drive%d", endpointsURI, phys) }
func hostEndpoint(h int) string     { return fmt.Sprintf("%s/Host%d", endpointsURI, h) }

// zoneBody is a POST body for a zone of host h with drive ports phys.
func zoneBody(h int, phys ...int) string {
	links := []string{fmt.Sprintf(`{"@odata.id": %q}`, hostEndpoint(h))}
	for _, p := range phys {
		links = append(links, fmt.Sprintf(`{"@odata.id": %q}`, driveEndpoint(p)))
	}
	return `{"Links": {"Endpoints": [` + strings.Join(links, ", ") + `]}}`
}

// bindings is what the simulated switch holds: partition -> drive ports.
func (r *composeRig) bindings() map[int][]int {
	m := map[int][]int{}
	for _, b := range r.sw.Bindings() {
		m[b.Partition] = append(m[b.Partition], b.Phys)
	}
	for p := range m {
		slices.Sort(m[p])
	}
	return m
}

// switchHolds checks the switch's bindings after a step.
func (r *composeRig) switchHolds(step string, want map[int][]int) {
	r.t.Helper()
	got := r.bindings()
	ok := len(got) == len(want)
	for p, ports := range want {
		ok = ok && slices.Equal(got[p], ports)
	}
	if !ok {
		r.t.Fatalf("after %s the switch holds %v, want %v", step, got, want)
	}
}

// zoneMembers is the Zones collection's members.
func (r *composeRig) zoneMembers() []string {
	r.t.Helper()
	body := r.expect(r.do(http.MethodGet, zonesURI, ""), http.StatusOK, "GET Zones")
	var out []string
	ms, _ := body["Members"].([]any)
	for _, m := range ms {
		id, _ := m.(map[string]any)["@odata.id"].(string)
		out = append(out, id)
	}
	if n, _ := body["Members@odata.count"].(float64); int(n) != len(out) {
		r.t.Errorf("Zones: Members@odata.count %v, %d members", body["Members@odata.count"], len(out))
	}
	return out
}

// zoneEndpoints is a zone's Links.Endpoints.
func zoneEndpoints(body map[string]any) []string {
	links, _ := body["Links"].(map[string]any)
	eps, _ := links["Endpoints"].([]any)
	var out []string
	for _, e := range eps {
		id, _ := e.(map[string]any)["@odata.id"].(string)
		out = append(out, id)
	}
	return out
}

// errorMessageID is the first MessageId of a Redfish error body.
func errorMessageID(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	infos, _ := e["@Message.ExtendedInfo"].([]any)
	if len(infos) == 0 {
		return ""
	}
	id, _ := infos[0].(map[string]any)["MessageId"].(string)
	return id
}

// TestComposeThroughRedfish walks a zone's life through the Redfish
// handler and checks the simulated switch after each step.
func TestComposeThroughRedfish(t *testing.T) {
	r := newComposeRig(t, sim.Options{})
	if m := r.zoneMembers(); len(m) != 0 {
		t.Fatalf("zones on a fresh switch: %v", m)
	}

	// POST a zone for Host 1 with bay 1's slots 0 and 1 (ports 12, 13).
	rec := r.do(http.MethodPost, zonesURI, zoneBody(1, 12, 13))
	r.expect(rec, http.StatusCreated, "POST zone Host1")
	if loc := rec.Header().Get("Location"); loc != zonesURI+"/Host1" {
		t.Errorf("Location %q", loc)
	}
	r.switchHolds("POST", map[int][]int{1: {12, 13}})
	if m := r.zoneMembers(); !slices.Equal(m, []string{zonesURI + "/Host1"}) {
		t.Errorf("zones %v", m)
	}
	zone := r.expect(r.do(http.MethodGet, zonesURI+"/Host1", ""), http.StatusOK, "GET zone")
	if got, want := zoneEndpoints(zone), []string{hostEndpoint(1), driveEndpoint(12), driveEndpoint(13)}; !slices.Equal(got, want) {
		t.Errorf("zone endpoints %v, want %v", got, want)
	}

	// AddEndpoint with the zone's ETag.
	tag := r.etag("Host1")
	r.expect(r.endpointAction("Host1", "Add", 14, "If-Match", tag), http.StatusNoContent, "AddEndpoint Drive14")
	r.switchHolds("AddEndpoint", map[int][]int{1: {12, 13, 14}})

	// The ETag read before the change is stale now; no ETag at all is
	// refused too. Neither touches the switch.
	body := r.expect(r.endpointAction("Host1", "Add", 15, "If-Match", tag), http.StatusPreconditionFailed, "AddEndpoint with a stale ETag")
	if id := errorMessageID(body); !strings.HasSuffix(id, ".PreconditionFailed") {
		t.Errorf("stale ETag: MessageId %q", id)
	}
	r.expect(r.endpointAction("Host1", "Add", 15), http.StatusPreconditionRequired, "AddEndpoint without an ETag")
	r.switchHolds("refused AddEndpoints", map[int][]int{1: {12, 13, 14}})

	// RemoveEndpoint with the fresh ETag.
	tag = r.etag("Host1")
	r.expect(r.endpointAction("Host1", "Remove", 12, "If-Match", tag), http.StatusNoContent, "RemoveEndpoint Drive12")
	r.switchHolds("RemoveEndpoint", map[int][]int{1: {13, 14}})

	// A drive in another zone: 409, whether added or given to a new zone.
	r.expect(r.do(http.MethodPost, zonesURI, zoneBody(0, 8)), http.StatusCreated, "POST zone Host0")
	r.switchHolds("POST zone Host0", map[int][]int{0: {8}, 1: {13, 14}})
	body = r.expect(r.endpointAction("Host1", "Add", 8, "If-Match", r.etag("Host1")), http.StatusConflict, "AddEndpoint of Host 0's drive")
	if id := errorMessageID(body); !strings.HasSuffix(id, ".PropertyValueResourceConflict") {
		t.Errorf("conflict: MessageId %q", id)
	}
	r.expect(r.do(http.MethodPost, zonesURI, zoneBody(2, 13)), http.StatusConflict, "POST zone Host2 with Host 1's drive")
	// An empty slot (bay 4 slot 2) cannot be added either.
	r.expect(r.endpointAction("Host1", "Add", 26, "If-Match", r.etag("Host1")), http.StatusConflict, "AddEndpoint of an empty slot")
	r.switchHolds("refused compositions", map[int][]int{0: {8}, 1: {13, 14}})

	// DELETE the zone: its drives are unrouted, the other zone stays.
	r.expect(r.do(http.MethodDelete, zonesURI+"/Host1", ""), http.StatusNoContent, "DELETE zone Host1")
	r.switchHolds("DELETE", map[int][]int{0: {8}})
	r.expect(r.do(http.MethodGet, zonesURI+"/Host1", ""), http.StatusNotFound, "GET deleted zone")
	if m := r.zoneMembers(); !slices.Equal(m, []string{zonesURI + "/Host0"}) {
		t.Errorf("zones after DELETE %v", m)
	}

	// Every change is in the event log as a routing change.
	entries := r.expect(r.do(http.MethodGet, "/redfish/v1/Managers/bmc/LogServices/EventLog/Entries", ""), http.StatusOK, "event log")
	n := 0
	ms, _ := entries["Members"].([]any)
	for _, m := range ms {
		if id, _ := m.(map[string]any)["MessageId"].(string); strings.Contains(id, "RoutingChanged") {
			n++
		}
	}
	// POST, AddEndpoint, RemoveEndpoint, POST, DELETE.
	if n != 5 {
		t.Errorf("%d RoutingChanged entries in the event log, want 5", n)
	}
}

// TestComposeRaceThroughRedfish: two clients add the same drive to two
// zones at once; exactly one wins, the other gets 409 or 412.
func TestComposeRaceThroughRedfish(t *testing.T) {
	r := newComposeRig(t, sim.Options{})
	r.expect(r.do(http.MethodPost, zonesURI, zoneBody(2, 8)), http.StatusCreated, "POST zone Host2")
	r.expect(r.do(http.MethodPost, zonesURI, zoneBody(3, 9)), http.StatusCreated, "POST zone Host3")
	want := map[int][]int{2: {8}, 3: {9}}
	for _, phys := range []int{10, 11, 12, 13, 14, 15, 16, 17, 18, 19} {
		zones := []string{"Host2", "Host3"}
		tags := []string{r.etag("Host2"), r.etag("Host3")}
		codes := make([]int, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range zones {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				codes[i] = r.endpointAction(zones[i], "Add", phys, "If-Match", tags[i]).Code
			}()
		}
		close(start)
		wg.Wait()
		won := -1
		for i, c := range codes {
			switch c {
			case http.StatusNoContent:
				if won >= 0 {
					t.Fatalf("drive port %d: both zones won", phys)
				}
				won = i
			case http.StatusConflict, http.StatusPreconditionFailed:
			default:
				t.Fatalf("drive port %d: %s answered %d", phys, zones[i], c)
			}
		}
		if won < 0 {
			t.Fatalf("drive port %d: nobody won: %v", phys, codes)
		}
		want[2+won] = append(want[2+won], phys)
		r.switchHolds(fmt.Sprintf("the race for port %d", phys), want)
	}
}

// TestEmptyZone: a zone is what its host sees, so it exists while the
// host sees a drive: a POST with the host alone is refused, and removing
// the last drive removes the zone.
func TestEmptyZone(t *testing.T) {
	r := newComposeRig(t, sim.Options{})
	r.expect(r.do(http.MethodPost, zonesURI, zoneBody(1)), http.StatusBadRequest, "POST a zone without drives")
	if m := r.zoneMembers(); len(m) != 0 {
		t.Fatalf("zones after a refused POST: %v", m)
	}
	r.expect(r.do(http.MethodPost, zonesURI, zoneBody(1, 12)), http.StatusCreated, "POST a zone with a drive")
	r.expect(r.endpointAction("Host1", "Remove", 12, "If-Match", r.etag("Host1")), http.StatusNoContent, "RemoveEndpoint")
	r.expect(r.do(http.MethodGet, zonesURI+"/Host1", ""), http.StatusNotFound, "GET the emptied zone")
}
