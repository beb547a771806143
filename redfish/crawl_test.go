package redfish

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"sort"
	"strings"
	"testing"
)

// csdl is the part of $metadata the tests read.
type csdl struct {
	XMLName    xml.Name `xml:"Edmx"`
	Version    string   `xml:"Version,attr"`
	References []struct {
		URI      string `xml:"Uri,attr"`
		Includes []struct {
			Namespace string `xml:"Namespace,attr"`
			Alias     string `xml:"Alias,attr"`
		} `xml:"Include"`
	} `xml:"Reference"`
	Schemas []struct {
		Namespace string `xml:"Namespace,attr"`
		Container *struct {
			Name    string `xml:"Name,attr"`
			Extends string `xml:"Extends,attr"`
		} `xml:"EntityContainer"`
	} `xml:"DataServices>Schema"`
}

// metadataNamespaces fetches and parses $metadata and returns every
// included namespace with the file it comes from.
func metadataNamespaces(t *testing.T, f *fixture) map[string]string {
	t.Helper()
	rec := f.do(http.MethodGet, "/redfish/v1/$metadata", false)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/xml" {
		t.Fatalf("$metadata: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var doc csdl
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("$metadata is not XML: %v", err)
	}
	if doc.Version != "4.0" {
		t.Errorf("Edmx Version %q", doc.Version)
	}
	ns := map[string]string{}
	for _, r := range doc.References {
		switch {
		case strings.HasPrefix(r.URI, "/redfish/v1/"):
			// A schema of our own: it must be served and define what
			// $metadata says it includes.
			defined := servedSchemaNamespaces(t, f, r.URI)
			for _, in := range r.Includes {
				if !defined[in.Namespace] {
					t.Errorf("%s does not define %s", r.URI, in.Namespace)
				}
			}
		case !strings.HasPrefix(r.URI, "http://redfish.dmtf.org/schemas/v1/") || !strings.HasSuffix(r.URI, "_v1.xml"):
			t.Errorf("reference URI %q", r.URI)
		}
		for _, in := range r.Includes {
			ns[in.Namespace] = r.URI
		}
	}
	found := false
	for _, s := range doc.Schemas {
		if s.Namespace == "Service" && s.Container != nil && s.Container.Name == "Service" {
			found = true
			if _, ok := ns[strings.TrimSuffix(s.Container.Extends, ".ServiceContainer")]; !ok {
				t.Errorf("entity container extends %q, which is not referenced", s.Container.Extends)
			}
		}
	}
	if !found {
		t.Error("no Service entity container")
	}
	return ns
}

// servedSchemaNamespaces fetches a CSDL document the service serves
// itself and returns the namespaces it defines.
func servedSchemaNamespaces(t *testing.T, f *fixture, path string) map[string]bool {
	t.Helper()
	rec := f.do(http.MethodGet, path, false)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/xml" {
		t.Fatalf("%s: %d %q", path, rec.Code, rec.Header().Get("Content-Type"))
	}
	var doc csdl
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("%s is not XML: %v", path, err)
	}
	out := map[string]bool{}
	for _, s := range doc.Schemas {
		out[s.Namespace] = true
	}
	return out
}

// typeNamespace turns "#Chassis.v1_28_0.Chassis" into "Chassis.v1_28_0" and
// "#ChassisCollection.ChassisCollection" into "ChassisCollection".
func typeNamespace(odataType string) string {
	t := strings.TrimPrefix(odataType, "#")
	if i := strings.LastIndexByte(t, '.'); i > 0 {
		return t[:i]
	}
	return t
}

func TestMetadataReferencesEverySchema(t *testing.T) {
	f := newFixture(t, testSnapshot())
	ns := metadataNamespaces(t, f)
	for _, s := range allMetadataSchemas() {
		if _, ok := ns[s.namespace()]; !ok {
			t.Errorf("%s not referenced", s.namespace())
		}
		if want := s.csdlURI(); ns[s.namespace()] != want {
			t.Errorf("%s referenced from %s", s.namespace(), ns[s.namespace()])
		}
		if !s.versionedOnly {
			if _, ok := ns[s.name]; !ok {
				t.Errorf("unversioned %s not referenced", s.name)
			}
		}
	}
	// The error bodies' Message type too.
	if _, ok := ns[typeNamespace(schemaMessage.odataType())]; !ok {
		t.Error("Message namespace not referenced")
	}
}

