package match

import (
	"slices"
	"strings"

	"renkei/internal/stix/pattern"
)

// With many stateful rules, testing every observation of every rule on every
// record would cost rules × records. Most observations name at least one
// exact value ("[network-traffic:dst_ref.value = '198.51.100.7' AND
// network-traffic:dst_port = 4444]"): such an observation can only hold on a
// record that contains that value. The rule index maps these anchor values to
// the observations they guard, so a record only has its values looked up and
// the few observations they point to tested; observations without an anchor
// (only ports, ranges, LIKE, negations) are tested on every record.

// RuleLeaf names one observation (leaf) of one rule of a Set.
type RuleLeaf struct{ Rule, Leaf int }

type ruleIndex struct {
	anchors map[string][]RuleLeaf
	always  []RuleLeaf
}

func (s *Set) buildRuleIndex() {
	idx := &ruleIndex{anchors: map[string][]RuleLeaf{}}
	for ri, r := range s.rules {
		for li := range r.leaves {
			rl := RuleLeaf{ri, li}
			keys, ok := anchorsOf(&r.leaves[li])
			if !ok {
				idx.always = append(idx.always, rl)
				continue
			}
			for _, k := range keys {
				if l := idx.anchors[k]; len(l) == 0 || l[len(l)-1] != rl {
					idx.anchors[k] = append(l, rl)
				}
			}
		}
	}
	s.ruleIdx = idx
}

// anchorsOf returns values one of which every record satisfying n contains.
func anchorsOf(n *cmpNode) ([]string, bool) {
	switch n.op {
	case pattern.And:
		if k, ok := anchorsOf(n.left); ok {
			return k, true
		}
		return anchorsOf(n.right)
	case pattern.Or:
		l, ok := anchorsOf(n.left)
		if !ok {
			return nil, false
		}
		r, ok := anchorsOf(n.right)
		if !ok {
			return nil, false
		}
		return append(l, r...), true
	}
	c := n.c
	if c.negated || c.op != pattern.Eq && c.op != pattern.In {
		return nil, false
	}
	var keys []string
	for _, v := range c.vals {
		if v.Kind != pattern.KindString || strings.IndexByte(v.Str, '/') >= 0 && len(c.prefixes) > 0 {
			return nil, false // not a string, or a CIDR tested by containment
		}
		keys = append(keys, anchorKey(v.Str))
	}
	return keys, len(keys) > 0
}

// anchorKey is the form in which pattern values and observed values are
// compared in the index: addresses canonical (ports dropped), other text in
// lower case. It is at least as loose as equalValue, so the index never
// hides an observation that would hold.
func anchorKey(v string) string {
	if a, ok := parseAddrPort(v); ok {
		return a.String()
	}
	return strings.ToLower(v)
}

// RuleLeafHits appends to dst every (rule, observation) that record o
// satisfies, sorted by rule and observation. It gives the same answer as
// calling LeafHits on every rule, but looks at only the observations o's
// values can satisfy.
func (s *Set) RuleLeafHits(o *Observed, dst []RuleLeaf) []RuleLeaf {
	idx := s.ruleIdx
	if idx == nil {
		return dst
	}
	start := len(dst)
	cand := func(rl RuleLeaf) {
		if slices.Contains(dst[start:], rl) {
			return
		}
		if s.rules[rl.Rule].leaves[rl.Leaf].eval(o) {
			dst = append(dst, rl)
		}
	}
	seen := make([]string, 0, 8)
	for i := range o.Fields {
		f := &o.Fields[i]
		if f.IsInt || f.Str == "" {
			continue
		}
		k := anchorKey(f.Str)
		if slices.Contains(seen, k) {
			continue
		}
		seen = append(seen, k)
		for _, rl := range idx.anchors[k] {
			cand(rl)
		}
	}
	for _, rl := range idx.always {
		cand(rl)
	}
	slices.SortFunc(dst[start:], func(a, b RuleLeaf) int {
		if a.Rule != b.Rule {
			return a.Rule - b.Rule
		}
		return a.Leaf - b.Leaf
	})
	return dst
}
