package redfish

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// keysOf returns the property names of a JSON object body in body order.
func keysOf(t testing.TB, body []byte) []string {
	t.Helper()
	o, err := decodeObject(body)
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, body)
	}
	return o.keys
}

func TestQueryParse(t *testing.T) {
	for _, tc := range []struct {
		raw    string
		read   bool
		status int    // 0: parses
		id     string // MessageId key of the error
		check  func(*query) bool
	}{
		{raw: "", read: true, check: func(q *query) bool { return q == nil }},
		{raw: "rpvunknown&excerpt=x&a=b", read: true, check: func(q *query) bool { return q == nil }},
		{raw: "$select=Name,Status/Health", read: true, check: func(q *query) bool {
			return len(q.selects) == 2 && slices.Equal(q.selects[1], []string{"Status", "Health"})
		}},
		{raw: "$select=*,Name", read: true, check: func(q *query) bool { return q != nil && q.selects == nil }},
		{raw: "%24expand=%2A", read: true, check: func(q *query) bool { return q.expand == expandAll }},
		{raw: "$expand=.($levels=1)", read: true, check: func(q *query) bool { return q.expand == expandNoLinks }},
		{raw: "$expand=~", read: true, check: func(q *query) bool { return q.expand == expandLinks }},
		{raw: "$top=2&$skip=0&$select=Name", read: true, check: func(q *query) bool {
			return q.hasTop && q.top == 2 && q.hasSkip && q.skip == 0 && q.rest == "$select=Name"
		}},
		{raw: "only", read: true, check: func(q *query) bool { return q.only }},
		{raw: "only=", read: true, check: func(q *query) bool { return q.only }},
		{raw: "$filter=Id eq 'x'", read: true, check: func(q *query) bool { return q.hasFilter && q.filter == "Id eq 'x'" }},

		{raw: "$rpvunknown", read: true, status: 501, id: "QueryParameterUnsupported"},
		{raw: "$top=x&$zzz&$aaa", read: true, status: 501, id: "QueryParameterUnsupported"},
		{raw: "$count=true", read: false, status: 501, id: "QueryParameterUnsupported"},
		{raw: "only=foo", read: true, status: 400, id: "QueryParameterValueFormatError"},
		{raw: "only&$top=1", read: true, status: 400, id: "QueryCombinationInvalid"},
		{raw: "$top=1&$top=2", read: true, status: 400, id: "QueryCombinationInvalid"},
		{raw: "$top=x", read: true, status: 400, id: "QueryParameterValueTypeError"},
		{raw: "$top=", read: true, status: 400, id: "QueryParameterValueTypeError"},
		{raw: "$top=+1", read: true, status: 400, id: "QueryParameterValueTypeError"},
		{raw: "$skip=-1", read: true, status: 400, id: "QueryParameterOutOfRange"},
		{raw: "$skip=99999999999999999999", read: true, status: 400, id: "QueryParameterOutOfRange"},
		{raw: "$expand=Members", read: true, status: 400, id: "QueryParameterValueFormatError"},
		{raw: "$expand=", read: true, status: 400, id: "QueryParameterValueFormatError"},
		{raw: "$expand=*($levels=2)", read: true, status: 400, id: "QueryParameterOutOfRange"},
		{raw: "$expand=*($levels=0)", read: true, status: 400, id: "QueryParameterOutOfRange"},
		{raw: "$expand=*($levels=a)", read: true, status: 400, id: "QueryParameterValueTypeError"},
		{raw: "$expand=*($levels=1", read: true, status: 400, id: "QueryParameterValueFormatError"},
		{raw: "$select=", read: true, status: 400, id: "QueryParameterValueFormatError"},
		{raw: "$select=Name,,Id", read: true, status: 400, id: "QueryParameterValueFormatError"},
		{raw: "$select=Status//Health", read: true, status: 400, id: "QueryParameterValueFormatError"},
		{raw: "$select=Na me", read: true, status: 400, id: "QueryParameterValueFormatError"},
		{raw: "$select=" + strings.Repeat("a/", maxSelectDepth) + "a", read: true, status: 400, id: "QueryParameterValueFormatError"},
		{raw: "$select=" + strings.Repeat("a,", maxSelectPaths) + "a", read: true, status: 400, id: "QueryParameterValueFormatError"},
		{raw: "$select=%zz", read: true, status: 400, id: "QueryParameterValueFormatError"},
		{raw: "$filter=", read: true, status: 400, id: "QueryParameterValueFormatError"},
		{raw: "$select=Name", read: false, status: 400, id: "QueryNotSupportedOnOperation"},
		{raw: "only", read: false, status: 400, id: "QueryNotSupportedOnOperation"},
		{raw: "rpvunknown", read: false, check: func(q *query) bool { return q == nil }},
	} {
		q, e := parseQuery(tc.raw, tc.read)
		if tc.status != 0 {
			if e == nil {
				t.Errorf("%q: parsed, want %d %s", tc.raw, tc.status, tc.id)
			} else if e.status != tc.status || e.msg.key != tc.id {
				t.Errorf("%q: %d %s, want %d %s", tc.raw, e.status, e.msg.key, tc.status, tc.id)
			}
			continue
		}
		if e != nil {
			t.Errorf("%q: %d %s", tc.raw, e.status, e.msg.key)
			continue
		}
		if !tc.check(q) {
			t.Errorf("%q: parsed as %+v", tc.raw, q)
		}
	}
}

