package pattern

import (
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The canonical text printed here is what Renkei stores and shows: single spaces
// around operators, keywords in upper case, '=' and '!=' for equality, parentheses
// only where the tree needs them, timestamps in UTC. Parse(String()) always gives
// a tree equal to the one printed, which the round-trip test and FuzzParse check.

// String returns the canonical text of the pattern.
func (p *Pattern) String() string {
	if p == nil || p.Expr == nil {
		return ""
	}
	var b strings.Builder
	writeObs(&b, p.Expr)
	return b.String()
}

func (o *Observation) String() string { var b strings.Builder; writeObs(&b, o); return b.String() }
func (o *ObsBinary) String() string   { var b strings.Builder; writeObs(&b, o); return b.String() }
func (o *Qualified) String() string   { var b strings.Builder; writeObs(&b, o); return b.String() }
func (c *CmpBinary) String() string   { var b strings.Builder; writeCmp(&b, c); return b.String() }
func (c *Comparison) String() string  { var b strings.Builder; writeCmp(&b, c); return b.String() }

// String returns the keyword of the operator.
func (op ObsOp) String() string {
	switch op {
	case ObsAnd:
		return "AND"
	case ObsOr:
		return "OR"
	case ObsFollowedBy:
		return "FOLLOWEDBY"
	}
	return "ObsOp(" + strconv.Itoa(int(op)) + ")"
}

// String returns the keyword of the operator.
func (op BoolOp) String() string {
	switch op {
	case And:
		return "AND"
	case Or:
		return "OR"
	}
	return "BoolOp(" + strconv.Itoa(int(op)) + ")"
}

// String returns the operator as written in a pattern.
func (op CmpOp) String() string {
	switch op {
	case Eq:
		return "="
	case Neq:
		return "!="
	case Gt:
		return ">"
	case Lt:
		return "<"
	case Ge:
		return ">="
	case Le:
		return "<="
	case In:
		return "IN"
	case Like:
		return "LIKE"
	case Matches:
		return "MATCHES"
	case IsSubset:
		return "ISSUBSET"
	case IsSuperset:
		return "ISSUPERSET"
	case Exists:
		return "EXISTS"
	}
	return "CmpOp(" + strconv.Itoa(int(op)) + ")"
}

// obsPrec gives the binding strength of an observation node: a higher number
// binds tighter. Observations and qualified expressions are primaries.
func obsPrec(e ObservationExpr) int {
	if b, ok := e.(*ObsBinary); ok {
		switch b.Op {
		case ObsAnd:
			return 3
		case ObsOr:
			return 2
		default:
			return 1
		}
	}
	return 4
}

func writeObs(b *strings.Builder, e ObservationExpr) {
	switch e := e.(type) {
	case *Observation:
		b.WriteByte('[')
		writeCmp(b, e.Expr)
		b.WriteByte(']')
	case *ObsBinary:
		p := obsPrec(e)
		// Operators are left-associative: a right operand of the same
		// strength needs parentheses to keep the tree's shape.
		writeObsParen(b, e.Left, obsPrec(e.Left) < p)
		b.WriteByte(' ')
		b.WriteString(e.Op.String())
		b.WriteByte(' ')
		writeObsParen(b, e.Right, obsPrec(e.Right) <= p)
	case *Qualified:
		// Collect the chain of qualifiers down to what they qualify, innermost
		// first, as the parser builds it.
		var chain []*Qualified
		var base ObservationExpr = e
		for q, ok := base.(*Qualified); ok; q, ok = base.(*Qualified) {
			chain = append(chain, q)
			base = q.Expr
		}
		slices.Reverse(chain)
		// The same qualifier twice directly on a bracketed observation is
		// refused by Parse, but allowed on a parenthesized group: put the
		// qualifiers before the first repetition inside parentheses.
		split := 0
		if _, ok := base.(*Observation); ok {
			var seen [3]bool
			for i, q := range chain {
				k := q.kind()
				if seen[k] {
					split = i
					break
				}
				seen[k] = true
			}
		}
		if split > 0 {
			b.WriteByte('(')
			writeObs(b, base)
			for _, q := range chain[:split] {
				writeQualifier(b, q)
			}
			b.WriteByte(')')
		} else {
			writeObsParen(b, base, obsPrec(base) < 4)
		}
		for _, q := range chain[split:] {
			writeQualifier(b, q)
		}
	case nil:
		b.WriteString("<nil>")
	}
}

// kind tells which qualifier q carries.
func (q *Qualified) kind() qualKind {
	switch {
	case q.Within != nil:
		return qWithin
	case q.Repeats != nil:
		return qRepeats
	}
	return qStartStop
}

func writeQualifier(b *strings.Builder, q *Qualified) {
	switch {
	case q.Within != nil:
		b.WriteString(" WITHIN ")
		b.WriteString(formatSeconds(*q.Within))
		b.WriteString(" SECONDS")
	case q.Repeats != nil:
		b.WriteString(" REPEATS ")
		b.WriteString(strconv.Itoa(*q.Repeats))
		b.WriteString(" TIMES")
	case q.Start != nil && q.Stop != nil:
		b.WriteString(" START ")
		writeTime(b, *q.Start)
		b.WriteString(" STOP ")
		writeTime(b, *q.Stop)
	}
}

// formatSeconds prints a WITHIN window: whole numbers as integers ("300"),
// others as decimals, and whole numbers too large for a 64-bit integer with a
// ".0" so that they read back as a decimal.
func formatSeconds(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") && f >= 1e18 {
		s += ".0"
	}
	return s
}

