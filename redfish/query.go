package redfish

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The query options of DSP0266 clause 7.3 that the service implements:
// $select, $expand (*, . and ~ with $levels up to 1), $top and $skip on
// collections, and only. $filter is recognised but not implemented: it is
// answered 501 like any unknown $-option, and ServiceRoot's
// ProtocolFeaturesSupported says FilterQuery false. Options without a $
// that the service does not know (excerpt included) are ignored, as DSP0266
// asks.
//
// A query works on the rendered JSON of the resource: the body the cache
// holds is decoded, changed and rendered again. Queried responses are not
// cached; an unqueried GET never reaches this file beyond parseQuery's
// empty-string check.

// Limits on a query: far above anything a client needs, they bound the
// work one request can ask for.
const (
	maxExpandLevels = 1 // ProtocolFeaturesSupported.ExpandQuery.MaxLevels
	maxSelectPaths  = 64
	maxSelectDepth  = 8
	maxSelectName   = 128
	maxQueryCount   = 1<<31 - 1 // $top and $skip
)

// expandMode is the $expand option's kind of hyperlink to expand.
type expandMode uint8

const (
	expandNone    expandMode = iota
	expandAll                // "*": every hyperlink
	expandNoLinks            // ".": hyperlinks outside the Links property
	expandLinks              // "~": hyperlinks inside the Links property
)

// query is the parsed query options of a GET.
type query struct {
	// selects are the $select paths, each split at "/"; nil selects all.
	selects [][]string
	expand  expandMode
	top     int
	skip    int
	hasTop  bool
	hasSkip bool
	only    bool
	// filter is the $filter expression. Resources answer it with 501; it
	// is kept for a handler that filters by itself (the SSE stream).
	filter    string
	hasFilter bool
	// rest is the raw query less $top and $skip: a nextLink repeats it.
	rest string
}

// queryOptions are the options the service knows.
var queryOptions = []string{"$select", "$expand", "$top", "$skip", "$filter", "only"}

// parseQuery parses a request's raw query. It returns nil when the query
// holds no option the service acts on. read is false for PATCH, POST, PUT
// and DELETE, which take no query options.
//
// Errors, in this order: an unknown $-option is 501 QueryParameterUnsupported
// (DSP0266); an option given twice, or only with another option, is 400
// QueryCombinationInvalid; a bad value is 400 QueryParameterValueTypeError,
// QueryParameterValueFormatError or QueryParameterOutOfRange; an option on
// a write is 400 QueryNotSupportedOnOperation.
func parseQuery(raw string, read bool) (*query, *apiError) {
	if raw == "" {
		return nil, nil
	}
	var (
		q       query
		unknown []string
		seen    []string
		rest    []string
		bad     *apiError
	)
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		rawKey, rawVal, hasVal := strings.Cut(part, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			key = rawKey
		}
		if !slices.Contains(queryOptions, key) {
			if strings.HasPrefix(key, "$") {
				unknown = append(unknown, key)
			}
			continue
		}
		if key != "$top" && key != "$skip" {
			rest = append(rest, part)
		}
		if slices.Contains(seen, key) {
			bad = firstError(bad, errQueryCombinationInvalid())
			continue
		}
		seen = append(seen, key)
		val, err := url.QueryUnescape(rawVal)
		if err != nil {
			bad = firstError(bad, errQueryValueFormat(rawVal, key))
			continue
		}
		bad = firstError(bad, q.set(key, val, hasVal))
	}
	switch {
	case len(unknown) > 0:
		slices.Sort(unknown)
		return nil, errQueryUnsupported(unknown[0])
	case bad != nil:
		return nil, bad
	case len(seen) == 0:
		return nil, nil
	case !read:
		return nil, errQueryNotSupportedOnOperation()
	case q.only && len(seen) > 1:
		return nil, errQueryCombinationInvalid()
	}
	q.rest = strings.Join(rest, "&")
	return &q, nil
}

func firstError(have, e *apiError) *apiError {
	if have != nil {
		return have
	}
	return e
}

// set parses one option's decoded value.
func (q *query) set(key, val string, hasVal bool) *apiError {
	switch key {
	case "$select":
		sel, e := parseSelect(val)
		q.selects = sel
		return e
	case "$expand":
		mode, e := parseExpand(val)
		q.expand = mode
		return e
	case "$top":
		n, e := parseCount(key, val)
		q.top, q.hasTop = n, true
		return e
	case "$skip":
		n, e := parseCount(key, val)
		q.skip, q.hasSkip = n, true
		return e
	case "$filter":
		if val == "" {
			return errQueryValueFormat(val, key)
		}
		q.filter, q.hasFilter = val, true
	case "only":
		// only takes no value (DSP0266: 400 for a value on it).
		if hasVal && val != "" {
			return errQueryValueFormat(val, key)
		}
		q.only = true
	}
	return nil
}

