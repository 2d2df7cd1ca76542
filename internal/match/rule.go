package match

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"renkei/internal/stix/pattern"
)

// Observed is one record offered to rules: its order in the stream, its time
// and its typed properties under STIX paths ("ipv4-addr:value",
// "network-traffic:dst_port", "domain-name:value", "file:hashes.SHA-256").
type Observed struct {
	Seq    int64
	Time   time.Time
	Fields []ObservedField
}

// ObservedField is one property of an Observed record.
type ObservedField struct {
	Path  string
	Str   string
	Int   int64
	IsInt bool
}

// ObservedFlow fills o with the properties of a flow record as STIX
// network-traffic and address objects, reusing o.Fields.
func ObservedFlow(o *Observed, seq int64, t time.Time, src, dst netip.Addr, srcPort, dstPort uint16, proto uint8) {
	o.Seq, o.Time = seq, t
	o.Fields = o.Fields[:0]
	s, d := src.String(), dst.String()
	addrPath := func(a netip.Addr) string {
		if a.Is4() {
			return "ipv4-addr:value"
		}
		return "ipv6-addr:value"
	}
	o.Fields = append(o.Fields,
		ObservedField{Path: "network-traffic:src_ref.value", Str: s},
		ObservedField{Path: "network-traffic:dst_ref.value", Str: d},
		ObservedField{Path: addrPath(src), Str: s},
		ObservedField{Path: addrPath(dst), Str: d},
		ObservedField{Path: "network-traffic:src_port", Int: int64(srcPort), IsInt: true},
		ObservedField{Path: "network-traffic:dst_port", Int: int64(dstPort), IsInt: true},
		ObservedField{Path: "network-traffic:protocols[*]", Str: protoName(proto)},
	)
}

func protoName(p uint8) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 1:
		return "icmp"
	case 58:
		return "ipv6-icmp"
	}
	return fmt.Sprint(p)
}

// Rule is a compiled pattern that needs more than one value lookup: AND
// inside an observation, several observations joined by AND or FOLLOWEDBY,
// qualifiers, or comparisons other than equality on indexable properties.
type Rule struct {
	Indicator *Indicator
	leaves    []cmpNode // one per bracketed observation, in text order
	root      *obsNode
}

type cmpNode struct {
	op          pattern.BoolOp // And, Or; 0 for a leaf
	left, right *cmpNode
	c           *leafCmp
}

type leafCmp struct {
	path     string
	op       pattern.CmpOp
	negated  bool
	vals     []pattern.Value
	prefixes []netip.Prefix // for address values and ISSUBSET/ISSUPERSET
	re       *regexp.Regexp // LIKE, MATCHES
}

type obsKind int

const (
	obsLeaf obsKind = iota
	obsAnd
	obsOr
	obsFollowedBy
	obsWithin
	obsRepeats
	obsStartStop
)

type obsNode struct {
	kind        obsKind
	leaf        int
	left, right *obsNode
	within      time.Duration
	repeats     int
	start, stop time.Time
}

func compileRule(p *pattern.Pattern, ind *Indicator) (*Rule, error) {
	r := &Rule{Indicator: ind}
	root, err := r.compileObs(p.Expr)
	if err != nil {
		return nil, err
	}
	r.root = root
	return r, nil
}

func (r *Rule) compileObs(e pattern.ObservationExpr) (*obsNode, error) {
	switch e := e.(type) {
	case *pattern.Observation:
		c, err := compileCmp(e.Expr)
		if err != nil {
			return nil, err
		}
		r.leaves = append(r.leaves, *c)
		return &obsNode{kind: obsLeaf, leaf: len(r.leaves) - 1}, nil
	case *pattern.ObsBinary:
		l, err := r.compileObs(e.Left)
		if err != nil {
			return nil, err
		}
		rt, err := r.compileObs(e.Right)
		if err != nil {
			return nil, err
		}
		k := map[pattern.ObsOp]obsKind{pattern.ObsAnd: obsAnd, pattern.ObsOr: obsOr, pattern.ObsFollowedBy: obsFollowedBy}[e.Op]
		return &obsNode{kind: k, left: l, right: rt}, nil
	case *pattern.Qualified:
		in, err := r.compileObs(e.Expr)
		if err != nil {
			return nil, err
		}
		n := &obsNode{left: in}
		switch {
		case e.Within != nil:
			n.kind, n.within = obsWithin, time.Duration(*e.Within*float64(time.Second))
		case e.Repeats != nil:
			n.kind, n.repeats = obsRepeats, *e.Repeats
		case e.Start != nil && e.Stop != nil:
			n.kind, n.start, n.stop = obsStartStop, *e.Start, *e.Stop
		default:
			return nil, fmt.Errorf("qualifier without WITHIN, REPEATS or START/STOP")
		}
		return n, nil
	}
	return nil, fmt.Errorf("unsupported observation expression %T", e)
}

