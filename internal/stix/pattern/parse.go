package pattern

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Grammar (STIX 2.1 section 9, written from STIXPattern.g4), loosest first:
//
//	pattern      = obsFollowed EOF
//	obsFollowed  = obsOr  { "FOLLOWEDBY" obsOr }
//	obsOr        = obsAnd { "OR" obsAnd }
//	obsAnd       = obsQual { "AND" obsQual }
//	obsQual      = ( "[" cmpOr "]" | "(" obsFollowed ")" ) { qualifier }
//	qualifier    = "WITHIN" posNumber "SECONDS" | "REPEATS" posInt "TIMES"
//	             | "START" timestamp "STOP" timestamp
//	cmpOr        = cmpAnd { "OR" cmpAnd }
//	cmpAnd       = cmpPrim { "AND" cmpPrim }
//	cmpPrim      = "(" cmpOr ")" | "EXISTS" path | path ["NOT"] op value
//	path         = type ":" (name | string) { "." (name | string) | "[" (int | "*") "]" }
//
// All binary operators are left-associative.

// maxDepth bounds the nesting of parentheses and brackets so that hostile input
// cannot exhaust the stack; real patterns nest a handful of levels.
const maxDepth = 200

// Parse parses and checks a STIX 2.1 pattern. Besides the grammar it enforces
// the rules the specification states in prose: object types are valid STIX type
// names; timestamps are real dates; ISSUBSET and ISSUPERSET take an IP address
// or CIDR; WITHIN and REPEATS are positive; STOP is after START; a qualifier type
// is not repeated directly on one observation; hash values have the length and
// alphabet of their algorithm; and the comparisons joined by AND inside one
// observation can be satisfied by one object type. Any failure is a
// *SyntaxError whose Offset points at the offending byte.
func Parse(s string) (*Pattern, error) {
	p := &parser{lx: lexer{src: s}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, errAt(0, "pattern is empty")
	}
	e, err := p.obsFollowed()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("an observation operator (AND, OR, FOLLOWEDBY), a qualifier or the end of the pattern")
	}
	return &Pattern{Expr: e}, nil
}

// MustParse is Parse for patterns written into a program; it panics on error.
func MustParse(s string) *Pattern {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

type parser struct {
	lx    lexer
	tok   token
	depth int
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) unexpected(want string) error {
	return errAt(p.tok.off, "expected %s but found %s", want, p.tok)
}

// expect consumes a token of kind k or fails naming what was wanted.
func (p *parser) expect(k tokKind, want string) (token, error) {
	if p.tok.kind != k {
		return token{}, p.unexpected(want)
	}
	t := p.tok
	return t, p.advance()
}

func (p *parser) atKeyword(kw string) bool { return p.tok.kind == tKeyword && p.tok.text == kw }

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return errAt(p.tok.off, "expression nested deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *parser) obsFollowed() (ObservationExpr, error) {
	return p.obsBinary("FOLLOWEDBY", ObsFollowedBy, p.obsOr)
}

func (p *parser) obsOr() (ObservationExpr, error) { return p.obsBinary("OR", ObsOr, p.obsAnd) }

func (p *parser) obsAnd() (ObservationExpr, error) { return p.obsBinary("AND", ObsAnd, p.obsQual) }

func (p *parser) obsBinary(kw string, op ObsOp, operand func() (ObservationExpr, error)) (ObservationExpr, error) {
	left, err := operand()
	if err != nil {
		return nil, err
	}
	for p.atKeyword(kw) {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := operand()
		if err != nil {
			return nil, err
		}
		left = &ObsBinary{Op: op, Left: left, Right: right}
	}
	return left, nil
}

type qualKind int

const (
	qWithin qualKind = iota
	qRepeats
	qStartStop
)

func (k qualKind) String() string {
	switch k {
	case qWithin:
		return "WITHIN"
	case qRepeats:
		return "REPEATS"
	}
	return "START/STOP"
}

func (p *parser) obsQual() (ObservationExpr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()

	var e ObservationExpr
	simple := false
	switch p.tok.kind {
	case tLBrack:
		if err := p.advance(); err != nil {
			return nil, err
		}
		c, _, err := p.cmpOr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRBrack, "']'"); err != nil {
			return nil, err
		}
		e, simple = &Observation{Expr: c}, true
	case tLParen:
		if err := p.advance(); err != nil {
			return nil, err
		}
		inner, err := p.obsFollowed()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		e = inner
	default:
		return nil, p.unexpected("'[' or '(' to start an observation expression")
	}

	// The validator of the specification's authors rejects the same qualifier
	// twice directly on one bracketed observation ("[a] WITHIN 5 SECONDS WITHIN
	// 6 SECONDS") but allows it on a parenthesized group.
	var seen [3]bool
	for {
		var q *Qualified
		var kind qualKind
		qoff := p.tok.off
		var err error
		switch {
		case p.atKeyword("WITHIN"):
			q, err = p.within(e)
			kind = qWithin
		case p.atKeyword("REPEATS"):
			q, err = p.repeats(e)
			kind = qRepeats
		case p.atKeyword("START"):
			q, err = p.startStop(e)
			kind = qStartStop
		default:
			return e, nil
		}
		if err != nil {
			return nil, err
		}
		if simple {
			if seen[kind] {
				return nil, errAt(qoff, "the %s qualifier is applied twice to the same observation", kind)
			}
			seen[kind] = true
		}
		e = q
	}
}