// parseSelect parses "Name,Status/Health". "*" selects everything.
func parseSelect(val string) ([][]string, *apiError) {
	if val == "" {
		return nil, errQueryValueFormat(val, "$select")
	}
	items := strings.Split(val, ",")
	if len(items) > maxSelectPaths {
		return nil, errQueryValueFormat(val, "$select")
	}
	all := false
	out := make([][]string, 0, len(items))
	for _, item := range items {
		if item == "*" {
			all = true
			continue
		}
		segs := strings.Split(item, "/")
		if len(segs) > maxSelectDepth {
			return nil, errQueryValueFormat(val, "$select")
		}
		for _, s := range segs {
			if !validSelectName(s) {
				return nil, errQueryValueFormat(val, "$select")
			}
		}
		out = append(out, segs)
	}
	if all {
		return nil, nil
	}
	return out, nil
}

// validSelectName accepts property names and annotations
// ("Members@odata.count").
func validSelectName(s string) bool {
	if s == "" || len(s) > maxSelectName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '@' || c == '.' || c == '#') {
			return false
		}
	}
	return true
}

// parseExpand parses "*", "." or "~", optionally followed by
// "($levels=N)" with 1 <= N <= maxExpandLevels.
func parseExpand(val string) (expandMode, *apiError) {
	if val == "" {
		return expandNone, errQueryValueFormat(val, "$expand")
	}
	var mode expandMode
	switch val[0] {
	case '*':
		mode = expandAll
	case '.':
		mode = expandNoLinks
	case '~':
		mode = expandLinks
	default:
		return expandNone, errQueryValueFormat(val, "$expand")
	}
	opts := val[1:]
	if opts == "" {
		return mode, nil
	}
	inner, ok := strings.CutPrefix(opts, "($levels=")
	if ok {
		inner, ok = strings.CutSuffix(inner, ")")
	}
	if !ok {
		return expandNone, errQueryValueFormat(val, "$expand")
	}
	n, ok, overflow := parseDigits(inner)
	switch {
	case !ok && !overflow:
		return expandNone, errQueryValueType(inner, "$levels")
	case overflow || n < 1 || n > maxExpandLevels:
		return expandNone, errQueryOutOfRange(inner, "$levels", "1-"+strconv.Itoa(maxExpandLevels))
	}
	return mode, nil
}

// parseCount parses the non-negative integer of $top or $skip.
func parseCount(key, val string) (int, *apiError) {
	n, ok, overflow := parseDigits(val)
	if ok {
		return n, nil
	}
	rng := "0-" + strconv.Itoa(maxQueryCount)
	if overflow {
		return 0, errQueryOutOfRange(val, key, rng)
	}
	if neg, found := strings.CutPrefix(val, "-"); found {
		if _, ok, overflow := parseDigits(neg); ok || overflow {
			return 0, errQueryOutOfRange(val, key, rng)
		}
	}
	return 0, errQueryValueType(val, key)
}

// parseDigits parses a decimal of ASCII digits only (no sign, no space) up
// to maxQueryCount. overflow reports digits that make a larger number.
func parseDigits(s string) (n int, ok, overflow bool) {
	if s == "" {
		return 0, false, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false, false
		}
		// Checked before multiplying: on 32-bit ARM n*10 would wrap
		// around before it could be compared.
		if d := int(c - '0'); !overflow && n > (maxQueryCount-d)/10 {
			overflow = true
		} else if !overflow {
			n = n*10 + d
		}
	}
	if overflow {
		return 0, false, true
	}
	return n, true, false
}

