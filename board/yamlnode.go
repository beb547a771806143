package board

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The board file is walked as a yaml.Node tree rather than unmarshalled
// into structs, so that every problem can name its line, column and field,
// and so that decoding goes on after the first problem.

// maxProblems bounds the report: a badly broken (or hostile) file should not
// produce megabytes of errors.
const maxProblems = 100

// decoder collects problems while the board is built.
type decoder struct {
	problems []Problem
	dropped  int
}

// add records a problem at n (which may be nil) for field.
func (d *decoder) add(n *yaml.Node, field, format string, args ...any) {
	if len(d.problems) >= maxProblems {
		d.dropped++
		return
	}
	p := Problem{Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	d.problems = append(d.problems, p)
}

// resolve follows aliases (*anchor) to the node they name. The parser
// rejects undefined and recursive aliases, but the bound keeps a broken
// tree from looping.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// isNull says whether n is an explicit null ("key:" with no value, "~", null).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// kindName names a node's kind for "must be a mapping, not a list".
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "empty"
		}
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "something else"
}

// join builds a field path: join("bays[2]", "i2c") is "bays[2].i2c".
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index builds a list element's field path: "bays[2]".
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// mapping is one YAML mapping being decoded: its values by key, checked
// against the keys the format allows.
type mapping struct {
	d    *decoder
	node *yaml.Node
	path string
	vals map[string]*yaml.Node
	keys map[string]*yaml.Node // where each key is written
}

