package redfish

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Request body limits: Redfish bodies are small (a PATCH of a few
// properties, an account, a subscription); anything larger is refused
// before it costs the BMC memory.
const (
	maxBodyBytes = 64 << 10
	maxJSONDepth = 16
)

// readBody reads a JSON object request body. Its errors are Redfish
// errors: 413 PayloadTooLarge, 400 MalformedJSON (not UTF-8, not JSON,
// nested too deep, not an object, trailing data) and PropertyDuplicate.
func readBody(r *http.Request) (*props, *apiError) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errPayloadTooLarge()
		}
		return nil, errMalformedJSON()
	}
	if len(data) > maxBodyBytes {
		return nil, errPayloadTooLarge()
	}
	if len(bytes.TrimSpace(data)) == 0 {
		// An action without parameters is often POSTed with no body at
		// all (curl -X POST): that is an empty object, not bad JSON.
		return &props{m: map[string]json.RawMessage{}, used: map[string]bool{}}, nil
	}
	return parseBody(data)
}

// parseBody checks and decodes one JSON object.
func parseBody(data []byte) (*props, *apiError) {
	if !utf8.Valid(data) || !json.Valid(data) || jsonDepth(data) > maxJSONDepth {
		return nil, errMalformedJSON()
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errMalformedJSON()
	}
	if dup := duplicateKey(trimmed); dup != "" {
		return nil, &apiError{status: http.StatusBadRequest, msg: msgPropertyDuplicate, args: []string{dup}}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &m); err != nil {
		return nil, errMalformedJSON()
	}
	return &props{m: m, used: map[string]bool{}}, nil
}

