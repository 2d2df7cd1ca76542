package sigma

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Condition is a parsed detection condition.
//
// Precedence follows the specification, least to most binding:
// or, and, not, "x of", parentheses.
type Condition struct {
	Src  string
	root cond
}

type cond interface{ String() string }

type condIdent struct {
	name string
	pos  int
}

type condOf struct {
	all     bool // "all of"; otherwise at least n
	n       int
	pattern string // "them" or a search identifier pattern with '*'
	pos     int
}

type condAnd struct{ l, r cond }
type condOr struct{ l, r cond }
type condNot struct{ x cond }

func (c condIdent) String() string { return c.name }
func (c condOf) String() string {
	if c.all {
		return "all of " + c.pattern
	}
	return strconv.Itoa(c.n) + " of " + c.pattern
}
func (c condAnd) String() string { return "(" + c.l.String() + " and " + c.r.String() + ")" }
func (c condOr) String() string  { return "(" + c.l.String() + " or " + c.r.String() + ")" }
func (c condNot) String() string { return "not " + c.x.String() }

// String renders the condition fully parenthesised.
func (c Condition) String() string {
	if c.root == nil {
		return ""
	}
	return c.root.String()
}

type token struct {
	kind string // "(", ")", "and", "or", "not", "of", "all", "them", "num", "ident", "eof"
	text string
	pos  int // byte offset in the condition, 0-based
}

// ConditionError points at the byte offset where a condition is wrong.
type ConditionError struct {
	Pos int
	Msg string
}

func (e *ConditionError) Error() string { return fmt.Sprintf("at offset %d: %s", e.Pos, e.Msg) }

func lexCondition(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, token{kind: string(c), text: string(c), pos: i})
			i++
		case c == '|':
			return nil, &ConditionError{i, "aggregation expressions after '|' are Sigma 1 syntax; use a correlation rule"}
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			w := s[i:j]
			lw := strings.ToLower(w)
			kind := "ident"
			switch lw {
			case "and", "or", "not", "of", "all", "them":
				kind = lw
			default:
				if _, err := strconv.Atoi(w); err == nil {
					kind = "num"
				}
			}
			toks = append(toks, token{kind: kind, text: w, pos: i})
			i = j
		default:
			return nil, &ConditionError{i, fmt.Sprintf("unexpected character %q", c)}
		}
	}
	toks = append(toks, token{kind: "eof", pos: len(s)})
	return toks, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '*' || c == '-' || c == '.' || c == '?' ||
		(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}

type condParser struct {
	toks []token
	i    int
}

func (p *condParser) peek() token { return p.toks[p.i] }
func (p *condParser) next() token { t := p.toks[p.i]; p.i++; return t }

// ParseCondition parses a condition string; errors carry the byte offset.
func ParseCondition(s string) (Condition, error) {
	toks, err := lexCondition(s)
	if err != nil {
		return Condition{}, err
	}
	p := &condParser{toks: toks}
	root, err := p.parseOr()
	if err != nil {
		return Condition{}, err
	}
	if t := p.peek(); t.kind != "eof" {
		return Condition{}, &ConditionError{t.pos, fmt.Sprintf("unexpected %q", t.text)}
	}
	return Condition{Src: s, root: root}, nil
}

func (p *condParser) parseOr() (cond, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == "or" {
		p.next()
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = condOr{l, r}
	}
	return l, nil
}

func (p *condParser) parseAnd() (cond, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == "and" {
		p.next()
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = condAnd{l, r}
	}
	return l, nil
}

func (p *condParser) parseNot() (cond, error) {
	if p.peek().kind == "not" {
		p.next()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return condNot{x}, nil
	}
	return p.parsePrimary()
}

func (p *condParser) parsePrimary() (cond, error) {
	t := p.next()
	switch t.kind {
	case "(":
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != ")" {
			return nil, &ConditionError{c.pos, fmt.Sprintf("expected ')' to close '(' at offset %d", t.pos)}
		}
		return x, nil
	case "ident":
		return condIdent{name: t.text, pos: t.pos}, nil
	case "num", "all":
		of := p.next()
		if of.kind != "of" {
			return nil, &ConditionError{of.pos, fmt.Sprintf("expected 'of' after %q", t.text)}
		}
		target := p.next()
		if target.kind != "them" && target.kind != "ident" {
			return nil, &ConditionError{target.pos, "expected 'them' or a search identifier pattern after 'of'"}
		}
		c := condOf{all: t.kind == "all", pattern: target.text, pos: t.pos}
		if target.kind == "them" {
			c.pattern = "them"
		}
		if t.kind == "num" {
			n, _ := strconv.Atoi(t.text)
			if n < 1 {
				return nil, &ConditionError{t.pos, "count before 'of' must be at least 1"}
			}
			c.n = n
		}
		return c, nil
	case "eof":
		return nil, &ConditionError{t.pos, "unexpected end of condition"}
	}
	return nil, &ConditionError{t.pos, fmt.Sprintf("unexpected %q", t.text)}
}

// expandOf lists the search names an "x of" refers to, in file order.
func (c condOf) expand(d *Detection) []string {
	var names []string
	for _, n := range d.Order {
		if c.pattern == "them" {
			if !strings.HasPrefix(n, "_") {
				names = append(names, n)
			}
			continue
		}
		if ok, _ := path.Match(c.pattern, n); ok {
			names = append(names, n)
		}
	}
	return names
}

// check verifies that every identifier and pattern refers to a search.
func (c Condition) check(d *Detection) error {
	var walk func(x cond) error
	walk = func(x cond) error {
		switch x := x.(type) {
		case condIdent:
			if _, ok := d.Searches[x.name]; !ok {
				return &ConditionError{x.pos, fmt.Sprintf("unknown search identifier %q", x.name)}
			}
		case condOf:
			if len(x.expand(d)) == 0 {
				return &ConditionError{x.pos, fmt.Sprintf("%q matches no search identifier", x.pattern)}
			}
		case condAnd:
			if err := walk(x.l); err != nil {
				return err
			}
			return walk(x.r)
		case condOr:
			if err := walk(x.l); err != nil {
				return err
			}
			return walk(x.r)
		case condNot:
			return walk(x.x)
		}
		return nil
	}
	return walk(c.root)
}
