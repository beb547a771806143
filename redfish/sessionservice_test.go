package redfish

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// login creates a session and returns its token and URI.
func (f *secFixture) login(user, pass string) (token, uri string) {
	f.t.Helper()
	rec := f.send(secCred{}, http.MethodPost, sessionsPath, `{"UserName":"`+user+`","Password":"`+pass+`"}`)
	f.expect(rec, http.StatusCreated, "")
	return rec.Header().Get("X-Auth-Token"), rec.Header().Get("Location")
}

// tokenWorks reports whether a session token is accepted.
func (f *secFixture) tokenWorks(token string) bool {
	f.t.Helper()
	switch rec := f.send(secCred{token: token}, http.MethodGet, "/redfish/v1/Chassis", ""); rec.Code {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	default:
		f.t.Fatalf("GET with token: %d", rec.Code)
	}
	return false
}

func TestSessionLoginLogout(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	rec := f.send(secCred{}, http.MethodPost, sessionsPath, `{"UserName":"admin","Password":"`+testPassword+`","Context":"nightly job"}`)
	m := f.expect(rec, http.StatusCreated, "")
	token, loc := rec.Header().Get("X-Auth-Token"), rec.Header().Get("Location")
	if len(token) < 32 || !strings.HasPrefix(loc, sessionsPath+"/") || m["@odata.id"] != loc {
		t.Fatalf("token %q, Location %q, body %v", token, loc, m)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on the response carrying the token", cc)
	}
	if rec.Header().Get("Set-Cookie") != "" {
		t.Error("Set-Cookie on login")
	}
	for k, want := range map[string]any{
		"@odata.type": "#Session.v1_8_0.Session", "UserName": "admin", "Password": nil,
		"ClientOriginIPAddress": "192.0.2.1", "Context": "nightly job", "SessionType": "Redfish",
		"CreatedTime": "2025-03-04T05:06:07+00:00",
	} {
		if v, ok := m[k]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", k, v, ok, want)
		}
	}
	if strings.Contains(rec.Body.String(), token) || strings.Contains(rec.Body.String(), testPassword) {
		t.Error("body holds the token or the password")
	}

	// The token authenticates, the session is listed and readable.
	if !f.tokenWorks(token) {
		t.Fatal("token refused")
	}
	tok := secCred{token: token}
	coll := f.expect(f.send(tok, http.MethodGet, sessionsPath, ""), http.StatusOK, "")
	if coll["Members@odata.count"] != 1.0 || at(t, coll, "Members", 0, "@odata.id") != loc {
		t.Errorf("sessions: %v", coll)
	}
	if got := f.expect(f.send(tok, http.MethodGet, loc, ""), http.StatusOK, ""); got["Id"] != m["Id"] {
		t.Errorf("GET session: %v", got)
	}
	svc := f.expect(f.send(tok, http.MethodGet, sessionServicePath, ""), http.StatusOK, "")
	if svc["SessionTimeout"] != 1800.0 || svc["ServiceEnabled"] != true || at(t, svc, "Sessions", "@odata.id") != sessionsPath {
		t.Errorf("SessionService: %v", svc)
	}

	// Logout with the session's own token; then the token is refused.
	if rec := f.send(tok, http.MethodDelete, loc, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", rec.Code, rec.Body)
	}
	if f.tokenWorks(token) {
		t.Error("token accepted after logout")
	}
	f.expect(f.send(secAdmin, http.MethodGet, loc, ""), http.StatusNotFound, "ResourceMissingAtURI")
	f.expect(f.send(secAdmin, http.MethodDelete, loc, ""), http.StatusNotFound, "ResourceMissingAtURI")

	// A login through the Members URI; two logins are two sessions.
	rec = f.send(secCred{}, http.MethodPost, sessionsPath+"/Members", `{"UserName":"admin","Password":"`+testPassword+`"}`)
	f.expect(rec, http.StatusCreated, "")
	_, loc2 := f.login(testUser, testPassword)
	if rec.Header().Get("Location") == loc2 {
		t.Error("two logins, one session")
	}
	// Basic auth keeps working beside sessions.
	f.expect(f.send(secAdmin, http.MethodGet, sessionsPath, ""), http.StatusOK, "")
}

