package redfish

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzHandler sends arbitrary methods, paths, queries and If-None-Match
// values through the whole pipeline: it must never panic (a recovered
// panic would show as 500), answer only the statuses the service uses, and
// always with a well-formed body.
func FuzzHandler(f *testing.F) {
	f.Add("GET", "/redfish/v1/Chassis/Sled0", "", "", true)
	f.Add("HEAD", "/redfish/v1/Chassis/Sled0/Drives/Slot1/", "", `W/"x", *`, true)
	f.Add("GET", "/redfish/v1/$metadata", "$expand=.", "", false)
	f.Add("POST", "/redfish/v1/../v1//Chassis", "a=1&%24top=2", "", true)
	f.Add("GET", "/redfish/v1/Chassis/Sled0/Sensors/Slot3Temp", "only", "", true)
	fx := newFixture(f, testSnapshot())
	f.Fuzz(func(t *testing.T, method, path, query, inm string, auth bool) {
		if method == "" || strings.ContainsAny(method, " \t\r\n") {
			method = http.MethodGet
		}
		req := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: path, RawQuery: query},
			Header:     http.Header{},
			RemoteAddr: "192.0.2.1:1234",
		}
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		if auth {
			req.SetBasicAuth(testUser, testPassword)
		}
		w := newRecorder()
		fx.h.ServeHTTP(w, req)
		switch w.code {
		case 200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 412, 413, 428, 501, 503:
		default:
			t.Fatalf("%s %q ?%q: status %d\n%s", method, path, query, w.code, w.body)
		}
		if w.code == 304 || method == http.MethodHead {
			if len(w.body) != 0 {
				t.Fatalf("%d/%s with a body", w.code, method)
			}
			return
		}
		if w.h.Get("Content-Type") == contentTypeXML {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(w.body, &m); err != nil {
			t.Fatalf("%s %q: body is not JSON: %v\n%s", method, path, err, w.body)
		}
		if w.code != 200 {
			if _, ok := m["error"]; !ok {
				t.Fatalf("%d without an error body: %s", w.code, w.body)
			}
			return
		}
		if id, ok := m["@odata.id"]; ok {
			if want, _ := canonicalPath(path); id != want {
				t.Fatalf("GET %q: @odata.id %v", path, id)
			}
		}
	})
}

// FuzzAccountsFile loads arbitrary accounts files: never a panic, and
// whatever loads is usable.
func FuzzAccountsFile(f *testing.F) {
	f.Add([]byte(`{"version":1,"accounts":[{"userName":"admin","roleId":"Administrator","enabled":true,"passwordHash":"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"}]}`))
	f.Add([]byte(`{"version":1,"accounts":[]}`))
	f.Add([]byte(`{"version":1,"accounts":[{"userName":"a","roleId":"ReadOnly","passwordHash":"$2b$04$"}]}`))
	f.Add([]byte(`null`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := newAccounts(filepath.Join(dir, "accounts.json"), quietLogger())
		if err != nil {
			t.Fatal(err)
		}
		if err := a.load(data); err != nil {
			return
		}
		if len(a.accounts) == 0 {
			t.Fatal("loaded no accounts without an error")
		}
		for _, acc := range a.accounts {
			if acc.UserName == "" || !validRole(acc.RoleID) {
				t.Fatalf("loaded a bad account: %+v", acc)
			}
		}
	})
}

// recorder is a minimal ResponseWriter that keeps the body.
type recorder struct {
	h    http.Header
	code int
	body []byte
}

func newRecorder() *recorder { return &recorder{h: http.Header{}} }

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(c int) {
	if r.code == 0 {
		r.code = c
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	r.body = append(r.body, b...)
	return len(b), nil
}
