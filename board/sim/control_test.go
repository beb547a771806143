package sim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestControlAPI(t *testing.T) {
	// The steps run in order against one chassis: bays 0 and 2 start
	// occupied, bay 1 empty.
	c := testChassis(t)
	h := ControlHandler(c)

	for _, tc := range []struct {
		method, path, body string
		status             int
		want               string // substring of the response body
	}{
		{"GET", "/sim/v1/state", "", 200, `"board": "test-3bay"`},
		{"GET", "/sim/v1/state", "", 200, `"vendor_id": "0x144d"`},
		{"PUT", "/sim/v1/bays/1/sled", `{"fru": {"manufacturer": "Acme", "serial_number": "A1", "mfg_date": "2024-06-01"},
			"temperature": 32, "drives": [{"slot": 2, "vendor_id": 5197, "serial": "S1", "temperature": 36}]}`,
			201, `"present": true`},
		{"PUT", "/sim/v1/bays/1/sled", `{}`, 409, `"error": "bay 1: occupied`},
		{"PUT", "/sim/v1/bays/9/sled", `{}`, 404, `"error": "bay 9: no such bay"`},
		{"PUT", "/sim/v1/bays/x/sled", `{}`, 404, `no such bay`},
		{"PUT", "/sim/v1/bays/1/sled", `{"fru": {}, "colour": "red"}`, 400, `unknown field \"colour\"`},
		{"PUT", "/sim/v1/bays/1/sled", `{"fru": `, 400, `"error": "body:`},
		{"PUT", "/sim/v1/bays/1/sled", `[]`, 400, `want a JSON object`},
		{"PUT", "/sim/v1/bays/1/sled", `{} {}`, 400, `trailing data`},
		{"PATCH", "/sim/v1/bays/1/sled", `{"temperature": 40.5}`, 200, `"temperature": 40.5`},
		{"PATCH", "/sim/v1/bays/1/sled", `{}`, 400, `nothing to change`},
		{"PATCH", "/sim/v1/bays/1/sled", `{"temperature": 400}`, 400, `outside the sensor's range`},
		{"POST", "/sim/v1/bays/1/sled/corrupt-fru", ``, 200, `"corrupt_fru": true`},
		{"PUT", "/sim/v1/bays/1/slots/0/drive", `{"vendor_id": "0x1e0f", "serial": "K1", "model": "XD6"}`, 201, `"serial": "K1"`},
		{"PUT", "/sim/v1/bays/1/slots/0/drive", `{"serial": "K2"}`, 409, `bay 1 slot 0: occupied`},
		{"PUT", "/sim/v1/bays/1/slots/1/drive", `{"slot": 3, "serial": "K2"}`, 400, `body says slot 3, path says slot 1`},
		{"PUT", "/sim/v1/bays/1/slots/1/drive", `{"slot": 1, "serial": "K2", "vendor_id": "0xZZ"}`, 400, `not an integer`},
		{"PUT", "/sim/v1/bays/1/slots/9/drive", `{"serial": "K2"}`, 404, `bay 1 slot 9: no such slot`},
		{"PATCH", "/sim/v1/bays/1/slots/0/drive", `{"temperature": 71, "percent_used": 90, "warnings": ["spare"]}`, 200, `"percent_used": 90`},
		{"PATCH", "/sim/v1/bays/1/slots/0/drive", `{"warnings": ["hot"]}`, 400, `unknown warning`},
		{"PATCH", "/sim/v1/bays/1/slots/3/drive", `{"temperature": 50}`, 404, `bay 1 slot 3: no drive`},
		{"DELETE", "/sim/v1/bays/1/slots/0/drive", ``, 200, `"slot": 0`},
		{"DELETE", "/sim/v1/bays/1/slots/0/drive", ``, 404, `no drive`},
		{"DELETE", "/sim/v1/bays/1/sled", ``, 200, `"present": false`},
		{"DELETE", "/sim/v1/bays/1/sled", ``, 404, `"error": "bay 1: no sled"`},
		{"PATCH", "/sim/v1/bays/1/sled", `{"temperature": 20}`, 404, `no sled`},
		{"PUT", "/sim/v1/bays/1/slots/0/drive", `{"serial": "K3"}`, 404, `bay 1: no sled`},
		{"POST", "/sim/v1/bays/1/sled/corrupt-fru", ``, 404, `no sled`},
		{"GET", "/sim/v1/nothing", ``, 404, `"error": "GET /sim/v1/nothing: not found"`},
		{"POST", "/sim/v1/state", ``, 405, `method not allowed`},
		{"PUT", "/sim/v1/bays/1/sled", `{"fru": {"manufacturer": "` + strings.Repeat("x", 70<<10) + `"}}`, 413, `body is over 65536 bytes`},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
		resp := rec.Result()
		var raw json.RawMessage
		if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
			t.Errorf("%s %s: body is not JSON: %v", tc.method, tc.path, err)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
		}
		if resp.StatusCode != tc.status || !strings.Contains(string(raw), tc.want) {
			t.Errorf("%s %s %.40s: %d %s\nwant %d containing %s", tc.method, tc.path, tc.body, resp.StatusCode, raw, tc.status, tc.want)
		}
	}
}

// TestControlStateRoundTrip checks that a sled's state can be PUT back.
func TestControlStateRoundTrip(t *testing.T) {
	c := testChassis(t)
	h := ControlHandler(c)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/sim/v1/state", nil))
	var st StateView
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	sled := st.Bays[0].Sled
	spec := SledSpec{FRU: sled.FRU, Temperature: sled.Temperature}
	for _, s := range sled.Slots {
		if s.Drive != nil {
			spec.Drives = append(spec.Drives, *s.Drive)
		}
	}
	body, _ := json.Marshal(spec)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("PUT", "/sim/v1/bays/1/sled", strings.NewReader(string(body))))
	if rec.Code != http.StatusCreated {
		t.Fatalf("PUT back bay 0's sled into bay 1: %d %s", rec.Code, rec.Body)
	}
	if got, want := c.State().Bays[1].Sled.FRU.SerialNumber, sled.FRU.SerialNumber; got != want {
		t.Errorf("round trip serial %q, want %q", got, want)
	}
}