// TestQueryErrorsThroughHandler checks the statuses and Redfish error
// bodies the pipeline sends for bad queries, and that plain options are
// ignored.
func TestQueryErrorsThroughHandler(t *testing.T) {
	f := newFixture(t, testSnapshot())
	if rec := f.do(http.MethodGet, "/redfish/v1/?rpvunknown", false); rec.Code != http.StatusOK {
		t.Errorf("unknown plain query option: %d", rec.Code)
	}
	for _, tc := range []struct {
		method, target string
		status         int
		id             string
	}{
		{"GET", "/redfish/v1/?$rpvunknown", 501, "QueryParameterUnsupported"},
		{"GET", "/redfish/v1/Chassis?%24filter=Id%20eq%20'Sled0'", 501, "QueryParameterUnsupported"},
		{"GET", "/redfish/v1/SessionService/Sessions?only=foo", 400, "QueryParameterValueFormatError"},
		{"GET", "/redfish/v1/Chassis?$top=two", 400, "QueryParameterValueTypeError"},
		{"GET", "/redfish/v1/Chassis?$expand=.($levels=3)", 400, "QueryParameterOutOfRange"},
		{"GET", "/redfish/v1/Chassis/Sled0?$top=1", 400, "QueryNotSupportedOnResource"},
		{"GET", "/redfish/v1/Chassis/Sled0?only", 400, "QueryNotSupportedOnResource"},
		{"GET", "/redfish/v1/$metadata?$select=Name", 400, "QueryNotSupportedOnResource"},
		{"HEAD", "/redfish/v1/Chassis?$top=x", 400, ""},
		{"PATCH", "/redfish/v1/Chassis/Sled0?$select=Name", 400, "QueryNotSupportedOnOperation"},
	} {
		rec := f.do(tc.method, tc.target, true)
		if rec.Code != tc.status {
			t.Errorf("%s %s: %d, want %d\n%s", tc.method, tc.target, rec.Code, tc.status, rec.Body)
			continue
		}
		if tc.id == "" {
			if rec.Body.Len() != 0 {
				t.Errorf("%s %s: body on HEAD", tc.method, tc.target)
			}
			continue
		}
		if id := errorMessageID(t, rec); id != baseRegistry+tc.id {
			t.Errorf("%s %s: %s, want %s", tc.method, tc.target, id, tc.id)
		}
	}
	// A query never lets a stranger in.
	if rec := f.do(http.MethodGet, "/redfish/v1/Chassis?$expand=.", false); rec.Code != http.StatusUnauthorized {
		t.Errorf("unauthenticated $expand: %d", rec.Code)
	}
}

