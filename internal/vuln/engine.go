package vuln

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"renkei/internal/vuln/advisory"
	"renkei/internal/vuln/pkgid"
	"renkei/internal/vuln/version"
)

// Engine matches targets against advisories through reverse indexes.
type Engine struct {
	targets  []Target
	removed  []bool                // targets of removed assets, skipped everywhere
	byKey    map[pkgid.Key][]int32 // target index by every key it has
	advs     []advisory.Advisory
	advByKey map[pkgid.Key][]int32 // advisory index by affected key
	kev      map[string]advisory.KEV
	epss     map[string]advisory.EPSS
	stmts    []advisory.Statement
	stmtByID map[string][]int32 // statements by vulnerability id and aliases

	matches  map[uint64]match    // (target, advisory) → result
	byVuln   map[string][]uint64 // canonical id and aliases → match keys
	problems []advisory.Problem
	nProblem int

	// cache holds version decisions during one addition: thousands of
	// targets share a handful of versions of a popular package, and
	// parsing versions dominates the cost of evaluating a range.
	cache map[cacheKey]cacheVal
}

type cacheKey struct {
	adv, affected int32
	version, eco  string
}

type cacheVal struct {
	status, fixed string
	err           error
}

// match is the result of one advisory against one target.
type match struct {
	target, adv int32
	status      string // StatusAffected or StatusPossibly
	fixed       string
	matchedOn   pkgid.Key
}

// Finding statuses.
const (
	StatusAffected = "affected"
	StatusPossibly = "possibly_affected"
)

// MaxProblems bounds the problems kept for display; all are counted.
const MaxProblems = 1000

// New returns an empty engine.
func New() *Engine {
	return &Engine{
		byKey: map[pkgid.Key][]int32{}, advByKey: map[pkgid.Key][]int32{},
		kev: map[string]advisory.KEV{}, epss: map[string]advisory.EPSS{},
		stmtByID: map[string][]int32{}, matches: map[uint64]match{}, byVuln: map[string][]uint64{},
	}
}

// Hit is one (target, vulnerability) pair that an addition produced or
// changed: what the hub turns into one alert per organization.
type Hit struct {
	Target        *Target
	Vulnerability string
	Status        string
	Reason        string // "new match" or "now known exploited"

	ti int32 // the target's index, for HitFinding (Target may move as the engine grows)
}

// Problems returns the problems met while matching (unparseable versions,
// unknown ecosystems) and how many there were in all.
func (e *Engine) Problems() ([]advisory.Problem, int) { return e.problems, e.nProblem }

func (e *Engine) problem(where, format string, args ...any) {
	e.nProblem++
	if len(e.problems) < MaxProblems {
		e.problems = append(e.problems, advisory.Problem{Where: where, Err: fmt.Sprintf(format, args...)})
	}
}

// AddTargets indexes targets and evaluates them against the advisories
// already known that name one of their keys.
func (e *Engine) AddTargets(ts []Target) []Hit {
	var hits []Hit
	e.cache = map[cacheKey]cacheVal{}
	for _, t := range ts {
		ti := int32(len(e.targets))
		e.targets = append(e.targets, t)
		e.removed = append(e.removed, false)
		seen := map[int32]bool{}
		for _, k := range t.Keys {
			e.byKey[k] = append(e.byKey[k], ti)
			for _, ai := range e.advByKey[k] {
				if seen[ai] {
					continue
				}
				seen[ai] = true
				if h, ok := e.evaluate(ti, ai); ok {
					hits = append(hits, h)
				}
			}
		}
	}
	return hits
}

// AddSet adds what one advisory document holds. New advisories are
// evaluated only against the targets indexed under the keys they name;
// new KEV entries also report existing matches of their CVE, which have
// just become known exploited.
func (e *Engine) AddSet(set *advisory.Set) []Hit {
	var hits []Hit
	for cve, k := range set.KEV {
		_, had := e.kev[cve]
		e.kev[cve] = k
		if !had {
			for _, mk := range e.byVuln[cve] {
				m, ok := e.matches[mk]
				if !ok {
					continue
				}
				hits = append(hits, Hit{Target: &e.targets[m.target], Vulnerability: cve, Status: m.status, Reason: "now known exploited", ti: m.target})
			}
		}
	}
	for cve, s := range set.EPSS {
		e.epss[cve] = s
	}
	for _, st := range set.Statements {
		si := int32(len(e.stmts))
		e.stmts = append(e.stmts, st)
		for _, id := range append([]string{st.Vulnerability}, st.Aliases...) {
			e.stmtByID[id] = append(e.stmtByID[id], si)
		}
	}
	for _, a := range set.Advisories {
		hits = append(hits, e.AddAdvisory(a)...)
	}
	return hits
}

