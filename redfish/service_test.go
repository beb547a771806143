package redfish

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/chassisd/chassisd/agent"
)

func TestNewChecksConfig(t *testing.T) {
	snap := func() *agent.Snapshot { return nil }
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no snapshot", Config{Accounts: sharedAccounts, UUID: testUUID}},
		{"no accounts", Config{Snapshot: snap, UUID: testUUID}},
		{"no uuid", Config{Snapshot: snap, Accounts: sharedAccounts}},
		{"bad uuid", Config{Snapshot: snap, Accounts: sharedAccounts, UUID: "9238463-2938-2342-8820-489239905423x"}},
	} {
		if _, err := New(tc.cfg); err == nil {
			t.Errorf("%s: New succeeded", tc.name)
		}
	}
}

func TestPublicResourcesNeedNoAuth(t *testing.T) {
	f := newFixture(t, testSnapshot())
	for _, p := range []string{"/redfish", "/redfish/", "/redfish/v1", "/redfish/v1/", "/redfish/v1/$metadata", "/redfish/v1/odata"} {
		rec := f.do(http.MethodGet, p, false)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s without auth: %d", p, rec.Code)
		}
	}
	m := decode(t, f.do(http.MethodGet, "/redfish", false).Body.Bytes())
	if m["v1"] != "/redfish/v1/" {
		t.Errorf("/redfish: %v", m)
	}
	root := decode(t, f.do(http.MethodGet, "/redfish/v1/", false).Body.Bytes())
	for k, want := range map[string]any{
		"@odata.id": "/redfish/v1", "@odata.type": "#ServiceRoot.v1_20_0.ServiceRoot", "Id": "RootService",
		"RedfishVersion": "1.20.0", "UUID": testUUID, "Product": "chassisd",
	} {
		if root[k] != want {
			t.Errorf("service root %s = %v, want %v", k, root[k], want)
		}
	}
	if at(t, root, "Chassis", "@odata.id") != "/redfish/v1/Chassis" || at(t, root, "Managers", "@odata.id") != "/redfish/v1/Managers" {
		t.Errorf("service root links: %v", root)
	}
	// It claims what query.go implements, and not $filter, which it does not.
	if at(t, root, "ProtocolFeaturesSupported", "ExpandQuery", "MaxLevels") != 1.0 || at(t, root, "ProtocolFeaturesSupported", "FilterQuery") != false {
		t.Errorf("ProtocolFeaturesSupported: %v", root["ProtocolFeaturesSupported"])
	}
	if at(t, root, "Links", "Sessions", "@odata.id") != "/redfish/v1/SessionService/Sessions" {
		t.Errorf("Links.Sessions: %v", root["Links"])
	}
	odata := decode(t, f.do(http.MethodGet, "/redfish/v1/odata", false).Body.Bytes())
	if odata["@odata.context"] != "/redfish/v1/$metadata" || len(at(t, odata, "value").([]any)) != 11 {
		t.Errorf("odata service document: %v", odata)
	}
}

func TestCommonHeaders(t *testing.T) {
	f := newFixture(t, testSnapshot())
	for _, tc := range []struct {
		path string
		auth bool
		code int
	}{
		{"/redfish/v1", false, 200},
		{"/redfish/v1/Chassis/Sled0/Drives/Slot0", true, 200},
		{"/redfish/v1/Chassis/Sled0/Drives/Slot0", false, 401},
		{"/redfish/v1/Nope", true, 404},
	} {
		rec := f.do(http.MethodGet, tc.path, tc.auth)
		if rec.Code != tc.code {
			t.Fatalf("GET %s: %d, want %d", tc.path, rec.Code, tc.code)
		}
		h := rec.Header()
		for k, want := range map[string]string{
			"OData-Version": "4.0", "Content-Type": "application/json;charset=utf-8",
			"X-Frame-Options": "DENY", "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", tc.path, k, got, want)
			}
		}
		if tc.code == 200 {
			if h.Get("Allow") != "GET, HEAD" || !strings.HasPrefix(h.Get("ETag"), `W/"`) {
				t.Errorf("GET %s: Allow %q ETag %q", tc.path, h.Get("Allow"), h.Get("ETag"))
			}
		}
	}
	link := f.do(http.MethodGet, "/redfish/v1/Chassis/Sled0", true).Header().Get("Link")
	if link != "<http://redfish.dmtf.org/schemas/v1/Chassis.v1_28_0.json>; rel=describedby" {
		t.Errorf("Link %q", link)
	}
}

