package redfish

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/chassisd/chassisd/agent"
)

// fakeControl records the commands the service sends down.
type fakeControl struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (c *fakeControl) SetLocateLED(_ context.Context, bay int, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, fmt.Sprintf("led %d %v", bay, on))
	return c.err
}

func (c *fakeControl) ResetSled(_ context.Context, bay int, kind string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, fmt.Sprintf("reset %d %s", bay, kind))
	return c.err
}

func (c *fakeControl) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = nil
	return out
}

func TestSledControl(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	// Without a control the sled offers no Reset.
	m := f.expect(f.send(secAdmin, http.MethodGet, "/redfish/v1/Chassis/Sled2", ""), http.StatusOK, "")
	if _, ok := m["Actions"]; ok {
		t.Errorf("Actions without a sled control: %v", m["Actions"])
	}
	f.expect(f.send(secAdmin, http.MethodPost, "/redfish/v1/Chassis/Sled2/Actions/Chassis.Reset", `{"ResetType":"ForceRestart"}`), http.StatusNotFound, "ResourceMissingAtURI")

	ctl := &fakeControl{}
	f.svc.SetSledControl(ctl)
	m = f.expect(f.send(secAdmin, http.MethodGet, "/redfish/v1/Chassis/Sled2", ""), http.StatusOK, "")
	if at(t, m, "Actions", "#Chassis.Reset", "target") != "/redfish/v1/Chassis/Sled2/Actions/Chassis.Reset" {
		t.Errorf("Actions %v", m["Actions"])
	}
	info := f.expect(f.send(secAdmin, http.MethodGet, "/redfish/v1/Chassis/Sled2/ResetActionInfo", ""), http.StatusOK, "")
	if vals := at(t, info, "Parameters", 0, "AllowableValues").([]any); len(vals) != 2 {
		t.Errorf("ResetActionInfo %v", info)
	}

	// The LED goes down to the agent; only then is it shown lit.
	f.expect(f.send(secAdmin, http.MethodPatch, "/redfish/v1/Chassis/Sled2", `{"LocationIndicatorActive":true}`), http.StatusOK, "")
	if got := ctl.take(); len(got) != 1 || got[0] != "led 2 true" {
		t.Errorf("calls %v", got)
	}
	ctl.err = fmt.Errorf("bay 3: locate LED: %w", agent.ErrUnreachable)
	f.expect(f.send(secAdmin, http.MethodPatch, "/redfish/v1/Chassis/Sled0", `{"LocationIndicatorActive":true}`), http.StatusServiceUnavailable, "OperationFailed")
	if m := f.expect(f.send(secAdmin, http.MethodGet, "/redfish/v1/Chassis/Sled0", ""), http.StatusOK, ""); m["LocationIndicatorActive"] != false {
		t.Error("a LED the agent could not light is shown lit")
	}
	ctl.err = nil
	ctl.take()
	// The enclosure's indicator is only recorded.
	f.expect(f.send(secAdmin, http.MethodPatch, "/redfish/v1/Chassis/Enclosure", `{"LocationIndicatorActive":true}`), http.StatusOK, "")
	if got := ctl.take(); len(got) != 0 {
		t.Errorf("enclosure LED sent down: %v", got)
	}

	// Reset: an Operator may, a ReadOnly user may not; bad types are 400.
	f.createAccount("op", "operator-pass-1", RoleOperator)
	f.createAccount("ro", "readonly-pass-1", RoleReadOnly)
	op, ro := secCred{user: "op", pass: "operator-pass-1"}, secCred{user: "ro", pass: "readonly-pass-1"}
	reset := "/redfish/v1/Chassis/Sled2/Actions/Chassis.Reset"
	f.expect(f.send(op, http.MethodPost, reset, `{"ResetType":"ForceRestart"}`), http.StatusNoContent, "")
	f.expect(f.send(ro, http.MethodPost, reset, `{"ResetType":"ForceRestart"}`), http.StatusForbidden, "InsufficientPrivilege")
	f.expect(f.send(op, http.MethodPost, reset, `{"ResetType":"Nmi"}`), http.StatusBadRequest, "ActionParameterValueNotInList")
	f.expect(f.send(op, http.MethodPost, reset, `{}`), http.StatusBadRequest, "ActionParameterMissing")
	if got := ctl.take(); len(got) != 1 || got[0] != "reset 2 ForceRestart" {
		t.Errorf("calls %v", got)
	}
	ctl.err = fmt.Errorf("bay 2: power cycle: %w", agent.ErrUnsupported)
	f.expect(f.send(op, http.MethodPost, reset, `{"ResetType":"PowerCycle"}`), http.StatusBadRequest, "ActionNotSupported")
	f.expect(f.send(op, http.MethodPost, "/redfish/v1/Chassis/Sled1/Actions/Chassis.Reset", `{"ResetType":"ForceRestart"}`), http.StatusNotFound, "ResourceMissingAtURI")
}