func (p *parser) within(e ObservationExpr) (*Qualified, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	t := p.tok
	var secs float64
	switch t.kind {
	case tInt:
		secs = float64(t.val.Int)
	case tFloat:
		secs = t.val.Float
	default:
		return nil, p.unexpected("a positive number of seconds after WITHIN")
	}
	if secs <= 0 {
		return nil, errAt(t.off, "WITHIN needs a positive number of seconds, not %s", t.text)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if !p.atKeyword("SECONDS") {
		return nil, p.unexpected("SECONDS (the only unit of WITHIN)")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return &Qualified{Expr: e, Within: &secs}, nil
}

func (p *parser) repeats(e ObservationExpr) (*Qualified, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	t := p.tok
	if t.kind != tInt {
		return nil, p.unexpected("a positive whole number after REPEATS")
	}
	if t.val.Int <= 0 || strings.HasPrefix(t.text, "-") {
		return nil, errAt(t.off, "REPEATS needs a positive count, not %s", t.text)
	}
	if t.val.Int > int64(maxRepeats) {
		return nil, errAt(t.off, "REPEATS count %s is too large (at most %d)", t.text, maxRepeats)
	}
	n := int(t.val.Int)
	if err := p.advance(); err != nil {
		return nil, err
	}
	if !p.atKeyword("TIMES") {
		return nil, p.unexpected("TIMES after the REPEATS count")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return &Qualified{Expr: e, Repeats: &n}, nil
}

// maxRepeats keeps REPEATS within an int32 so that counters in matchers on any
// platform cannot overflow.
const maxRepeats = 1<<31 - 1

func (p *parser) startStop(e ObservationExpr) (*Qualified, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tTime {
		return nil, p.unexpected("a timestamp t'...' after START")
	}
	start := p.tok.val.Time
	if err := p.advance(); err != nil {
		return nil, err
	}
	if !p.atKeyword("STOP") {
		return nil, p.unexpected("STOP after the START timestamp")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tTime {
		return nil, p.unexpected("a timestamp t'...' after STOP")
	}
	stop := p.tok.val.Time
	if !stop.After(start) {
		return nil, errAt(p.tok.off, "STOP %s is not after START %s", stop.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano))
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return &Qualified{Expr: e, Start: &start, Stop: &stop}, nil
}

// typeSet is the set of object types a comparison expression can be satisfied
// by; it decides whether an AND inside an observation is satisfiable by one
// object (spec 9: comparisons joined by AND must be about the same object type).
type typeSet []string

func (p *parser) cmpOr() (ComparisonExpr, typeSet, error) {
	left, lt, err := p.cmpAnd()
	if err != nil {
		return nil, nil, err
	}
	for p.atKeyword("OR") {
		if err := p.advance(); err != nil {
			return nil, nil, err
		}
		right, rt, err := p.cmpAnd()
		if err != nil {
			return nil, nil, err
		}
		for _, t := range rt {
			if !slices.Contains(lt, t) {
				lt = append(lt, t)
			}
		}
		left = &CmpBinary{Op: Or, Left: left, Right: right}
	}
	return left, lt, nil
}

func (p *parser) cmpAnd() (ComparisonExpr, typeSet, error) {
	left, lt, err := p.cmpPrim()
	if err != nil {
		return nil, nil, err
	}
	for p.atKeyword("AND") {
		if err := p.advance(); err != nil {
			return nil, nil, err
		}
		roff := p.tok.off
		right, rt, err := p.cmpPrim()
		if err != nil {
			return nil, nil, err
		}
		var both typeSet
		for _, t := range lt {
			if slices.Contains(rt, t) {
				both = append(both, t)
			}
		}
		if len(both) == 0 {
			return nil, nil, errAt(roff, "comparisons joined by AND must be about one object type, but this one is about %s and the ones before about %s (use OR, or separate observations [..] AND [..])",
				strings.Join(rt, "/"), strings.Join(lt, "/"))
		}
		lt = both
		left = &CmpBinary{Op: And, Left: left, Right: right}
	}
	return left, lt, nil
}

func (p *parser) cmpPrim() (ComparisonExpr, typeSet, error) {
	switch {
	case p.tok.kind == tLParen:
		if err := p.enter(); err != nil {
			return nil, nil, err
		}
		defer func() { p.depth-- }()
		if err := p.advance(); err != nil {
			return nil, nil, err
		}
		e, ts, err := p.cmpOr()
		if err != nil {
			return nil, nil, err
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return nil, nil, err
		}
		return e, ts, nil
	case p.atKeyword("EXISTS"):
		if err := p.advance(); err != nil {
			return nil, nil, err
		}
		path, err := p.path()
		if err != nil {
			return nil, nil, err
		}
		return &Comparison{Path: path, Op: Exists}, typeSet{path.ObjectType}, nil
	case p.tok.kind == tIdent:
		c, err := p.comparison()
		if err != nil {
			return nil, nil, err
		}
		return c, typeSet{c.Path.ObjectType}, nil
	}
	return nil, nil, p.unexpected("a comparison (object-type:property ...), EXISTS or '('")
}

func (p *parser) comparison() (*Comparison, error) {
	path, err := p.path()
	if err != nil {
		return nil, err
	}
	c := &Comparison{Path: path}
	if p.atKeyword("NOT") {
		c.Negated = true
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	opTok := p.tok
	switch {
	case p.tok.kind == tOp:
		c.Op = p.tok.op
	case p.tok.kind == tKeyword:
		switch p.tok.text {
		case "IN":
			c.Op = In
		case "LIKE":
			c.Op = Like
		case "MATCHES":
			c.Op = Matches
		case "ISSUBSET":
			c.Op = IsSubset
		case "ISSUPERSET":
			c.Op = IsSuperset
		}
	}
	if c.Op == 0 {
		return nil, p.unexpected("a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	valTok := p.tok
	switch c.Op {
	case Eq, Neq:
		c.Value, err = p.literal(true)
	case Gt, Lt, Ge, Le:
		c.Value, err = p.literal(false)
	case In:
		c.Value, err = p.set()
	default:
		if p.tok.kind != tString {
			return nil, p.unexpected("a string after " + opTok.text)
		}
		c.Value = p.tok.val
		err = p.advance()
	}
	if err != nil {
		return nil, err
	}
	if err := checkComparison(c, valTok.off); err != nil {
		return nil, err
	}
	return c, nil
}

// literal reads a primitive literal; booleans only where allowBool (they have
// no order, so <, > and friends refuse them).
func (p *parser) literal(allowBool bool) (Value, error) {
	switch p.tok.kind {
	case tString, tInt, tFloat, tBinary, tHex, tTime:
	case tBool:
		if !allowBool {
			return Value{}, errAt(p.tok.off, "%s cannot be ordered: <, <=, > and >= need a number, string, binary or timestamp", p.tok.text)
		}
	default:
		return Value{}, p.unexpected("a literal value ('string', number, true/false, b'..', h'..', t'..')")
	}
	v := p.tok.val
	return v, p.advance()
}

func (p *parser) set() (Value, error) {
	if _, err := p.expect(tLParen, "'(' to start the set after IN"); err != nil {
		return Value{}, err
	}
	v := Value{Kind: KindSet, Set: []Value{}}
	if p.tok.kind == tRParen {
		return v, p.advance()
	}
	for {
		e, err := p.literal(true)
		if err != nil {
			return Value{}, err
		}
		v.Set = append(v.Set, e)
		if p.tok.kind == tRParen {
			return v, p.advance()
		}
		if _, err := p.expect(tComma, "',' or ')' in the set"); err != nil {
			return Value{}, err
		}
	}
}

// path reads an object path.
func (p *parser) path() (ObjectPath, error) {
	t := p.tok
	if t.kind != tIdent {
		return ObjectPath{}, p.unexpected("an object type")
	}
	if msg := checkTypeName(t.text); msg != "" {
		return ObjectPath{}, errAt(t.off, "object type '%s' %s", t.text, msg)
	}
	if err := p.advance(); err != nil {
		return ObjectPath{}, err
	}
	if p.tok.kind != tColon {
		return ObjectPath{}, p.unexpected("':' after the object type '" + t.text + "'")
	}
	if err := p.advance(); err != nil {
		return ObjectPath{}, err
	}
	path := ObjectPath{ObjectType: t.text}
	name, err := p.propertyName()
	if err != nil {
		return ObjectPath{}, err
	}
	path.Steps = append(path.Steps, PathStep{Name: name})
	for {
		switch p.tok.kind {
		case tDot:
			if err := p.advance(); err != nil {
				return ObjectPath{}, err
			}
			name, err := p.propertyName()
			if err != nil {
				return ObjectPath{}, err
			}
			path.Steps = append(path.Steps, PathStep{Name: name})
		case tLBrack:
			if err := p.advance(); err != nil {
				return ObjectPath{}, err
			}
			switch p.tok.kind {
			case tStar:
				path.Steps = append(path.Steps, PathStep{Any: true})
			case tInt:
				if p.tok.val.Int > maxIndex || p.tok.val.Int < -maxIndex {
					return ObjectPath{}, errAt(p.tok.off, "list index %s is too large", p.tok.text)
				}
				i := int(p.tok.val.Int)
				path.Steps = append(path.Steps, PathStep{Index: &i})
			default:
				return ObjectPath{}, p.unexpected("a list index or '*' after '['")
			}
			if err := p.advance(); err != nil {
				return ObjectPath{}, err
			}
			if _, err := p.expect(tRBrack, "']' to close the list index"); err != nil {
				return ObjectPath{}, err
			}
		default:
			return path, nil
		}
	}
}

// maxIndex bounds list indexes to what an int holds on every platform.
const maxIndex = 1<<31 - 1

// propertyName reads a path component: an identifier without hyphens, or a
// quoted string (needed for names such as 'SHA-256' or 'windows-pebinary-ext').
func (p *parser) propertyName() (string, error) {
	t := p.tok
	switch t.kind {
	case tString:
		if t.val.Str == "" {
			return "", errAt(t.off, "property name is empty")
		}
		return t.val.Str, p.advance()
	case tIdent:
		if t.hyphen >= 0 {
			return "", errAt(t.hyphen, "property name '%s' contains '-': write it quoted, as '%s'", t.text, t.text)
		}
		return t.text, p.advance()
	case tKeyword, tBool:
		return "", errAt(t.off, "property name %s is a keyword: write it quoted, as '%s'", t.text, t.text)
	}
	return "", p.unexpected("a property name")
}

// checkTypeName applies the STIX 2.1 rule for type names: 3 to 250 characters
// of a-z, 0-9 and '-', with no two hyphens in a row. It returns "" if the name
// is valid and otherwise what is wrong with it.
func checkTypeName(s string) string {
	if len(s) < 3 || len(s) > 250 {
		return "must be 3 to 250 characters long"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '-') {
			return fmt.Sprintf("may only contain a-z, 0-9 and '-' (found %q)", c)
		}
		if c == '-' && i > 0 && s[i-1] == '-' {
			return "must not contain '--'"
		}
	}
	return ""
}

// checkComparison applies the semantic rules that concern one comparison.
func checkComparison(c *Comparison, valOff int) error {
	switch c.Op {
	case IsSubset, IsSuperset:
		if _, err := ParseIPOrCIDR(c.Value.Str); err != nil {
			return errAt(valOff, "%s needs an IPv4 or IPv6 address or CIDR, not '%s'", c.Op, c.Value.Str)
		}
	case Eq, Neq, In:
		alg, ok := hashAlgorithm(c.Path)
		if !ok {
			return nil
		}
		vals := []Value{c.Value}
		if c.Op == In {
			vals = c.Value.Set
		}
		for _, v := range vals {
			if v.Kind == KindString && !validHash(alg, v.Str) {
				return errAt(valOff, "'%s' is not a valid %s hash", v.Str, alg)
			}
		}
	}
	return nil
}

// ParseIPOrCIDR reads an IPv4 or IPv6 address or CIDR as STIX writes them
// ("198.51.100.0/24", "2001:db8::/32", "203.0.113.7"); a bare address is a
// full-length prefix. Host bits set in a CIDR ("192.168.0.1/24") are cleared.
func ParseIPOrCIDR(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		pr, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return pr.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("address %q has a zone", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// hashAlgorithm reports the algorithm named by a path ending in
// hashes.<algorithm>, in the STIX vocabulary spelling ("SHA-256").
func hashAlgorithm(p ObjectPath) (string, bool) {
	n := len(p.Steps)
	if n < 2 || p.Steps[n-2].Name != "hashes" || p.Steps[n-1].Name == "" {
		return "", false
	}
	key := strings.ToUpper(strings.ReplaceAll(p.Steps[n-1].Name, "-", ""))
	if _, ok := hashHexLen(key); !ok {
		return "", false
	}
	return p.Steps[n-1].Name, true
}

// hashHexLen gives the hex length of the hash algorithms of the STIX hash
// vocabulary (key without hyphens, upper case); 0 means "not hex" (SSDEEP,
// TLSH are checked separately).
func hashHexLen(key string) (int, bool) {
	switch key {
	case "MD5":
		return 32, true
	case "SHA1", "RIPEMD160":
		return 40, true
	case "SHA224", "SHA3224":
		return 56, true
	case "SHA256", "SHA3256":
		return 64, true
	case "SHA384", "SHA3384":
		return 96, true
	case "SHA512", "SHA3512", "WHIRLPOOL":
		return 128, true
	case "SSDEEP", "TLSH":
		return 0, true
	}
	return 0, false
}

func validHash(alg, v string) bool {
	key := strings.ToUpper(strings.ReplaceAll(alg, "-", ""))
	n, _ := hashHexLen(key)
	switch key {
	case "SSDEEP":
		if len(v) < 1 || len(v) > 148 {
			return false
		}
		for i := 0; i < len(v); i++ {
			c := v[i]
			if !(isIdentStart(c) && c != '_' || isDigit(c) || c == '/' || c == '+' || c == ':' || c == '.') {
				return false
			}
		}
		return true
	case "TLSH":
		// TLSH digests are 70 or 72 hex digits ("T1" + 70 in version 4).
		v = strings.TrimPrefix(strings.TrimPrefix(v, "T1"), "t1")
		if len(v) != 70 && len(v) != 72 {
			return false
		}
		n = len(v)
	}
	if len(v) != n {
		return false
	}
	for i := 0; i < len(v); i++ {
		if hexVal(v[i]) < 0 {
			return false
		}
	}
	return true
}

// Validate reports whether s is a valid STIX 2.1 pattern; it is Parse without
// the tree, with the same *SyntaxError, for callers that only check (such as
// the STIX object validator's ValidatePattern option).
func Validate(s string) error {
	_, err := Parse(s)
	return err
}