func writeObsParen(b *strings.Builder, e ObservationExpr, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	writeObs(b, e)
	if paren {
		b.WriteByte(')')
	}
}

func cmpPrec(e ComparisonExpr) int {
	if b, ok := e.(*CmpBinary); ok {
		if b.Op == And {
			return 2
		}
		return 1
	}
	return 3
}

func writeCmp(b *strings.Builder, e ComparisonExpr) {
	switch e := e.(type) {
	case *Comparison:
		if e.Op == Exists {
			b.WriteString("EXISTS ")
			b.WriteString(e.Path.String())
			return
		}
		b.WriteString(e.Path.String())
		b.WriteByte(' ')
		if e.Negated {
			b.WriteString("NOT ")
		}
		b.WriteString(e.Op.String())
		b.WriteByte(' ')
		writeValue(b, e.Value)
	case *CmpBinary:
		p := cmpPrec(e)
		writeCmpParen(b, e.Left, cmpPrec(e.Left) < p)
		b.WriteByte(' ')
		b.WriteString(e.Op.String())
		b.WriteByte(' ')
		writeCmpParen(b, e.Right, cmpPrec(e.Right) <= p)
	case nil:
		b.WriteString("<nil>")
	}
}

func writeCmpParen(b *strings.Builder, e ComparisonExpr, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	writeCmp(b, e)
	if paren {
		b.WriteByte(')')
	}
}

// String returns the literal as written in a pattern.
func (v Value) String() string {
	var b strings.Builder
	writeValue(&b, v)
	return b.String()
}

func writeValue(b *strings.Builder, v Value) {
	switch v.Kind {
	case KindString:
		writeQuoted(b, v.Str)
	case KindInt:
		b.WriteString(strconv.FormatInt(v.Int, 10))
	case KindFloat:
		s := strconv.FormatFloat(v.Float, 'f', -1, 64)
		b.WriteString(s)
		if !strings.Contains(s, ".") {
			b.WriteString(".0")
		}
	case KindBool:
		b.WriteString(strconv.FormatBool(v.Bool))
	case KindBinary:
		b.WriteString("b'")
		b.WriteString(base64.StdEncoding.EncodeToString(v.Bytes))
		b.WriteByte('\'')
	case KindHex:
		b.WriteString("h'")
		b.WriteString(hex.EncodeToString(v.Bytes))
		b.WriteByte('\'')
	case KindTimestamp:
		writeTime(b, v.Time)
	case KindSet:
		b.WriteByte('(')
		for i, e := range v.Set {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, e)
		}
		b.WriteByte(')')
	}
}

// timeLayout is RFC 3339 with as many fractional digits as needed, always in UTC
// ("Z"), the only form the grammar's TimestampLiteral accepts.
const timeLayout = "2006-01-02T15:04:05.999999999Z"

func writeTime(b *strings.Builder, t time.Time) {
	b.WriteString("t'")
	b.WriteString(t.UTC().Format(timeLayout))
	b.WriteByte('\'')
}

// writeQuoted writes s as a pattern string literal: only the quote and the
// backslash are escaped, as the grammar allows no other escapes.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
}

// String returns the path as written in a pattern, quoting property names that
// are not plain identifiers (or are keywords): file:hashes.'SHA-256'.
func (o ObjectPath) String() string {
	return o.ObjectType + ":" + o.Property()
}

// Property returns the path after the colon in canonical form
// ("hashes.'SHA-256'", "resolves_to_refs[*].value"): the key of Observed.Fields.
func (o ObjectPath) Property() string {
	var b strings.Builder
	for i, s := range o.Steps {
		switch {
		case s.Any:
			b.WriteString("[*]")
		case s.Index != nil:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(*s.Index))
			b.WriteByte(']')
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			if isPlainName(s.Name) {
				b.WriteString(s.Name)
			} else {
				writeQuoted(&b, s.Name)
			}
		}
	}
	return b.String()
}

// isPlainName reports whether a property name can be written without quotes:
// an identifier without hyphens that is not a keyword of the language.
func isPlainName(s string) bool {
	if s == "" || isKeyword(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// isKeyword reports the reserved words of the grammar (case-sensitive): a
// property with such a name must be quoted.
func isKeyword(s string) bool {
	switch s {
	case "AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS",
		"LAST", "IN", "START", "STOP", "SECONDS", "true", "false", "WITHIN", "REPEATS", "TIMES":
		return true
	}
	return false
}
