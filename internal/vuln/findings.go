package vuln

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"renkei/internal/vuln/advisory"
)

// Finding is one vulnerability in one target, with what to do about it.
type Finding struct {
	Org            string   `json:"org,omitempty"`
	Asset          string   `json:"asset,omitempty"`
	Kind           string   `json:"kind"`
	Component      string   `json:"component"`
	PURL           string   `json:"purl,omitempty"`
	CPE            string   `json:"cpe,omitempty"`
	Version        string   `json:"version"`
	Vulnerability  string   `json:"vulnerability"`
	Aliases        []string `json:"aliases"`
	Status         string   `json:"status"` // affected | possibly_affected
	Summary        string   `json:"summary,omitempty"`
	KnownExploited bool     `json:"known_exploited"`
	KEVDateAdded   string   `json:"kev_date_added,omitempty"`
	KEVDueDate     string   `json:"kev_due_date,omitempty"`
	Ransomware     bool     `json:"known_ransomware_use,omitempty"`
	EPSS           *float64 `json:"epss,omitempty"`
	EPSSPercentile *float64 `json:"epss_percentile,omitempty"`
	Severity       string   `json:"severity,omitempty"`
	CVSSScore      float64  `json:"cvss_score,omitempty"`
	CVSSVector     string   `json:"cvss_vector,omitempty"`
	FixedVersion   string   `json:"fixed_version"`
	MatchedOn      string   `json:"matched_on"`
	Sources        []string `json:"sources"`
	VEXStatus      string   `json:"vex_status,omitempty"`
	SuppressedBy   *VEXRef  `json:"suppressed_by"`
	// VEXResponse is the supplier's response in the deciding VEX statement
	// (CycloneDX analysis.response values: update, workaround_available, …).
	VEXResponse []string `json:"vex_response,omitempty"`
	Action      string   `json:"action"`
}

// VEXRef says which VEX statement decided a finding, and who made it when.
type VEXRef struct {
	Status        string    `json:"status"`
	Justification string    `json:"justification,omitempty"`
	Impact        string    `json:"impact,omitempty"`
	Author        string    `json:"author,omitempty"`
	Timestamp     time.Time `json:"timestamp,omitzero"`
	Document      string    `json:"document,omitempty"`
}

// Suppressed reports whether a VEX statement hides the finding.
func (f *Finding) Suppressed() bool { return f.SuppressedBy != nil }

// Findings returns one finding per target and vulnerability (advisories
// that are aliases of each other merged), enriched with KEV and EPSS and
// decided by VEX, most urgent first: known exploited, then EPSS, then
// severity.
func (e *Engine) Findings() []Finding {
	type group struct {
		target  int32
		canon   string
		matches []match
	}
	groups := map[string]*group{}
	var order []string
	for _, m := range e.matches {
		canon, _ := canonical(&e.advs[m.adv])
		k := fmt.Sprintf("%d|%s", m.target, canon)
		g, ok := groups[k]
		if !ok {
			g = &group{target: m.target, canon: canon}
			groups[k] = g
			order = append(order, k)
		}
		g.matches = append(g.matches, m)
	}
	out := make([]Finding, 0, len(groups))
	for _, k := range order {
		g := groups[k]
		if e.purlOverrules(g.target, g.canon, g.matches) {
			continue
		}
		out = append(out, e.finding(g.target, g.canon, g.matches))
	}
	SortFindings(out)
	return out
}

// purlOverrules applies "CPE only as a fallback": when a vulnerability
// matched a target only through CPE or vendor/product keys, but an
// advisory for the same vulnerability names the target's package URL and,
// under the ecosystem's version rules, does not affect its version, the
// package URL's answer stands and the CPE match is dropped. (KEV names
// "Apache Log4j2"; OSV says log4j-core 2.17.1 is fixed: no finding.)
func (e *Engine) purlOverrules(ti int32, canon string, ms []match) bool {
	for _, m := range ms {
		if !m.matchedOn.IsCPE() {
			return false
		}
	}
	t := &e.targets[ti]
	for _, k := range t.Keys {
		if !strings.HasPrefix(string(k), "purl:") {
			continue
		}
		for _, ai := range e.advByKey[k] {
			if c, _ := canonical(&e.advs[ai]); c != canon {
				continue
			}
			if _, matched := e.matches[matchKey(ti, ai)]; matched {
				continue
			}
			// Evaluated under the purl and not affected — unless the version
			// could not be evaluated, in which case the CPE match stays.
			for _, af := range e.advs[ai].Affected {
				if af.Key == k {
					if status, _, err := affects(af, t); err == nil && status == "" {
						return true
					}
				}
			}
		}
	}
	return false
}

