package pattern

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// gen builds random valid pattern trees for the round-trip property: every
// tree Parse can return must print to text that parses back to the same tree.
type gen struct{ r *rand.Rand }

var (
	genTypes = []string{"file", "ipv4-addr", "network-traffic", "x-acme-widget", "x509-certificate", "abc"}
	genNames = []string{"name", "value", "hashes", "SHA-256", "x y", "it's", `back\slash`, "AND", "true", "_x1", "ünï", "a.b", "[0]"}
)

func (g gen) obs(depth int) ObservationExpr {
	if depth <= 0 || g.r.IntN(3) == 0 {
		return g.qualify(&Observation{Expr: g.cmp(g.pick(genTypes), depth)}, depth)
	}
	switch g.r.IntN(4) {
	case 0:
		return g.qualify(g.obs(depth-1), depth)
	default:
		ops := []ObsOp{ObsAnd, ObsOr, ObsFollowedBy}
		return &ObsBinary{Op: ops[g.r.IntN(3)], Left: g.obs(depth - 1), Right: g.obs(depth - 1)}
	}
}

func (g gen) qualify(e ObservationExpr, depth int) ObservationExpr {
	for i := 0; i < 3 && g.r.IntN(3) == 0; i++ {
		q := &Qualified{Expr: e}
		switch g.r.IntN(3) {
		case 0:
			w := []float64{1, 300, 0.5, 1e-7, 1e20, 123.456}[g.r.IntN(6)]
			q.Within = &w
		case 1:
			n := 1 + g.r.IntN(1000)
			q.Repeats = &n
		case 2:
			a := g.time()
			b := a.Add(time.Duration(1+g.r.Int64N(1e15)) * time.Nanosecond)
			q.Start, q.Stop = &a, &b
		}
		e = q
	}
	return e
}

func (g gen) cmp(typ string, depth int) ComparisonExpr {
	if depth <= 0 || g.r.IntN(3) == 0 {
		return g.comparison(typ)
	}
	ops := []BoolOp{And, Or}
	return &CmpBinary{Op: ops[g.r.IntN(2)], Left: g.cmp(typ, depth-1), Right: g.cmp(typ, depth-1)}
}

func (g gen) comparison(typ string) *Comparison {
	c := &Comparison{Path: g.path(typ)}
	ops := []CmpOp{Eq, Neq, Gt, Lt, Ge, Le, In, Like, Matches, IsSubset, IsSuperset, Exists}
	c.Op = ops[g.r.IntN(len(ops))]
	if c.Op != Exists {
		c.Negated = g.r.IntN(2) == 0
	}
	switch c.Op {
	case Eq, Neq:
		c.Value = g.value(true)
	case Gt, Lt, Ge, Le:
		c.Value = g.value(false)
	case In:
		c.Value = Value{Kind: KindSet, Set: []Value{}}
		for i := g.r.IntN(4); i > 0; i-- {
			c.Value.Set = append(c.Value.Set, g.value(true))
		}
	case Like, Matches:
		c.Value = Value{Kind: KindString, Str: g.str()}
	case IsSubset, IsSuperset:
		c.Value = Value{Kind: KindString, Str: []string{"10.0.0.0/8", "2001:db8::/32", "192.0.2.7"}[g.r.IntN(3)]}
	}
	return c
}

func (g gen) path(typ string) ObjectPath {
	p := ObjectPath{ObjectType: typ, Steps: []PathStep{{Name: g.pick(genNames)}}}
	for i := g.r.IntN(4); i > 0; i-- {
		switch g.r.IntN(3) {
		case 0:
			p.Steps = append(p.Steps, PathStep{Any: true})
		case 1:
			n := g.r.IntN(20) - 2
			p.Steps = append(p.Steps, PathStep{Index: &n})
		default:
			p.Steps = append(p.Steps, PathStep{Name: g.pick(genNames)})
		}
	}
	// Avoid paths the hash check would look at with random values.
	if n := len(p.Steps); n >= 2 && p.Steps[n-2].Name == "hashes" {
		p.Steps[n-1] = PathStep{Name: "name"}
	}
	return p
}

func (g gen) value(allowBool bool) Value {
	k := g.r.IntN(7)
	if k == 3 && !allowBool {
		k = 0
	}
	switch k {
	case 0:
		return Value{Kind: KindString, Str: g.str()}
	case 1:
		return Value{Kind: KindInt, Int: []int64{0, 1, -1, math.MaxInt64, math.MinInt64, g.r.Int64()}[g.r.IntN(6)]}
	case 2:
		return Value{Kind: KindFloat, Float: []float64{0.5, -2.25, 1e300, 3, -1e-300, g.r.NormFloat64() * 1e6}[g.r.IntN(6)]}
	case 3:
		return Value{Kind: KindBool, Bool: g.r.IntN(2) == 0}
	case 4:
		b := make([]byte, 1+g.r.IntN(8))
		for i := range b {
			b[i] = byte(g.r.IntN(256))
		}
		return Value{Kind: KindBinary, Bytes: b}
	case 5:
		b := make([]byte, g.r.IntN(8))
		for i := range b {
			b[i] = byte(g.r.IntN(256))
		}
		return Value{Kind: KindHex, Bytes: b}
	}
	return Value{Kind: KindTimestamp, Time: g.time()}
}

func (g gen) time() time.Time {
	return time.Unix(g.r.Int64N(1e10), g.r.Int64N(1e9)).UTC()
}

func (g gen) str() string {
	parts := []string{"a", "'", `\`, " ", "%", "日本", "\n", "\xff", "]", "AND"}
	var b strings.Builder
	for i := g.r.IntN(6); i > 0; i-- {
		b.WriteString(g.pick(parts))
	}
	return b.String()
}

func (g gen) pick(s []string) string { return s[g.r.IntN(len(s))] }

func TestRoundTripRandomTrees(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(1, 2))}
	for i := 0; i < 3000; i++ {
		p := &Pattern{Expr: g.obs(4)}
		s := p.String()
		q, err := Parse(s)
		if err != nil {
			t.Fatalf("tree %d: canonical text does not parse: %v\n%s", i, err, s)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("tree %d: round trip changed the tree:\n  %s\n  %s\n  %s", i, s, dump(p.Expr), dump(q.Expr))
		}
		if s2 := q.String(); s2 != s {
			t.Fatalf("tree %d: canonical text not stable:\n  %s\n  %s", i, s, s2)
		}
	}
}
