package redfish

import (
	"net/http"
	"slices"
	"testing"
)

// TestServiceBaselineProfileProperties pins what DMTF's Interop Validator
// found missing with the OCP Service Baseline profile v1.0.0
// (OCPServiceBaseline.v1_0_0.json, HWMgmt-OCP-Profiles): its EventService
// entry lists ExcludeMessageId, ExcludeRegistryPrefix and
// IncludeOriginOfConditionSupported with no ReadRequirement, which the
// profile schema defaults to Mandatory. The values are what chassisd
// does: subscriptions honour both exclude lists (events.Subscription),
// and events carry OriginOfCondition as a link, never its payload.
func TestServiceBaselineProfileProperties(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	m := f.expect(f.send(secAdmin, http.MethodGet, eventServicePath, ""), http.StatusOK, "")
	for k, want := range map[string]any{
		"ExcludeMessageId":                  true,
		"ExcludeRegistryPrefix":             true,
		"IncludeOriginOfConditionSupported": false,
	} {
		if got, ok := m[k]; !ok || got != want {
			t.Errorf("EventService %s = %v (present %v), want %v", k, got, ok, want)
		}
	}

	// The capability flags are the service's to state, not a client's.
	rec := f.send(secAdmin, http.MethodPatch, eventServicePath, `{"ExcludeMessageId":false}`)
	if ids := secErrorIDs(t, rec); rec.Code != http.StatusBadRequest || len(ids) != 1 || ids[0] != "Base.1.22.PropertyNotWritable" {
		t.Errorf("PATCH ExcludeMessageId: %d %v", rec.Code, ids)
	}
}

// TestSessionServiceWriteableProperties checks the annotation the Interop
// Validator reads for a WriteRequirement (both OCP profiles mark
// SessionService.SessionTimeout WriteRequirement Recommended): without
// @Redfish.WriteableProperties it reports the requirement as not tested.
// The list must name exactly what PATCH accepts, and an echo of the
// annotation in a PATCH body is ignored like any other annotation.
func TestSessionServiceWriteableProperties(t *testing.T) {
	t.Parallel()
	f := newSecFixture(t)
	m := f.expect(f.send(secAdmin, http.MethodGet, sessionServicePath, ""), http.StatusOK, "")
	raw, ok := m["@Redfish.WriteableProperties"].([]any)
	if !ok {
		t.Fatalf("SessionService has no @Redfish.WriteableProperties array: %v", m["@Redfish.WriteableProperties"])
	}
	var names []string
	for _, v := range raw {
		s, _ := v.(string)
		names = append(names, s)
	}
	if !slices.Equal(names, []string{"SessionTimeout"}) {
		t.Errorf("@Redfish.WriteableProperties = %v, want [SessionTimeout]", names)
	}
	for _, n := range names {
		body := `{"` + n + `":120,"@Redfish.WriteableProperties":["SessionTimeout"]}`
		f.expect(f.send(secAdmin, http.MethodPatch, sessionServicePath, body), http.StatusOK, "")
	}
}