func TestQueryFeatures(t *testing.T) {
	f := newFixture(t, testSnapshot())
	root := f.get("/redfish/v1")
	pf := at(t, root, "ProtocolFeaturesSupported").(map[string]any)
	want := map[string]any{
		"FilterQuery": false, "SelectQuery": true, "ExcerptQuery": false, "OnlyMemberQuery": true,
		"TopSkipQuery": true, "MultipleHTTPRequests": true,
	}
	for k, v := range want {
		if pf[k] != v {
			t.Errorf("ProtocolFeaturesSupported.%s = %v, want %v", k, pf[k], v)
		}
	}
	eq := pf["ExpandQuery"].(map[string]any)
	for k, v := range map[string]any{"ExpandAll": true, "Levels": true, "Links": true, "NoLinks": true, "MaxLevels": float64(1)} {
		if eq[k] != v {
			t.Errorf("ExpandQuery.%s = %v, want %v", k, eq[k], v)
		}
	}
}

func TestQuerySelect(t *testing.T) {
	f := newFixture(t, testSnapshot())
	rec := f.do(http.MethodGet, "/redfish/v1/Chassis/Sled0?$select=Status/Health,Name,Links/ManagedBy,Nope,Name/Sub", true)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	// Properties keep the resource's order, not the $select's.
	if got, want := keysOf(t, rec.Body.Bytes()), []string{"@odata.id", "@odata.type", "@odata.etag", "Id", "Name", "Status", "Links"}; !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	m := decode(t, rec.Body.Bytes())
	if st := m["Status"].(map[string]any); len(st) != 1 || st["Health"] != "OK" {
		t.Errorf("Status: %v", st)
	}
	if l := m["Links"].(map[string]any); len(l) != 1 || at(t, l, "ManagedBy", 0, "@odata.id") != managerPath {
		t.Errorf("Links: %v", l)
	}
	if m["Name"] != "Sled in Bay 0" {
		t.Errorf("Name: %v", m["Name"])
	}
	if rec.Header().Get("Link") == "" || rec.Header().Get("Allow") == "" {
		t.Errorf("headers of the resource missing: %v", rec.Header())
	}

	// A selected property keeps its annotations.
	c := f.do(http.MethodGet, "/redfish/v1/Chassis?$select=Members", true)
	if got, want := keysOf(t, c.Body.Bytes()), []string{"@odata.id", "@odata.type", "@odata.etag", "Members", "Members@odata.count"}; !slices.Equal(got, want) {
		t.Errorf("collection keys %v, want %v", got, want)
	}
	// $select=* is the whole resource, byte for byte.
	plain := f.do(http.MethodGet, "/redfish/v1/Chassis/Sled0", true)
	star := f.do(http.MethodGet, "/redfish/v1/Chassis/Sled0?$select=*", true)
	if !bytes.Equal(plain.Body.Bytes(), star.Body.Bytes()) {
		t.Errorf("$select=* differs:\n%s\n%s", plain.Body, star.Body)
	}
}

// TestQueryRoundTrip: decoding and encoding a body again changes nothing,
// for every kind of resource, so a query only changes what it asks for.
func TestQueryRoundTrip(t *testing.T) {
	f := newFixture(t, testSnapshot())
	for _, p := range []string{
		"/redfish", "/redfish/v1", "/redfish/v1/odata", "/redfish/v1/Chassis", "/redfish/v1/Chassis/Enclosure",
		"/redfish/v1/Chassis/Sled0", "/redfish/v1/Chassis/Sled2", "/redfish/v1/Chassis/Sled0/Drives/Slot1",
		"/redfish/v1/Chassis/Sled0/Sensors", managerPath,
	} {
		rec := f.do(http.MethodGet, p, true)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", p, rec.Code)
			continue
		}
		o, err := decodeObject(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out, err := encodeIndented(o)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if p == managerPath {
			continue // DateTime changes between requests; decoding sufficed
		}
		if !bytes.Equal(out, rec.Body.Bytes()) {
			t.Errorf("%s: round trip differs:\n%s\n%s", p, rec.Body, out)
		}
	}
}