func TestSessionLoginFailures(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	for _, tc := range []struct {
		name, body string
		status     int
		id         string
	}{
		{"wrong password", `{"UserName":"admin","Password":"wrong-password-123"}`, http.StatusUnauthorized, "NoValidSession"},
		{"unknown user", `{"UserName":"root","Password":"wrong-password-123"}`, http.StatusUnauthorized, "NoValidSession"},
		{"overlong password", `{"UserName":"admin","Password":"` + strings.Repeat("p", 100) + `"}`, http.StatusUnauthorized, "NoValidSession"},
		{"no password", `{"UserName":"admin"}`, http.StatusBadRequest, "PropertyMissing"},
		{"number password", `{"UserName":"admin","Password":12345678}`, http.StatusBadRequest, "PropertyValueTypeError"},
		{"unknown property", `{"UserName":"admin","Password":"` + testPassword + `","Role":"Administrator"}`, http.StatusBadRequest, "PropertyUnknown"},
		{"long context", `{"UserName":"admin","Password":"` + testPassword + `","Context":"` + strings.Repeat("c", 257) + `"}`, http.StatusBadRequest, "StringValueTooLong"},
		{"malformed", `{"UserName":"admin",`, http.StatusBadRequest, "MalformedJSON"},
		{"empty", ``, http.StatusBadRequest, "PropertyMissing"}, // no body is an empty object: both properties missing
	} {
		rec := f.send(secCred{}, http.MethodPost, sessionsPath, tc.body)
		if rec.Code != tc.status {
			t.Errorf("%s: status %d %s", tc.name, rec.Code, rec.Body)
			continue
		}
		if ids := secErrorIDs(t, rec); ids[0] != "Base.1.22."+tc.id {
			t.Errorf("%s: %v", tc.name, ids)
		}
		if rec.Header().Get("X-Auth-Token") != "" || rec.Header().Get("Location") != "" {
			t.Errorf("%s: token or Location on a failure", tc.name)
		}
		if tc.status == http.StatusUnauthorized {
			if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%s: WWW-Authenticate %q", tc.name, rec.Header().Get("WWW-Authenticate"))
			}
			if strings.Contains(rec.Body.String(), "wrong-password") {
				t.Errorf("%s: the password is in the answer", tc.name)
			}
		}
	}
	if n := len(f.svc.sessions.list()); n != 0 {
		t.Errorf("%d sessions after failed logins", n)
	}
	// Session logins are not a way around the methods' privileges: GET
	// and DELETE of the collection are for logged-in users only.
	f.expect(f.send(secCred{}, http.MethodGet, sessionsPath, ""), http.StatusUnauthorized, "NoValidSession")
	f.expect(f.send(secCred{}, http.MethodPatch, sessionServicePath, `{"SessionTimeout":60}`), http.StatusUnauthorized, "NoValidSession")
}