// applyQuery answers a GET with query options from the resource's rendered
// body res. It returns the route whose resource the response shows (the
// member's, for only) and the response.
func (s *Service) applyQuery(r *http.Request, rt *route, rc *reqCtx, res *rendered, q *query) (*route, *rendered, error) {
	if q.hasFilter {
		return nil, nil, errQueryUnsupported("$filter")
	}
	if res.contentType != contentTypeJSON {
		return nil, nil, errQueryNotSupportedOnResource()
	}
	doc, err := decodeObject(res.body)
	if err != nil {
		// Bodies the service rendered itself always decode; $metadata,
		// which is XML, was turned away above.
		return nil, nil, errQueryNotSupportedOnResource()
	}
	members, isCollection := doc.vals["Members"].([]any)
	if (q.only || q.hasTop || q.hasSkip) && !isCollection {
		return nil, nil, errQueryNotSupportedOnResource()
	}
	if q.only {
		// A collection of one member answers with the member; any other
		// collection answers as itself.
		if len(members) != 1 {
			return rt, res, nil
		}
		target, ok := linkTarget(members[0])
		if !ok {
			return rt, res, nil
		}
		mrt, mres, err := s.getLinked(rc, rc.who, target)
		if err != nil {
			return nil, nil, err
		}
		return mrt, mres, nil
	}
	if q.hasTop || q.hasSkip {
		paginate(doc, members, q, rc.path)
	}
	if q.expand != expandNone {
		who := rc.who
		if rt.public && !who.has(privLogin) {
			// Public resources are served without looking at
			// credentials; the resources they link to are not public.
			if p, ok := s.authenticate(r); ok {
				who = p
			}
		}
		s.expandLinks(doc, q.expand, rc, who)
	}
	_, hadETag := doc.vals["@odata.etag"]
	doc.remove("@odata.etag")
	if q.selects != nil {
		doc = selectObject(doc, buildSelectTree(q.selects))
	}
	body, err := encodeIndented(doc)
	if err != nil {
		return nil, nil, err
	}
	out := newRendered(body, contentTypeJSON)
	out.link, out.hdrLink = res.link, res.hdrLink
	if hadETag {
		out = annotateETag(out)
	}
	return rt, out, nil
}

// paginate applies $skip and $top to a collection's Members. The count
// stays the collection's total (DSP0266); Members@odata.nextLink names the
// next page when there is one.
func paginate(doc *jsonObject, members []any, q *query, path string) {
	n := len(members)
	start := min(q.skip, n)
	end := n
	if q.hasTop {
		end = start + min(q.top, n-start)
	}
	doc.set("Members", slices.Clone(members[start:end]))
	// A page of zero ($top=0) would link to itself forever.
	if end >= n || end == start {
		return
	}
	next := path + "?"
	if q.rest != "" {
		next += q.rest + "&"
	}
	next += "$skip=" + strconv.Itoa(end)
	if q.hasTop {
		next += "&$top=" + strconv.Itoa(q.top)
	}
	after := "Members"
	if _, ok := doc.vals["Members@odata.count"]; ok {
		after = "Members@odata.count"
	}
	doc.insertAfter(after, "Members@odata.nextLink", next)
}

// linkTarget returns the URI of a hyperlink: an object whose only property
// is @odata.id.
func linkTarget(v any) (string, bool) {
	o, ok := v.(*jsonObject)
	if !ok || len(o.keys) != 1 || o.keys[0] != "@odata.id" {
		return "", false
	}
	id, ok := o.vals["@odata.id"].(string)
	return id, ok
}

// expandLinks replaces the hyperlinks mode selects with the resources they
// name, one level deep: the expanded resources' own links stay links. A
// link the caller may not read, or that names nothing, stays a link.
func (s *Service) expandLinks(doc *jsonObject, mode expandMode, rc *reqCtx, who principal) {
	var walk func(v any, inLinks bool) any
	walk = func(v any, inLinks bool) any {
		switch t := v.(type) {
		case *jsonObject:
			if target, ok := linkTarget(t); ok {
				if mode == expandAll || (mode == expandNoLinks) != inLinks {
					if e, ok := s.fetchLinked(rc, who, target); ok {
						return e
					}
				}
				return t
			}
			for _, k := range t.keys {
				t.vals[k] = walk(t.vals[k], inLinks || k == "Links")
			}
		case []any:
			for i := range t {
				t[i] = walk(t[i], inLinks)
			}
		}
		return v
	}
	for _, k := range doc.keys {
		doc.vals[k] = walk(doc.vals[k], k == "Links")
	}
}

// fetchLinked returns the decoded resource at target, if who may read it.
func (s *Service) fetchLinked(rc *reqCtx, who principal, target string) (*jsonObject, bool) {
	_, res, err := s.getLinked(rc, who, target)
	if err != nil || res.contentType != contentTypeJSON {
		return nil, false
	}
	o, err := decodeObject(res.body)
	return o, err == nil
}

// getLinked renders the resource at target from the request's snapshot,
// through the body cache, as who.
func (s *Service) getLinked(rc *reqCtx, who principal, target string) (*route, *rendered, error) {
	p, ok := canonicalPath(target)
	if !ok || strings.ContainsAny(p, "#?") {
		return nil, nil, errNotFound(target)
	}
	sub := &reqCtx{path: p, snap: rc.snap, who: who}
	rt, params := s.router.match(p, sub.paramBuf[:0])
	sub.params = params
	if rt == nil || rt.get == nil {
		return nil, nil, errNotFound(target)
	}
	if !rt.public && !who.has(privLogin) {
		return nil, nil, errUnauthorized()
	}
	res, err := s.render(rt, sub)
	if err != nil {
		return nil, nil, err
	}
	return rt, res, nil
}

// selectTree is a $select as a tree of property names; a nil subtree
// selects the whole property.
type selectTree map[string]selectTree