// jsonDepth is the deepest nesting of objects and arrays in valid JSON.
func jsonDepth(data []byte) int {
	depth, most := 0, 0
	inString, escaped := false, false
	for _, c := range data {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			most = max(most, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return most
}

// duplicateKey returns the first top-level key that appears twice, or "".
// encoding/json silently keeps the last, which would apply a value the
// client may not have meant.
func duplicateKey(obj []byte) string {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		k, _ := t.(string)
		if seen[k] {
			return k
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

// props reads typed properties out of a request body, collecting one Base
// message per bad property, so that a PATCH with several mistakes names
// all of them and applies none.
type props struct {
	prefix string // JSON pointer of this object, "" at the top
	m      map[string]json.RawMessage
	used   map[string]bool
	errs   *[]msgEntry
	// children are the nested objects read, checked for unknown
	// properties with their parent.
	children []*props
}

func (p *props) fail(m message, args ...string) {
	if p.errs == nil {
		p.errs = &[]msgEntry{}
	}
	*p.errs = append(*p.errs, msgEntry{m, args})
}

func (p *props) name(k string) string {
	if p.prefix == "" {
		return k
	}
	return p.prefix + "/" + k
}

// raw returns a property's JSON, marking it used.
func (p *props) raw(k string) (json.RawMessage, bool) {
	v, ok := p.m[k]
	if ok {
		p.used[k] = true
	}
	return v, ok
}

// value returns a property's JSON for a typed reader. null is a type error:
// encoding/json would turn it into "" or false and apply that silently.
// A property that may be null is read with raw and checked by its caller.
func (p *props) value(k string) (json.RawMessage, bool) {
	v, ok := p.raw(k)
	if ok && bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		p.typeError(k, v)
		return nil, false
	}
	return v, ok
}

// has reports whether the body gives k.
func (p *props) has(k string) bool { _, ok := p.m[k]; return ok }

// empty reports whether the body has no properties (annotations aside).
func (p *props) empty() bool {
	for k := range p.m {
		if !strings.HasPrefix(k, "@") {
			return false
		}
	}
	return true
}

func (p *props) typeError(k string, v json.RawMessage) {
	p.fail(msgPropertyValueTypeError, shortValue(v), p.name(k))
}

// str reads a string property.
func (p *props) str(k string) (string, bool) {
	v, ok := p.value(k)
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		p.typeError(k, v)
		return "", false
	}
	return s, true
}

// boolean reads a boolean property.
func (p *props) boolean(k string) (bool, bool) {
	v, ok := p.value(k)
	if !ok {
		return false, false
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		p.typeError(k, v)
		return false, false
	}
	return b, true
}

// jsonInt reads a JSON integer exactly as written (text, for messages);
// ok is false for anything else, a fraction or exponent included.
func jsonInt(v json.RawMessage) (i int64, text string, ok bool) {
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return 0, "", false
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return 0, "", false
	}
	return i, n.String(), true
}

// integer reads an integer property in [lo, hi].
func (p *props) integer(k string, lo, hi int64) (int64, bool) {
	v, ok := p.value(k)
	if !ok {
		return 0, false
	}
	i, text, ok := jsonInt(v)
	if !ok {
		p.typeError(k, v)
		return 0, false
	}
	if i < lo || i > hi {
		p.fail(msgPropertyValueOutOfRange, text, p.name(k))
		return 0, false
	}
	return i, true
}

// enum reads a string property that must be one of allowed.
func (p *props) enum(k string, allowed ...string) (string, bool) {
	s, ok := p.str(k)
	if !ok {
		return "", false
	}
	for _, a := range allowed {
		if s == a {
			return s, true
		}
	}
	p.fail(msgPropertyValueNotInList, s, p.name(k))
	return "", false
}

// strings reads an array of strings.
func (p *props) strings(k string) ([]string, bool) {
	v, ok := p.value(k)
	if !ok {
		return nil, false
	}
	var ss []string
	if err := json.Unmarshal(v, &ss); err != nil {
		p.typeError(k, v)
		return nil, false
	}
	return ss, true
}

// object reads a nested object; its errors join the parent's.
func (p *props) object(k string) (*props, bool) {
	v, ok := p.value(k)
	if !ok {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil || m == nil {
		p.typeError(k, v)
		return nil, false
	}
	if p.errs == nil {
		p.errs = &[]msgEntry{}
	}
	c := &props{prefix: p.name(k), m: m, used: map[string]bool{}, errs: p.errs}
	p.children = append(p.children, c)
	return c, true
}

// readOnly reports each of keys the body gives as PropertyNotWritable.
func (p *props) readOnly(keys ...string) {
	for _, k := range keys {
		if _, ok := p.raw(k); ok {
			p.fail(msgPropertyNotWritable, p.name(k))
		}
	}
}

// require reports each of keys the body lacks as PropertyMissing.
func (p *props) require(keys ...string) bool {
	ok := true
	for _, k := range keys {
		if !p.has(k) {
			p.fail(msgPropertyMissing, p.name(k))
			ok = false
		}
	}
	return ok
}

// done reports every property no reader asked for as PropertyUnknown
// (annotations such as @odata.etag are ignored), then returns all the
// collected errors as one 400, or nil when the body was good.
func (p *props) done() *apiError {
	p.unknown()
	if p.errs == nil || len(*p.errs) == 0 {
		return nil
	}
	return errorOf(http.StatusBadRequest, *p.errs)
}

func (p *props) unknown() {
	for _, c := range p.children {
		c.unknown()
	}
	keys := make([]string, 0, len(p.m))
	for k := range p.m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	for _, k := range keys {
		if !p.used[k] && !strings.HasPrefix(k, "@") {
			p.fail(msgPropertyUnknown, p.name(k))
		}
	}
}

// shortValue renders a bad value for a message argument: strings
// unquoted, anything else as its JSON, cut to a readable length.
func shortValue(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		v = json.RawMessage(s)
	}
	out := string(v)
	if len(out) > 64 {
		out = out[:61] + "..."
	}
	return strings.ToValidUTF8(out, "?")
}

func sortStrings(ss []string) { slices.Sort(ss) }
