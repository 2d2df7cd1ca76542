package vuln

import (
	"strings"

	"renkei/internal/vuln/advisory"
	"renkei/internal/vuln/version"
)

// VEX conflict rules. Several statements can speak about the same
// vulnerability in the same product; the one that decides is chosen so:
//
//  1. A not_affected statement without a justification or an impact
//     statement does not count (OpenVEX, CSAF and CycloneDX all require one).
//  2. A statement applies to a finding when it names the component itself
//     (its purl, CPE, BOM-Link or, for BOM-local VEX, its name) with no
//     subcomponents, or names the product the component is part of, either
//     with no subcomponents or with the component among them; and when it
//     lists versions, the component's (or product's) version is one of them.
//  3. Statements from the supplier of the product or component (the author
//     matches the supplier named in the SBOM or registration, or the hub
//     verified the publisher against its product–supplier register) outrank
//     statements from anyone else, whatever their dates.
//  4. Within that rank the latest timestamp wins.
//  5. On an exact tie, the statement that does not suppress wins: doubt
//     never hides a finding.
//
// not_affected and fixed suppress the finding; affected and
// under_investigation do not, but are shown with the finding.

func (e *Engine) decideVEX(t *Target, ids []string) *advisory.Statement {
	var best *advisory.Statement
	bestRank := -1
	seen := map[int32]bool{}
	for _, id := range ids {
		for _, si := range e.stmtByID[id] {
			if seen[si] {
				continue
			}
			seen[si] = true
			st := &e.stmts[si]
			if st.Status == advisory.StatusNotAffected && st.Justification == "" && st.Impact == "" {
				continue
			}
			if !applies(st, t) {
				continue
			}
			rank := 0
			if st.Supplier || isSupplier(st.Author, t) {
				rank = 1
			}
			if best == nil || rank > bestRank || rank == bestRank && newer(st, best) {
				best, bestRank = st, rank
			}
		}
	}
	return best
}

// newer reports whether a should win over b at the same rank.
func newer(a, b *advisory.Statement) bool {
	if !a.Timestamp.Equal(b.Timestamp) {
		return a.Timestamp.After(b.Timestamp)
	}
	return !suppresses(a.Status) && suppresses(b.Status)
}

func suppresses(s advisory.Status) bool {
	return s == advisory.StatusNotAffected || s == advisory.StatusFixed
}

func applies(st *advisory.Statement, t *Target) bool {
	if hasKey(t.Keys, st.Product) && len(st.Subcomponents) == 0 {
		return versionListed(st, t.Version)
	}
	if hasKey(t.ProductKeys, st.Product) {
		if !versionListed(st, t.ProductVersion) {
			return false
		}
		if len(st.Subcomponents) == 0 {
			return true
		}
		for _, sc := range st.Subcomponents {
			if hasKey(t.Keys, sc) {
				return true
			}
		}
	}
	return false
}

// versionListed reports whether a statement's versions and ranges cover
// v. A statement that lists versions does not apply to a target whose
// version is unknown.
func versionListed(st *advisory.Statement, v string) bool {
	if len(st.Versions) == 0 && len(st.Vers) == 0 {
		return true
	}
	if v == "" {
		return false
	}
	for _, x := range st.Versions {
		if x == v || strings.TrimPrefix(x, "v") == strings.TrimPrefix(v, "v") {
			return true
		}
	}
	for _, r := range st.Vers {
		if in, err := version.VersContains(r, v); err == nil && in {
			return true
		}
	}
	return false
}

// isSupplier reports whether a statement's author is the supplier of the
// target or of its product. Names are compared loosely (case, and one
// containing the other: "Example Networks PSIRT <psirt@…>" is "Example
// Networks").
func isSupplier(author string, t *Target) bool {
	a := strings.ToLower(strings.TrimSpace(author))
	if a == "" {
		return false
	}
	for _, s := range []string{t.Supplier, t.ProductSupplier} {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && (strings.Contains(a, s) || strings.Contains(s, a)) {
			return true
		}
	}
	return false
}
