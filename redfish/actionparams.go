package redfish

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
)

// actionTarget is one entry of a resource's Actions.
type actionTarget struct {
	Target     string `json:"target"`
	ActionInfo string `json:"@Redfish.ActionInfo,omitempty"`
}

// actionInfo is an ActionInfo resource: the parameters an action takes.
type actionInfo struct {
	ODataID    string            `json:"@odata.id"`
	ODataType  string            `json:"@odata.type"`
	ID         string            `json:"Id"`
	Name       string            `json:"Name"`
	Parameters []actionParameter `json:"Parameters"`
}

type actionParameter struct {
	Name            string   `json:"Name"`
	Required        bool     `json:"Required"`
	DataType        string   `json:"DataType"`
	ObjectDataType  string   `json:"ObjectDataType,omitempty"`
	AllowableValues []string `json:"AllowableValues,omitempty"`
	DefaultValue    string   `json:"DefaultValue,omitempty"`
}

var schemaActionInfo = schema{name: "ActionInfo", version: "v1_5_0"}

// actionParams reads the parameters of an action (a POST to .../Actions/X)
// out of its request body. It collects one Base ActionParameter* message
// per bad parameter, like props does for PATCH, so a request with several
// mistakes names all of them and nothing is done.
type actionParams struct {
	action string // "Manager.Reset", as the messages name it
	p      *props
	errs   []msgEntry
}

func newActionParams(action string, body *props) *actionParams {
	if body == nil {
		body = &props{m: map[string]json.RawMessage{}, used: map[string]bool{}}
	}
	return &actionParams{action: action, p: body}
}

func (a *actionParams) fail(m message, args ...string) {
	a.errs = append(a.errs, msgEntry{m, args})
}

func (a *actionParams) typeError(k string, v json.RawMessage) {
	a.fail(actionMsgs.valueTypeError, shortValue(v), k, a.action)
}

// raw returns a parameter's JSON, marking it read. JSON null counts as
// absent for no parameter here: every one of them is non-nullable, so a
// null is reported as the wrong type rather than silently ignored.
func (a *actionParams) raw(k string) (json.RawMessage, bool) {
	v, ok := a.p.raw(k)
	if ok && bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		a.typeError(k, v)
		return nil, false
	}
	return v, ok
}

// str reads a string parameter.
func (a *actionParams) str(k string) (string, bool) {
	v, ok := a.raw(k)
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		a.typeError(k, v)
		return "", false
	}
	return s, true
}

// enum reads a string parameter that must be one of allowed.
func (a *actionParams) enum(k string, allowed ...string) (string, bool) {
	s, ok := a.str(k)
	if !ok {
		return "", false
	}
	if !slices.Contains(allowed, s) {
		a.fail(actionMsgs.valueNotInList, s, k, a.action)
		return "", false
	}
	return s, true
}

// strs reads an array of strings.
func (a *actionParams) strs(k string) ([]string, bool) {
	v, ok := a.raw(k)
	if !ok {
		return nil, false
	}
	// Pointers tell a null element from an empty string.
	var ps []*string
	if err := json.Unmarshal(v, &ps); err != nil || ps == nil || slices.Contains(ps, nil) {
		a.typeError(k, v)
		return nil, false
	}
	ss := make([]string, len(ps))
	for i, s := range ps {
		ss[i] = *s
	}
	return ss, true
}

// intIn reads an integer parameter that must be one of allowed.
func (a *actionParams) intIn(k string, allowed ...int64) (int64, bool) {
	v, ok := a.raw(k)
	if !ok {
		return 0, false
	}
	i, text, ok := jsonInt(v)
	if !ok {
		a.typeError(k, v)
		return 0, false
	}
	if !slices.Contains(allowed, i) {
		a.fail(actionMsgs.valueNotInList, text, k, a.action)
		return 0, false
	}
	return i, true
}

// link reads a reference parameter, {"@odata.id": "/redfish/v1/..."}, and
// returns the canonical path it names.
func (a *actionParams) link(k string) (string, bool) {
	v, ok := a.raw(k)
	if !ok {
		return "", false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil || m == nil {
		a.typeError(k, v)
		return "", false
	}
	var id string
	raw, has := m["@odata.id"]
	if !has || len(m) != 1 || json.Unmarshal(raw, &id) != nil {
		a.fail(actionMsgs.valueFormatError, shortValue(v), k, a.action)
		return "", false
	}
	p, _ := canonicalPath(id)
	return p, true
}

// require reports each of keys the body lacks as ActionParameterMissing.
func (a *actionParams) require(keys ...string) bool {
	ok := true
	for _, k := range keys {
		if !a.p.has(k) {
			a.fail(actionMsgs.parameterMissing, a.action, k)
			ok = false
		}
	}
	return ok
}

// unsupported reports each of keys the body gives as
// ActionParameterNotSupported: parameters the schema defines and this
// service does not implement.
func (a *actionParams) unsupported(keys ...string) {
	for _, k := range keys {
		if _, ok := a.p.raw(k); ok {
			a.fail(actionMsgs.parameterNotSupported, k, a.action)
		}
	}
}

// done reports every parameter no reader asked for as
// ActionParameterUnknown (annotations are ignored), then returns all the
// collected errors as one 400, or nil when the body was good.
func (a *actionParams) done() *apiError {
	keys := make([]string, 0, len(a.p.m))
	for k := range a.p.m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !a.p.used[k] && (k == "" || k[0] != '@') {
			a.fail(actionMsgs.parameterUnknown, a.action, k)
		}
	}
	if len(a.errs) == 0 {
		return nil
	}
	return errorOf(http.StatusBadRequest, a.errs)
}
