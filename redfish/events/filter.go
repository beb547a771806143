package events

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidFilter wraps every error ParseSSEFilter returns; the redfish
// layer answers it with 400 and a Base query-parameter message.
var ErrInvalidFilter = errors.New("invalid $filter")

// SSEFilterProperties are the properties an SSE $filter may compare, as the
// EventService's SSEFilterPropertiesSupported should claim them: true for
// what ParseSSEFilter accepts, false for MetricReportDefinition (chassisd
// has no telemetry service).
var SSEFilterProperties = map[string]bool{
	"EventFormatType":        true,
	"EventType":              true,
	"MessageId":              true,
	"MetricReportDefinition": false,
	"OriginResource":         true,
	"RegistryPrefix":         true,
	"ResourceType":           true,
	"SubordinateResources":   true,
}

// Limits that keep a hostile $filter cheap to parse and evaluate.
const (
	maxFilterLen   = 2048
	maxFilterDepth = 16
	maxFilterTerms = 64
)

// Filter selects the records an SSE stream receives. The zero Filter
// selects everything.
type Filter struct {
	root node
	// subordinate widens every OriginResource comparison to the resource's
	// subordinates (SubordinateResources eq true).
	subordinate bool
	text        string
}

// String is the filter as the client wrote it.
func (f Filter) String() string { return f.text }

// Match reports whether r passes the filter.
func (f Filter) Match(r *Record) bool {
	return f.root == nil || f.root.eval(r, f.subordinate)
}

// ParseSSEFilter parses the value of an SSE $filter query parameter (already
// URL-decoded), in the syntax of DSP0266's $filter clause restricted to what
// an event stream can compare: eq and ne, combined with and, or, not and
// parentheses, with and binding tighter than or. Strings are in single
// quotes, a doubled quote standing for one inside; enumerations (EventType eq
// StatusChange, RegistryPrefix eq Base) may also be written bare.
// SubordinateResources eq true may only be and-ed at the top level, where it
// widens every OriginResource comparison to subordinate resources. An empty
// string is the zero Filter.
func ParseSSEFilter(raw string) (Filter, error) {
	if strings.TrimSpace(raw) == "" {
		return Filter{}, nil
	}
	if len(raw) > maxFilterLen {
		return Filter{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalidFilter, maxFilterLen)
	}
	toks, err := lex(raw)
	if err != nil {
		return Filter{}, err
	}
	p := &parser{toks: toks}
	root, err := p.or(0)
	if err != nil {
		return Filter{}, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return Filter{}, p.errorf(t, "unexpected %s", t)
	}
	f := Filter{root: root, text: raw}
	if err := f.takeSubordinate(); err != nil {
		return Filter{}, err
	}
	return f, nil
}

// takeSubordinate finds SubordinateResources among the top-level and-ed
// terms and rejects it anywhere else, where its meaning would be unclear.
func (f *Filter) takeSubordinate() error {
	top := map[*subNode]bool{}
	var conj func(n node)
	conj = func(n node) {
		switch n := n.(type) {
		case *andNode:
			conj(n.l)
			conj(n.r)
		case *subNode:
			top[n] = true
		}
	}
	conj(f.root)
	var err error
	seen := 0
	var walk func(n node)
	walk = func(n node) {
		switch n := n.(type) {
		case *andNode:
			walk(n.l)
			walk(n.r)
		case *orNode:
			walk(n.l)
			walk(n.r)
		case *notNode:
			walk(n.x)
		case *subNode:
			seen++
			if !top[n] && err == nil {
				err = fmt.Errorf("%w: SubordinateResources may only be combined with 'and' at the top level", ErrInvalidFilter)
			}
			f.subordinate = n.value
		}
	}
	walk(f.root)
	if err == nil && seen > 1 {
		err = fmt.Errorf("%w: SubordinateResources given more than once", ErrInvalidFilter)
	}
	return err
}

// node is a parsed filter expression.
type node interface {
	eval(r *Record, subordinate bool) bool
}

type orNode struct{ l, r node }
type andNode struct{ l, r node }
type notNode struct{ x node }

// cmpNode is Property eq|ne value.
type cmpNode struct {
	prop  string
	ne    bool
	value string
}

// subNode is SubordinateResources eq|ne true|false: a modifier, true as a
// term.
type subNode struct{ value bool }

func (n *orNode) eval(r *Record, s bool) bool  { return n.l.eval(r, s) || n.r.eval(r, s) }
func (n *andNode) eval(r *Record, s bool) bool { return n.l.eval(r, s) && n.r.eval(r, s) }
func (n *notNode) eval(r *Record, s bool) bool { return !n.x.eval(r, s) }
func (n *subNode) eval(*Record, bool) bool     { return true }

func (n *cmpNode) eval(r *Record, subordinate bool) bool {
	var eq bool
	switch n.prop {
	case "EventFormatType":
		eq = n.value == "Event" // the only format chassisd sends
	case "EventType":
		eq = r.EventType == n.value
	case "MessageId":
		eq = messageIDMatches(r.MessageID, n.value)
	case "OriginResource":
		eq = originMatches(r.OriginOfCondition, n.value, subordinate)
	case "RegistryPrefix":
		eq = r.RegistryPrefix() == n.value
	case "ResourceType":
		eq = r.ResourceType == n.value
	}
	return eq != n.ne
}

// messageIDMatches compares a record's MessageId with a wanted one by
// registry prefix and key: EventDestination says the version "should be
// ignored", and "Chassisd.SledAdded" and "Chassisd.1.0.SledAdded" both name
// the same message.
func messageIDMatches(have, want string) bool {
	hp, hk := SplitMessageID(have)
	wp, wk := SplitMessageID(want)
	return hp != "" && hp == wp && hk == wk
}

// SplitMessageID returns the registry prefix and the key of a MessageId of
// the form Prefix.Key or Prefix.Major.Minor.Key; "" for anything else.
func SplitMessageID(id string) (prefix, key string) {
	parts := strings.Split(id, ".")
	if len(parts) != 2 && len(parts) != 4 {
		return "", ""
	}
	for _, p := range parts {
		if p == "" {
			return "", ""
		}
	}
	return parts[0], parts[len(parts)-1]
}

// originMatches compares an OriginOfCondition with a wanted resource, and
// with its subordinates (the URIs below it) when asked to.
func originMatches(have, want string, subordinate bool) bool {
	want = strings.TrimSuffix(want, "/")
	if have == want || have == want+"/" {
		return true
	}
	return subordinate && want != "" && strings.HasPrefix(have, want+"/")
}
