package redfish

import (
	"encoding/json"
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
)

// secFixture is a service over accounts of its own, so a test may create,
// change and lock accounts without touching the shared ones, with a clock
// that drives both the lockout and the session store.
type secFixture struct {
	t     testing.TB
	dir   string
	acc   *Accounts
	svc   *Service
	h     http.Handler
	clock *secClock
}

// secClock is a settable clock.
type secClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *secClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *secClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// secCred is how a request authenticates: Basic with user and pass, or a
// session token; the zero value sends no credentials.
type secCred struct{ user, pass, token string }

var secAdmin = secCred{user: testUser, pass: testPassword}

func newSecFixture(t testing.TB) *secFixture {
	t.Helper()
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(testPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	a, _, err := OpenAccounts(state, pw, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	f := &secFixture{t: t, dir: state, acc: a, clock: &secClock{t: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)}}
	a.now = f.clock.now
	f.svc = f.newService()
	f.h = f.svc.Handler()
	return f
}

// newService makes another service over the fixture's accounts.
func (f *secFixture) newService() *Service {
	f.t.Helper()
	snap := testSnapshot()
	svc, err := New(Config{Snapshot: func() *agent.Snapshot { return snap }, Accounts: f.acc, Logger: quietLogger(), UUID: testUUID})
	if err != nil {
		f.t.Fatal(err)
	}
	svc.sessions.now = f.clock.now
	return svc
}

// send makes one request through the handler.
func (f *secFixture) send(c secCred, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	return secRequest(f.h, c, method, target, body, hdr...)
}

// secRequest makes one request through h. It takes no testing.TB, so fuzz
// targets can use it.
func secRequest(h http.Handler, c secCred, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, target, nil)
	} else {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.token != "":
		req.Header.Set("X-Auth-Token", c.token)
	case c.user != "":
		req.SetBasicAuth(c.user, c.pass)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// expect checks a response's status and, for an error, its first
// MessageId ("" to skip); it returns the decoded body.
func (f *secFixture) expect(rec *httptest.ResponseRecorder, status int, messageID string) map[string]any {
	f.t.Helper()
	if rec.Code != status {
		f.t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if rec.Body.Len() == 0 {
		return nil
	}
	if status >= 400 {
		if ids := secErrorIDs(f.t, rec); messageID != "" && ids[0] != "Base.1.22."+messageID && !(messageID == "GeneralError" && len(ids) > 1) {
			f.t.Fatalf("MessageIds %v, want %s; body %s", ids, messageID, rec.Body)
		}
	}
	return decode(f.t, rec.Body.Bytes())
}

// secErrorIDs checks the shape of a Redfish error body and returns its
// MessageIds. The code is the only message's Id, or GeneralError when there
// are several.
func secErrorIDs(t testing.TB, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != contentTypeJSON {
		t.Errorf("error Content-Type %q", ct)
	}
	m := decode(t, rec.Body.Bytes())
	var ids []string
	for _, e := range at(t, m, "error", "@Message.ExtendedInfo").([]any) {
		info := e.(map[string]any)
		for _, k := range []string{"@odata.type", "MessageId", "Message", "MessageArgs", "MessageSeverity", "Resolution"} {
			if _, ok := info[k]; !ok {
				t.Errorf("ExtendedInfo has no %s: %v", k, info)
			}
		}
		id, _ := info["MessageId"].(string)
		ids = append(ids, id)
	}
	code := at(t, m, "error", "code")
	switch {
	case len(ids) == 0:
		t.Fatalf("error without messages: %s", rec.Body)
	case len(ids) == 1 && code != ids[0], len(ids) > 1 && code != "Base.1.22.GeneralError":
		t.Errorf("error code %v for messages %v", code, ids)
	}
	return ids
}

// createAccount makes an account through the service and returns its URI.
func (f *secFixture) createAccount(user, pass, role string) string {
	f.t.Helper()
	rec := f.send(secAdmin, http.MethodPost, accountsPath,
		`{"UserName":"`+user+`","Password":"`+pass+`","RoleId":"`+role+`"}`)
	f.expect(rec, http.StatusCreated, "")
	return rec.Header().Get("Location")
}

// canLogIn reports whether Basic credentials are accepted.
func (f *secFixture) canLogIn(user, pass string) bool {
	f.t.Helper()
	rec := f.send(secCred{user: user, pass: pass}, http.MethodGet, accountServicePath, "")
	switch rec.Code {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	}
	f.t.Fatalf("GET as %s: status %d", user, rec.Code)
	return false
}

func TestAccountServiceResource(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	m := f.expect(f.send(secAdmin, http.MethodGet, accountServicePath, ""), http.StatusOK, "")
	for k, want := range map[string]any{
		"@odata.type": "#AccountService.v1_18_0.AccountService", "Id": "AccountService",
		"ServiceEnabled": true, "MinPasswordLength": 8.0, "MaxPasswordLength": 72.0,
		"AccountLockoutThreshold": 5.0, "AccountLockoutDuration": 60.0, "AccountLockoutCounterResetAfter": 60.0,
		"HTTPBasicAuth": "Enabled", "LocalAccountAuth": "Enabled",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if at(t, m, "Accounts", "@odata.id") != accountsPath || at(t, m, "Roles", "@odata.id") != rolesPath {
		t.Errorf("links: %v %v", m["Accounts"], m["Roles"])
	}

	roles := f.expect(f.send(secAdmin, http.MethodGet, rolesPath, ""), http.StatusOK, "")
	if roles["Members@odata.count"] != 3.0 {
		t.Errorf("roles: %v", roles)
	}
	// The standard roles' privileges, as the privilege registry and the
	// protocol validator have them.
	for id, want := range map[string][]string{
		"Administrator": {"ConfigureComponents", "ConfigureManager", "ConfigureSelf", "ConfigureUsers", "Login"},
		"Operator":      {"ConfigureComponents", "ConfigureSelf", "Login"},
		"ReadOnly":      {"ConfigureSelf", "Login"},
	} {
		r := f.expect(f.send(secAdmin, http.MethodGet, rolesPath+"/"+id, ""), http.StatusOK, "")
		var got []string
		for _, p := range r["AssignedPrivileges"].([]any) {
			got = append(got, p.(string))
		}
		slices.Sort(got)
		if !slices.Equal(got, want) || r["IsPredefined"] != true || r["RoleId"] != id || r["@odata.type"] != "#Role.v1_3_0.Role" {
			t.Errorf("role %s: %v", id, r)
		}
		// Predefined roles cannot be changed.
		f.expect(f.send(secAdmin, http.MethodPatch, rolesPath+"/"+id, `{"AssignedPrivileges":["Login"]}`), http.StatusMethodNotAllowed, "OperationNotAllowed")
	}
	f.expect(f.send(secAdmin, http.MethodGet, rolesPath+"/Root", ""), http.StatusNotFound, "ResourceMissingAtURI")

	// The first account: Id 1, password never shown.
	acc := f.expect(f.send(secAdmin, http.MethodGet, accountsPath+"/1", ""), http.StatusOK, "")
	if v, ok := acc["Password"]; !ok || v != nil {
		t.Errorf("Password %v (present %v), want null", v, ok)
	}
	for k, want := range map[string]any{
		"@odata.type": "#ManagerAccount.v1_14_0.ManagerAccount", "Id": "1", "UserName": "admin",
		"RoleId": "Administrator", "Enabled": true, "Locked": false,
	} {
		if acc[k] != want {
			t.Errorf("account %s = %v, want %v", k, acc[k], want)
		}
	}
	if at(t, acc, "Links", "Role", "@odata.id") != rolesPath+"/Administrator" || at(t, acc, "AccountTypes", 0) != "Redfish" {
		t.Errorf("account: %v", acc)
	}
}

func TestAccountCreatePatchDelete(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	rec := f.send(secAdmin, http.MethodPost, accountsPath, `{"UserName":"alice","Password":"alice-pass-1","RoleId":"Operator"}`)
	m := f.expect(rec, http.StatusCreated, "")
	loc := rec.Header().Get("Location")
	if loc != accountsPath+"/2" || m["@odata.id"] != loc || m["UserName"] != "alice" || m["Enabled"] != true || m["Password"] != nil {
		t.Fatalf("created %s: %v", loc, m)
	}
	if !f.canLogIn("alice", "alice-pass-1") {
		t.Fatal("new account cannot log in")
	}
	// Through the Members URI too, disabled from the start.
	rec = f.send(secAdmin, http.MethodPost, accountsPath+"/Members", `{"UserName":"bob","Password":"bob-pass-12","RoleId":"ReadOnly","Enabled":false,"AccountTypes":["Redfish"]}`)
	if f.expect(rec, http.StatusCreated, "")["Enabled"] != false || f.canLogIn("bob", "bob-pass-12") {
		t.Error("disabled account logs in")
	}
	// The same name again.
	rec = f.send(secAdmin, http.MethodPost, accountsPath, `{"UserName":"alice","Password":"other-pass-1","RoleId":"ReadOnly"}`)
	body := f.expect(rec, http.StatusConflict, "ResourceAlreadyExists")
	if args := at(t, body, "error", "@Message.ExtendedInfo", 0, "MessageArgs").([]any); len(args) != 3 || args[2] != "alice" {
		t.Errorf("args %v", args)
	}
	coll := f.expect(f.send(secAdmin, http.MethodGet, accountsPath, ""), http.StatusOK, "")
	if coll["Members@odata.count"] != 3.0 {
		t.Errorf("collection: %v", coll)
	}

	// Password: the old one stops working, also when it was remembered.
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Password":"alice-pass-2"}`), http.StatusOK, "")
	if f.canLogIn("alice", "alice-pass-1") || !f.canLogIn("alice", "alice-pass-2") {
		t.Error("password change not applied")
	}
	// Role, then enabled, then name, in one PATCH each.
	if m := f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"RoleId":"ReadOnly"}`), http.StatusOK, ""); m["RoleId"] != "ReadOnly" || at(t, m, "Links", "Role", "@odata.id") != rolesPath+"/ReadOnly" {
		t.Errorf("after role change: %v", m)
	}
	if role, ok := f.acc.Authenticate("alice", "alice-pass-2"); !ok || role != RoleReadOnly {
		t.Errorf("role %q %v", role, ok)
	}
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Enabled":false}`), http.StatusOK, "")
	if f.canLogIn("alice", "alice-pass-2") {
		t.Error("disabled account logs in")
	}
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Enabled":true,"UserName":"alice2"}`), http.StatusOK, "")
	if f.canLogIn("alice", "alice-pass-2") || !f.canLogIn("alice2", "alice-pass-2") {
		t.Error("rename not applied")
	}
	// Renaming onto a taken name.
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"UserName":"bob"}`), http.StatusConflict, "ResourceAlreadyExists")

	// Everything so far is in the file: a restart sees it.
	b, _, err := OpenAccounts(f.dir, "", quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if got := b.list(); len(got) != 3 || got[1] != (accountInfo{ID: "2", UserName: "alice2", RoleID: RoleReadOnly, Enabled: true}) {
		t.Errorf("reloaded: %+v", got)
	}

	// Delete: gone for login and GET; its Id is not reused.
	if rec := f.send(secAdmin, http.MethodDelete, loc, ""); rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("DELETE: %d %s", rec.Code, rec.Body)
	}
	if f.canLogIn("alice2", "alice-pass-2") {
		t.Error("deleted account logs in")
	}
	f.expect(f.send(secAdmin, http.MethodGet, loc, ""), http.StatusNotFound, "ResourceMissingAtURI")
	f.expect(f.send(secAdmin, http.MethodDelete, loc, ""), http.StatusNotFound, "ResourceMissingAtURI")
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Enabled":true}`), http.StatusNotFound, "ResourceMissingAtURI")
	if got := f.createAccount("carol", "carol-pass-1", RoleReadOnly); got != accountsPath+"/4" {
		t.Errorf("new account at %s, want Id 4", got)
	}
	c, _, err := OpenAccounts(f.dir, "", quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if got := c.list(); len(got) != 3 || got[2].UserName != "carol" || got[2].ID != "4" {
		t.Errorf("reloaded after delete: %+v", got)
	}
}

