package redfish

import (
	"net/http"
	"strings"
	"testing"
)

func TestParseBodyRejects(t *testing.T) {
	tests := []struct {
		name, body string
		msg        message
	}{
		{"not JSON", `{"a":`, msgMalformedJSON},
		{"array", `[1,2]`, msgMalformedJSON},
		{"string", `"x"`, msgMalformedJSON},
		{"empty", ``, msgMalformedJSON},
		{"not UTF-8", "{\"a\":\"\xff\"}", msgMalformedJSON},
		{"trailing data", `{"a":1} {"b":2}`, msgMalformedJSON},
		{"too deep", `{"a":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`, msgMalformedJSON},
		{"duplicate", `{"a":1,"a":2}`, msgPropertyDuplicate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ae := parseBody([]byte(tc.body))
			if ae == nil || ae.msg.key != tc.msg.key || ae.status != http.StatusBadRequest {
				t.Fatalf("parseBody(%q) = %v, want 400 %s", tc.body, ae, tc.msg.key)
			}
		})
	}
}

// TestPropsCollectsEveryProblem: a PATCH with several bad properties names
// each one, and the caller applies none.
func TestPropsCollectsEveryProblem(t *testing.T) {
	p, ae := parseBody([]byte(`{"Name":5,"Enabled":true,"Timeout":99999,"Mode":"Fast",
		"Id":"x","Extra":1,"@odata.etag":"W/\"1\"","Nested":{"Good":"y","Bad":2}}`))
	if ae != nil {
		t.Fatal(ae)
	}
	if _, ok := p.str("Name"); ok {
		t.Error("a number read as a string")
	}
	if v, ok := p.boolean("Enabled"); !ok || !v {
		t.Error("Enabled not read")
	}
	if _, ok := p.integer("Timeout", 30, 86400); ok {
		t.Error("out of range integer accepted")
	}
	if _, ok := p.enum("Mode", "Slow", "Off"); ok {
		t.Error("value outside the enum accepted")
	}
	p.readOnly("Id")
	n, ok := p.object("Nested")
	if !ok {
		t.Fatal("Nested not read")
	}
	if s, ok := n.str("Good"); !ok || s != "y" {
		t.Error("Nested/Good not read")
	}
	p.require("Password")
	err := p.done()
	if err == nil || err.status != http.StatusBadRequest {
		t.Fatalf("done = %v", err)
	}
	got := map[string]string{}
	for _, e := range err.entries() {
		got[e.msg.key+" "+strings.Join(e.args, "|")] = ""
	}
	for _, want := range []string{
		"PropertyValueTypeError 5|Name",
		"PropertyValueOutOfRange 99999|Timeout",
		"PropertyValueNotInList Fast|Mode",
		"PropertyNotWritable Id",
		"PropertyUnknown Extra",
		"PropertyUnknown Nested/Bad",
		"PropertyMissing Password",
	} {
		if _, ok := got[want]; !ok {
			t.Errorf("missing %q in %v", want, got)
		}
	}
	if len(got) != 7 {
		t.Errorf("%d messages, want 7 (the annotation is not a property): %v", len(got), got)
	}
	if !strings.Contains(string(err.body()), `"code": "Base.1.22.GeneralError"`) {
		t.Errorf("several messages should have the GeneralError code:\n%s", err.body())
	}
}

func FuzzParseBody(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":{"b":[1,2,{"c":null}]}}`, `{"a":"\u00e9"}`, `[`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, ae := parseBody(data)
		if (p == nil) == (ae == nil) {
			t.Fatalf("parseBody returned %v and %v", p, ae)
		}
		if ae != nil {
			if ae.status/100 != 4 {
				t.Fatalf("status %d", ae.status)
			}
			return
		}
		for k := range p.m {
			p.str(k)
			p.integer(k, -5, 5)
			if o, ok := p.object(k); ok {
				for k2 := range o.m {
					o.boolean(k2)
				}
			}
		}
		_ = p.done()
	})
}