func TestQueryExpand(t *testing.T) {
	f := newFixture(t, testSnapshot())
	isExpanded := func(v any) bool {
		m, ok := v.(map[string]any)
		return ok && len(m) > 1 && m["@odata.type"] != nil
	}

	// ".": collection members, and the links outside Links.
	c := f.get("/redfish/v1/Chassis?$expand=.")
	members := c["Members"].([]any)
	if len(members) != 4 || c["Members@odata.count"] != float64(4) {
		t.Fatalf("members: %v", c)
	}
	for i, m := range members {
		if !isExpanded(m) || at(t, m, "@odata.type") != schemaChassis.odataType() {
			t.Errorf("member %d not expanded: %v", i, m)
		}
	}
	// One level: the expanded members' own links stay links.
	if d := at(t, members[1], "Drives"); isExpanded(d) {
		t.Errorf("second level expanded: %v", d)
	}

	sled := f.get("/redfish/v1/Chassis/Sled0?$expand=.")
	if !isExpanded(sled["Drives"]) || at(t, sled, "Drives", "Members@odata.count") != float64(3) {
		t.Errorf(". did not expand Drives: %v", sled["Drives"])
	}
	if isExpanded(at(t, sled, "Links", "ContainedBy")) {
		t.Errorf(". expanded a link in Links")
	}

	sled = f.get("/redfish/v1/Chassis/Sled0?$expand=~")
	if isExpanded(sled["Drives"]) {
		t.Errorf("~ expanded a link outside Links")
	}
	if !isExpanded(at(t, sled, "Links", "ContainedBy")) || !isExpanded(at(t, sled, "Links", "ManagedBy", 0)) ||
		!isExpanded(at(t, sled, "Links", "Drives", 2)) {
		t.Errorf("~ did not expand Links: %v", sled["Links"])
	}
	if at(t, sled, "Links", "Drives", 2, "@odata.id") != "/redfish/v1/Chassis/Sled0/Drives/Slot3" {
		t.Errorf("expanded drive: %v", at(t, sled, "Links", "Drives", 2))
	}

	sled = f.get("/redfish/v1/Chassis/Sled0?$expand=*($levels=1)")
	if !isExpanded(sled["Drives"]) || !isExpanded(at(t, sled, "Links", "ContainedBy")) {
		t.Errorf("* did not expand everything: %v", sled)
	}

	// $expand with $select: the expanded members keep their identity.
	rec := f.do(http.MethodGet, "/redfish/v1/Chassis?$expand=.&$select=Members/Name", true)
	m0 := at(t, decode(t, rec.Body.Bytes()), "Members", 0).(map[string]any)
	if len(m0) != 5 || m0["@odata.etag"] == nil || m0["Name"] != "Test enclosure" || m0["Id"] != "Enclosure" || m0["@odata.id"] == nil {
		t.Errorf("expanded and selected member: %v", m0)
	}
}

func TestQueryExpandPublicRoot(t *testing.T) {
	f := newFixture(t, testSnapshot())
	// Without credentials the service root's links stay links: expanding
	// them would show what only an account may read.
	root := decode(t, f.do(http.MethodGet, "/redfish/v1?$expand=*", false).Body.Bytes())
	if c := root["Chassis"].(map[string]any); len(c) != 1 {
		t.Errorf("unauthenticated expand leaked the Chassis collection: %v", c)
	}
	root = decode(t, f.do(http.MethodGet, "/redfish/v1?$expand=*", true).Body.Bytes())
	if c := root["Chassis"].(map[string]any); c["Members@odata.count"] != float64(4) {
		t.Errorf("authenticated expand of the root: %v", c)
	}
	// Bad credentials on a public resource: still served, still no leak.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/redfish/v1?$expand=.", nil)
	req.SetBasicAuth(testUser, "wrong password")
	f.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("bad credentials on the root: %d", rec.Code)
	}
	if c := decode(t, rec.Body.Bytes())["Chassis"].(map[string]any); len(c) != 1 {
		t.Errorf("bad credentials expanded: %v", c)
	}
}

