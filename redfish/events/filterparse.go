package events

import (
	"fmt"
	"strings"
)

// Enumerations a bare or quoted value must belong to.
var (
	eventFormatTypes = []string{"Event", "MetricReport"}
	eventTypes       = []string{"StatusChange", "ResourceUpdated", "ResourceAdded", "ResourceRemoved", "Alert", "MetricReport", "Other"}
)

type tokKind int

const (
	tokEOF tokKind = iota
	tokLParen
	tokRParen
	tokWord   // identifier, keyword, bare enum, number or boolean
	tokString // 'quoted'
)

type token struct {
	kind tokKind
	text string
	off  int
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of filter"
	case tokLParen:
		return "'('"
	case tokRParen:
		return "')'"
	case tokString:
		return fmt.Sprintf("string %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// lex splits a filter into tokens; only spaces and tabs separate them.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(':
			toks = append(toks, token{tokLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tokRParen, ")", i})
			i++
		case c == '\'':
			start := i
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("%w: string starting at offset %d is not closed", ErrInvalidFilter, start)
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			toks = append(toks, token{tokString, b.String(), start})
		case isWordByte(c):
			start := i
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
			toks = append(toks, token{tokWord, s[start:i], start})
		default:
			return nil, fmt.Errorf("%w: unexpected character %q at offset %d", ErrInvalidFilter, c, i)
		}
		if len(toks) > 4*maxFilterTerms {
			return nil, fmt.Errorf("%w: more than %d terms", ErrInvalidFilter, maxFilterTerms)
		}
	}
	return append(toks, token{kind: tokEOF, off: len(s)}), nil
}

// parser is a recursive-descent parser with DSP0266's precedence:
// grouping, not, comparison, and, or.
type parser struct {
	toks  []token
	pos   int
	terms int
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tokWord && t.text == w
}

func (p *parser) errorf(t token, format string, args ...any) error {
	return fmt.Errorf("%w: at offset %d: %s", ErrInvalidFilter, t.off, fmt.Sprintf(format, args...))
}

func (p *parser) or(depth int) (node, error) {
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		p.next()
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = &orNode{l, r}
	}
	return l, nil
}

func (p *parser) and(depth int) (node, error) {
	l, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		p.next()
		r, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		l = &andNode{l, r}
	}
	return l, nil
}

func (p *parser) unary(depth int) (node, error) {
	if depth > maxFilterDepth {
		return nil, p.errorf(p.peek(), "nested deeper than %d", maxFilterDepth)
	}
	if p.isWord("not") {
		p.next()
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &notNode{x}, nil
	}
	if p.peek().kind == tokLParen {
		p.next()
		x, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tokRParen {
			return nil, p.errorf(t, "expected ')', found %s", t)
		}
		return x, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (node, error) {
	prop := p.next()
	if prop.kind != tokWord || isKeyword(prop.text) {
		return nil, p.errorf(prop, "expected a property name, found %s", prop)
	}
	if p.terms++; p.terms > maxFilterTerms {
		return nil, p.errorf(prop, "more than %d comparisons", maxFilterTerms)
	}
	supported, known := SSEFilterProperties[prop.text]
	if !known {
		return nil, p.errorf(prop, "property %q cannot be filtered on in an event stream", prop.text)
	}
	if !supported {
		return nil, p.errorf(prop, "property %q is not supported: this service sends no metric reports", prop.text)
	}
	op := p.next()
	if op.kind != tokWord || (op.text != "eq" && op.text != "ne") {
		if op.kind == tokWord && (op.text == "gt" || op.text == "ge" || op.text == "lt" || op.text == "le") {
			return nil, p.errorf(op, "operator %q is not supported for %s: use eq or ne", op.text, prop.text)
		}
		return nil, p.errorf(op, "expected eq or ne after %s, found %s", prop.text, op)
	}
	val := p.next()
	if val.kind != tokWord && val.kind != tokString {
		return nil, p.errorf(val, "expected a value after %s %s, found %s", prop.text, op.text, val)
	}
	ne := op.text == "ne"
	if prop.text == "SubordinateResources" {
		if val.kind != tokWord || (val.text != "true" && val.text != "false") {
			return nil, p.errorf(val, "SubordinateResources compares with true or false, not %s", val)
		}
		return &subNode{value: (val.text == "true") != ne}, nil
	}
	if val.kind == tokWord && (isKeyword(val.text) || val.text == "true" || val.text == "false" || !startsLetter(val.text)) {
		return nil, p.errorf(val, "%s compares with a string, not %s", prop.text, val)
	}
	if err := checkValue(prop.text, val.text); err != nil {
		return nil, p.errorf(val, "%v", err)
	}
	return &cmpNode{prop: prop.text, ne: ne, value: val.text}, nil
}

// checkValue rejects values that can never match, so a typo is a 400
// rather than a silent stream of nothing.
func checkValue(prop, v string) error {
	switch prop {
	case "EventFormatType":
		if !contains(eventFormatTypes, v) {
			return fmt.Errorf("EventFormatType %q is not one of %s", v, strings.Join(eventFormatTypes, ", "))
		}
	case "EventType":
		if !contains(eventTypes, v) {
			return fmt.Errorf("EventType %q is not one of %s", v, strings.Join(eventTypes, ", "))
		}
	case "MessageId":
		if p, _ := SplitMessageID(v); p == "" {
			return fmt.Errorf("MessageId %q is not of the form Registry.Key or Registry.Major.Minor.Key", v)
		}
	case "OriginResource":
		if !strings.HasPrefix(v, "/redfish/v1") {
			return fmt.Errorf("OriginResource %q is not a /redfish/v1 URI", v)
		}
	case "RegistryPrefix", "ResourceType":
		if v == "" || strings.ContainsAny(v, ". /") {
			return fmt.Errorf("%s %q is not a bare name", prop, v)
		}
	}
	return nil
}

func isKeyword(w string) bool { return w == "and" || w == "or" || w == "not" || w == "eq" || w == "ne" }

func startsLetter(w string) bool {
	return w != "" && (w[0] >= 'a' && w[0] <= 'z' || w[0] >= 'A' && w[0] <= 'Z')
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
