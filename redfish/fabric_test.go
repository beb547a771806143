package redfish

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chassisd/chassisd/agent"
)

const (
	epHost0  = endpointsPath + "/Host0"
	epHost1  = endpointsPath + "/Host1"
	epDrive8 = endpointsPath + "/Drive8"
	epDrive9 = endpointsPath + "/Drive9"
	epEmpty  = endpointsPath + "/Drive10"
	epDrive  = endpointsPath + "/Drive11"
)

func refs(uris ...string) string {
	var parts []string
	for _, u := range uris {
		parts = append(parts, `{"@odata.id":"`+u+`"}`)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func zoneBody(uris ...string) string { return `{"Links":{"Endpoints":` + refs(uris...) + `}}` }

// TestFabricCompose walks every status code of composition in order: each
// step starts from the routing the previous ones left. "{etag:Host1}" in a
// body or header is replaced by the zone's current ETag.
func TestFabricCompose(t *testing.T) {
	ff := newFabricFixture(t, true)
	ff.createAccount("op", "operator-pass-1", RoleOperator)
	ff.createAccount("ro", "readonly-pass-1", RoleReadOnly)
	op, ro := secCred{user: "op", pass: "operator-pass-1"}, secCred{user: "ro", pass: "readonly-pass-1"}
	add, remove := zonesPath+"/Host1/Actions/Zone.AddEndpoint", zonesPath+"/Host1/Actions/Zone.RemoveEndpoint"
	var staleETag string
	steps := []struct {
		name         string
		who          secCred
		method, path string
		body         string
		hdr          []string
		status       int
		msg          string
		routing      map[string][]int // after the step, when set
	}{
		{"read as ReadOnly", ro, http.MethodGet, zonesPath + "/Host0", "", nil, 200, "", nil},
		{"no zone yet", ro, http.MethodGet, zonesPath + "/Host1", "", nil, 404, "ResourceMissingAtURI", nil},
		{"ReadOnly may not compose", ro, http.MethodPost, zonesPath, zoneBody(epHost1, epDrive), nil, 403, "InsufficientPrivilege", nil},
		{"no initiator", op, http.MethodPost, zonesPath, zoneBody(epDrive), nil, 400, "PropertyValueIncorrect", nil},
		{"no drive", op, http.MethodPost, zonesPath, zoneBody(epHost1), nil, 400, "PropertyValueIncorrect", nil},
		{"two initiators", op, http.MethodPost, zonesPath, zoneBody(epHost0, epHost1), nil, 400, "PropertyValueIncorrect", nil},
		{"unknown endpoint", op, http.MethodPost, zonesPath, zoneBody(epHost1, endpointsPath+"/Drive99"), nil, 400, "PropertyValueIncorrect", nil},
		{"no links", op, http.MethodPost, zonesPath, `{}`, nil, 400, "PropertyMissing", nil},
		{"links of the wrong type", op, http.MethodPost, zonesPath, `{"Links":{"Endpoints":["x"]}}`, nil, 400, "PropertyValueTypeError", nil},
		{"unknown property", op, http.MethodPost, zonesPath, `{"Links":{"Endpoints":` + refs(epHost1, epDrive9) + `},"Colour":"red"}`, nil, 400, "PropertyUnknown", nil},
		{"wrong zone type", op, http.MethodPost, zonesPath, `{"ZoneType":"ZoneOfZones","Links":{"Endpoints":` + refs(epHost1, epDrive9) + `}}`, nil, 400, "PropertyValueNotInList", nil},
		{"malformed", op, http.MethodPost, zonesPath, `{"Links":`, nil, 400, "MalformedJSON", nil},
		{"host has a zone", op, http.MethodPost, zonesPath, zoneBody(epHost0, epDrive), nil, 409, "ResourceAlreadyExists", nil},
		{"drive in another zone", op, http.MethodPost, zonesPath, zoneBody(epHost1, epDrive8), nil, 409, "PropertyValueResourceConflict", nil},
		{"empty slot", op, http.MethodPost, zonesPath, zoneBody(epHost1, epEmpty), nil, 409, "PropertyValueResourceConflict", nil},
		{"create", op, http.MethodPost, zonesPath, `{"ZoneType":"ZoneOfEndpoints","Links":{"Endpoints":` + refs(epHost1, epDrive) + `}}`, nil, 201, "",
			map[string][]int{"Host 0": {8}, "Host 1": {11}}},
		{"action without a precondition", op, http.MethodPost, add, `{"Endpoint":{"@odata.id":"` + epDrive9 + `"}}`, nil, 428, "PreconditionRequired", nil},
		{"stale If-Match", op, http.MethodPost, add, `{"Endpoint":{"@odata.id":"` + epDrive9 + `"}}`, []string{"If-Match", `W/"0123456789abcdef"`}, 412, "PreconditionFailed", nil},
		{"stale ZoneETag", op, http.MethodPost, add, `{"Endpoint":{"@odata.id":"` + epDrive9 + `"},"ZoneETag":"W/\"0123456789abcdef\""}`, nil, 428, "PreconditionFailed", nil},
		{"stale EndpointETag", op, http.MethodPost, add, `{"Endpoint":{"@odata.id":"` + epDrive9 + `"},"EndpointETag":"W/\"0\""}`, []string{"If-Match", "{etag:Host1}"}, 428, "PreconditionFailed", nil},
		{"ReadOnly may not add", ro, http.MethodPost, add, `{"Endpoint":{"@odata.id":"` + epDrive9 + `"}}`, []string{"If-Match", "{etag:Host1}"}, 403, "InsufficientPrivilege", nil},
		{"no Endpoint", op, http.MethodPost, add, `{"ZoneETag":"{etag:Host1}"}`, nil, 400, "ActionParameterMissing", nil},
		{"unknown parameter", op, http.MethodPost, add, `{"Endpoint":"` + epDrive9 + `","Force":true}`, []string{"If-Match", "{etag:Host1}"}, 400, "ActionParameterUnknown", nil},
		{"not an endpoint", op, http.MethodPost, add, `{"Endpoint":{"@odata.id":"/redfish/v1/Chassis/Sled0"},"ZoneETag":"{etag:Host1}"}`, nil, 400, "ActionParameterValueError", nil},
		{"an initiator", op, http.MethodPost, add, `{"Endpoint":{"@odata.id":"` + epHost0 + `"},"ZoneETag":"{etag:Host1}"}`, nil, 400, "ActionParameterValueConflict", nil},
		{"a drive in another zone", op, http.MethodPost, add, `{"Endpoint":{"@odata.id":"` + epDrive8 + `"},"ZoneETag":"{etag:Host1}"}`, nil, 409, "PropertyValueResourceConflict", nil},
		{"remember the ETag", op, http.MethodGet, zonesPath + "/Host1", "", nil, 200, "", nil},
		{"add with ZoneETag", op, http.MethodPost, add, `{"Endpoint":{"@odata.id":"` + epDrive9 + `"},"ZoneETag":"{etag:Host1}"}`, nil, 204, "",
			map[string][]int{"Host 0": {8}, "Host 1": {9, 11}}},
		{"add again changes nothing", op, http.MethodPost, add, `{"Endpoint":"` + epDrive9 + `","ZoneETag":"{etag:Host1}"}`, nil, 204, "", nil},
		{"the old ETag is stale", op, http.MethodPost, remove, `{"Endpoint":"` + epDrive9 + `"}`, []string{"If-Match", "{stale}"}, 412, "PreconditionFailed", nil},
		{"remove with If-Match", op, http.MethodPost, remove, `{"Endpoint":"` + epDrive9 + `"}`, []string{"If-Match", "{etag:Host1}"}, 204, "",
			map[string][]int{"Host 0": {8}, "Host 1": {11}}},
		{"DELETE with a stale If-Match", op, http.MethodDelete, zonesPath + "/Host1", "", []string{"If-Match", `W/"0123456789abcdef"`}, 412, "PreconditionFailed", nil},
		{"ReadOnly may not delete", ro, http.MethodDelete, zonesPath + "/Host1", "", nil, 403, "InsufficientPrivilege", nil},
		{"delete", op, http.MethodDelete, zonesPath + "/Host1", "", nil, 204, "", map[string][]int{"Host 0": {8}}},
		{"deleted", op, http.MethodDelete, zonesPath + "/Host1", "", nil, 404, "ResourceMissingAtURI", nil},
		{"connection needs targets", op, http.MethodPost, connectionsPath, `{"Links":{"InitiatorEndpoints":` + refs(epHost1) + `,"TargetEndpoints":[]}}`, nil, 400, "PropertyValueIncorrect", nil},
		{"connection type", op, http.MethodPost, connectionsPath, `{"ConnectionType":"Memory","Links":{"InitiatorEndpoints":` + refs(epHost1) + `,"TargetEndpoints":` + refs(epDrive) + `}}`, nil, 400, "PropertyValueNotInList", nil},
		{"connection to a taken drive", op, http.MethodPost, connectionsPath, `{"Links":{"InitiatorEndpoints":` + refs(epHost1) + `,"TargetEndpoints":` + refs(epDrive8) + `}}`, nil, 409, "PropertyValueResourceConflict", nil},
		{"connect", op, http.MethodPost, connectionsPath, `{"ConnectionType":"Storage","Links":{"InitiatorEndpoints":` + refs(epHost1) + `,"TargetEndpoints":` + refs(epDrive) + `}}`, nil, 201, "",
			map[string][]int{"Host 0": {8}, "Host 1": {11}}},
		{"connect more", op, http.MethodPost, connectionsPath, `{"Links":{"InitiatorEndpoints":` + refs(epHost1) + `,"TargetEndpoints":` + refs(epDrive9) + `}}`, nil, 200, "",
			map[string][]int{"Host 0": {8}, "Host 1": {9, 11}}},
		{"disconnect", op, http.MethodDelete, connectionsPath + "/Host1", "", nil, 204, "", map[string][]int{"Host 0": {8}, "Host 1": {}}},
		{"disconnected", op, http.MethodGet, connectionsPath + "/Host1", "", nil, 404, "ResourceMissingAtURI", nil},
		{"the zone stays", op, http.MethodGet, zonesPath + "/Host1", "", nil, 200, "", nil},
		{"no such zone", op, http.MethodPost, zonesPath + "/Host7/Actions/Zone.AddEndpoint", `{"Endpoint":"` + epDrive + `"}`, nil, 404, "ResourceMissingAtURI", nil},
		{"no PATCH on a zone", op, http.MethodPatch, zonesPath + "/Host1", `{"ZoneType":"ZoneOfEndpoints"}`, nil, 405, "OperationNotAllowed", nil},
	}
	for _, st := range steps {
		sub := func(s string) string {
			if strings.Contains(s, "{etag:Host1}") {
				s = strings.ReplaceAll(s, "{etag:Host1}", strings.ReplaceAll(ff.zoneETag("Host1"), `"`, `\"`))
			}
			return strings.ReplaceAll(s, "{stale}", staleETag)
		}
		body := sub(st.body)
		var hdr []string
		for _, h := range st.hdr {
			hdr = append(hdr, strings.ReplaceAll(sub(h), `\"`, `"`))
		}
		rec := ff.send(st.who, st.method, st.path, body, hdr...)
		if rec.Code != st.status {
			t.Fatalf("%s: %s %s: status %d, want %d; body %s", st.name, st.method, st.path, rec.Code, st.status, rec.Body)
		}
		if st.msg != "" {
			if ids := secErrorIDs(t, rec); ids[0] != "Base.1.22."+st.msg {
				t.Fatalf("%s: MessageIds %v, want %s", st.name, ids, st.msg)
			}
		}
		if st.name == "remember the ETag" {
			staleETag = rec.Header().Get("ETag")
		}
		if st.status == http.StatusCreated {
			if loc := rec.Header().Get("Location"); loc != connectionsPath+"/Host1" && loc != zonesPath+"/Host1" {
				t.Errorf("%s: Location %q", st.name, loc)
			}
		}
		if st.routing != nil {
			ff.comp.mu.Lock()
			got := ff.comp.routing
			ff.comp.mu.Unlock()
			if !routingEqual(got, st.routing) {
				t.Fatalf("%s: routing %v, want %v", st.name, got, st.routing)
			}
		}
	}
}

func routingEqual(a, b map[string][]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !slices.Equal(v, w) {
			return false
		}
	}
	return true
}

// TestFabricAgentErrors: each error the agent returns from Compose
// becomes its status code, and nothing is logged as done.
func TestFabricAgentErrors(t *testing.T) {
	ff := newFabricFixture(t, true)
	for _, tc := range []struct {
		err    error
		status int
		msg    string
	}{
		{agent.ErrStaleRouting, 412, "PreconditionFailed"},
		{&agent.RoutingConflict{Port: 11, Host: "Host 0", OtherHost: "Host 1"}, 409, "PropertyValueResourceConflict"},
		{agent.ErrDriveAbsent, 409, "PropertyValueResourceConflict"},
		{agent.ErrUnknownPort, 400, "PropertyValueIncorrect"},
		{agent.ErrNoFabric, 404, "ResourceMissingAtURI"},
		{context.DeadlineExceeded, 503, "OperationTimeout"},
		{errors.New("i2c-1 0x20: PORTPARTP2P bind: NACK; rolled back"), 503, "OperationFailed"},
	} {
		ff.comp.setFail(tc.err)
		rec := ff.send(secAdmin, http.MethodPost, zonesPath+"/Host0/Actions/Zone.AddEndpoint",
			`{"Endpoint":"`+epDrive+`"}`, "If-Match", ff.zoneETag("Host0"))
		ff.expect(rec, tc.status, tc.msg)
		if tc.status == http.StatusConflict {
			m := decode(t, rec.Body.Bytes())
			args := at(t, m, "error", "@Message.ExtendedInfo", 0, "MessageArgs").([]any)
			if args[0] != "Endpoint" || !strings.HasPrefix(args[1].(string), endpointsPath+"/Drive") {
				t.Errorf("%v: conflict args %v", tc.err, args)
			}
		}
	}
	// The routing never changed.
	ff.comp.setFail(nil)
	if got := ff.get(secAdmin, zonesPath+"/Host0"); len(at(t, got, "Links", "Endpoints").([]any)) != 2 {
		t.Errorf("zone after failed compositions: %v", got["Links"])
	}
}

// TestFabricConcurrentCompose: two clients take the same drive for two
// hosts from the same snapshot; exactly one wins, the other gets 409 or
// 412.
func TestFabricConcurrentCompose(t *testing.T) {
	ff := newFabricFixture(t, true)
	ff.expect(ff.send(secAdmin, http.MethodPost, zonesPath, zoneBody(epHost1, epDrive9)), http.StatusCreated, "")
	e0, e1 := ff.zoneETag("Host0"), ff.zoneETag("Host1")
	codes := make(chan int, 2)
	for _, z := range []struct{ path, etag string }{{zonesPath + "/Host0", e0}, {zonesPath + "/Host1", e1}} {
		go func() {
			rec := ff.send(secAdmin, http.MethodPost, z.path+"/Actions/Zone.AddEndpoint", `{"Endpoint":"`+epDrive+`"}`, "If-Match", z.etag)
			codes <- rec.Code
		}()
	}
	got := []int{<-codes, <-codes}
	slices.Sort(got)
	if got[0] != http.StatusNoContent || (got[1] != http.StatusConflict && got[1] != http.StatusPreconditionFailed) {
		t.Errorf("status codes %v, want one 204 and one 409 or 412", got)
	}
	owners := 0
	for _, ps := range ff.comp.routing {
		if slices.Contains(ps, 11) {
			owners++
		}
	}
	if owners != 1 {
		t.Errorf("drive port 11 routed to %d hosts: %v", owners, ff.comp.routing)
	}
}

// TestFabricWithoutComposer: the fabric is shown but offers no change.
func TestFabricWithoutComposer(t *testing.T) {
	ff := newFabricFixture(t, false)
	z := ff.get(secAdmin, zonesPath+"/Host0")
	if _, ok := z["Actions"]; ok {
		t.Errorf("zone offers actions without a composer: %v", z["Actions"])
	}
	ff.expect(ff.send(secAdmin, http.MethodPost, zonesPath, zoneBody(epHost1)), http.StatusMethodNotAllowed, "OperationNotAllowed")
	ff.expect(ff.send(secAdmin, http.MethodPost, zonesPath+"/Host0/Actions/Zone.AddEndpoint", `{"Endpoint":"`+epDrive+`"}`, "If-Match", "*"),
		http.StatusNotFound, "ResourceMissingAtURI")
	ff.expect(ff.send(secAdmin, http.MethodDelete, zonesPath+"/Host0", ""), http.StatusMethodNotAllowed, "OperationNotAllowed")
}

// TestFabricAbsent: a board without a switch has an empty Fabrics
// collection, still linked from the service root, and nothing under it.
func TestFabricAbsent(t *testing.T) {
	f := newFixture(t, testSnapshot())
	root := f.get("/redfish/v1")
	if at(t, root, "Fabrics", "@odata.id") != fabricCollectionPath {
		t.Errorf("ServiceRoot.Fabrics %v", root["Fabrics"])
	}
	if c := f.get(fabricCollectionPath); at(t, c, "Members@odata.count") != 0.0 {
		t.Errorf("Fabrics without a switch: %v", c)
	}
	for _, p := range []string{fabricPath, switchPath, portCollectionPath + "/8", endpointsPath, zonesPath + "/Host0", connectionsPath} {
		if rec := f.do(http.MethodGet, p, true); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s without a switch: %d", p, rec.Code)
		}
	}
	if d := f.get("/redfish/v1/Chassis/Sled0/Drives/Slot0"); at(t, d, "Links").(map[string]any)["Endpoints"] != nil {
		t.Errorf("drive links an endpoint without a fabric: %v", d["Links"])
	}
}
