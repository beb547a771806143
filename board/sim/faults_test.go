package sim

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chassisd/chassisd/board"
)

func TestI2CFaults(t *testing.T) {
	c := testChassis(t)
	bus := mustBus(t, c)
	fruAnswers := func(bay int) error {
		if err := bus.Tx(0x70, []byte{1 << bay}, nil); err != nil {
			return err
		}
		_, err := readEEPROM(bus, 0x50, 1, 8)
		return err
	}

	// NACK: the sled stays present but none of its parts answer, drives
	// behind its mux included; the other bays are untouched.
	if err := c.SetFaults(0, Faults{I2C: FaultNACK}); err != nil {
		t.Fatal(err)
	}
	if err := fruAnswers(0); !isNACK(err) {
		t.Errorf("bay 0 FRU with nack fault: %v", err)
	}
	if err := bus.Tx(0x71, []byte{1}, nil); !isNACK(err) {
		t.Errorf("bay 0 sled mux with nack fault: %v", err)
	}
	if !c.State().SledPresent(0) || c.State().Bays[0].Faults.I2C != FaultNACK {
		t.Errorf("state with fault: %+v", c.State().Bays[0])
	}
	if err := fruAnswers(2); err != nil {
		t.Errorf("bay 2 with bay 0 broken: %v", err)
	}
	// Unplug and plug with the fault still there: still dead.
	if err := c.UnplugSled(0); err != nil {
		t.Fatal(err)
	}
	if err := c.PlugSled(0, testSled("SN0")); err != nil {
		t.Fatal(err)
	}
	if err := fruAnswers(0); !isNACK(err) {
		t.Errorf("replugged bay 0 with nack fault: %v", err)
	}
	if err := c.SetFaults(0, Faults{}); err != nil {
		t.Fatal(err)
	}
	if err := fruAnswers(0); err != nil {
		t.Errorf("bay 0 after clearing: %v", err)
	}
	selectPath(t, bus, 0, 1)
	if err := bus.Tx(0x6a, []byte{0}, make([]byte, 1)); err != nil {
		t.Errorf("drive behind the sled mux after clearing: %v", err)
	}

	// Mux dead: the channel never selects, so the sled's parts are never
	// reached; clearing brings them back.
	if err := c.SetFaults(2, Faults{I2C: FaultMuxDead}); err != nil {
		t.Fatal(err)
	}
	if err := fruAnswers(2); !isNACK(err) {
		t.Errorf("bay 2 with its channel dead: %v", err)
	}
	c.SetFaults(2, Faults{})
	if err := fruAnswers(2); err != nil {
		t.Errorf("bay 2 after clearing: %v", err)
	}

	// Stuck: the whole bus fails until nine clocks recover it.
	if err := c.SetFaults(2, Faults{I2C: FaultStuck}); err != nil {
		t.Fatal(err)
	}
	if err := fruAnswers(0); !errors.Is(err, board.ErrBusError) {
		t.Errorf("bay 0 with the bus stuck: %v", err)
	}
	if err := bus.Recover(); err != nil {
		t.Fatal(err)
	}
	if err := fruAnswers(0); err != nil {
		t.Errorf("after recovery: %v", err)
	}
	if bus.Stats().Recoveries != 1 {
		t.Errorf("recoveries %d", bus.Stats().Recoveries)
	}
}

func TestFaultsControlAPI(t *testing.T) {
	c := testChassis(t)
	h := ControlHandler(c)
	for _, tc := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"i2c":"nack","uart":"noise"}`, 200, `"faults":{"i2c":"nack","uart":"noise"}`},
		{`{}`, 200, `"present":true,"sled"`},
		{`{"i2c":"melted"}`, 400, "i2c fault"},
		{`{"mcu":"sulking"}`, 400, "mcu fault"},
		{`{"uart":"static"}`, 400, "uart fault"},
		{`{"voltage":3}`, 400, "unknown field"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/sim/v1/bays/0/faults", strings.NewReader(tc.body)))
		compact := strings.Join(strings.Fields(rec.Body.String()), "")
		cleared := tc.body == `{}` && strings.Contains(compact, `"faults"`)
		if cleared || rec.Code != tc.status || !strings.Contains(compact, strings.ReplaceAll(tc.want, " ", "")) {
			t.Errorf("PUT %s: %d %s", tc.body, rec.Code, rec.Body)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/sim/v1/bays/9/faults", strings.NewReader(`{}`)))
	if rec.Code != 404 {
		t.Errorf("unknown bay: %d", rec.Code)
	}
}

func TestInterposerControlAPI(t *testing.T) {
	b, err := DefaultBoard()
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(b, DefaultScenario(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h := ControlHandler(c)
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{http.MethodPatch, "/sim/v1/interposer/ports/8", `{"link": false, "errors": 3}`, 200},
		{http.MethodPatch, "/sim/v1/interposer/ports/8", `{}`, 400},
		{http.MethodPatch, "/sim/v1/interposer/ports/99", `{"link": true}`, 404},
		{http.MethodPatch, "/sim/v1/interposer/ports/8", `{"errors": -1}`, 400},
		{http.MethodPost, "/sim/v1/interposer/reset", ``, 200},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
		if rec.Code != tc.status {
			t.Errorf("%s %s %s: %d %s", tc.method, tc.path, tc.body, rec.Code, rec.Body)
		}
	}
}