func TestAccountBodyValidation(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	for _, tc := range []struct {
		name, body string
		ids        []string
	}{
		{"missing everything", `{}`, []string{"PropertyMissing", "PropertyMissing", "PropertyMissing"}},
		{"missing role", `{"UserName":"u1","Password":"long-enough"}`, []string{"PropertyMissing"}},
		{"short password", `{"UserName":"u1","Password":"1234567","RoleId":"ReadOnly"}`, []string{"PasswordIncorrectLength"}},
		{"long password", `{"UserName":"u1","Password":"` + strings.Repeat("x", 73) + `","RoleId":"ReadOnly"}`, []string{"PasswordIncorrectLength"}},
		{"short in characters", `{"UserName":"u1","Password":"ééééééé","RoleId":"ReadOnly"}`, []string{"PasswordIncorrectLength"}},
		{"unknown role", `{"UserName":"u1","Password":"long-enough","RoleId":"Root"}`, []string{"PropertyValueNotInList"}},
		{"colon in name", `{"UserName":"a:b","Password":"long-enough","RoleId":"ReadOnly"}`, []string{"PropertyValueFormatError"}},
		{"space in name", `{"UserName":"a b","Password":"long-enough","RoleId":"ReadOnly"}`, []string{"PropertyValueFormatError"}},
		{"long name", `{"UserName":"` + strings.Repeat("u", 33) + `","Password":"long-enough","RoleId":"ReadOnly"}`, []string{"PropertyValueFormatError"}},
		{"wrong types", `{"UserName":7,"Password":true,"RoleId":"ReadOnly","Enabled":"yes"}`, []string{"PropertyValueTypeError", "PropertyValueTypeError", "PropertyValueTypeError"}},
		{"unknown property", `{"UserName":"u1","Password":"long-enough","RoleId":"ReadOnly","Shell":"/bin/sh"}`, []string{"PropertyUnknown"}},
		{"read-only Id", `{"Id":"9","UserName":"u1","Password":"long-enough","RoleId":"ReadOnly"}`, []string{"PropertyNotWritable"}},
		{"account type", `{"UserName":"u1","Password":"long-enough","RoleId":"ReadOnly","AccountTypes":["IPMI"]}`, []string{"PropertyValueNotInList"}},
		{"locked", `{"UserName":"u1","Password":"long-enough","RoleId":"ReadOnly","Locked":true}`, []string{"PropertyValueNotInList"}},
		// body.go reads a null string as "": too short.
		{"null password", `{"UserName":"u1","Password":null,"RoleId":"ReadOnly"}`, []string{"PropertyValueTypeError"}},
		{"not an object", `["UserName"]`, []string{"MalformedJSON"}},
		{"not JSON", `{"UserName":`, []string{"MalformedJSON"}},
	} {
		rec := f.send(secAdmin, http.MethodPost, accountsPath, tc.body)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d %s", tc.name, rec.Code, rec.Body)
			continue
		}
		got := secErrorIDs(t, rec)
		want := make([]string, len(tc.ids))
		for i, id := range tc.ids {
			want[i] = "Base.1.22." + id
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: messages %v, want %v", tc.name, got, want)
		}
	}
	if n := len(f.acc.list()); n != 1 {
		t.Errorf("%d accounts after bad requests", n)
	}

	// A PATCH with one bad property applies none of the good ones.
	loc := f.createAccount("dave", "dave-pass-1", RoleOperator)
	rec := f.send(secAdmin, http.MethodPatch, loc, `{"RoleId":"ReadOnly","Password":"short","Bogus":1}`)
	if ids := secErrorIDs(t, rec); rec.Code != http.StatusBadRequest || len(ids) != 2 {
		t.Errorf("status %d, messages %v", rec.Code, ids)
	}
	if acc, _ := f.acc.byID("2"); acc.RoleID != RoleOperator || !f.canLogIn("dave", "dave-pass-1") {
		t.Errorf("partial PATCH applied: %+v", acc)
	}
	// Annotations alone change nothing: NoOperation.
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"@odata.id":"`+loc+`/"}`), http.StatusBadRequest, "NoOperation")
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Locked":true}`), http.StatusBadRequest, "PropertyValueNotInList")
	// If-Match against the account's ETag.
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Enabled":false}`, "If-Match", `W/"nope"`), http.StatusPreconditionFailed, "PreconditionFailed")
	etag := f.send(secAdmin, http.MethodGet, loc, "").Header().Get("ETag")
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Enabled":false}`, "If-Match", etag), http.StatusOK, "")
}

