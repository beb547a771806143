package redfish

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

// fabricFuzzWrite sends body to target as the administrator, from the
// routing of testFabric, and checks the answer: one of ok, or an error
// from bad with a Redfish error body; never a 5xx.
func fabricFuzzWrite(t *testing.T, ff *fabricFixture, target string, body []byte, ok, bad []int, hdr ...string) {
	t.Helper()
	ff.reset()
	rec := secRequest(ff.h, secAdmin, http.MethodPost, target, string(body), hdr...)
	if slices.Contains(ok, rec.Code) {
		return
	}
	if !slices.Contains(bad, rec.Code) {
		t.Fatalf("POST %s %q: status %d\n%s", target, body, rec.Code, rec.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || m["error"] == nil {
		t.Fatalf("%d without an error body: %s", rec.Code, rec.Body)
	}
}

// FuzzZonePost: arbitrary bodies POSTed to Zones.
func FuzzZonePost(f *testing.F) {
	f.Add([]byte(zoneBody(epHost1, epDrive)))
	f.Add([]byte(zoneBody(epHost0, epHost1, epDrive8)))
	f.Add([]byte(`{"ZoneType":"ZoneOfEndpoints","Links":{"Endpoints":[{"@odata.id":null}]}}`))
	f.Add([]byte(`{"Links":{"Endpoints":{"@odata.id":"/redfish/v1/Fabrics/PCIe/Endpoints/Host1"}}}`))
	ff := newFabricFixture(f, true)
	f.Fuzz(func(t *testing.T, body []byte) {
		fabricFuzzWrite(t, ff, zonesPath, body, []int{201}, []int{400, 409, 413})
	})
}

// FuzzZoneAction: arbitrary Zone.AddEndpoint bodies, with the zone's
// current ETag in If-Match (or none, when useETag is false).
func FuzzZoneAction(f *testing.F) {
	f.Add([]byte(`{"Endpoint":{"@odata.id":"/redfish/v1/Fabrics/PCIe/Endpoints/Drive11"}}`), true)
	f.Add([]byte(`{"Endpoint":"/redfish/v1/Fabrics/PCIe/Endpoints/Drive9","EndpointETag":"","ZoneETag":""}`), true)
	f.Add([]byte(`{"Endpoint":"/redfish/v1/Fabrics/PCIe/Endpoints/Drive11","ZoneETag":"W/\"1\""}`), false)
	f.Add([]byte(`{"Endpoint":7}`), true)
	ff := newFabricFixture(f, true)
	etag := zoneETag(testFabric(), 0)
	f.Fuzz(func(t *testing.T, body []byte, useETag bool) {
		var hdr []string
		if useETag {
			hdr = []string{"If-Match", etag}
		}
		fabricFuzzWrite(t, ff, zonesPath+"/Host0/Actions/Zone.AddEndpoint", body, []int{204}, []int{400, 409, 412, 413, 428}, hdr...)
	})
}
