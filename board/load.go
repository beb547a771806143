package board

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a board file: where it is and what.
type Problem struct {
	// Line and Column are 1-based; 0 when the position is not known (a
	// YAML syntax error names only its line).
	Line, Column int
	// Field is the path of the offending key, e.g. "bays[2].sled.fru.addr";
	// empty for problems with the file as a whole.
	Field string
	Msg   string
}

// String renders the problem without the file name: "14:9: bays[2].sled.fru.addr: ...".
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		b.WriteString(strconv.Itoa(p.Line))
		if p.Column > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(p.Column))
		}
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// LoadError is every problem found in one board file. A board file is
// checked as a whole, so a user fixes all mistakes in one round.
type LoadError struct {
	File     string
	Problems []Problem
}

// Error lists every problem, one per line, as compilers do:
// "board.yaml:14:9: bays[2].sled.fru.addr: 0x90 is not a 7-bit I2C address".
func (e *LoadError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Line > 0 {
			lines[i] = e.File + ":" + p.String()
		} else {
			lines[i] = e.File + ": " + p.String()
		}
	}
	return strings.Join(lines, "\n")
}

// Load reads and checks a board file. Errors name the file as given; a file
// that parses but describes an impossible board returns a *LoadError.
func Load(path string) (*Board, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("board: %w", err)
	}
	return Parse(path, data)
}

// Parse checks a board file's contents and builds the Board it describes,
// with Bays sorted by index and every bay's Sled filled in (its own layout
// or the top-level one). name is the file name used in errors. Every
// problem found is reported, each with its line, column and field, in a
// *LoadError.
func Parse(name string, data []byte) (*Board, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &LoadError{File: name, Problems: []Problem{{Msg: "empty board file"}}}
		}
		return nil, &LoadError{File: name, Problems: []Problem{syntaxProblem(err)}}
	}
	d := &decoder{}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.problems = append(d.problems, syntaxProblem(err))
	default:
		d.add(&extra, "", "a board file holds one YAML document; remove everything from this \"---\" on")
	}
	b := d.board(&doc)
	if len(d.problems) > 0 {
		ps := d.problems
		sort.SliceStable(ps, func(i, j int) bool {
			if ps[i].Line != ps[j].Line {
				return ps[i].Line < ps[j].Line
			}
			return ps[i].Column < ps[j].Column
		})
		if d.dropped > 0 {
			ps = append(ps, Problem{Msg: fmt.Sprintf("%d more problems not shown", d.dropped)})
		}
		return nil, &LoadError{File: name, Problems: ps}
	}
	return b, nil
}

// yamlLine finds the line number in the YAML library's error text, which
// has no typed error for syntax problems: "yaml: line 3: did not find ...".
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func syntaxProblem(err error) Problem {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{Line: line, Msg: "YAML syntax: " + m[2]}
	}
	return Problem{Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}