func TestUnauthorized(t *testing.T) {
	f := newFixture(t, testSnapshot())
	for _, tc := range []struct {
		name, path string
		hdr        []string
	}{
		{"no credentials", "/redfish/v1/Chassis", nil},
		{"wrong password", "/redfish/v1/Chassis", []string{"Authorization", basic(testUser, "wrong password")}},
		{"unknown user", "/redfish/v1/Chassis", []string{"Authorization", basic("root", testPassword)}},
		{"not basic", "/redfish/v1/Chassis", []string{"Authorization", "Bearer abc"}},
		{"token", "/redfish/v1/Chassis", []string{"X-Auth-Token", "0123456789abcdef"}},
		// Unknown paths answer 401 too, so a stranger learns nothing.
		{"unknown path", "/redfish/v1/NoSuchThing", nil},
		{"outside redfish", "/index.html", nil},
		{"dot segment", "/redfish/v1/../v1/Chassis", nil},
	} {
		rec := f.do(http.MethodGet, tc.path, false, tc.hdr...)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s: status %d", tc.name, rec.Code)
			continue
		}
		if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, `Basic realm="chassisd"`) {
			t.Errorf("%s: WWW-Authenticate %q", tc.name, got)
		}
		if id := errorMessageID(t, rec); id != "Base.1.22.NoValidSession" {
			t.Errorf("%s: MessageId %s", tc.name, id)
		}
	}
	// A modifying method on a protected resource is refused before it is
	// found to be unsupported.
	if rec := f.do(http.MethodPatch, "/redfish/v1/Chassis/Sled0", false); rec.Code != http.StatusUnauthorized {
		t.Errorf("PATCH without auth: %d", rec.Code)
	}
}

func basic(user, pass string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(user, pass)
	return req.Header.Get("Authorization")
}

func TestNotFound(t *testing.T) {
	f := newFixture(t, testSnapshot())
	for _, p := range []string{
		"/redfish/v1/NoSuchThing",
		"/redfish/v1/Chassis/Sled1",              // empty bay
		"/redfish/v1/Chassis/Sled9",              // no such bay
		"/redfish/v1/Chassis/Sled00",             // not the canonical id
		"/redfish/v1/Chassis/sled0",              // ids are case-sensitive
		"/redfish/v1/Chassis/Sled0/Drives/Slot2", // empty slot
		"/redfish/v1/Chassis/Sled0/Drives/Slot9",
		"/redfish/v1/Chassis/Sled1/Drives",
		"/redfish/v1/Chassis/Sled0/Sensors/Slot2Temp",
		"/redfish/v1/Chassis/Sled3/Sensors/Temp", // sled without a sensor
		"/redfish/v1/Chassis/Enclosure/Sensors",
		"/redfish/v1/Chassis/Enclosure/Drives",
		"/redfish/v1/Managers/other",
		"/redfish/v1//Chassis",
		"/redfish/v2",
	} {
		rec := f.do(http.MethodGet, p, true)
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, rec.Code)
			continue
		}
		if id := errorMessageID(t, rec); id != "Base.1.22.ResourceMissingAtURI" {
			t.Errorf("GET %s: MessageId %s", p, id)
		}
		args := at(t, decode(t, rec.Body.Bytes()), "error", "@Message.ExtendedInfo", 0, "MessageArgs").([]any)
		if len(args) != 1 || args[0] != p {
			t.Errorf("GET %s: MessageArgs %v", p, args)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t, testSnapshot())
	for _, m := range []string{http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete, http.MethodOptions} {
		for _, p := range []string{"/redfish/v1/Chassis/Sled0/Drives/Slot0", "/redfish/v1/Chassis", "/redfish/v1"} {
			rec := f.do(m, p, true)
			if rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d", m, p, rec.Code)
				continue
			}
			if rec.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: Allow %q", m, p, rec.Header().Get("Allow"))
			}
			if id := errorMessageID(t, rec); id != "Base.1.22.OperationNotAllowed" {
				t.Errorf("%s %s: MessageId %s", m, p, id)
			}
		}
	}
	// Unknown resources stay 404 whatever the method.
	if rec := f.do(http.MethodPost, "/redfish/v1/Nope", true); rec.Code != http.StatusNotFound {
		t.Errorf("POST unknown: %d", rec.Code)
	}
}