// AddAdvisory indexes one advisory and evaluates it against the targets it
// can touch.
func (e *Engine) AddAdvisory(a advisory.Advisory) []Hit {
	ai := int32(len(e.advs))
	e.advs = append(e.advs, a)
	e.cache = map[cacheKey]cacheVal{}
	var hits []Hit
	seen := map[int32]bool{}
	for _, af := range a.Affected {
		if af.Key == "" {
			continue
		}
		if len(e.advByKey[af.Key]) == 0 || e.advByKey[af.Key][len(e.advByKey[af.Key])-1] != ai {
			e.advByKey[af.Key] = append(e.advByKey[af.Key], ai)
		}
		for _, ti := range e.byKey[af.Key] {
			if seen[ti] || e.removed[ti] {
				continue
			}
			seen[ti] = true
			if h, ok := e.evaluate(ti, ai); ok {
				hits = append(hits, h)
			}
		}
	}
	return hits
}

func matchKey(ti, ai int32) uint64 { return uint64(uint32(ti))<<32 | uint64(uint32(ai)) }

// evaluate decides one advisory against one target and records a match.
func (e *Engine) evaluate(ti, ai int32) (Hit, bool) {
	t := &e.targets[ti]
	a := &e.advs[ai]
	best := match{target: ti, adv: ai}
	for j, af := range a.Affected {
		if !hasKey(t.Keys, af.Key) {
			continue
		}
		if af.Release != "" && t.Release != "" && af.Distro == t.Distro && af.Release != t.Release {
			continue // an advisory for another release of the distribution
		}
		ck := cacheKey{ai, int32(j), t.Version, t.Ecosystem}
		cv, ok := e.cache[ck]
		if !ok {
			cv.status, cv.fixed, cv.err = affects(af, t)
			if e.cache != nil {
				e.cache[ck] = cv
			}
		}
		status, fixed, err := cv.status, cv.fixed, cv.err
		if err != nil {
			e.problem(fmt.Sprintf("%s %s %s@%s", t.Asset, a.ID, t.Name, t.Version), "%v", err)
			continue
		}
		if status == StatusAffected && best.status != StatusAffected {
			best.status, best.fixed, best.matchedOn = status, fixed, af.Key
		} else if status == StatusPossibly && best.status == "" {
			best.status, best.fixed, best.matchedOn = status, fixed, af.Key
		}
	}
	if best.status == "" {
		return Hit{}, false
	}
	mk := matchKey(ti, ai)
	if _, dup := e.matches[mk]; dup {
		return Hit{}, false
	}
	e.matches[mk] = best
	canon, aliases := canonical(a)
	for _, id := range append([]string{canon}, aliases...) {
		e.byVuln[id] = append(e.byVuln[id], mk)
	}
	return Hit{Target: t, Vulnerability: canon, Status: best.status, Reason: "new match", ti: ti}, true
}

func hasKey(keys []pkgid.Key, k pkgid.Key) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// affects evaluates one affected entry against a target's version.
func affects(af advisory.Affected, t *Target) (status, fixed string, err error) {
	if af.AllVersions {
		return StatusPossibly, firstFixed(af, t), nil
	}
	if t.Version == "" {
		return StatusPossibly, "", nil
	}
	eco := af.Ecosystem
	if eco == "" {
		eco = t.Ecosystem
	}
	var cmp version.Comparator
	if eco != "" {
		if cmp, err = version.For(eco); err != nil {
			return "", "", err
		}
		if !cmp.Valid(t.Version) {
			return "", "", fmt.Errorf("%s version %q does not parse", eco, t.Version)
		}
	}
	for _, v := range af.Versions {
		if v == t.Version || cmp != nil && cmp.Valid(v) && mustEqual(cmp, v, t.Version) {
			return StatusAffected, firstFixed(af, t), nil
		}
	}
	// vers ranges carry their own version scheme.
	for _, vr := range af.Vers {
		in, err := version.VersContains(vr, t.Version)
		if err != nil {
			return "", "", err
		}
		if in {
			return StatusAffected, firstFixed(af, t), nil
		}
	}
	if len(af.Ranges) == 0 {
		return "", "", nil
	}
	if cmp == nil {
		// A CPE product or a purl type without version rules (pkg:generic).
		return "", "", fmt.Errorf("no version rules for %s: OSV ranges cannot be evaluated, only exact versions", af.Key)
	}
	for _, r := range af.Ranges {
		rc := cmp
		if r.Type == "SEMVER" && eco != version.Go {
			// OSV: SEMVER ranges follow Semantic Versioning 2.0.0 whatever the
			// ecosystem (Go keeps its own implementation of the same order,
			// which also reads "v"-less pseudo-versions and go1.x names).
			rc, _ = version.For(version.SemVer)
			if !rc.Valid(t.Version) {
				return "", "", fmt.Errorf("SEMVER range: version %q is not Semantic Versioning 2.0.0", t.Version)
			}
		}
		in, err := r.Contains(rc, t.Version)
		if err != nil {
			return "", "", err
		}
		if in {
			fixed := r.FixedAfter(rc, t.Version)
			if fixed == "" {
				fixed = firstFixed(af, t)
			}
			return StatusAffected, fixed, nil
		}
	}
	return "", "", nil
}