func TestQueryTopSkip(t *testing.T) {
	f := newFixture(t, testSnapshot())
	ids := func(m map[string]any) []string {
		var out []string
		for _, e := range m["Members"].([]any) {
			out = append(out, e.(map[string]any)["@odata.id"].(string))
		}
		return out
	}
	all := ids(f.get("/redfish/v1/Chassis"))
	if len(all) != 4 {
		t.Fatalf("chassis: %v", all)
	}
	// Follow the nextLinks: every member once, in order, the count always
	// the total.
	var seen []string
	next := "/redfish/v1/Chassis?$top=3&$select=Members"
	for pages := 0; next != ""; pages++ {
		if pages > 4 {
			t.Fatal("nextLinks do not end")
		}
		rec := f.do(http.MethodGet, next, true)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", next, rec.Code, rec.Body)
		}
		m := decode(t, rec.Body.Bytes())
		if m["Members@odata.count"] != float64(4) {
			t.Errorf("%s: count %v", next, m["Members@odata.count"])
		}
		if m["Name"] != nil {
			t.Errorf("%s: $select lost on the next page", next)
		}
		seen = append(seen, ids(m)...)
		next, _ = m["Members@odata.nextLink"].(string)
		if pages == 0 && next != "/redfish/v1/Chassis?$select=Members&$skip=3&$top=3" {
			t.Errorf("nextLink %q", next)
		}
	}
	if !slices.Equal(seen, all) {
		t.Errorf("pages gave %v, want %v", seen, all)
	}
	for _, tc := range []struct {
		q    string
		want []string
		next bool
	}{
		{"$skip=1", all[1:], false},
		{"$skip=1&$top=2", all[1:3], true},
		{"$skip=4", nil, false},
		{"$skip=2147483647&$top=2147483647", nil, false},
		{"$top=0", nil, false},
		{"$top=10", all, false},
	} {
		m := f.get("/redfish/v1/Chassis?" + tc.q)
		if got := ids(m); !slices.Equal(got, tc.want) {
			t.Errorf("?%s: %v, want %v", tc.q, got, tc.want)
		}
		if _, ok := m["Members@odata.nextLink"]; ok != tc.next {
			t.Errorf("?%s: nextLink %v", tc.q, m["Members@odata.nextLink"])
		}
	}
	// $top with $expand expands only the page.
	m := f.get("/redfish/v1/Chassis?$top=1&$expand=.")
	if ms := m["Members"].([]any); len(ms) != 1 || at(t, ms[0], "Id") != "Enclosure" {
		t.Errorf("$top with $expand: %v", ms)
	}
}

func TestQueryOnly(t *testing.T) {
	f := newFixture(t, testSnapshot())
	// One member: the member itself, with its own headers.
	rec := f.do(http.MethodGet, "/redfish/v1/Chassis/Sled2/Drives?only", true)
	if rec.Code != http.StatusOK {
		t.Fatalf("only: %d %s", rec.Code, rec.Body)
	}
	drive := f.do(http.MethodGet, "/redfish/v1/Chassis/Sled2/Drives/Slot0", true)
	if !bytes.Equal(rec.Body.Bytes(), drive.Body.Bytes()) || rec.Header().Get("ETag") != drive.Header().Get("ETag") {
		t.Errorf("only gave\n%s\nnot the member\n%s", rec.Body, drive.Body)
	}
	if rec.Header().Get("Allow") != drive.Header().Get("Allow") || rec.Header().Get("Link") != drive.Header().Get("Link") {
		t.Errorf("only: headers %v, member's %v", rec.Header(), drive.Header())
	}
	// Several members: the collection, as usual.
	plain := f.do(http.MethodGet, "/redfish/v1/Chassis", true)
	if rec := f.do(http.MethodGet, "/redfish/v1/Chassis?only=", true); !bytes.Equal(rec.Body.Bytes(), plain.Body.Bytes()) {
		t.Errorf("only on four members:\n%s", rec.Body)
	}
	// Zero members: the collection.
	if m := f.get("/redfish/v1/Chassis/Sled3/Drives?only"); m["Members@odata.count"] != float64(0) {
		t.Errorf("only on no members: %v", m)
	}
}