func TestHeadIsGetWithoutBody(t *testing.T) {
	f := newFixture(t, testSnapshot())
	for _, p := range []string{"/redfish/v1", "/redfish/v1/Chassis/Sled0", "/redfish/v1/$metadata", "/redfish/v1/Nope"} {
		get := f.do(http.MethodGet, p, true)
		head := f.do(http.MethodHead, p, true)
		if head.Code != get.Code || head.Body.Len() != 0 {
			t.Errorf("HEAD %s: %d with %d body bytes; GET %d", p, head.Code, head.Body.Len(), get.Code)
		}
		for _, k := range []string{"Content-Type", "Content-Length", "ETag", "OData-Version"} {
			if head.Header().Get(k) != get.Header().Get(k) {
				t.Errorf("HEAD %s: %s %q, GET %q", p, k, head.Header().Get(k), get.Header().Get(k))
			}
		}
	}
}

func TestTrailingSlash(t *testing.T) {
	f := newFixture(t, testSnapshot())
	for _, p := range []string{"/redfish/v1/Chassis", "/redfish/v1/Chassis/Sled0", "/redfish/v1/Chassis/Sled0/Drives/Slot0", "/redfish/v1/Managers/bmc"} {
		a, b := f.do(http.MethodGet, p, true), f.do(http.MethodGet, p+"/", true)
		if a.Code != 200 || b.Code != 200 {
			t.Errorf("%s: %d, with slash %d", p, a.Code, b.Code)
		}
		if decode(t, b.Body.Bytes())["@odata.id"] != p {
			t.Errorf("%s/: @odata.id %v", p, decode(t, b.Body.Bytes())["@odata.id"])
		}
	}
}

func TestETag(t *testing.T) {
	f := newFixture(t, testSnapshot())
	const p = "/redfish/v1/Chassis/Sled0"
	first := f.do(http.MethodGet, p, true)
	etag := first.Header().Get("ETag")
	if !strings.HasPrefix(etag, `W/"`) || !strings.HasSuffix(etag, `"`) {
		t.Fatalf("ETag %q", etag)
	}
	if again := f.do(http.MethodGet, p, true); again.Header().Get("ETag") != etag || !bytes.Equal(again.Body.Bytes(), first.Body.Bytes()) {
		t.Error("same snapshot, different ETag or body")
	}
	for _, inm := range []string{etag, strings.TrimPrefix(etag, "W/"), `"nope", ` + etag, "*"} {
		rec := f.do(http.MethodGet, p, true, "If-None-Match", inm)
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("If-None-Match %s: %d, %d body bytes", inm, rec.Code, rec.Body.Len())
		}
		if rec.Header().Get("ETag") != etag {
			t.Errorf("304 without the ETag")
		}
	}
	if rec := f.do(http.MethodGet, p, true, "If-None-Match", `W/"0000000000000000"`); rec.Code != http.StatusOK {
		t.Errorf("stale If-None-Match: %d", rec.Code)
	}
	// If-None-Match never gets past authentication.
	if rec := f.do(http.MethodGet, p, false, "If-None-Match", etag); rec.Code != http.StatusUnauthorized {
		t.Errorf("If-None-Match without auth: %d", rec.Code)
	}

	// A new snapshot with a changed sled changes the ETag and the body.
	next := testSnapshot()
	next.Generation++
	next.Bays[0].Sled.Health = "Warning"
	f.snap.Store(next)
	rec := f.do(http.MethodGet, p, true, "If-None-Match", etag)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == etag {
		t.Fatalf("after a change: %d, ETag %q", rec.Code, rec.Header().Get("ETag"))
	}
	if at(t, decode(t, rec.Body.Bytes()), "Status", "Health") != "Warning" {
		t.Error("new snapshot not served")
	}
}

