package exportgate

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/netip"
	"strings"
	"time"

	"renkei/internal/match"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/warninglist"
)

// Check is one rule of the gate applied to an indicator or one of its values.
type Check struct {
	Rule   string `json:"rule"` // revoked, validity, confidence, age, review, scope, warninglist
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// The rules a gate applies, in the order it applies them.
const (
	RuleRevoked     = "revoked"
	RuleValidity    = "validity"
	RuleConfidence  = "confidence"
	RuleAge         = "age"
	RuleReview      = "review"
	RuleScope       = "scope"
	RuleWarninglist = "warninglist"
)

// Decision is the gate's answer for an indicator or a value: passed when
// every check passed.
type Decision struct {
	Passed bool                `json:"passed"`
	Checks []Check             `json:"checks"`
	Hits   []warninglist.Hit   `json:"warninglist_hits,omitempty"`
	Policy *store.ExportPolicy `json:"-"`
}

func (d *Decision) add(rule string, passed bool, detail string, args ...any) {
	d.Checks = append(d.Checks, Check{Rule: rule, Passed: passed, Detail: fmt.Sprintf(detail, args...)})
	if !passed {
		d.Passed = false
	}
}

// Gate is the gate for one reader's export at one time.
type Gate struct {
	m         *warninglist.Matcher
	at        time.Time
	center    string
	base      store.ExportPolicy            // the hub's and the reader's organization's, merged
	byCol     map[string]store.ExportPolicy // per collection
	reviews   map[string]store.ExportReview
	sightings map[string]time.Time
	th        Thresholds
	version   string
}

// Open makes the gate for viewer v's exports at time at (zero: now).
func (s *Service) Open(ctx context.Context, v policy.Viewer, at time.Time) (*Gate, error) {
	if at.IsZero() {
		at = s.Now()
	}
	m, lv, err := s.Matcher(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := s.DB.ExportPolicies(ctx)
	if err != nil {
		return nil, err
	}
	reviews, err := s.DB.ExportReviews(ctx)
	if err != nil {
		return nil, err
	}
	seen, err := s.DB.LastSightings(ctx, v)
	if err != nil {
		return nil, err
	}
	th, err := s.Thresholds(ctx)
	if err != nil {
		return nil, err
	}
	g := &Gate{m: m, at: at, center: s.Center, byCol: map[string]store.ExportPolicy{}, reviews: reviews, sightings: seen, th: th}
	g.base.Scope = "effective"
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s\x00", lv, th.WidestIPv4, th.WidestIPv6, th.PublicSuffixes)
	for _, p := range ps {
		switch {
		case p.Scope == ScopeHub, p.Scope == ScopeOrg && p.ScopeID == v.OrgID:
			g.base = merge(g.base, p)
		case p.Scope == ScopeCollection:
			g.byCol[p.ScopeID] = p
		default:
			continue
		}
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%v\x00", p.Scope, p.ScopeID, p.MinConfidence, p.MaxAge, p.RequireReview)
	}
	for id, r := range reviews {
		fmt.Fprintf(h, "%s\x00%s\x00", id, r.Decision)
	}
	g.version = fmt.Sprintf("%x", h.Sum64())
	return g, nil
}

// Version changes whenever what the gate would decide may change for the
// same indicators (lists, policies, reviews): exports put it in their ETag.
// Sightings and the clock are not in it: a device polling a list that only
// aged is sent the same ETag until an indicator changes.
func (g *Gate) Version() string { return g.version }

// merge is the stricter of two policies: the higher minimum confidence, the
// shorter maximum age, a review if either asks for one.
func merge(a, b store.ExportPolicy) store.ExportPolicy {
	if b.MinConfidence > a.MinConfidence {
		a.MinConfidence = b.MinConfidence
	}
	if b.MaxAge > 0 && (a.MaxAge == 0 || b.MaxAge < a.MaxAge) {
		a.MaxAge = b.MaxAge
	}
	a.RequireReview = a.RequireReview || b.RequireReview
	return a
}

// Object decides on an indicator as a whole.
func (g *Gate) Object(o store.Object) Decision {
	d := Decision{Passed: true}
	p := g.base
	if cp, ok := g.byCol[o.CollectionID]; ok {
		p = merge(p, cp)
	}
	d.Policy = &p
	d.add(RuleRevoked, !o.Revoked, "%s", map[bool]string{true: "revoked by its author", false: "not revoked"}[o.Revoked])
	switch {
	case !o.ValidFrom.IsZero() && g.at.Before(o.ValidFrom):
		d.add(RuleValidity, false, "valid only from %s", o.ValidFrom.Format(time.RFC3339))
	case !o.ValidUntil.IsZero() && !g.at.Before(o.ValidUntil):
		d.add(RuleValidity, false, "expired at %s (valid_until)", o.ValidUntil.Format(time.RFC3339))
	default:
		d.add(RuleValidity, true, "valid at %s", g.at.UTC().Format(time.RFC3339))
	}
	if p.MinConfidence > 0 {
		c := Confidence(o.Raw)
		if c < 0 {
			d.add(RuleConfidence, false, "no confidence given; the policy asks for at least %d", p.MinConfidence)
		} else {
			d.add(RuleConfidence, c >= p.MinConfidence, "confidence %d; the policy asks for at least %d", c, p.MinConfidence)
		}
	}
	if p.MaxAge > 0 {
		last, why := o.Modified, "last modified"
		if last.IsZero() {
			last = o.DateAdded
		}
		if s, ok := g.sightings[o.ID]; ok && s.After(last) {
			last, why = s, "last sighted"
		}
		age := g.at.Sub(last).Truncate(time.Second)
		d.add(RuleAge, age <= p.MaxAge, "%s %s ago; the policy allows %s", why, age, p.MaxAge)
	}
	if p.RequireReview && o.ACL.AuthorOrg != g.center {
		r, ok := g.reviews[o.ID]
		switch {
		case !ok:
			d.add(RuleReview, false, "waits for the center's review")
		case r.Decision == ReviewRelease:
			d.add(RuleReview, true, "released by the center on %s", r.ReviewedAt.Format(time.RFC3339))
		default:
			d.add(RuleReview, false, "held back by the center on %s", r.ReviewedAt.Format(time.RFC3339))
		}
	}
	return d
}

// Widest prefixes refused by default: an IPv4 /8 or an IPv6 /32 (a whole
// regional allocation to one provider) and anything wider (Thresholds).
const (
	WidestIPv4 = 8
	WidestIPv6 = 32
)

// Value decides on one value of indicator id (kind k, canonical text v as
// internal/match gives it).
func (g *Gate) Value(id string, k match.Kind, v string) Decision {
	d := Decision{Passed: true}
	switch k {
	case match.IP, match.CIDR:
		if p, err := netip.ParsePrefix(v); err == nil {
			widest := g.th.WidestIPv4
			if p.Addr().Is6() {
				widest = g.th.WidestIPv6
			}
			if p.Bits() <= widest {
				d.add(RuleScope, false, "%s covers a /%d or wider: it would block a whole provider's space", v, widest)
			}
		}
	case match.Domain:
		if !strings.Contains(v, ".") {
			d.add(RuleScope, false, "%s is a top-level domain: it would block every name under it", v)
		} else if refused, what := g.th.refusesSuffix(v); refused {
			d.add(RuleScope, false, "%s is %s: it would block every name registered under it", v, what)
		}
	}
	if len(d.Checks) == 0 {
		d.add(RuleScope, true, "not wider than one network or registered name")
	}
	hits := g.m.Check(k, v)
	d.Hits = hits
	refused, homograph := false, ""
	for _, h := range hits {
		if h.Refuses() {
			refused = true
			d.add(RuleWarninglist, false, "%s (%s, version %d): %s %s", h.List, h.Title, h.Version, h.How, h.Entry)
		} else if h.How == "homograph" {
			homograph = h.Entry
		}
	}
	if homograph != "" {
		r, ok := g.reviews[id]
		switch {
		case ok && r.Decision == ReviewRelease:
			d.add(RuleReview, true, "looks like %s; released by the center on %s", homograph, r.ReviewedAt.Format(time.RFC3339))
		default:
			d.add(RuleReview, false, "an IDN homograph of %s: waits for the center's review", homograph)
		}
	}
	if !refused {
		detail := "in no refusing warninglist"
		if len(hits) > 0 {
			detail = fmt.Sprintf("in %d warninglist(s) that only warn", len(hits))
		}
		d.add(RuleWarninglist, true, "%s", detail)
	}
	return d
}

// Tally counts what a gate kept out of one export, by rule.
type Tally map[string]int

// Filter returns the values of set that pass, with their indicators, and
// counts those it left out by the first rule they failed.
func (g *Gate) Filter(set *match.Set) (*match.Set, Tally) {
	b := match.NewBuilder()
	t := Tally{}
	set.Each(g.at, func(e match.Entry) {
		d := g.Value(e.Indicator.ID, e.Kind, e.Value)
		if !d.Passed {
			for _, c := range d.Checks {
				if !c.Passed {
					t[c.Rule]++
					break
				}
			}
			return
		}
		switch e.Kind {
		case match.IP, match.CIDR:
			b.AddPrefix(e.Prefix, *e.Indicator)
		default:
			_ = b.AddValue(e.Value, *e.Indicator)
		}
	})
	return b.Build(), t
}

// Offline is the gate of a command that has no hub behind it (renkei export
// and renkei sweep over files or a TAXII collection): warninglists m and
// hostile scopes th only — no policies, reviews or sightings, which the hub
// keeps. An IDN homograph of a listed name is left out, as no review can
// release it here.
func Offline(m *warninglist.Matcher, at time.Time, th Thresholds) *Gate {
	return &Gate{m: m, at: at, th: th, byCol: map[string]store.ExportPolicy{}, reviews: map[string]store.ExportReview{}, sightings: map[string]time.Time{}}
}
