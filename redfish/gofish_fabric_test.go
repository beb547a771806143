package redfish

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/stmcginnis/gofish"
	"github.com/stmcginnis/gofish/schemas"
)

// TestGofishCompose composes with an unmodified gofish v0.23.0 the way an
// operator's tool would: find the fabric and a host's zone, add a drive
// with Zone.AddEndpoint, remove it with Zone.RemoveEndpoint. gofish sends
// the Endpoint parameter as a bare URI string, the zone's ETag (from
// @odata.etag) in If-Match, and empty EndpointETag and ZoneETag.
func TestGofishCompose(t *testing.T) {
	ff := newFabricFixture(t, true)
	var mu sync.Mutex
	var log []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		log = append(log, r.Method+" "+r.URL.Path+" If-Match="+r.Header.Get("If-Match"))
		mu.Unlock()
		ff.h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, err := gofish.Connect(gofish.ClientConfig{Endpoint: srv.URL, HTTPClient: srv.Client(),
		Username: testUser, Password: testPassword, BasicAuth: true})
	if err != nil {
		t.Fatalf("gofish.Connect: %v", err)
	}
	defer c.Logout()

	fabrics, err := c.Service.Fabrics()
	if err != nil || len(fabrics) != 1 || fabrics[0].FabricType != schemas.PCIeProtocol {
		t.Fatalf("Fabrics: %v %v", fabrics, err)
	}
	switches, err := fabrics[0].Switches()
	if err != nil || len(switches) != 1 || switches[0].Manufacturer != "Microchip" {
		t.Fatalf("Switches: %v %v", switches, err)
	}
	zone := gofishZone(t, fabrics[0], "Host0")
	if zone.ODataEtag == "" {
		t.Fatal("gofish read no ETag for the zone")
	}
	before, err := zone.Endpoints()
	if err != nil || len(before) != 2 {
		t.Fatalf("zone endpoints %v %v", before, err)
	}

	if _, err := zone.AddEndpoint(epDrive, "", ""); err != nil {
		t.Fatalf("AddEndpoint: %v", err)
	}
	zone = gofishZone(t, fabrics[0], "Host0")
	after, err := zone.Endpoints()
	if err != nil || !slices.Equal(endpointIDs(after), []string{"Drive11", "Drive8", "Host0"}) {
		t.Fatalf("after AddEndpoint: %v %v", endpointIDs(after), err)
	}
	// The drive's endpoint says which zone it is in now.
	eps, err := fabrics[0].Endpoints()
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range eps {
		if ep.ID == "Drive11" {
			if zs, err := ep.Zones(); err != nil || len(zs) != 1 || zs[0].ID != "Host0" {
				t.Errorf("Drive11 zones %v %v", zs, err)
			}
		}
	}

	if _, err := zone.RemoveEndpoint(epDrive, "", ""); err != nil {
		t.Fatalf("RemoveEndpoint: %v", err)
	}
	zone = gofishZone(t, fabrics[0], "Host0")
	if after, err := zone.Endpoints(); err != nil || !slices.Equal(endpointIDs(after), []string{"Drive8", "Host0"}) {
		t.Fatalf("after RemoveEndpoint: %v %v", endpointIDs(after), err)
	}

	// A zone read before a change is stale: gofish's If-Match gets 412,
	// it retries without it, and the service asks for a precondition.
	stale := zone
	if _, err := zone.AddEndpoint(epDrive, "", ""); err != nil {
		t.Fatalf("AddEndpoint: %v", err)
	}
	if _, err := stale.RemoveEndpoint(epDrive, "", ""); err == nil {
		t.Error("RemoveEndpoint with a stale zone succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, l := range log {
		if l == "POST "+zonesPath+"/Host0/Actions/Zone.AddEndpoint If-Match=" {
			t.Errorf("AddEndpoint without If-Match: %v", log)
		}
		if l[:4] == "POST" {
			n++
		}
	}
	if n < 4 {
		t.Errorf("%d POSTs: %v", n, log)
	}
}

func gofishZone(t *testing.T, f *schemas.Fabric, id string) *schemas.Zone {
	t.Helper()
	zones, err := f.Zones()
	if err != nil {
		t.Fatalf("Zones: %v", err)
	}
	for _, z := range zones {
		if z.ID == id {
			return z
		}
	}
	t.Fatalf("no zone %s in %v", id, zones)
	return nil
}

func endpointIDs(eps []*schemas.Endpoint) []string {
	var out []string
	for _, e := range eps {
		out = append(out, e.ID)
	}
	// gofish fetches linked resources concurrently, in no fixed order.
	slices.Sort(out)
	return out
}