func TestAccountPrivileges(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	viewerURI := f.createAccount("viewer", "viewer-pass", RoleReadOnly)
	operURI := f.createAccount("oper", "oper-pass-1", RoleOperator)
	viewer := secCred{user: "viewer", pass: "viewer-pass"}
	oper := secCred{user: "oper", pass: "oper-pass-1"}

	for _, who := range []struct {
		name string
		c    secCred
		self string
	}{{"ReadOnly", viewer, viewerURI}, {"Operator", oper, operURI}} {
		other := operURI
		if who.self == operURI {
			other = viewerURI
		}
		for _, tc := range []struct {
			method, target, body string
		}{
			{http.MethodPost, accountsPath, `{"UserName":"x1","Password":"x-password","RoleId":"Administrator"}`},
			{http.MethodPost, accountsPath + "/Members", `{"UserName":"x1","Password":"x-password","RoleId":"Administrator"}`},
			{http.MethodPatch, accountsPath + "/1", `{"Password":"taken-over"}`},
			{http.MethodPatch, other, `{"Password":"taken-over"}`},
			{http.MethodPatch, accountsPath + "/99", `{"Password":"taken-over"}`},
			{http.MethodDelete, accountsPath + "/1", ""},
			{http.MethodDelete, who.self, ""},
			{http.MethodPatch, accountServicePath, `{"AccountLockoutThreshold":0}`},
			{http.MethodPatch, sessionServicePath, `{"SessionTimeout":86400}`},
			// ConfigureSelf covers the own Password only.
			{http.MethodPatch, who.self, `{"RoleId":"Administrator"}`},
			{http.MethodPatch, who.self, `{"Enabled":false}`},
			{http.MethodPatch, who.self, `{"UserName":"boss"}`},
			{http.MethodPatch, who.self, `{"Locked":false}`},
			{http.MethodPatch, who.self, `{"Password":"new-password","RoleId":"Administrator"}`},
			{http.MethodGet, accountsPath + "/1", ""},
			{http.MethodGet, other, ""},
			{http.MethodGet, accountsPath + "/99", ""},
		} {
			rec := f.send(who.c, tc.method, tc.target, tc.body)
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s %s %s %s: status %d %s", who.name, tc.method, tc.target, tc.body, rec.Code, rec.Body)
				continue
			}
			if id := errorMessageID(t, rec); id != "Base.1.22.InsufficientPrivilege" {
				t.Errorf("%s %s %s: %s", who.name, tc.method, tc.target, id)
			}
		}
		// Reading is allowed: the service, the roles, the own account,
		// and a collection that lists the own account only.
		f.expect(f.send(who.c, http.MethodGet, accountServicePath, ""), http.StatusOK, "")
		f.expect(f.send(who.c, http.MethodGet, rolesPath+"/Administrator", ""), http.StatusOK, "")
		if m := f.expect(f.send(who.c, http.MethodGet, who.self, ""), http.StatusOK, ""); m["UserName"] != who.c.user {
			t.Errorf("%s reads %v", who.name, m)
		}
		coll := f.expect(f.send(who.c, http.MethodGet, accountsPath, ""), http.StatusOK, "")
		if coll["Members@odata.count"] != 1.0 || at(t, coll, "Members", 0, "@odata.id") != who.self {
			t.Errorf("%s sees %v", who.name, coll["Members"])
		}
	}
	// Nothing changed.
	if got := f.acc.list(); len(got) != 3 || got[0].RoleID != RoleAdministrator || !f.canLogIn(testUser, testPassword) ||
		got[1].RoleID != RoleReadOnly || got[2].RoleID != RoleOperator {
		t.Errorf("accounts changed: %+v", got)
	}
	// A user changes its own password (ConfigureSelf), and only that.
	f.expect(f.send(viewer, http.MethodPatch, viewerURI, `{"Password":"viewer-pass-2"}`), http.StatusOK, "")
	if f.canLogIn("viewer", "viewer-pass") || !f.canLogIn("viewer", "viewer-pass-2") {
		t.Error("own password change not applied")
	}
	// Its own password still follows the policy.
	f.expect(f.send(secCred{user: "viewer", pass: "viewer-pass-2"}, http.MethodPatch, viewerURI, `{"Password":"short"}`), http.StatusBadRequest, "PasswordIncorrectLength")
}

