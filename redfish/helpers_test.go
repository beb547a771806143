package redfish

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/sled"
	"golang.org/x/crypto/bcrypt"
)

const (
	testUser     = "admin"
	testPassword = "correct horse battery"
	testUUID     = "92384634-2938-2342-8820-489239905423"
)

// sharedAccounts is made once: bcrypt makes every OpenAccounts cost a
// noticeable fraction of a second, more under the race detector.
var sharedAccounts *Accounts

func TestMain(m *testing.M) {
	// The cost only changes how long a hash takes, not what is tested.
	bcryptCost = bcrypt.MinCost
	dir, err := os.MkdirTemp("", "redfish-test-")
	if err != nil {
		panic(err)
	}
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(testPassword+"\n"), 0o600); err != nil {
		panic(err)
	}
	sharedAccounts, _, err = OpenAccounts(dir, pw, quietLogger())
	if err != nil {
		panic(err)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testSnapshot is a small chassis with every case the resources must show:
//   - bay 0: a healthy sled with four slots: a healthy M.2 2280 drive, a
//     worn M.2 22110 drive with warnings (Critical, not ready), an empty
//     slot, and a U.2 drive whose serial comes only from its VPD;
//   - bay 1: empty;
//   - bay 2: a sled whose FRU did not parse (Warning) and whose temperature
//     sensor failed;
//   - bay 3: a sled with no temperature sensor and no drive slots.
func testSnapshot() *agent.Snapshot {
	taken := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	return &agent.Snapshot{
		Generation: 7,
		Taken:      taken,
		Enclosure: agent.Enclosure{
			ID: "Enclosure", Name: "Test enclosure", Manufacturer: "Acme", Model: "JBOF-8",
			BoardName: "test-board", Simulated: true, Health: sled.HealthWarning,
		},
		Bays: []agent.Bay{
			{Index: 0, Name: "Bay 0", Present: true, Sled: &sled.Sled{
				Bay: 0,
				Identity: sled.Identity{
					Manufacturer: "Acme Sleds", Model: "NVS-4", PartNumber: "PN-100",
					SerialNumber: "SN0001", Version: "B2",
				},
				FRUValid:    true,
				Temperature: sled.Temperature{Celsius: 34.5, Valid: true},
				Sideband:    "I2C",
				Health:      sled.HealthOK,
				ReadAt:      taken,
				Drives: []sled.Drive{
					{
						Slot: 0, FormFactor: board.FormFactorM2_2280, Present: true,
						Identity:     sled.Identity{Manufacturer: "Acme Flash", Model: "AF-2280", PartNumber: "AF-1"},
						SerialNumber: "S0D0", Temperature: sled.Temperature{Celsius: 41, Valid: true},
						PercentLifeUsed: 3, StatusValid: true, Status: sled.DriveStatus{Ready: true, Functional: true},
						Health: sled.HealthOK,
					},
					{
						Slot: 1, FormFactor: board.FormFactorM2_22110, Present: true,
						Identity:     sled.Identity{Manufacturer: "Acme Flash", Model: "AF-22110"},
						SerialNumber: "S0D1", Temperature: sled.Temperature{Celsius: 78, Valid: true},
						PercentLifeUsed: 120, StatusValid: true, Status: sled.DriveStatus{Ready: false},
						Warnings: sled.DriveWarnings{SpareLow: true, TemperatureHigh: true},
						Health:   sled.HealthCritical,
						Problems: []sled.Problem{{Health: sled.HealthCritical, Message: "spare capacity below threshold"}},
					},
					{Slot: 2, FormFactor: board.FormFactorM2_2280},
					{
						Slot: 3, FormFactor: board.FormFactorU2, Present: true,
						Identity:    sled.Identity{Manufacturer: "Acme Flash", Model: "AU-2", SerialNumber: "VPD-SN-3"},
						Temperature: sled.Temperature{Status: "no data"},
						Status:      sled.DriveStatus{Ready: true, Functional: true},
						Health:      sled.HealthOK,
					},
				},
			}},
			{Index: 1, Name: "Bay 1"},
			{Index: 2, Name: "Bay 2", Present: true, Sled: &sled.Sled{
				Bay:         2,
				FRUValid:    false,
				Temperature: sled.Temperature{Status: "sensor failure"},
				Sideband:    "I2C",
				Health:      sled.HealthWarning,
				Problems: []sled.Problem{{Health: sled.HealthWarning,
					Message: "bay 2 FRU at 0x50 on i2c-1 ch2: board area checksum 0x1c != 0"}},
				Drives: []sled.Drive{{
					Slot: 0, FormFactor: board.FormFactorE1S, Present: true, SerialNumber: "S2D0",
					Temperature: sled.Temperature{Celsius: 30, Valid: true}, PercentLifeUsed: 50, StatusValid: true,
					Status: sled.DriveStatus{Ready: true}, Health: sled.HealthOK,
				}},
			}},
			{Index: 3, Name: "", Present: true, Sled: &sled.Sled{
				Bay:         3,
				Identity:    sled.Identity{Manufacturer: "Other", Model: "Tiny", SerialNumber: "T3", AssetTag: "rack7-u3"},
				FRUValid:    true,
				Temperature: sled.Temperature{Status: "no sensor"},
				Sideband:    "I2C",
				Health:      sled.HealthOK,
			}},
		},
		Manager: agent.Manager{
			Version: "v0.1.0-test", Commit: "abc1234", GoVersion: "go1.26.0",
			Started: taken.Add(-time.Hour), PollInterval: 2 * time.Second,
		},
	}
}

// fixture is a service over a snapshot the test can swap.
type fixture struct {
	t    testing.TB
	snap atomic.Pointer[agent.Snapshot]
	svc  *Service
	h    http.Handler
}

func newFixture(t testing.TB, snap *agent.Snapshot) *fixture {
	t.Helper()
	f := &fixture{t: t}
	f.snap.Store(snap)
	svc, err := New(Config{Snapshot: f.snap.Load, Accounts: sharedAccounts, Logger: quietLogger(), UUID: testUUID})
	if err != nil {
		t.Fatal(err)
	}
	svc.now = func() time.Time { return time.Date(2025, 3, 4, 6, 0, 0, 0, time.FixedZone("", 2*3600)) }
	f.svc, f.h = svc, svc.Handler()
	return f
}

// do sends one request through the handler; auth adds valid credentials.
func (f *fixture) do(method, target string, auth bool, hdr ...string) *httptest.ResponseRecorder {
	f.t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if auth {
		req.SetBasicAuth(testUser, testPassword)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// get does an authenticated GET, expects 200 and decodes the JSON body.
func (f *fixture) get(target string) map[string]any {
	f.t.Helper()
	rec := f.do(http.MethodGet, target, true)
	if rec.Code != http.StatusOK {
		f.t.Fatalf("GET %s: status %d, body %s", target, rec.Code, rec.Body)
	}
	return decode(f.t, rec.Body.Bytes())
}

func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, b)
	}
	return m
}

// at walks a decoded JSON document: at(m, "Status", "Health").
func at(t testing.TB, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: not an object: %v", k, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("no property %q in %v", k, m)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at [%d]: not an array of that length: %v", k, v)
			}
			v = a[k]
		}
	}
	return v
}

// errorMessageID returns the MessageId of a Redfish error body, checking
// the error's shape on the way.
func errorMessageID(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != contentTypeJSON {
		t.Errorf("error Content-Type %q", ct)
	}
	m := decode(t, rec.Body.Bytes())
	code := at(t, m, "error", "code").(string)
	info := at(t, m, "error", "@Message.ExtendedInfo", 0).(map[string]any)
	if info["MessageId"] != code {
		t.Errorf("ExtendedInfo MessageId %v != code %v", info["MessageId"], code)
	}
	for _, k := range []string{"@odata.type", "Message", "MessageArgs", "MessageSeverity", "Severity", "Resolution"} {
		if _, ok := info[k]; !ok {
			t.Errorf("ExtendedInfo has no %s: %v", k, info)
		}
	}
	if at(t, m, "error", "message") == "" {
		t.Error("empty error message")
	}
	return code
}