func compileCmp(e pattern.ComparisonExpr) (*cmpNode, error) {
	switch e := e.(type) {
	case *pattern.CmpBinary:
		l, err := compileCmp(e.Left)
		if err != nil {
			return nil, err
		}
		r, err := compileCmp(e.Right)
		if err != nil {
			return nil, err
		}
		return &cmpNode{op: e.Op, left: l, right: r}, nil
	case *pattern.Comparison:
		c := &leafCmp{path: PathString(e.Path), op: e.Op, negated: e.Negated}
		c.vals = []pattern.Value{e.Value}
		if e.Value.Kind == pattern.KindSet {
			c.vals = e.Value.Set
		}
		for _, v := range c.vals {
			if v.Kind == pattern.KindString {
				if p, err := pattern.ParseIPOrCIDR(v.Str); err == nil {
					c.prefixes = append(c.prefixes, p)
				}
			}
		}
		switch e.Op {
		case pattern.Like:
			c.re = regexp.MustCompile("^(?s:" + likeToRegexp(e.Value.Str) + ")$")
		case pattern.Matches:
			re, err := regexp.Compile(e.Value.Str)
			if err != nil {
				return nil, fmt.Errorf("%s MATCHES: %w", c.path, err)
			}
			c.re = re
		}
		return &cmpNode{c: c}, nil
	}
	return nil, fmt.Errorf("unsupported comparison %T", e)
}