func TestLastAdministrator(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	admin := accountsPath + "/1"
	f.expect(f.send(secAdmin, http.MethodDelete, admin, ""), http.StatusConflict, "ResourceInUse")
	f.expect(f.send(secAdmin, http.MethodPatch, admin, `{"Enabled":false}`), http.StatusConflict, "PropertyValueResourceConflict")
	body := f.expect(f.send(secAdmin, http.MethodPatch, admin, `{"RoleId":"Operator"}`), http.StatusConflict, "PropertyValueResourceConflict")
	if args := at(t, body, "error", "@Message.ExtendedInfo", 0, "MessageArgs").([]any); len(args) != 3 || args[0] != "RoleId" || args[1] != "Operator" || args[2] != accountsPath {
		t.Errorf("args %v", args)
	}
	rec := f.send(secAdmin, http.MethodPatch, admin, `{"RoleId":"ReadOnly","Enabled":false}`)
	if ids := secErrorIDs(t, rec); rec.Code != http.StatusConflict || len(ids) != 2 {
		t.Errorf("status %d, messages %v", rec.Code, ids)
	}
	// A disabled Administrator does not count.
	second := f.createAccount("admin2", "admin2-pass", RoleAdministrator)
	f.expect(f.send(secAdmin, http.MethodPatch, second, `{"Enabled":false}`), http.StatusOK, "")
	f.expect(f.send(secAdmin, http.MethodDelete, admin, ""), http.StatusConflict, "ResourceInUse")
	// With another enabled Administrator, the first may go.
	f.expect(f.send(secAdmin, http.MethodPatch, second, `{"Enabled":true}`), http.StatusOK, "")
	f.expect(f.send(secAdmin, http.MethodPatch, admin, `{"RoleId":"ReadOnly"}`), http.StatusOK, "")
	admin2 := secCred{user: "admin2", pass: "admin2-pass"}
	f.expect(f.send(admin2, http.MethodDelete, admin, ""), http.StatusNoContent, "")
	// And now admin2 is the last one, even to itself.
	f.expect(f.send(admin2, http.MethodDelete, second, ""), http.StatusConflict, "ResourceInUse")
	if got := f.acc.list(); len(got) != 1 || got[0].UserName != "admin2" || !got[0].Enabled || got[0].RoleID != RoleAdministrator {
		t.Errorf("accounts: %+v", got)
	}
}

