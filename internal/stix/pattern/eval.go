package pattern

import (
	"bytes"
	"net/netip"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Observed is one observed object given as a flat field map, the form in which
// a log record or flow record is easiest to present to a pattern.
//
// Fields is keyed by the object path after the colon in canonical form
// (ObjectPath.Property): "value",
// "hashes.'SHA-256'", "dst_ref.value", "extensions.'http-request-ext'.request_method".
// Elements of a list are stored together under the key with "[*]"
// ("resolves_to_refs[*].value"); a comparison with a fixed index ("[0]") looks
// up exactly that key, so a producer that wants index matching stores it too.
type Observed struct {
	// Type is the STIX object type, e.g. "ipv4-addr".
	Type string
	// Fields holds the values of each path; several values mean "any of them".
	Fields map[string][]Value
	// Time is when the object was observed; zero means unknown, in which case a
	// START/STOP qualifier does not match.
	Time time.Time
}

// Evaluate reports whether the single observed object obs, on its own,
// satisfies the pattern.
//
// A bracketed observation matches when obs satisfies its comparisons; OR
// matches when either side does; AND between observations requires obs to
// satisfy both; WITHIN is always met by one observation; START/STOP requires
// obs.Time inside [START, STOP); REPEATS n with n > 1 and FOLLOWEDBY need more
// than one observation and never match here. The indicator matcher uses its own
// stateful evaluator for streams of records; Evaluate is the reference for one.
func Evaluate(p *Pattern, obs Observed) bool {
	if p == nil {
		return false
	}
	ev := evaluator{obj: &obs}
	return ev.obs(p.Expr)
}

// MatchObservation reports whether obs satisfies the comparisons of one
// bracketed observation.
func MatchObservation(o *Observation, obs Observed) bool {
	ev := evaluator{obj: &obs}
	return ev.cmp(o.Expr)
}

type evaluator struct {
	obj *Observed
	res map[string]*regexp.Regexp // compiled MATCHES expressions of this evaluation
}

func (ev *evaluator) obs(e ObservationExpr) bool {
	switch e := e.(type) {
	case *Observation:
		return ev.cmp(e.Expr)
	case *ObsBinary:
		switch e.Op {
		case ObsOr:
			return ev.obs(e.Left) || ev.obs(e.Right)
		case ObsAnd:
			return ev.obs(e.Left) && ev.obs(e.Right)
		}
		return false
	case *Qualified:
		switch {
		case e.Repeats != nil && *e.Repeats > 1:
			return false
		case e.Start != nil && e.Stop != nil:
			t := ev.obj.Time
			if t.IsZero() || t.Before(*e.Start) || !t.Before(*e.Stop) {
				return false
			}
		}
		return ev.obs(e.Expr)
	}
	return false
}

func (ev *evaluator) cmp(e ComparisonExpr) bool {
	switch e := e.(type) {
	case *CmpBinary:
		if e.Op == And {
			return ev.cmp(e.Left) && ev.cmp(e.Right)
		}
		return ev.cmp(e.Left) || ev.cmp(e.Right)
	case *Comparison:
		return ev.comparison(e)
	}
	return false
}

// comparison applies one comparison. A property the object does not have makes
// every comparison false, negated or not (spec 9.6); with several values (a
// list) the comparison holds when it holds for any of them.
func (ev *evaluator) comparison(c *Comparison) bool {
	if c.Path.ObjectType != ev.obj.Type || len(c.Path.Steps) == 0 {
		return false
	}
	vals := ev.obj.Fields[c.Path.Property()]
	if c.Op == Exists {
		return len(vals) > 0
	}
	for _, v := range vals {
		if r, ok := ev.test(c, v); ok && r != c.Negated {
			return true
		}
	}
	return false
}

// test applies the operator of c (without NOT) to one observed value. The
// second result is false when the value cannot be compared with the literal
// (another kind); such a value fails the comparison whether negated or not.
func (ev *evaluator) test(c *Comparison, v Value) (bool, bool) {
	lit := c.Value
	switch c.Op {
	case Eq, Neq:
		if !decidable(v, lit) {
			return false, false
		}
		return equalValues(v, lit) == (c.Op == Eq), true
	case Gt, Lt, Ge, Le:
		o, ok := order(v, lit)
		if !ok {
			return false, false
		}
		switch c.Op {
		case Gt:
			return o > 0, true
		case Lt:
			return o < 0, true
		case Ge:
			return o >= 0, true
		}
		return o <= 0, true
	case In:
		for _, e := range lit.Set {
			if decidable(v, e) && equalValues(v, e) {
				return true, true
			}
		}
		return false, true
	case Like:
		s, ok := textOf(v)
		return ok && MatchLike(s, lit.Str), ok
	case Matches:
		s, ok := textOf(v)
		re := ev.regexp(lit.Str)
		if !ok || re == nil {
			return false, false
		}
		return re.MatchString(s), true
	case IsSubset, IsSuperset:
		s, ok := textOf(v)
		if !ok {
			return false, false
		}
		have, err1 := ParseIPOrCIDR(s)
		want, err2 := ParseIPOrCIDR(lit.Str)
		if err1 != nil || err2 != nil {
			return false, false
		}
		if c.Op == IsSubset {
			return prefixWithin(have, want), true
		}
		return prefixWithin(want, have), true
	}
	return false, false
}

// regexp compiles a MATCHES expression once per evaluation. Go's RE2 syntax
// covers the PCRE subset used in practice; an expression it cannot compile
// (back-references, look-around) matches nothing.
func (ev *evaluator) regexp(expr string) *regexp.Regexp {
	if re, ok := ev.res[expr]; ok {
		return re
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		re = nil
	}
	if ev.res == nil {
		ev.res = map[string]*regexp.Regexp{}
	}
	ev.res[expr] = re
	return re
}

// prefixWithin reports whether inner lies entirely inside outer.
func prefixWithin(inner, outer netip.Prefix) bool {
	return inner.Addr().Is4() == outer.Addr().Is4() && outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// textOf gives the text of a string value (binary and hex as their bytes).
func textOf(v Value) (string, bool) {
	switch v.Kind {
	case KindString:
		return v.Str, true
	case KindBinary, KindHex:
		return string(v.Bytes), true
	}
	return "", false
}

// equalValues compares an observed value with a literal. Numbers compare by
// value across int and float; binary and hex compare bytes; a string compares
// with a timestamp when it is an RFC 3339 time. A literal CIDR string
// ('198.51.100.0/24') equals every address inside it, which is how indicators
// write address ranges for ipv4-addr:value and ipv6-addr:value.
func equalValues(v, lit Value) bool {
	if o, ok := order(v, lit); ok {
		if o == 0 {
			return true
		}
	}
	if v.Kind == KindBool && lit.Kind == KindBool {
		return v.Bool == lit.Bool
	}
	if v.Kind == KindString && lit.Kind == KindString && strings.Contains(lit.Str, "/") {
		want, err1 := ParseIPOrCIDR(lit.Str)
		have, err2 := ParseIPOrCIDR(v.Str)
		if err1 == nil && err2 == nil {
			return prefixWithin(have, want)
		}
	}
	return false
}

// decidable reports whether equality can be decided between the two kinds; an
// observed value of another kind is not "unequal", it is not comparable.
func decidable(v, lit Value) bool {
	if _, ok := order(v, lit); ok {
		return true
	}
	return v.Kind == KindBool && lit.Kind == KindBool
}

// order compares two values of orderable kinds: -1, 0 or +1, and false when
// they cannot be compared.
func order(v, lit Value) (int, bool) {
	num := func(x Value) (float64, bool) {
		switch x.Kind {
		case KindInt:
			return float64(x.Int), true
		case KindFloat:
			return x.Float, true
		}
		return 0, false
	}
	if v.Kind == KindInt && lit.Kind == KindInt {
		return cmp3(v.Int, lit.Int), true
	}
	if a, ok := num(v); ok {
		if b, ok := num(lit); ok {
			return cmp3(a, b), true
		}
		return 0, false
	}
	switch {
	case v.Kind == KindString && lit.Kind == KindString:
		return strings.Compare(v.Str, lit.Str), true
	case (v.Kind == KindBinary || v.Kind == KindHex) && (lit.Kind == KindBinary || lit.Kind == KindHex):
		return bytes.Compare(v.Bytes, lit.Bytes), true
	case lit.Kind == KindTimestamp:
		t := v.Time
		if v.Kind == KindString {
			var err error
			if t, err = time.Parse(time.RFC3339Nano, v.Str); err != nil {
				return 0, false
			}
		} else if v.Kind != KindTimestamp {
			return 0, false
		}
		return t.Compare(lit.Time), true
	}
	return 0, false
}

func cmp3[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// MatchLike reports whether s matches the SQL LIKE pattern of the LIKE operator:
// '%' matches any run of characters (also none), '_' exactly one character;
// everything else matches itself, case-sensitively.
func MatchLike(s, pattern string) bool {
	// Classic wildcard matching with one backtrack point: O(len(s)*len(pattern))
	// in the worst case, no recursion, no allocation.
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(pattern) {
			switch pattern[pi] {
			case '%':
				starP, starS = pi, si
				pi++
				continue
			case '_':
				_, n := utf8.DecodeRuneInString(s[si:])
				si += n
				pi++
				continue
			default:
				pr, pn := utf8.DecodeRuneInString(pattern[pi:])
				sr, sn := utf8.DecodeRuneInString(s[si:])
				if pr == sr && pn == sn && pattern[pi:pi+pn] == s[si:si+sn] {
					si += sn
					pi += pn
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last '%' swallow one more character and retry.
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		si = starS
		pi = starP + 1
	}
	for pi < len(pattern) && pattern[pi] == '%' {
		pi++
	}
	return pi == len(pattern)
}