func buildSelectTree(paths [][]string) selectTree {
	t := selectTree{}
	for _, p := range paths {
		cur := t
		for i, seg := range p {
			sub, exists := cur[seg]
			if exists && sub == nil {
				break // the whole property is already selected
			}
			if i == len(p)-1 {
				cur[seg] = nil
				break
			}
			if !exists {
				sub = selectTree{}
				cur[seg] = sub
			}
			cur = sub
		}
	}
	return t
}

// selectObject keeps the selected properties of o, in o's order. A
// resource (an object with @odata.id, the response or an expanded one)
// keeps its @odata annotations and Id; a selected property keeps its own
// annotations (Members@odata.count with Members).
func selectObject(o *jsonObject, t selectTree) *jsonObject {
	out := &jsonObject{vals: make(map[string]any, len(t)+4)}
	_, resource := o.vals["@odata.id"]
	for _, k := range o.keys {
		v := o.vals[k]
		if resource && (strings.HasPrefix(k, "@odata.") || k == "Id") {
			out.set(k, v)
			continue
		}
		sub, ok := t[k]
		if !ok {
			if base, _, annotation := strings.Cut(k, "@"); annotation && base != "" {
				if _, ok := t[base]; ok {
					out.set(k, v)
				}
			}
			continue
		}
		if sub == nil {
			out.set(k, v)
			continue
		}
		switch x := v.(type) {
		case *jsonObject:
			out.set(k, selectObject(x, sub))
		case []any:
			arr := make([]any, len(x))
			for i, e := range x {
				if eo, ok := e.(*jsonObject); ok {
					arr[i] = selectObject(eo, sub)
				} else {
					arr[i] = e
				}
			}
			out.set(k, arr)
		}
		// A path into a string or number selects nothing.
	}
	return out
}

// Base registry messages about query options (Base 1.22.0).
var (
	msgQueryParameterValueTypeError = message{
		key:        "QueryParameterValueTypeError",
		text:       "The value '%1' for the query parameter %2 is not a type that the parameter can accept.",
		severity:   "Warning",
		resolution: "Correct the value for the query parameter in the request and resubmit the request if the operation failed.",
	}
	msgQueryParameterValueFormatError = message{
		key:        "QueryParameterValueFormatError",
		text:       "The value '%1' for the parameter %2 is not a format that the parameter can accept.",
		severity:   "Warning",
		resolution: "Correct the value for the query parameter in the request and resubmit the request if the operation failed.",
	}
	msgQueryParameterOutOfRange = message{
		key:        "QueryParameterOutOfRange",
		text:       "The value '%1' for the query parameter %2 is out of range %3.",
		severity:   "Warning",
		resolution: "Reduce the value for the query parameter to a value that is within range, such as a start or count value that is within bounds of the number of resources in a collection or a page number that is within the range of valid pages.",
	}
	msgQueryNotSupportedOnResource = message{
		key:        "QueryNotSupportedOnResource",
		text:       "Querying is not supported on the requested resource.",
		severity:   "Warning",
		resolution: "Remove the query parameters and resubmit the request if the operation failed.",
	}
	msgQueryNotSupportedOnOperation = message{
		key:        "QueryNotSupportedOnOperation",
		text:       "Querying is not supported with the requested operation.",
		severity:   "Warning",
		resolution: "Remove the query parameters and resubmit the request if the operation failed.",
	}
	msgQueryCombinationInvalid = message{
		key:        "QueryCombinationInvalid",
		text:       "Two or more query parameters in the request cannot be used together.",
		severity:   "Warning",
		resolution: "Remove one or more of the query parameters and resubmit the request if the operation failed.",
	}
)

func errQueryValueType(val, param string) *apiError {
	return &apiError{status: http.StatusBadRequest, msg: msgQueryParameterValueTypeError, args: []string{val, param}}
}

func errQueryValueFormat(val, param string) *apiError {
	return &apiError{status: http.StatusBadRequest, msg: msgQueryParameterValueFormatError, args: []string{val, param}}
}

func errQueryOutOfRange(val, param, valid string) *apiError {
	return &apiError{status: http.StatusBadRequest, msg: msgQueryParameterOutOfRange, args: []string{val, param, valid}}
}

func errQueryNotSupportedOnResource() *apiError {
	return &apiError{status: http.StatusBadRequest, msg: msgQueryNotSupportedOnResource}
}

func errQueryNotSupportedOnOperation() *apiError {
	return &apiError{status: http.StatusBadRequest, msg: msgQueryNotSupportedOnOperation}
}

func errQueryCombinationInvalid() *apiError {
	return &apiError{status: http.StatusBadRequest, msg: msgQueryCombinationInvalid}
}