func TestAccountServicePatch(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	m := f.expect(f.send(secAdmin, http.MethodPatch, accountServicePath,
		`{"MinPasswordLength":12,"AccountLockoutThreshold":3,"AccountLockoutDuration":600,"AccountLockoutCounterResetAfter":300}`), http.StatusOK, "")
	if m["MinPasswordLength"] != 12.0 || m["AccountLockoutThreshold"] != 3.0 || m["AccountLockoutDuration"] != 600.0 || m["AccountLockoutCounterResetAfter"] != 300.0 {
		t.Errorf("after PATCH: %v", m)
	}
	f.expect(f.send(secAdmin, http.MethodPost, accountsPath, `{"UserName":"u1","Password":"elevenchars","RoleId":"ReadOnly"}`), http.StatusBadRequest, "PasswordIncorrectLength")
	f.createAccount("u1", "twelve-chars", RoleReadOnly)

	for _, tc := range []struct{ body, id string }{
		{`{"MinPasswordLength":7}`, "PropertyValueOutOfRange"},
		{`{"MinPasswordLength":73}`, "PropertyValueOutOfRange"},
		{`{"AccountLockoutThreshold":-1}`, "PropertyValueOutOfRange"},
		{`{"AccountLockoutDuration":86401}`, "PropertyValueOutOfRange"},
		{`{"AccountLockoutDuration":1.5}`, "PropertyValueTypeError"},
		{`{"AccountLockoutThreshold":null}`, "PropertyValueTypeError"},
		{`{"AccountLockoutCounterResetAfter":601}`, "PropertyValueConflict"},
		{`{"AccountLockoutDuration":299}`, "PropertyValueConflict"},
		{`{"MaxPasswordLength":64}`, "PropertyNotWritable"},
		{`{"ServiceEnabled":false}`, "PropertyNotWritable"},
		{`{"Oem":{}}`, "PropertyUnknown"},
		{`{}`, "NoOperation"},
		{`{"@odata.etag":"x"}`, "NoOperation"},
		{`{"MinPasswordLength":20,"AccountLockoutThreshold":true}`, "PropertyValueTypeError"},
	} {
		rec := f.send(secAdmin, http.MethodPatch, accountServicePath, tc.body)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d", tc.body, rec.Code)
			continue
		}
		if ids := secErrorIDs(t, rec); ids[0] != "Base.1.22."+tc.id {
			t.Errorf("%s: %v, want %s", tc.body, ids, tc.id)
		}
	}
	want := accountPolicy{MinPasswordLength: 12, LockoutThreshold: 3, LockoutDurationSeconds: 600, LockoutResetAfterSeconds: 300, SessionTimeoutSeconds: 1800}
	if got := f.acc.currentPolicy(); got != want {
		t.Errorf("policy %+v after bad PATCHes", got)
	}
	// Lockout off: a reset period past the duration no longer conflicts.
	f.expect(f.send(secAdmin, http.MethodPatch, accountServicePath, `{"AccountLockoutDuration":0,"AccountLockoutCounterResetAfter":900}`), http.StatusOK, "")
	want.LockoutDurationSeconds, want.LockoutResetAfterSeconds = 0, 900
	// Kept in the accounts file.
	b, _, err := OpenAccounts(f.dir, "", quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if got := b.currentPolicy(); got != want {
		t.Errorf("reloaded policy %+v, want %+v", got, want)
	}
}

