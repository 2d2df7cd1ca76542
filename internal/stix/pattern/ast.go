// Package pattern parses, checks and prints STIX 2.1 patterns (STIX 2.1 section 9,
// the patterning language of indicators).
//
// Parse turns pattern text into a tree of observation expressions, qualifiers and
// comparisons, rejecting with a *SyntaxError (whose Offset points at the exact byte
// where the problem is) anything the grammar or the semantic rules of the
// specification forbid. Pattern.String prints a canonical text that parses back to
// an equal tree. The package is pure: it reads no files, network or clock, and it
// must not know about indicators, stores or telemetry; the indicator matcher
// (internal/match) compiles the trees it returns.
package pattern

import "time"

// Pattern is one parsed STIX pattern.
type Pattern struct {
	Expr ObservationExpr
}

// ObservationExpr is a node of the observation level of a pattern: an
// Observation ([ ... ]), an ObsBinary (AND, OR, FOLLOWEDBY between observation
// expressions) or a Qualified expression (WITHIN, REPEATS, START/STOP).
type ObservationExpr interface {
	isObs()
	// String prints the expression in canonical form.
	String() string
}

// Observation is one bracketed observation expression "[ comparison expression ]".
// It matches when a single observed object (with the objects it references)
// satisfies Expr.
type Observation struct {
	Expr ComparisonExpr
}

// ObsOp is an operator between two observation expressions.
type ObsOp int

// Observation operators, from the tightest binding to the loosest (spec 9.5):
// AND binds tighter than OR, which binds tighter than FOLLOWEDBY.
const (
	ObsAnd        ObsOp = iota + 1 // both observations occur, in any order
	ObsOr                          // either observation occurs
	ObsFollowedBy                  // the left observation occurs before the right one
)

// ObsBinary joins two observation expressions with AND, OR or FOLLOWEDBY.
type ObsBinary struct {
	Op          ObsOp
	Left, Right ObservationExpr
}

// Qualified applies exactly one qualifier to an observation expression; chained
// qualifiers ("[a] REPEATS 2 TIMES WITHIN 5 SECONDS") nest, the first one
// innermost, so that printing keeps their order.
type Qualified struct {
	Expr ObservationExpr
	// Within is the WITHIN n SECONDS window (n > 0, integer or decimal).
	Within *float64
	// Repeats is the REPEATS n TIMES count (n > 0).
	Repeats *int
	// Start and Stop are the START t'..' STOP t'..' interval; both are set or neither.
	Start, Stop *time.Time
}

// ComparisonExpr is a node inside an Observation: a Comparison or a CmpBinary.
type ComparisonExpr interface {
	isCmp()
	// String prints the expression in canonical form.
	String() string
}

// BoolOp is AND or OR between comparison expressions.
type BoolOp int

// Boolean operators between comparisons; AND binds tighter than OR.
const (
	And BoolOp = iota + 1
	Or
)

// CmpBinary joins two comparison expressions with AND or OR.
type CmpBinary struct {
	Op          BoolOp
	Left, Right ComparisonExpr
}

// CmpOp is a comparison operator.
type CmpOp int

// Comparison operators of spec 9.6.
const (
	Eq         CmpOp = iota + 1 // =
	Neq                         // !=
	Gt                          // >
	Lt                          // <
	Ge                          // >=
	Le                          // <=
	In                          // IN ( set )
	Like                        // LIKE 'SQL pattern with % and _'
	Matches                     // MATCHES 'PCRE regular expression'
	IsSubset                    // ISSUBSET 'CIDR': the address is inside the network
	IsSuperset                  // ISSUPERSET 'CIDR': the network contains the given one
	Exists                      // EXISTS path; Value is the zero Value
)

// Comparison tests one property of an observed object.
//
// Negated is set for "path NOT op value"; EXISTS cannot be negated (the grammar
// has no NOT EXISTS).
type Comparison struct {
	Path    ObjectPath
	Op      CmpOp
	Negated bool
	Value   Value
}

// ObjectPath names a property of an object: "file:hashes.'SHA-256'",
// "network-traffic:extensions.'http-request-ext'.request_header.'Accept'",
// "email-message:to_refs[*].value".
type ObjectPath struct {
	// ObjectType is the STIX object type, e.g. "ipv4-addr" or "x-acme-widget".
	ObjectType string
	// Steps are the property steps after the colon; Steps[0] is always a Name.
	Steps []PathStep
}

// PathStep is one step of an object path: a property name (".name" or
// ".'quoted-name'"), a list index ("[3]") or any list element ("[*]").
// Exactly one of Name != "", Index != nil and Any holds.
type PathStep struct {
	Name  string
	Index *int
	Any   bool
}

// ValueKind tells which field of a Value holds the literal.
type ValueKind int

// Kinds of literal values.
const (
	KindNone      ValueKind = iota // no value (EXISTS)
	KindString                     // 'text' in Str, escapes resolved
	KindInt                        // 42 or -7 in Int
	KindFloat                      // 1.5 in Float
	KindBool                       // true/false in Bool
	KindBinary                     // b'base64' decoded into Bytes
	KindHex                        // h'hex' decoded into Bytes
	KindTimestamp                  // t'RFC 3339' in Time (UTC)
	KindSet                        // ( v1, v2, ... ) in Set
)

// Value is a literal of a comparison.
type Value struct {
	Kind  ValueKind
	Str   string
	Int   int64
	Float float64
	Bool  bool
	Bytes []byte
	Time  time.Time
	Set   []Value
}

func (*Observation) isObs() {}
func (*ObsBinary) isObs()   {}
func (*Qualified) isObs()   {}

func (*CmpBinary) isCmp()  {}
func (*Comparison) isCmp() {}

// Comparisons returns every comparison of the pattern, in the order they appear
// in the text. The indicator matcher uses it to find the values to index.
func (p *Pattern) Comparisons() []Comparison {
	var out []Comparison
	WalkComparisons(p.Expr, func(c *Comparison) { out = append(out, *c) })
	return out
}

// Observations returns every bracketed observation of the pattern, in text order.
func (p *Pattern) Observations() []*Observation {
	var out []*Observation
	var walk func(ObservationExpr)
	walk = func(e ObservationExpr) {
		switch e := e.(type) {
		case *Observation:
			out = append(out, e)
		case *ObsBinary:
			walk(e.Left)
			walk(e.Right)
		case *Qualified:
			walk(e.Expr)
		}
	}
	walk(p.Expr)
	return out
}

// WalkComparisons calls fn for every comparison under e, in text order.
func WalkComparisons(e ObservationExpr, fn func(*Comparison)) {
	switch e := e.(type) {
	case *Observation:
		walkCmp(e.Expr, fn)
	case *ObsBinary:
		WalkComparisons(e.Left, fn)
		WalkComparisons(e.Right, fn)
	case *Qualified:
		WalkComparisons(e.Expr, fn)
	}
}

func walkCmp(e ComparisonExpr, fn func(*Comparison)) {
	switch e := e.(type) {
	case *Comparison:
		fn(e)
	case *CmpBinary:
		walkCmp(e.Left, fn)
		walkCmp(e.Right, fn)
	}
}