// TestCrawl follows every @odata.id from the service root, like a client
// discovering the service, and checks each resource it reaches: 200, JSON,
// its own @odata.id, a typed namespace that $metadata references. Nothing
// linked may be missing.
func TestCrawl(t *testing.T) {
	f := newFixture(t, fabricSnapshot())
	f.svc.SetComposer(&fakeComposer{})
	ns := metadataNamespaces(t, f)
	seen := map[string]bool{"/redfish/v1": true}
	queue := []string{"/redfish/v1"}
	types := map[string]bool{}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		rec := f.do(http.MethodGet, p, true)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s (linked): %d", p, rec.Code)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); ct != contentTypeJSON {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
		var body any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Errorf("GET %s: %v", p, err)
			continue
		}
		m := body.(map[string]any)
		if m["@odata.id"] != p {
			t.Errorf("GET %s: @odata.id %v", p, m["@odata.id"])
		}
		typ, _ := m["@odata.type"].(string)
		if typ == "" {
			t.Errorf("GET %s: no @odata.type", p)
		} else if _, ok := ns[typeNamespace(typ)]; !ok {
			t.Errorf("GET %s: @odata.type %s not in $metadata", p, typ)
		}
		types[typ] = true
		if !strings.Contains(typ, "Collection") {
			if _, ok := m["Id"].(string); !ok {
				t.Errorf("GET %s: no Id", p)
			}
		}
		if _, ok := m["Name"].(string); !ok {
			t.Errorf("GET %s: no Name", p)
		}
		if strings.Contains(typ, "Collection") {
			if n, ok := m["Members@odata.count"].(float64); !ok || int(n) != len(m["Members"].([]any)) {
				t.Errorf("GET %s: Members@odata.count %v for %d members", p, m["Members@odata.count"], len(m["Members"].([]any)))
			}
		}
		for _, l := range odataIDs(body) {
			if !seen[l] {
				seen[l] = true
				queue = append(queue, l)
			}
		}
		// Types of embedded objects (Oem) must be described too.
		for _, typ := range nestedTypes(body, true) {
			if _, ok := ns[typeNamespace(typ)]; !ok {
				t.Errorf("GET %s: embedded @odata.type %s not in $metadata", p, typ)
			}
			types[typ] = true
		}
	}
	var all []string
	for p := range seen {
		all = append(all, p)
	}
	sort.Strings(all)
	// Every resource family is reached by links alone: a client that
	// starts at the root finds each of these.
	for _, want := range []string{
		"/redfish/v1/Chassis/Enclosure", "/redfish/v1/Chassis/Sled0/Drives/Slot0",
		"/redfish/v1/Chassis/Sled0/Sensors", "/redfish/v1/Chassis/Sled0/ThermalSubsystem",
		"/redfish/v1/Managers/bmc/LogServices/EventLog/Entries", "/redfish/v1/Managers/bmc/NetworkProtocol",
		"/redfish/v1/AccountService/Roles/Operator", "/redfish/v1/SessionService/Sessions",
		"/redfish/v1/EventService/Subscriptions", "/redfish/v1/Registries/Chassisd",
		"/redfish/v1/CertificateService", "/redfish/v1/UpdateService/FirmwareInventory",
		"/redfish/v1/Fabrics/PCIe/Switches/Interposer/Ports/8/Metrics", "/redfish/v1/Fabrics/PCIe/Endpoints/Drive10",
		"/redfish/v1/Fabrics/PCIe/Zones/Host0", "/redfish/v1/Fabrics/PCIe/Connections/Host0",
	} {
		if !seen[want] {
			t.Errorf("crawl did not reach %s; reached:\n%s", want, strings.Join(all, "\n"))
		}
	}
	// Sled3 has no temperature sensor: nothing links to a collection of
	// sensor it does not have, while Sled0's is linked.
	if seen["/redfish/v1/Chassis/Sled3/Sensors/Temp"] || !seen["/redfish/v1/Chassis/Sled0/Sensors/Temp"] {
		t.Error("sled temperature sensors: want Sled0's linked and none for Sled3")
	}
	t.Logf("crawled %d resources of %d types", len(all), len(types))
}

// nestedTypes finds every "@odata.type" below the top level.
func nestedTypes(v any, top bool) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "@odata.type" {
				if !top {
					out = append(out, s)
				}
				continue
			}
			out = append(out, nestedTypes(x, false)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, nestedTypes(x, false)...)
		}
	}
	return out
}

// odataIDs finds every "@odata.id" value anywhere in a document.
func odataIDs(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "@odata.id" {
				out = append(out, s)
				continue
			}
			out = append(out, odataIDs(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, odataIDs(x)...)
		}
	}
	return out
}