// TestAccountsFileCompatibility loads files from before Ids and the policy,
// and refuses bad ones.
func TestAccountsFileCompatibility(t *testing.T) {
	t.Parallel()
	h := sharedAccounts.accounts[0].PasswordHash
	acc := func(user string) string {
		return `{"userName":"` + user + `","roleId":"ReadOnly","enabled":true,"passwordHash":"` + h + `"}`
	}
	state := t.TempDir()
	writeFile(t, state, accountsFile, `{"version":1,"accounts":[`+acc("a")+`,`+acc("b")+`]}`)
	a, _, err := OpenAccounts(state, "", quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if got := a.list(); len(got) != 2 || got[0].ID != "1" || got[1].ID != "2" || a.nextID != 3 || a.currentPolicy() != defaultAccountPolicy {
		t.Errorf("old file: %+v next %d policy %+v", got, a.nextID, a.currentPolicy())
	}
	// Mixed: given Ids are kept, missing ones come after the highest.
	writeFile(t, state, accountsFile, `{"version":1,"nextId":9,"accounts":[`+strings.Replace(acc("a"), "{", `{"id":"5",`, 1)+`,`+acc("b")+`]}`)
	if a, _, err = OpenAccounts(state, "", quietLogger()); err != nil {
		t.Fatal(err)
	}
	if got := a.list(); got[0].ID != "5" || got[1].ID != "6" || a.nextID != 9 {
		t.Errorf("mixed ids: %+v next %d", got, a.nextID)
	}
	for name, doc := range map[string]string{
		"bad id":        `{"version":1,"accounts":[` + strings.Replace(acc("a"), "{", `{"id":"01",`, 1) + `]}`,
		"duplicate id":  `{"version":1,"accounts":[` + strings.Replace(acc("a"), "{", `{"id":"1",`, 1) + `,` + strings.Replace(acc("b"), "{", `{"id":"1",`, 1) + `]}`,
		"policy range":  `{"version":1,"accounts":[` + acc("a") + `],"policy":{"minPasswordLength":4,"lockoutThreshold":5,"lockoutDurationSeconds":60,"lockoutResetAfterSeconds":60,"sessionTimeoutSeconds":1800}}`,
		"policy timout": `{"version":1,"accounts":[` + acc("a") + `],"policy":{"minPasswordLength":8,"lockoutThreshold":5,"lockoutDurationSeconds":60,"lockoutResetAfterSeconds":60,"sessionTimeoutSeconds":5}}`,
		"policy clash":  `{"version":1,"accounts":[` + acc("a") + `],"policy":{"minPasswordLength":8,"lockoutThreshold":5,"lockoutDurationSeconds":60,"lockoutResetAfterSeconds":61,"sessionTimeoutSeconds":1800}}`,
	} {
		dir := t.TempDir()
		path := writeFile(t, dir, accountsFile, doc)
		if _, _, err := OpenAccounts(dir, "", quietLogger()); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestAccountChangesAreAtomic checks that a change whose file write fails
// changes nothing.
func TestAccountChangesAreAtomic(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	loc := f.createAccount("erin", "erin-pass-1", RoleReadOnly)
	// A directory in the file's place: the rename that replaces the file
	// fails, for root too.
	path := filepath.Join(f.dir, accountsFile)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "blocker"), 0o700); err != nil {
		t.Fatal(err)
	}
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Password":"erin-pass-2"}`), http.StatusInternalServerError, "InternalError")
	f.expect(f.send(secAdmin, http.MethodDelete, loc, ""), http.StatusInternalServerError, "InternalError")
	if !f.canLogIn("erin", "erin-pass-1") || f.canLogIn("erin", "erin-pass-2") {
		t.Error("failed write changed the account")
	}
}

// TestAccountConcurrentChanges runs creates, changes and logins at once;
// with -race it checks the locking, and the file ends up with every account.
func TestAccountConcurrentChanges(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := "user" + string(rune('a'+i))
			rec := f.send(secAdmin, http.MethodPost, accountsPath, `{"UserName":"`+user+`","Password":"password-`+user+`","RoleId":"ReadOnly"}`)
			if rec.Code != http.StatusCreated {
				t.Errorf("create %s: %d", user, rec.Code)
				return
			}
			loc := rec.Header().Get("Location")
			for range 3 {
				f.send(secCred{user: user, pass: "password-" + user}, http.MethodGet, loc, "")
				f.send(secAdmin, http.MethodPatch, accountServicePath, `{"AccountLockoutThreshold":`+string(rune('1'+i))+`}`)
				f.send(secAdmin, http.MethodGet, accountsPath, "")
			}
		}()
	}
	wg.Wait()
	b, _, err := OpenAccounts(f.dir, "", quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b.list()); n != 9 {
		t.Errorf("%d accounts in the file, want 9", n)
	}
}