func mustEqual(cmp version.Comparator, a, b string) bool {
	c, err := cmp.Compare(a, b)
	return err == nil && c == 0
}

// firstFixed returns the lowest fixed version the advisory lists outside
// ranges that is newer than the target's version.
func firstFixed(af advisory.Affected, t *Target) string {
	if len(af.Fixed) == 0 {
		return ""
	}
	eco := af.Ecosystem
	if eco == "" {
		eco = t.Ecosystem
	}
	cmp, err := version.For(eco)
	if err != nil || t.Version == "" || !cmp.Valid(t.Version) {
		return af.Fixed[0]
	}
	best := ""
	for _, f := range af.Fixed {
		if !cmp.Valid(f) || !(mustGreater(cmp, f, t.Version)) {
			continue
		}
		if best == "" || mustGreater(cmp, best, f) {
			best = f
		}
	}
	return best
}

func mustGreater(cmp version.Comparator, a, b string) bool {
	c, err := cmp.Compare(a, b)
	return err == nil && c > 0
}

// canonical returns the id a finding is reported under — the CVE id when
// the advisory has one, so that the GHSA, OSV, JVN and KEV records of one
// vulnerability meet — and the other ids.
func canonical(a *advisory.Advisory) (string, []string) {
	ids := append([]string{a.ID}, a.Aliases...)
	canon := a.ID
	for _, id := range ids {
		if strings.HasPrefix(id, "CVE-") {
			canon = id
			break
		}
	}
	var aliases []string
	for _, id := range ids {
		if id != canon && !slices.Contains(aliases, id) {
			aliases = append(aliases, id)
		}
	}
	return canon, aliases
}

// Alert is what one organization receives for an addition: every
// (target, vulnerability) pair of that organization, in one message.
type Alert struct {
	Org  string
	Hits []Hit
}

// Alerts groups hits into one alert per organization, organizations in
// name order and hits in target order, so that each affected organization
// receives exactly one alert for one new advisory or KEV entry.
func Alerts(hits []Hit) []Alert {
	idx := map[string]int{}
	var out []Alert
	for _, h := range hits {
		i, ok := idx[h.Target.Org]
		if !ok {
			i = len(out)
			idx[h.Target.Org] = i
			out = append(out, Alert{Org: h.Target.Org})
		}
		out[i].Hits = append(out[i].Hits, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Org < out[j].Org })
	for _, a := range out {
		sort.SliceStable(a.Hits, func(i, j int) bool {
			x, y := a.Hits[i].Target, a.Hits[j].Target
			if x.Asset != y.Asset {
				return x.Asset < y.Asset
			}
			return x.Name < y.Name
		})
	}
	return out
}

// AffectedOrgs returns, for a vulnerability id (or any alias), how many
// targets of each organization it affects, suppressed findings excluded.
// The center's exposure view maps organizations to sectors and shows the
// counts without naming members to each other.
func (e *Engine) AffectedOrgs(vuln string) map[string]int {
	out := map[string]int{}
	seen := map[int32]bool{}
	for _, mk := range e.byVuln[vuln] {
		m, ok := e.matches[mk]
		if !ok || seen[m.target] {
			continue
		}
		seen[m.target] = true
		t := &e.targets[m.target]
		canon, aliases := canonical(&e.advs[m.adv])
		if st := e.decideVEX(t, append([]string{canon}, aliases...)); st != nil && suppresses(st.Status) {
			continue
		}
		out[t.Org]++
	}
	return out
}

// RemoveAsset forgets every target of an organization's asset (an SBOM
// replaced by a new one, a device taken off the register): its matches
// disappear from findings, alerts and exposure. Index entries are left in
// place and skipped, so removal costs one pass over the targets.
func (e *Engine) RemoveAsset(org, asset string) int {
	n := 0
	for ti := range e.targets {
		t := &e.targets[ti]
		if e.removed[ti] || t.Org != org || t.Asset != asset {
			continue
		}
		e.removed[ti] = true
		n++
	}
	if n == 0 {
		return 0
	}
	for mk, m := range e.matches {
		if e.removed[m.target] {
			delete(e.matches, mk)
		}
	}
	return n
}