func TestSessionVisibility(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	f.createAccount("judy", "judy-pass-1", RoleReadOnly)
	f.createAccount("kurt", "kurt-pass-1", RoleOperator)
	adminTok, adminLoc := f.login(testUser, testPassword)
	judyTok, judyLoc := f.login("judy", "judy-pass-1")
	_, judyLoc2 := f.login("judy", "judy-pass-1")
	kurtTok, kurtLoc := f.login("kurt", "kurt-pass-1")
	judy, kurt := secCred{token: judyTok}, secCred{token: kurtTok}

	members := func(c secCred) []string {
		t.Helper()
		var out []string
		for _, m := range f.expect(f.send(c, http.MethodGet, sessionsPath, ""), http.StatusOK, "")["Members"].([]any) {
			out = append(out, m.(map[string]any)["@odata.id"].(string))
		}
		return out
	}
	if got := members(secCred{token: adminTok}); len(got) != 4 {
		t.Errorf("admin sees %v", got)
	}
	// Sessions made in the same clock tick have no order between them.
	if got := members(judy); len(got) != 2 || !(got[0] == judyLoc && got[1] == judyLoc2 || got[0] == judyLoc2 && got[1] == judyLoc) {
		t.Errorf("judy sees %v", got)
	}
	// Basic auth: the user's sessions too.
	if got := members(secCred{user: "kurt", pass: "kurt-pass-1"}); len(got) != 1 || got[0] != kurtLoc {
		t.Errorf("kurt sees %v", got)
	}
	// Others' sessions: 403 to read or end, like a made-up Id.
	for _, target := range []string{adminLoc, kurtLoc, sessionsPath + "/0123456789abcdef"} {
		f.expect(f.send(judy, http.MethodGet, target, ""), http.StatusForbidden, "InsufficientPrivilege")
		f.expect(f.send(judy, http.MethodDelete, target, ""), http.StatusForbidden, "InsufficientPrivilege")
	}
	f.expect(f.send(judy, http.MethodPatch, sessionServicePath, `{"SessionTimeout":60}`), http.StatusForbidden, "InsufficientPrivilege")
	f.expect(f.send(kurt, http.MethodPatch, sessionServicePath, `{"SessionTimeout":60}`), http.StatusForbidden, "InsufficientPrivilege")
	// Sessions cannot be changed.
	f.expect(f.send(judy, http.MethodPatch, judyLoc, `{"Context":"x"}`), http.StatusMethodNotAllowed, "OperationNotAllowed")
	// The own other session: judy ends it (ConfigureSelf).
	f.expect(f.send(judy, http.MethodDelete, judyLoc2, ""), http.StatusNoContent, "")
	// An administrator ends anyone's (ConfigureManager).
	f.expect(f.send(secCred{token: adminTok}, http.MethodDelete, kurtLoc, ""), http.StatusNoContent, "")
	if f.tokenWorks(kurtTok) || !f.tokenWorks(judyTok) {
		t.Error("wrong sessions ended")
	}
}

func TestSessionTimeout(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	token, _ := f.login(testUser, testPassword)
	// Use keeps a session alive; idleness ends it.
	for range 3 {
		f.clock.advance(29 * time.Minute)
		if !f.tokenWorks(token) {
			t.Fatal("session in use expired")
		}
	}
	f.clock.advance(30*time.Minute + time.Second)
	if f.tokenWorks(token) {
		t.Fatal("idle session outlived SessionTimeout")
	}

	// PATCH: ConfigureManager, 30..86400 s, applied to open sessions.
	for _, tc := range []struct{ body, id string }{
		{`{"SessionTimeout":29}`, "PropertyValueOutOfRange"},
		{`{"SessionTimeout":86401}`, "PropertyValueOutOfRange"},
		{`{"SessionTimeout":60.5}`, "PropertyValueTypeError"},
		{`{"SessionTimeout":null}`, "PropertyValueTypeError"},
		{`{"ServiceEnabled":false}`, "PropertyNotWritable"},
		{`{"SessionTimeout":60,"Sessions":{}}`, "PropertyNotWritable"},
		{`{}`, "NoOperation"},
	} {
		f.expect(f.send(secAdmin, http.MethodPatch, sessionServicePath, tc.body), http.StatusBadRequest, tc.id)
	}
	token, _ = f.login(testUser, testPassword)
	m := f.expect(f.send(secAdmin, http.MethodPatch, sessionServicePath, `{"SessionTimeout":60}`), http.StatusOK, "")
	if m["SessionTimeout"] != 60.0 {
		t.Errorf("after PATCH: %v", m)
	}
	f.clock.advance(61 * time.Second)
	if f.tokenWorks(token) {
		t.Error("open session outlived the new timeout")
	}
	// Kept with the accounts: a new service (a restart) starts with it.
	if got := f.newService().sessions.getTimeout(); got != time.Minute {
		t.Errorf("timeout after restart %v", got)
	}
}