// The accounts file never holds a password, only bcrypt hashes.
func TestAccountsFileHoldsNoPasswords(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	loc := f.createAccount("frank", "frank-secret-1", RoleReadOnly)
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Password":"frank-secret-2"}`), http.StatusOK, "")
	data, err := os.ReadFile(filepath.Join(f.dir, accountsFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "frank-secret") || strings.Contains(string(data), testPassword) {
		t.Errorf("password in the accounts file:\n%s", data)
	}
	var doc accountsDoc
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.Accounts) != 2 || doc.Policy == nil {
		t.Errorf("file: %v %+v", err, doc)
	}
	if m := mode(t, filepath.Join(f.dir, accountsFile)); m != 0o600 {
		t.Errorf("mode %v", m)
	}
}

// fuzzWrite sends arbitrary bodies to one write handler: the answer is
// one of allowed, always JSON, an error body on every failure and the
// resource on every success; it never panics (the pipeline would answer a
// recovered panic with 500).
func fuzzWrite(f *testing.F, c secCred, method, target string, seeds []string, allowed ...int) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	fx := newSecFixture(f)
	// The PATCH targets are an account and the services, never the
	// administrator the requests authenticate as.
	fx.createAccount("target", "target-pass", RoleReadOnly)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := secRequest(fx.h, c, method, target, string(body))
		if !slices.Contains(allowed, rec.Code) {
			t.Fatalf("%s %s %q: status %d\n%s", method, target, body, rec.Code, rec.Body)
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("%q: body is not a JSON object: %v\n%s", body, err, rec.Body)
		}
		if rec.Code >= 400 {
			if _, ok := m["error"]; !ok {
				t.Fatalf("%q: %d without an error body: %s", body, rec.Code, rec.Body)
			}
			return
		}
		if _, ok := m["@odata.id"]; !ok {
			t.Fatalf("%q: %d without the resource: %s", body, rec.Code, rec.Body)
		}
	})
}

