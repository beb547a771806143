package interposer

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestEncodeRoutingGolden: the file format, byte for byte. Hosts come in
// name order (encoding/json sorts map keys), ports sorted and without
// repeats, hosts without drives left out.
func TestEncodeRoutingGolden(t *testing.T) {
	want, err := os.ReadFile("testdata/routing.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeRouting(rt(map[string][]int{"Host 1": {24}, "Host 0": {17, 16, 16}, "Host 2": {}}), 7)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("encodeRouting = %q, %v\nwant %q", got, err, want)
	}
	r, v, err := parseRouting(want)
	if err != nil || v != 7 || r.String() != `"Host 0": 16 17; "Host 1": 24` {
		t.Errorf("parseRouting = %v, %d, %v", r, v, err)
	}
}

func TestParseRouting(t *testing.T) {
	cases := []struct {
		name, in string
		want     string // Routing.String, or part of the error
		ok       bool
	}{
		{"no version", `{"hosts":{}}`, "no drives routed", true},
		{"unknown fields are kept for later versions", `{"version":1,"hosts":{"A":[1]},"note":"x"}`, `"A": 1`, true},
		{"repeats and order", `{"version":1,"hosts":{"A":[3,1,3],"B":[]}}`, `"A": 1 3`, true},
		{"whitespace after", "{\"version\":1,\"hosts\":{}}\n\n", "no drives routed", true},
		{"empty file", ``, "not a routing", false},
		{"torn", `{"version":1,"hosts":{"A":[1`, "not a routing", false},
		{"no hosts", `{"version":1}`, `no "hosts"`, false},
		{"null hosts", `{"version":1,"hosts":null}`, `no "hosts"`, false},
		{"two objects", `{"hosts":{}}{"hosts":{}}`, "data after", false},
		{"a list", `[1,2]`, "not a routing", false},
		{"negative port", `{"hosts":{"A":[-1]}}`, "not a port number", false},
		{"port 255 means all", `{"hosts":{"A":[255]}}`, "not a port number", false},
		{"fraction", `{"hosts":{"A":[1.5]}}`, "not a routing", false},
		{"huge port", `{"hosts":{"A":[99999999999999999999]}}`, "not a routing", false},
		{"empty host name", `{"hosts":{" ":[1]}}`, "without a name", false},
		{"negative version", `{"version":-1,"hosts":{}}`, "not a routing", false},
	}
	for _, tc := range cases {
		r, _, err := parseRouting([]byte(tc.in))
		switch {
		case tc.ok && (err != nil || r.String() != tc.want):
			t.Errorf("%s: %v, %v; want %s", tc.name, r, err, tc.want)
		case !tc.ok && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
	big := make([]byte, maxRoutingFile+1)
	if _, _, err := parseRouting(big); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("oversized file: %v", err)
	}
}

// FuzzParseRouting: no input panics, and whatever parses is in canonical
// form and survives a round trip through the file format unchanged.
func FuzzParseRouting(f *testing.F) {
	f.Add([]byte(`{"version":7,"hosts":{"Host 0":[16,17],"Host 1":[24]}}`))
	f.Add([]byte(`{"hosts":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, v, err := parseRouting(data)
		if err != nil {
			return
		}
		if !r.Equal(r.Clone()) || r.String() != r.Clone().String() {
			t.Fatalf("parsed routing %v not canonical", r)
		}
		for h, ports := range r.Hosts {
			if len(ports) == 0 {
				t.Fatalf("host %q kept without drives", h)
			}
			for i, p := range ports {
				if p < 0 || p > maxPort || (i > 0 && ports[i-1] >= p) {
					t.Fatalf("host %q ports %v", h, ports)
				}
			}
		}
		enc, err := encodeRouting(r, v)
		if err != nil {
			t.Fatalf("encode %v: %v", r, err)
		}
		r2, v2, err := parseRouting(enc)
		if err != nil || v2 != v || !r2.Equal(r) {
			t.Fatalf("round trip %q -> %v, %d, %v; want %v, %d", enc, r2, v2, err, r, v)
		}
	})
}