// mapping checks that n is a mapping whose keys are all known and none
// repeated. It returns nil (having recorded why) when n is not a mapping.
func (d *decoder) mapping(n *yaml.Node, path string, known ...string) *mapping {
	n = resolve(n)
	if n == nil {
		d.add(nil, path, "broken alias")
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.add(n, path, "must be a mapping of keys to values, not %s", kindName(n))
		return nil
	}
	m := &mapping{d: d, node: n, path: path, vals: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	seen := m.keys
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			d.add(n.Content[i], path, "keys must be plain words")
			continue
		}
		field := join(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.add(k, field, "key repeated (first at line %d)", first.Line)
			continue
		}
		seen[k.Value] = k
		if !contains(known, k.Value) {
			d.add(k, field, "%s", unknownKey(k.Value, known))
			continue
		}
		m.vals[k.Value] = v
	}
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// unknownKey explains an unknown key, suggesting the nearest known one.
func unknownKey(key string, known []string) string {
	if key == "<<" {
		return "merge keys (<<) are not supported; repeat the keys or alias the whole mapping"
	}
	best, dist := "", 3
	for _, k := range known {
		if dd := editDistance(strings.ToLower(key), k); dd < dist {
			best, dist = k, dd
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown key %q (did you mean %q?)", key, best)
	}
	return fmt.Sprintf("unknown key %q (known: %s)", key, strings.Join(known, ", "))
}

// editDistance is the Levenshtein distance, for "did you mean" hints. Keys
// are short; inputs longer than 64 bytes are simply "far".
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// field is the path of one of m's keys.
func (m *mapping) field(key string) string { return join(m.path, key) }

// get returns the value of key, nil when absent or null. A required key
// that is missing is recorded as a problem at the mapping.
func (m *mapping) get(key string, required bool) *yaml.Node {
	v, ok := m.vals[key]
	if ok {
		v = resolve(v)
		if v == nil {
			m.d.add(m.node, m.field(key), "broken alias")
			return nil
		}
		if !isNull(v) {
			return v
		}
	}
	if required {
		if ok {
			m.d.add(m.keys[key], m.field(key), "needs a value")
		} else {
			m.d.add(m.node, m.field(key), "required key is missing")
		}
	}
	return nil
}

// has says whether key is present with a non-null value.
func (m *mapping) has(key string) bool {
	v, ok := m.vals[key]
	if !ok {
		return false
	}
	v = resolve(v)
	return v != nil && !isNull(v)
}

// scalar returns key's value as text; ok is false when absent (or null) or
// not a scalar (recorded).
func (m *mapping) scalar(key string, required bool) (string, *yaml.Node, bool) {
	v := m.get(key, required)
	if v == nil {
		return "", nil, false
	}
	if v.Kind != yaml.ScalarNode {
		m.d.add(v, m.field(key), "must be a single value, not %s", kindName(v))
		return "", v, false
	}
	return v.Value, v, true
}

// str returns key's value as a non-empty string.
func (m *mapping) str(key string, required bool) (string, *yaml.Node, bool) {
	s, v, ok := m.scalar(key, required)
	if !ok {
		return "", v, false
	}
	if strings.TrimSpace(s) == "" {
		m.d.add(v, m.field(key), "must not be empty")
		return "", v, false
	}
	return s, v, true
}

// integer returns key's value as an integer written in decimal or 0x-hex,
// within lo..hi.
func (m *mapping) integer(key string, required bool, lo, hi int64) (int, *yaml.Node, bool) {
	s, v, ok := m.scalar(key, required)
	if !ok {
		return 0, v, false
	}
	n, err := parseInt(s)
	if err != nil {
		m.d.add(v, m.field(key), "%v", err)
		return 0, v, false
	}
	if n < lo || n > hi {
		m.d.add(v, m.field(key), "%s is out of range %d..%d", s, lo, hi)
		return 0, v, false
	}
	return int(n), v, true
}

// addr returns key's value as a 7-bit I2C address in lo..hi.
func (m *mapping) addr(key string, required bool, lo, hi uint16) (uint16, *yaml.Node, bool) {
	s, v, ok := m.scalar(key, required)
	if !ok {
		return 0, v, false
	}
	a, ok := m.d.checkAddr(v, m.field(key), s, lo, hi)
	return a, v, ok
}

// checkAddr parses and checks an I2C address written at v.
func (d *decoder) checkAddr(v *yaml.Node, field, s string, lo, hi uint16) (uint16, bool) {
	n, err := parseInt(s)
	if err != nil {
		d.add(v, field, "%v", err)
		return 0, false
	}
	switch {
	case n < 0 || n > 0x7f:
		d.add(v, field, "%s is not a 7-bit I2C address", s)
	case lo == muxLo && (n < muxLo || n > muxHi):
		d.add(v, field, "0x%02x is not a PCA954x address (0x70..0x77)", n)
	case n < int64(lo) || n > int64(hi):
		d.add(v, field, "0x%02x is a reserved I2C address (use 0x%02x..0x%02x)", n, lo, hi)
	default:
		return uint16(n), true
	}
	return 0, false
}

// boolean returns key's value as true or false; def when absent.
func (m *mapping) boolean(key string, def bool) (bool, bool) {
	s, v, ok := m.scalar(key, false)
	if !ok {
		return def, v == nil
	}
	switch s {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	m.d.add(v, m.field(key), "%q is not true or false", s)
	return def, false
}

// parseInt reads an integer the way the board format writes them: decimal
// or 0x-hex (YAML's other forms, 0o17 or 1_000, are refused).
func parseInt(s string) (int64, error) {
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	if neg {
		t = t[1:]
	}
	var n uint64
	var err error
	if len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		n, err = strconv.ParseUint(t[2:], 16, 31)
	} else {
		n, err = strconv.ParseUint(t, 10, 31)
	}
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("%q is too large", s)
		}
		return 0, fmt.Errorf("%q is not an integer (write decimal or 0x-hex)", s)
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

// sequence returns the items of a list at key, resolved. ok is false when
// absent or not a list (recorded).
func (m *mapping) sequence(key string, required bool) ([]*yaml.Node, bool) {
	v := m.get(key, required)
	if v == nil {
		return nil, false
	}
	if v.Kind != yaml.SequenceNode {
		m.d.add(v, m.field(key), "must be a list, not %s", kindName(v))
		return nil, false
	}
	if required && len(v.Content) == 0 {
		m.d.add(v, m.field(key), "must list at least one entry")
		return nil, false
	}
	return v.Content, true
}