func FuzzAccountPost(f *testing.F) {
	fuzzWrite(f, secAdmin, http.MethodPost, accountsPath, []string{
		`{"UserName":"u1","Password":"password-1","RoleId":"ReadOnly"}`,
		`{"UserName":"u2","Password":"password-2","RoleId":"Operator","Enabled":false,"AccountTypes":["Redfish"]}`,
		`{"UserName":"a:b","Password":"short","RoleId":"Root","Bogus":[1,{"x":null}]}`,
		`{"UserName":"admin","Password":"password-3","RoleId":"Administrator","Locked":false}`,
	}, http.StatusCreated, http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge)
}

func FuzzAccountPatch(f *testing.F) {
	fuzzWrite(f, secAdmin, http.MethodPatch, accountsPath+"/2", []string{
		`{"Password":"another-pass"}`,
		`{"RoleId":"Operator","Enabled":false,"Locked":false}`,
		`{"UserName":"admin"}`,
		`{"UserName":"renamed","AccountTypes":["IPMI"],"Locked":true}`,
		`{"@odata.id":"x"}`,
	}, http.StatusOK, http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge)
}

func FuzzAccountServicePatch(f *testing.F) {
	fuzzWrite(f, secAdmin, http.MethodPatch, accountServicePath, []string{
		`{"MinPasswordLength":12}`,
		`{"AccountLockoutThreshold":3,"AccountLockoutDuration":600,"AccountLockoutCounterResetAfter":300}`,
		`{"AccountLockoutCounterResetAfter":601}`,
		`{"MaxPasswordLength":1e3,"ServiceEnabled":null}`,
	}, http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
}
