package redfish

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
)

// gofish (github.com/stmcginnis/gofish) is used here as an unmodified
// third-party client, over real HTTPS: the service must work with it
// through Basic auth, through a session, and with its $expand mode.

// gofishServer serves the fixture over TLS and records every request's
// method, path and query.
type gofishServer struct {
	f   *fixture
	srv *httptest.Server
	mu  sync.Mutex
	log []string
}

func newGofishServer(t *testing.T) *gofishServer {
	t.Helper()
	g := &gofishServer{f: newFixture(t, testSnapshot())}
	g.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.log = append(g.log, r.Method+" "+r.URL.RequestURI())
		g.mu.Unlock()
		g.f.h.ServeHTTP(w, r)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gofishServer) requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.log)
}

func (g *gofishServer) connect(t *testing.T, cfg gofish.ClientConfig) *gofish.APIClient {
	t.Helper()
	cfg.Endpoint = g.srv.URL
	cfg.HTTPClient = g.srv.Client() // trusts the test server's certificate
	c, err := gofish.Connect(cfg)
	if err != nil {
		t.Fatalf("gofish.Connect: %v", err)
	}
	return c
}

// checkGofishChassis reads what an operator's tool would: the Chassis, a
// sled's FRU fields and drives, the managers.
func checkGofishChassis(t *testing.T, c *gofish.APIClient) {
	t.Helper()
	chassis, err := c.Service.Chassis()
	if err != nil {
		t.Fatalf("Chassis: %v", err)
	}
	var ids []string
	var sled0 *schemas.Chassis
	for _, ch := range chassis {
		ids = append(ids, ch.ID)
		if ch.ID == "Sled0" {
			sled0 = ch
		}
	}
	sort.Strings(ids)
	if want := []string{"Enclosure", "Sled0", "Sled2", "Sled3"}; !slices.Equal(ids, want) {
		t.Fatalf("chassis %v, want %v", ids, want)
	}
	if sled0.Manufacturer != "Acme Sleds" || sled0.SerialNumber != "SN0001" || sled0.ChassisType != schemas.SledChassisType {
		t.Errorf("Sled0: manufacturer %q serial %q type %q", sled0.Manufacturer, sled0.SerialNumber, sled0.ChassisType)
	}
	drives, err := sled0.Drives()
	if err != nil {
		t.Fatalf("Drives: %v", err)
	}
	var serials []string
	for _, d := range drives {
		serials = append(serials, d.SerialNumber)
	}
	sort.Strings(serials)
	if want := []string{"S0D0", "S0D1", "VPD-SN-3"}; !slices.Equal(serials, want) {
		t.Errorf("drive serials %v, want %v", serials, want)
	}
	managers, err := c.Service.Managers()
	if err != nil {
		t.Fatalf("Managers: %v", err)
	}
	if len(managers) != 1 || managers[0].ID != managerID {
		t.Errorf("managers: %v", managers)
	}
	by, err := sled0.ManagedBy()
	if err != nil || len(by) != 1 || by[0].ID != managerID {
		t.Errorf("Sled0 ManagedBy: %v %v", by, err)
	}
}

func TestGofishBasicAuth(t *testing.T) {
	g := newGofishServer(t)
	c := g.connect(t, gofish.ClientConfig{Username: testUser, Password: testPassword, BasicAuth: true})
	defer c.Logout()
	checkGofishChassis(t, c)
	for _, r := range g.requests() {
		if strings.Contains(r, "Sessions") {
			t.Errorf("Basic auth client used sessions: %s", r)
		}
	}

	// Wrong credentials fail at the first authenticated request.
	bad := g.connect(t, gofish.ClientConfig{Username: testUser, Password: "wrong", BasicAuth: true})
	if _, err := bad.Service.Chassis(); err == nil {
		t.Error("wrong password listed Chassis")
	}
}

func TestGofishSession(t *testing.T) {
	g := newGofishServer(t)
	c := g.connect(t, gofish.ClientConfig{Username: testUser, Password: testPassword})
	sessions := g.f.svc.sessions.list()
	if len(sessions) != 1 || sessions[0].user != testUser {
		t.Fatalf("sessions after login: %+v", sessions)
	}
	checkGofishChassis(t, c)
	sess, err := c.GetSession()
	if err != nil || sess.Token == "" || !strings.HasPrefix(sess.ID, sessionsPath+"/") {
		t.Fatalf("session %+v %v", sess, err)
	}
	token := sess.Token

	c.Logout()
	if left := g.f.svc.sessions.list(); len(left) != 0 {
		t.Errorf("sessions after logout: %+v", left)
	}
	if !slices.Contains(g.requests(), "DELETE "+sess.ID) {
		t.Errorf("logout sent no DELETE of %s: %v", sess.ID, g.requests())
	}
	// The token is dead.
	req, _ := http.NewRequest(http.MethodGet, g.srv.URL+"/redfish/v1/Chassis", nil)
	req.Header.Set("X-Auth-Token", token)
	resp, err := g.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token after logout: %d", resp.StatusCode)
	}
}

// TestGofishAutoExpand: gofish reads ProtocolFeaturesSupported and then
// asks collections for $expand=.; the answers must be the same.
func TestGofishAutoExpand(t *testing.T) {
	g := newGofishServer(t)
	c := g.connect(t, gofish.ClientConfig{Username: testUser, Password: testPassword, BasicAuth: true, AutoExpand: true})
	defer c.Logout()
	checkGofishChassis(t, c)
	expanded := false
	for _, r := range g.requests() {
		if strings.HasPrefix(r, "GET /redfish/v1/Chassis?$expand=.") {
			expanded = true
		}
		if strings.HasPrefix(r, "GET /redfish/v1/Chassis/Sled0/Drives/") {
			t.Errorf("a drive was fetched on its own after an expanded collection: %s", r)
		}
	}
	if !expanded {
		t.Errorf("gofish did not use $expand: %v", g.requests())
	}
}