func (e *Engine) finding(ti int32, canon string, ms []match) Finding {
	t := &e.targets[ti]
	f := Finding{
		Org: t.Org, Asset: t.Asset, Kind: t.Kind, Component: t.Name, PURL: t.PURL, CPE: t.CPE,
		Version: t.Version, Vulnerability: canon, Aliases: []string{}, Status: StatusPossibly, Sources: []string{},
	}
	// Advisories arrive in any order; decide from a fixed order so that
	// the finding does not depend on it.
	sort.Slice(ms, func(i, j int) bool {
		a, b := &e.advs[ms[i].adv], &e.advs[ms[j].adv]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Document < b.Document
	})
	var bestScore float64 = -1
	for _, m := range ms {
		a := &e.advs[m.adv]
		_, aliases := canonical(a)
		for _, id := range aliases {
			if id != canon && !slices.Contains(f.Aliases, id) {
				f.Aliases = append(f.Aliases, id)
			}
		}
		src := a.ID
		if a.Source != "" {
			src = a.Source + ": " + a.ID
		}
		if !slices.Contains(f.Sources, src) {
			f.Sources = append(f.Sources, src)
		}
		if m.status == StatusAffected && f.Status != StatusAffected {
			f.Status, f.FixedVersion, f.MatchedOn = StatusAffected, m.fixed, string(m.matchedOn)
		} else if f.MatchedOn == "" {
			f.FixedVersion, f.MatchedOn = m.fixed, string(m.matchedOn)
		} else if f.FixedVersion == "" && m.status == f.Status {
			f.FixedVersion = m.fixed
		}
		if f.Summary == "" {
			f.Summary = a.Summary
		}
		if a.Severity.Rank() > advisory.Severity(f.Severity).Rank() {
			f.Severity = string(a.Severity)
		}
		for _, c := range a.CVSS {
			if c.Score > bestScore {
				bestScore, f.CVSSScore, f.CVSSVector = c.Score, c.Score, c.Vector
			}
		}
	}
	if f.Severity == "" && f.CVSSScore > 0 {
		f.Severity = string(advisory.SeverityOfScore(f.CVSSScore))
	}
	ids := append([]string{canon}, f.Aliases...)
	for _, id := range ids {
		if k, ok := e.kev[id]; ok {
			f.KnownExploited, f.KEVDateAdded, f.KEVDueDate, f.Ransomware = true, k.DateAdded, k.DueDate, k.RansomwareCampaignUse
			break
		}
	}
	for _, id := range ids {
		if s, ok := e.epss[id]; ok {
			score, pct := s.Score, s.Percentile
			f.EPSS, f.EPSSPercentile = &score, &pct
			break
		}
	}
	if st := e.decideVEX(t, ids); st != nil {
		f.VEXStatus = string(st.Status)
		if suppresses(st.Status) {
			f.SuppressedBy = &VEXRef{Status: string(st.Status), Justification: st.Justification, Impact: st.Impact, Author: st.Author, Timestamp: st.Timestamp, Document: st.Document}
		}
		f.Action = st.Action
		f.VEXResponse = st.Response
	}
	f.Action = action(&f, e.kev, f.Action)
	return f
}

// action writes what the owner should do, in one sentence or two.
func action(f *Finding, kev map[string]advisory.KEV, vexAction string) string {
	var parts []string
	switch {
	case f.SuppressedBy != nil && f.SuppressedBy.Status == string(advisory.StatusFixed):
		return "None: " + cmp.Or(f.SuppressedBy.Author, "a VEX statement") + " states this version is fixed."
	case f.SuppressedBy != nil:
		return "None: " + cmp.Or(f.SuppressedBy.Author, "a VEX statement") + " states it is not affected (" + cmp.Or(f.SuppressedBy.Justification, f.SuppressedBy.Impact) + ")."
	case f.Status == StatusPossibly:
		parts = append(parts, fmt.Sprintf("Possibly affected, confirm the version: the advisory names %s without version data.", f.Component))
		if f.FixedVersion != "" {
			parts = append(parts, "Fixed in "+f.FixedVersion+".")
		}
	case f.FixedVersion != "":
		parts = append(parts, fmt.Sprintf("Upgrade %s from %s to %s or later.", f.Component, f.Version, f.FixedVersion))
	default:
		parts = append(parts, "No fixed version is published: apply the vendor's mitigation or remove the component.")
	}
	if vexAction != "" {
		parts = append(parts, "Supplier: "+vexAction)
	}
	if f.KnownExploited {
		k := kev[f.Vulnerability]
		for _, id := range f.Aliases {
			if x, ok := kev[id]; ok && k.CVE == "" {
				k = x
			}
		}
		p := "Known exploited"
		if k.RansomwareCampaignUse {
			p += ", used in ransomware campaigns"
		}
		p += "; CISA due date " + f.KEVDueDate + "."
		if k.RequiredAction != "" {
			p += " " + k.RequiredAction
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

// SortFindings orders findings most urgent first: not suppressed, known
// exploited, affected before possibly affected, EPSS, severity, CVSS,
// then by component and vulnerability for a stable order.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Suppressed() != b.Suppressed() {
			return !a.Suppressed()
		}
		if a.KnownExploited != b.KnownExploited {
			return a.KnownExploited
		}
		if (a.Status == StatusAffected) != (b.Status == StatusAffected) {
			return a.Status == StatusAffected
		}
		ae, be := epssOf(a), epssOf(b)
		if ae != be {
			return ae > be
		}
		if ra, rb := advisory.Severity(a.Severity).Rank(), advisory.Severity(b.Severity).Rank(); ra != rb {
			return ra > rb
		}
		if a.CVSSScore != b.CVSSScore {
			return a.CVSSScore > b.CVSSScore
		}
		if a.Asset != b.Asset {
			return a.Asset < b.Asset
		}
		if a.Component != b.Component {
			return a.Component < b.Component
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Vulnerability < b.Vulnerability
	})
}

func epssOf(f *Finding) float64 {
	if f.EPSS == nil {
		return -1
	}
	return *f.EPSS
}
