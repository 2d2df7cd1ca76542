package vuln

// This file holds what the hub (package relevance) needs beyond an offline
// scan: the finding behind one hit, to write its alert, and the findings of
// one organization, for "what affects us", without building every finding
// of the community.

// HitFinding returns the finding of one hit returned by AddTargets, AddSet
// or AddAdvisory, merged over every
// advisory of the vulnerability that matched the same target. ok is false
// when the match is overruled (a CPE match the package URL's version rules
// contradict) and so must not be alerted.
func (e *Engine) HitFinding(h Hit) (Finding, bool) {
	var ti int32 = -1
	var ms []match
	seen := map[uint64]bool{}
	for _, mk := range e.byVuln[h.Vulnerability] {
		m, ok := e.matches[mk]
		if !ok || seen[mk] || m.target != h.ti {
			continue
		}
		seen[mk] = true
		ti = m.target
		if c, _ := canonical(&e.advs[m.adv]); c == h.Vulnerability {
			ms = append(ms, m)
		}
	}
	if ti < 0 || len(ms) == 0 || e.purlOverrules(ti, h.Vulnerability, ms) {
		return Finding{}, false
	}
	return e.finding(ti, h.Vulnerability, ms), true
}

// OrgFindings returns the findings of one organization's targets, most
// urgent first (SortFindings).
func (e *Engine) OrgFindings(org string) []Finding {
	type gk struct {
		target int32
		canon  string
	}
	groups := map[gk][]match{}
	var order []gk
	for _, m := range e.matches {
		if e.removed[m.target] || e.targets[m.target].Org != org {
			continue
		}
		canon, _ := canonical(&e.advs[m.adv])
		k := gk{m.target, canon}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], m)
	}
	out := make([]Finding, 0, len(order))
	for _, k := range order {
		if e.purlOverrules(k.target, k.canon, groups[k]) {
			continue
		}
		out = append(out, e.finding(k.target, k.canon, groups[k]))
	}
	SortFindings(out)
	return out
}

// VulnerabilityFindings returns the current findings of the given
// vulnerability ids (canonical ids or aliases) in every organization's
// targets: what the hub compares before and after an addition of VEX
// statements, to tell who lost a known-exploited finding to a suppression.
func (e *Engine) VulnerabilityFindings(ids []string) []Finding {
	type gk struct {
		target int32
		canon  string
	}
	groups := map[gk][]match{}
	var order []gk
	seen := map[uint64]bool{}
	for _, id := range ids {
		for _, mk := range e.byVuln[id] {
			m, ok := e.matches[mk]
			if !ok || seen[mk] || e.removed[m.target] {
				continue
			}
			seen[mk] = true
			canon, _ := canonical(&e.advs[m.adv])
			k := gk{m.target, canon}
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], m)
		}
	}
	out := make([]Finding, 0, len(order))
	for _, k := range order {
		if e.purlOverrules(k.target, k.canon, groups[k]) {
			continue
		}
		out = append(out, e.finding(k.target, k.canon, groups[k]))
	}
	return out
}

// KEVEntry returns the KEV catalog entry of a vulnerability id, if any.
func (e *Engine) KEVEntry(id string) (kevEntry KEVInfo, ok bool) {
	k, ok := e.kev[id]
	if !ok {
		return KEVInfo{}, false
	}
	return KEVInfo{Vendor: k.VendorProject, Product: k.Product, Name: k.Name, DateAdded: k.DateAdded, DueDate: k.DueDate, RequiredAction: k.RequiredAction, Ransomware: k.RansomwareCampaignUse}, true
}

// KEVInfo is what the hub shows of a KEV entry.
type KEVInfo struct {
	Vendor         string `json:"vendor_project"`
	Product        string `json:"product"`
	Name           string `json:"name"`
	DateAdded      string `json:"date_added"`
	DueDate        string `json:"due_date"`
	RequiredAction string `json:"required_action"`
	Ransomware     bool   `json:"known_ransomware_use"`
}

// Targets returns how many targets are indexed (removed ones included).
func (e *Engine) Targets() int { return len(e.targets) }