func TestQueryETag(t *testing.T) {
	f := newFixture(t, testSnapshot())
	const p = "/redfish/v1/Chassis/Sled0?$select=Name"
	first := f.do(http.MethodGet, p, true)
	etag := first.Header().Get("ETag")
	plain := f.do(http.MethodGet, "/redfish/v1/Chassis/Sled0", true)
	if etag == "" || etag == plain.Header().Get("ETag") {
		t.Fatalf("queried ETag %q, plain %q", etag, plain.Header().Get("ETag"))
	}
	if first.Header().Get("Content-Length") != "" && first.Header().Get("Content-Length") != itoa(first.Body.Len()) {
		t.Errorf("Content-Length %s for %d bytes", first.Header().Get("Content-Length"), first.Body.Len())
	}
	if rec := f.do(http.MethodGet, p, true, "If-None-Match", etag); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match on a queried GET: %d", rec.Code)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestAnnotateETag(t *testing.T) {
	type doc struct {
		ID    string `json:"@odata.id"`
		Type  string `json:"@odata.type"`
		Name  string `json:"Name"`
		Inner struct {
			Type string `json:"@odata.type"`
		} `json:"Inner"`
	}
	var d doc
	d.ID, d.Type, d.Name, d.Inner.Type = "/redfish/v1/X", "#X.v1_0_0.X", "x", "#Y"
	r, err := renderRawJSON(d) // without the annotation renderJSON adds
	if err != nil {
		t.Fatal(err)
	}
	a := annotateETag(r)
	if got, want := keysOf(t, a.body), []string{"@odata.id", "@odata.type", "@odata.etag", "Name", "Inner"}; !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v\n%s", got, want, a.body)
	}
	m := decode(t, a.body)
	if m["@odata.etag"] != r.etag || a.etag != r.etag || a.hdrETag[0] != r.etag {
		t.Errorf("@odata.etag %v, ETag %s", m["@odata.etag"], a.etag)
	}
	if a.hdrContentLength[0] != itoa(len(a.body)) {
		t.Errorf("Content-Length %s for %d bytes", a.hdrContentLength[0], len(a.body))
	}
	// The ETag is the hash of the body without the property.
	o, _ := decodeObject(a.body)
	o.remove("@odata.etag")
	without, _ := encodeIndented(o)
	if newRendered(without, contentTypeJSON).etag != a.etag {
		t.Error("ETag is not the hash of the body without @odata.etag")
	}
	if bytes.Contains(r.body, []byte("@odata.etag")) {
		t.Error("annotateETag changed its argument")
	}
	// No @odata.type, or @odata.type last: first place. Not JSON: as is.
	for _, body := range []string{"{\n  \"a\": 1\n}\n", "{\n  \"a\": 1,\n  \"@odata.type\": \"#T\"\n}\n"} {
		out := annotateETag(newRendered([]byte(body), contentTypeJSON))
		if !json.Valid(out.body) || keysOf(t, out.body)[0] != "@odata.etag" {
			t.Errorf("%q -> %s", body, out.body)
		}
	}
	for _, body := range []string{"{}", "[1]", "<xml/>"} {
		in := newRendered([]byte(body), contentTypeJSON)
		if out := annotateETag(in); out != in {
			t.Errorf("%q changed: %s", body, out.body)
		}
	}

	// A queried response of an annotated body is annotated with its own
	// ETag.
	f := newFixture(t, testSnapshot())
	const p = "/redfish/v1/Chassis/Sled0"
	rc := &reqCtx{path: p, snap: f.snap.Load(), who: principal{user: testUser, role: RoleAdministrator}}
	rt, params := f.svc.router.match(p, rc.paramBuf[:0])
	rc.params = params
	res, err := f.svc.render(rt, rc)
	if err != nil {
		t.Fatal(err)
	}
	q, qe := parseQuery("$select=Name", true)
	if qe != nil {
		t.Fatal(qe)
	}
	req := httptest.NewRequest(http.MethodGet, p+"?$select=Name", nil)
	_, out, err := f.svc.applyQuery(req, rt, rc, annotateETag(res), q)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keysOf(t, out.body), []string{"@odata.id", "@odata.type", "@odata.etag", "Id", "Name"}; !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	if decode(t, out.body)["@odata.etag"] != out.etag || out.etag == res.etag {
		t.Errorf("queried @odata.etag %v, ETag %s (resource's %s)", decode(t, out.body)["@odata.etag"], out.etag, res.etag)
	}
}