func TestSessionLimit(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	var firstToken, firstLoc string
	for i := range maxSessions {
		token, loc := f.login(testUser, testPassword)
		if i == 0 {
			firstToken, firstLoc = token, loc
		}
	}
	f.expect(f.send(secCred{}, http.MethodPost, sessionsPath, `{"UserName":"admin","Password":"`+testPassword+`"}`), http.StatusServiceUnavailable, "SessionLimitExceeded")
	// Ending one makes room for one.
	f.expect(f.send(secCred{token: firstToken}, http.MethodDelete, firstLoc, ""), http.StatusNoContent, "")
	f.login(testUser, testPassword)
	f.expect(f.send(secCred{}, http.MethodPost, sessionsPath, `{"UserName":"admin","Password":"`+testPassword+`"}`), http.StatusServiceUnavailable, "SessionLimitExceeded")
	// Idle ones expire and make room too.
	f.clock.advance(31 * time.Minute)
	f.login(testUser, testPassword)
}

// TestSessionsEndWithTheirAccount: a password change, a role change, a
// disable or a removal ends the account's sessions; a user changing its
// own password keeps the session it did it from.
func TestSessionsEndWithTheirAccount(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	loc := f.createAccount("lena", "lena-pass-1", RoleReadOnly)
	other, _ := f.login(testUser, testPassword)

	a, _ := f.login("lena", "lena-pass-1")
	b, _ := f.login("lena", "lena-pass-1")
	f.expect(f.send(secCred{token: a}, http.MethodPatch, loc, `{"Password":"lena-pass-2"}`), http.StatusOK, "")
	if !f.tokenWorks(a) || f.tokenWorks(b) {
		t.Error("own password change: the session it came from must stay, the others end")
	}
	f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Password":"lena-pass-3"}`), http.StatusOK, "")
	if f.tokenWorks(a) {
		t.Error("session outlived an administrator's password change")
	}

	for _, step := range []struct {
		user, method, body string
		status             int
	}{
		{"lena", http.MethodPatch, `{"RoleId":"Operator"}`, http.StatusOK},
		{"lena", http.MethodPatch, `{"UserName":"lena2"}`, http.StatusOK},
		{"lena2", http.MethodPatch, `{"Enabled":false}`, http.StatusOK},
		{"lena2", http.MethodDelete, "", http.StatusNoContent},
	} {
		f.expect(f.send(secAdmin, http.MethodPatch, loc, `{"Enabled":true}`), http.StatusOK, "")
		tok, _ := f.login(step.user, "lena-pass-3")
		f.expect(f.send(secAdmin, step.method, loc, step.body), step.status, "")
		if f.tokenWorks(tok) {
			t.Errorf("session outlived %s %s", step.method, step.body)
		}
	}
	if !f.tokenWorks(other) {
		t.Error("another account's session ended")
	}
}

func FuzzSessionPost(f *testing.F) {
	fuzzWrite(f, secCred{}, http.MethodPost, sessionsPath, []string{
		`{"UserName":"admin","Password":"` + testPassword + `"}`,
		`{"UserName":"admin","Password":"` + testPassword + `","Context":"ctx"}`,
		`{"UserName":"target","Password":"wrong-password"}`,
		`{"UserName":["admin"],"Password":{"a":1}}`,
	}, http.StatusCreated, http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable)
}

func FuzzSessionServicePatch(f *testing.F) {
	fuzzWrite(f, secAdmin, http.MethodPatch, sessionServicePath, []string{
		`{"SessionTimeout":60}`,
		`{"SessionTimeout":29}`,
		`{"ServiceEnabled":true,"Sessions":{"@odata.id":"/"}}`,
		`{}`,
	}, http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
}