func likeToRegexp(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

func (n *cmpNode) eval(o *Observed) bool {
	switch n.op {
	case pattern.And:
		return n.left.eval(o) && n.right.eval(o)
	case pattern.Or:
		return n.left.eval(o) || n.right.eval(o)
	}
	for i := range o.Fields {
		f := &o.Fields[i]
		if f.Path != n.c.path {
			continue
		}
		if n.c.op == pattern.Exists {
			return true
		}
		if n.c.test(f) != n.c.negated {
			return true
		}
	}
	return false
}

func (c *leafCmp) test(f *ObservedField) bool {
	switch c.op {
	case pattern.Eq, pattern.In:
		for _, v := range c.vals {
			if equalValue(v, f) {
				return true
			}
		}
		if !f.IsInt && len(c.prefixes) > 0 && c.vals[0].Kind == pattern.KindString && strings.IndexByte(c.vals[0].Str, '/') >= 0 {
			return c.containsAddr(f.Str)
		}
		return false
	case pattern.Neq:
		return !equalValue(c.vals[0], f)
	case pattern.Gt, pattern.Lt, pattern.Ge, pattern.Le:
		v := c.vals[0]
		var cmp int
		switch {
		case f.IsInt && v.Kind == pattern.KindInt:
			cmp = compareInt(f.Int, v.Int)
		case f.IsInt && v.Kind == pattern.KindFloat:
			cmp = compareFloat(float64(f.Int), v.Float)
		case !f.IsInt && v.Kind == pattern.KindString:
			cmp = strings.Compare(f.Str, v.Str)
		default:
			return false
		}
		return c.op == pattern.Gt && cmp > 0 || c.op == pattern.Lt && cmp < 0 || c.op == pattern.Ge && cmp >= 0 || c.op == pattern.Le && cmp <= 0
	case pattern.Like, pattern.Matches:
		return !f.IsInt && c.re.MatchString(f.Str)
	case pattern.IsSubset:
		return c.containsAddr(f.Str)
	case pattern.IsSuperset:
		p, ok := parsePrefixLoose(f.Str)
		return ok && len(c.prefixes) > 0 && p.Bits() <= c.prefixes[0].Bits() && p.Contains(c.prefixes[0].Addr())
	}
	return false
}

func (c *leafCmp) containsAddr(s string) bool {
	a, ok := parseAddrPort(s)
	if !ok {
		return false
	}
	for _, p := range c.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func equalValue(v pattern.Value, f *ObservedField) bool {
	switch v.Kind {
	case pattern.KindInt:
		return f.IsInt && f.Int == v.Int
	case pattern.KindString:
		if f.IsInt {
			return false
		}
		if f.Str == v.Str {
			return true
		}
		// Addresses, domains and hashes compare case-insensitively and by address value.
		if strings.EqualFold(f.Str, v.Str) && Classify(v.Str) != Unknown && Classify(v.Str) != URL {
			return true
		}
		if a, ok := parseAddrPort(f.Str); ok {
			if b, ok := parseAddrPort(v.Str); ok {
				return a == b
			}
		}
		return false
	case pattern.KindBool:
		return !f.IsInt && (f.Str == "true") == v.Bool
	}
	return false
}

// Uses reports whether any comparison of the rule reads path.
func (r *Rule) Uses(path string) bool {
	var walk func(n *cmpNode) bool
	walk = func(n *cmpNode) bool {
		if n.c != nil {
			return n.c.path == path
		}
		return walk(n.left) || walk(n.right)
	}
	for i := range r.leaves {
		if walk(&r.leaves[i]) {
			return true
		}
	}
	return false
}

// Rules returns the set's stateful rules, in the order they were added.
func (s *Set) Rules() []*Rule { return s.rules }

// LeafHits appends to dst the indexes of the rule's observations that record
// o satisfies. It only reads the rule, so workers may call it in parallel; the
// results are then fed, in stream order, to RuleState.Advance.
func (r *Rule) LeafHits(o *Observed, dst []int) []int {
	for i := range r.leaves {
		if r.leaves[i].eval(o) {
			dst = append(dst, i)
		}
	}
	return dst
}

// RuleState is the memory of one record stream for the set's rules: when each
// observation of each rule was last seen. It is not safe for concurrent use.
type RuleState struct {
	set     *Set
	history [][][]occ // rule → leaf → occurrences, most recent last
}

type occ struct {
	s, e  time.Time
	first int64 // first record seq involved
	last  int64 // last record seq involved
}

// maxHistory bounds the occurrences kept per observation (and computed per
// node), so a hostile stream cannot grow the state without bound.
const maxHistory = 64

// NewRuleState returns an empty state for the rules of s.
func NewRuleState(s *Set) *RuleState {
	st := &RuleState{set: s, history: make([][][]occ, len(s.rules))}
	for i, r := range s.rules {
		st.history[i] = make([][]occ, len(r.leaves))
	}
	return st
}

// Advance records that record (seq, t) satisfied the given observations of
// rule i and reports whether the rule's whole pattern is now satisfied by a
// combination ending with this record. When it fires, the rule's memory is
// cleared, so the next firing needs new observations.
func (st *RuleState) Advance(i int, seq int64, t time.Time, leaves []int) bool {
	if len(leaves) == 0 {
		return false
	}
	r := st.set.rules[i]
	h := st.history[i]
	for _, l := range leaves {
		h[l] = append(h[l], occ{t, t, seq, seq})
		if len(h[l]) > maxHistory {
			h[l] = slices.Delete(h[l], 0, len(h[l])-maxHistory)
		}
	}
	for _, o := range r.root.eval(h) {
		if o.last == seq {
			for l := range h {
				h[l] = h[l][:0]
			}
			return true
		}
	}
	return false
}

func (n *obsNode) eval(h [][]occ) []occ {
	switch n.kind {
	case obsLeaf:
		return h[n.leaf]
	case obsOr:
		return capOcc(append(slices.Clone(n.left.eval(h)), n.right.eval(h)...))
	case obsAnd, obsFollowedBy:
		var out []occ
		for _, a := range n.left.eval(h) {
			for _, b := range n.right.eval(h) {
				if n.kind == obsFollowedBy && !(a.last < b.first && !b.s.Before(a.e)) {
					continue
				}
				if n.kind == obsAnd && a.last == b.last && a.first == b.first {
					continue // one record cannot be two observations
				}
				out = append(out, occ{minTime(a.s, b.s), maxTime(a.e, b.e), min(a.first, b.first), max(a.last, b.last)})
			}
		}
		return capOcc(out)
	case obsWithin:
		var out []occ
		for _, o := range n.left.eval(h) {
			if o.e.Sub(o.s) <= n.within {
				out = append(out, o)
			}
		}
		return out
	case obsStartStop:
		var out []occ
		for _, o := range n.left.eval(h) {
			if !o.s.Before(n.start) && o.e.Before(n.stop) {
				out = append(out, o)
			}
		}
		return out
	case obsRepeats:
		in := slices.Clone(n.left.eval(h))
		slices.SortFunc(in, func(a, b occ) int { return compareInt(a.last, b.last) })
		var out []occ
		for j := n.repeats - 1; j < len(in); j++ {
			g := in[j-n.repeats+1 : j+1]
			o := g[0]
			for _, x := range g[1:] {
				o = occ{minTime(o.s, x.s), maxTime(o.e, x.e), min(o.first, x.first), max(o.last, x.last)}
			}
			out = append(out, o)
		}
		return out
	}
	return nil
}

func capOcc(o []occ) []occ {
	if len(o) > maxHistory*4 {
		return o[len(o)-maxHistory*4:]
	}
	return o
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