func TestQueryJSONDecoder(t *testing.T) {
	for _, bad := range []string{"", "[]", "1", "{", `{"a":1}x`, `{"a":[1,}`, strings.Repeat("[", 100) + strings.Repeat("]", 100)} {
		if _, err := decodeObject([]byte(bad)); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
	o, err := decodeObject([]byte(`{"b":1.50,"a":[true,null,"<x>"],"b":2e3}`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := encodeIndented(o)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"b\": 2e3,\n  \"a\": [\n    true,\n    null,\n    \"\\u003cx\\u003e\"\n  ]\n}\n"
	if string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
	o.insertAfter("b", "c", "x")
	o.insertAfter("zz", "d", "y")
	o.remove("a")
	o.remove("nope")
	if !slices.Equal(o.keys, []string{"b", "c", "d"}) {
		t.Errorf("keys %v", o.keys)
	}
}

// FuzzQuery sends arbitrary query strings to a collection, a resource and
// the public root: the answer is always 200 with a JSON object, or a
// Redfish error with the status DSP0266 gives (400 or 501), never a panic
// or a 500.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"$select=Name,Status/Health", "$expand=*($levels=1)", "$expand=.&$select=Members/Name",
		"$top=1&$skip=2", "only", "only=foo", "$filter=Id eq 'Sled0'", "$levels=1", "%24expand=~",
		"$select=%zz", "$top=-0", "$skip=" + strings.Repeat("9", 30), "a=b&&&=", "$expand=*($levels=)",
	} {
		f.Add(s)
	}
	fx := newFixture(f, testSnapshot())
	f.Fuzz(func(t *testing.T, raw string) {
		for _, p := range []string{"/redfish/v1/Chassis", "/redfish/v1/Chassis/Sled0", "/redfish/v1"} {
			req := httptest.NewRequest(http.MethodGet, p, nil)
			req.URL.RawQuery = raw
			req.SetBasicAuth(testUser, testPassword)
			rec := httptest.NewRecorder()
			fx.h.ServeHTTP(rec, req)
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s?%q: %d, body not JSON:\n%s", p, raw, rec.Code, rec.Body)
			}
			m := decode(t, rec.Body.Bytes())
			switch rec.Code {
			case http.StatusOK:
				if m["@odata.id"] == nil {
					t.Fatalf("%s?%q: no @odata.id: %s", p, raw, rec.Body)
				}
			case http.StatusBadRequest, http.StatusNotImplemented:
				if errorMessageID(t, rec) == "" {
					t.Fatalf("%s?%q: no MessageId", p, raw)
				}
			default:
				t.Fatalf("%s?%q: status %d\n%s", p, raw, rec.Code, rec.Body)
			}
		}
	})
}

// TestQueryExpandKeepsPrivileges: an expanded member is exactly what the
// caller would get by a GET of it, and a member the caller may not read
// stays a link. The collections are rendered as an administrator and
// expanded as a ReadOnly user who owns none of the members.
func TestQueryExpandKeepsPrivileges(t *testing.T) {
	f := newFixture(t, testSnapshot())
	if _, _, err := f.svc.sessions.create(testUser, RoleAdministrator, "192.0.2.1", ""); err != nil {
		t.Fatal(err)
	}
	admin := principal{user: testUser, role: RoleAdministrator}
	ro := principal{user: "someone-else", role: RoleReadOnly}
	for _, p := range []string{sessionsPath, accountServicePath + "/Accounts", "/redfish/v1/Chassis"} {
		rc := &reqCtx{path: p, snap: f.snap.Load(), who: admin}
		rt, params := f.svc.router.match(p, rc.paramBuf[:0])
		if rt == nil {
			t.Errorf("%s: no route", p)
			continue
		}
		rc.params = params
		res, err := f.svc.render(rt, rc)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		doc, err := decodeObject(res.body)
		if err != nil {
			t.Fatal(err)
		}
		members := slices.Clone(doc.vals["Members"].([]any))
		if len(members) == 0 {
			t.Errorf("%s: no members to expand", p)
		}
		f.svc.expandLinks(doc, expandNoLinks, rc, ro)
		for i, m := range doc.vals["Members"].([]any) {
			id, _ := linkTarget(members[i])
			_, direct, err := f.svc.getLinked(rc, ro, id)
			if err != nil {
				if _, stillLink := linkTarget(m); !stillLink {
					t.Errorf("%s: %s expanded for a user refused a GET of it (%v)", p, id, err)
				}
				continue
			}
			got, _ := encodeIndented(m)
			if !bytes.Equal(got, direct.body) {
				t.Errorf("%s: expanded %s differs from its GET:\n%s\n%s", p, id, got, direct.body)
			}
		}
	}
}