func TestNilSnapshot(t *testing.T) {
	f := newFixture(t, nil)
	for _, p := range []string{"/redfish/v1/Chassis", "/redfish/v1/Managers"} {
		m := f.get(p)
		if m["Members@odata.count"] != 0.0 || len(m["Members"].([]any)) != 0 {
			t.Errorf("%s before the first walk: %v", p, m)
		}
	}
	for _, p := range []string{"/redfish/v1/Chassis/Enclosure", "/redfish/v1/Chassis/Sled0", "/redfish/v1/Chassis/Sled0/Drives", "/redfish/v1/Managers/bmc"} {
		if rec := f.do(http.MethodGet, p, true); rec.Code != http.StatusNotFound {
			t.Errorf("%s before the first walk: %d", p, rec.Code)
		}
	}
	f.get("/redfish/v1")
	// The first snapshot arrives.
	f.snap.Store(testSnapshot())
	if m := f.get("/redfish/v1/Chassis"); m["Members@odata.count"] != 4.0 {
		t.Errorf("after the first walk: %v", m["Members@odata.count"])
	}
}

func TestQueryOptions(t *testing.T) {
	f := newFixture(t, testSnapshot())
	if rec := f.do(http.MethodGet, "/redfish/v1/?rpvunknown", true); rec.Code != http.StatusOK {
		t.Errorf("unknown plain query option: %d", rec.Code)
	}
	// $filter is the one option not implemented (query_test.go covers the rest).
	for _, q := range []string{"%24filter=x", "a=1&$filter=Name"} {
		rec := f.do(http.MethodGet, "/redfish/v1/Chassis?"+q, true)
		if rec.Code != http.StatusNotImplemented {
			t.Errorf("?%s: %d", q, rec.Code)
			continue
		}
		if id := errorMessageID(t, rec); id != "Base.1.22.QueryParameterUnsupported" {
			t.Errorf("?%s: %s", q, id)
		}
	}
}

func TestODataVersionHeader(t *testing.T) {
	f := newFixture(t, testSnapshot())
	if rec := f.do(http.MethodGet, "/redfish/v1/", false, "OData-Version", "4.0"); rec.Code != http.StatusOK {
		t.Errorf("OData-Version 4.0: %d", rec.Code)
	}
	rec := f.do(http.MethodGet, "/redfish/v1/", false, "OData-Version", "4.1")
	if rec.Code != http.StatusPreconditionFailed {
		t.Fatalf("OData-Version 4.1: %d", rec.Code)
	}
	if id := errorMessageID(t, rec); id != "Base.1.22.HeaderInvalid" {
		t.Errorf("OData-Version 4.1: %s", id)
	}
}

func TestPanicIsAnInternalError(t *testing.T) {
	f := newFixture(t, testSnapshot())
	f.svc.router.handle("/redfish/v1/Boom", func(*reqCtx) (*rendered, error) { panic("boom") })
	f.svc.router.handle("/redfish/v1/Broken", func(*reqCtx) (*rendered, error) { return nil, errors.New("broken") })
	for _, p := range []string{"/redfish/v1/Boom", "/redfish/v1/Broken"} {
		rec := f.do(http.MethodGet, p, true)
		if rec.Code != http.StatusInternalServerError {
			t.Fatalf("%s: %d", p, rec.Code)
		}
		if id := errorMessageID(t, rec); id != "Base.1.22.InternalError" {
			t.Errorf("%s: %s", p, id)
		}
	}
	// The service carries on.
	f.get("/redfish/v1/Chassis")
}

// TestConcurrentReadersAndSnapshots runs readers against snapshot swaps, for
// the race detector: the body cache is replaced while being read.
func TestConcurrentReadersAndSnapshots(t *testing.T) {
	f := newFixture(t, testSnapshot())
	paths := []string{"/redfish/v1/Chassis", "/redfish/v1/Chassis/Sled0", "/redfish/v1/Chassis/Sled0/Drives/Slot1", "/redfish/v1/Managers/bmc", "/redfish/v1/Chassis/Sled2/Sensors/Temp"}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for g := uint64(8); g < 200; g++ {
			s := testSnapshot()
			s.Generation = g
			f.snap.Store(s)
		}
		close(stop)
	}()
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, paths[n%len(paths)], nil)
				req.SetBasicAuth(testUser, testPassword)
				rec := newDiscardWriter()
				f.h.ServeHTTP(rec, req)
				if rec.code != http.StatusOK {
					t.Errorf("GET %s: %d", req.URL.Path, rec.code)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// discardWriter is a ResponseWriter that keeps only the status, for
// concurrency tests and benchmarks.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func newDiscardWriter() *discardWriter { return &discardWriter{h: http.Header{}} }

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(c int)   { w.code = c }
func (w *discardWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.n += len(b)
	return len(b), nil
}
