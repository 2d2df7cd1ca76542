package relevance

// A known-exploited finding that a VEX statement suppresses disappears from
// "what affects us" and from the center's exposure; nobody would notice.
// So a suppression of a KEV finding is alerted: to each affected member,
// naming who suppressed it and why, and to the center, by sector and count
// (never naming members, as the exposure view). Each alert is raised once
// per recipient and cause, however many hub nodes see the suppression: the
// causes are claimed in vuln_suppression_alerts_sent first.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"renkei/internal/store"
	"renkei/internal/vuln"
	"renkei/internal/vuln/advisory"
)

// KindSuppressionAlert is the kind of the alerts raised when a VEX
// statement suppresses a known-exploited finding.
const KindSuppressionAlert = "vulnerability-suppressed"

// suppressingIDs returns the vulnerability ids (and aliases) that
// suppressing statements of sets speak about.
func suppressingIDs(sets []*advisory.Set) []string {
	var ids []string
	seen := map[string]bool{}
	for _, set := range sets {
		for _, st := range set.Statements {
			if st.Status != advisory.StatusNotAffected && st.Status != advisory.StatusFixed {
				continue
			}
			for _, id := range append([]string{st.Vulnerability}, st.Aliases...) {
				if id != "" && !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}

// openExploited returns the known-exploited findings of ids that nothing
// suppresses now. The caller holds s.mu.
func (s *Service) openExploited(ids []string) map[claimKey]bool {
	out := map[claimKey]bool{}
	if len(ids) == 0 {
		return out
	}
	for _, f := range s.eng.VulnerabilityFindings(ids) {
		if f.KnownExploited && !f.Suppressed() && f.Org != "" {
			out[claimKey{f.Org, f.Asset, f.Vulnerability}] = true
		}
	}
	return out
}

// suppressed returns the findings of ids that were open and known
// exploited before (in before) and are suppressed now. The caller holds s.mu.
func (s *Service) suppressed(ids []string, before map[claimKey]bool) []vuln.Finding {
	if len(before) == 0 {
		return nil
	}
	var out []vuln.Finding
	for _, f := range s.eng.VulnerabilityFindings(ids) {
		if f.Suppressed() && before[claimKey{f.Org, f.Asset, f.Vulnerability}] {
			out = append(out, f)
		}
	}
	return out
}

// suppressionCause is a row of vuln_suppression_alerts_sent: who is told
// that a member's finding was suppressed, and by which statement document.
type suppressionCause = store.SuppressionCause

func causeOf(recipient string, f vuln.Finding) suppressionCause {
	return suppressionCause{Recipient: recipient, Org: f.Org, Asset: f.Asset, Vulnerability: f.Vulnerability, Document: f.SuppressedBy.Document}
}

// claimSuppressions claims, in one transaction, the causes of lost for each
// member concerned and for the center, and returns the findings claimed per
// recipient. Another node that saw the same suppression claimed them first
// when they are missing here: the primary key makes each claim atomic.
func (s *Service) claimSuppressions(ctx context.Context, center string, lost []vuln.Finding) (map[string][]vuln.Finding, error) {
	var cs []suppressionCause
	var fs []vuln.Finding
	for _, f := range lost {
		for _, r := range []string{f.Org, center} {
			if r != "" {
				cs = append(cs, causeOf(r, f))
				fs = append(fs, f)
			}
		}
	}
	ok, err := s.DB.ClaimSuppressionAlerts(ctx, cs, s.now())
	if err != nil {
		return nil, err
	}
	claimed := map[string][]vuln.Finding{}
	for i, c := range cs {
		if ok[i] {
			claimed[c.Recipient] = append(claimed[c.Recipient], fs[i])
		}
	}
	return claimed, nil
}

// claimedFor reports whether f is among the claimed findings fs.
func claimedFor(fs []vuln.Finding, f vuln.Finding) bool {
	return slices.ContainsFunc(fs, func(x vuln.Finding) bool { return causeOf("", x) == causeOf("", f) })
}

// releaseSuppressions gives back the claims of an alert that could not be
// raised, so that the next addition tries again.
func (s *Service) releaseSuppressions(ctx context.Context, recipient string, fs []vuln.Finding) {
	for _, f := range fs {
		if err := s.DB.ReleaseSuppressionAlert(context.WithoutCancel(ctx), causeOf(recipient, f)); err != nil {
			s.Log.Warn("release the claim of a suppression alert", "org", recipient, "err", err)
		}
	}
}

// alertSuppressions raises one alert per member that lost known-exploited
// findings to a suppression, and one to the center, for the causes it
// claims; it returns how many alerts were raised.
func (s *Service) alertSuppressions(ctx context.Context, lost []vuln.Finding) (int, error) {
	center := s.Center
	if center == "" {
		if c, err := s.DB.CenterOrg(ctx); err == nil {
			center = c.ID
		}
	}
	claimed, err := s.claimSuppressions(ctx, center, lost)
	if err != nil {
		return 0, err
	}
	byOrg := map[string][]vuln.Finding{}
	var orgs []string
	for _, f := range lost {
		if !claimedFor(claimed[f.Org], f) {
			continue
		}
		if _, ok := byOrg[f.Org]; !ok {
			orgs = append(orgs, f.Org)
		}
		byOrg[f.Org] = append(byOrg[f.Org], f)
	}
	sort.Strings(orgs)
	n := 0
	var firstErr error
	raise := func(recipient string, fs []vuln.Finding, a store.Alert) {
		if _, err := s.Alerts.Raise(ctx, a); err != nil {
			s.releaseSuppressions(ctx, recipient, fs)
			s.Log.Error("alert a suppressed known-exploited finding", "org", a.OrgID, "vulnerability", a.ObjectRef, "err", err)
			if firstErr == nil {
				firstErr = fmt.Errorf("alert %s of a suppression: %w", a.OrgID, err)
			}
			return
		}
		n++
	}
	for _, org := range orgs {
		fs := byOrg[org]
		vuln.SortFindings(fs)
		var ja, en strings.Builder
		for i, f := range fs {
			l := s.label(ctx, org, f.Asset)
			by := f.SuppressedBy
			fmt.Fprintf(&ja, "%d. %s（悪用が確認済み）\n   対象: %s\n   表明: %s（%s）", i+1, f.Vulnerability, l.ja, by.Author, vexWordJA[by.Status])
			fmt.Fprintf(&en, "%d. %s (known exploited)\n   Affected: %s\n   Statement: %s (%s)", i+1, f.Vulnerability, l.en, by.Author, strings.ReplaceAll(by.Status, "_", " "))
			if r := cmp.Or(by.Justification, by.Impact); r != "" {
				fmt.Fprintf(&ja, ": %s", r)
				fmt.Fprintf(&en, ": %s", r)
			}
			ja.WriteString("\n\n")
			en.WriteString("\n\n")
		}
		ja.WriteString("この表明により「影響のある脆弱性」から外れました。対応を止める前に、表明の根拠を供給者に確認してください（「すべて表示」で引き続き確認できます）。\n")
		en.WriteString("This statement took it off \"what affects us\". Confirm the grounds with the supplier before you stop acting on it (\"show all\" still lists it).\n")
		top := fs[0]
		data, _ := json.Marshal(map[string]any{"suppressed": fs})
		title := fmt.Sprintf("悪用が確認された脆弱性 %s が %s の VEX により非該当とされました", top.Vulnerability, top.SuppressedBy.Author)
		titleEN := fmt.Sprintf("Known exploited %s was suppressed by a VEX statement of %s", top.Vulnerability, top.SuppressedBy.Author)
		if len(fs) > 1 {
			title += fmt.Sprintf(" ほか%d件", len(fs)-1)
			titleEN += fmt.Sprintf(", and %d more", len(fs)-1)
		}
		raise(org, fs, store.Alert{OrgID: org, Kind: KindSuppressionAlert, Severity: "high", Title: title + " / " + titleEN,
			Body: ja.String() + "\n---\n\n" + en.String(), ObjectRef: top.Vulnerability, Data: string(data)})
	}
	if cl := claimed[center]; center != "" && len(cl) > 0 {
		members := map[string]bool{}
		for _, f := range cl {
			members[f.Org] = true
		}
		raise(center, cl, s.centerSuppressionAlert(ctx, center, cl, len(members)))
	}
	return n, firstErr
}

var vexWordJA = map[string]string{"not_affected": "影響なし", "fixed": "修正済み"}

// centerSuppressionAlert tells the center what a suppression took away:
// per vulnerability, who suppressed it, members and assets per sector.
func (s *Service) centerSuppressionAlert(ctx context.Context, center string, lost []vuln.Finding, members int) store.Alert {
	type agg struct {
		authors map[string]bool
		orgs    map[string]bool
		assets  int
	}
	byVuln := map[string]*agg{}
	var vulns []string
	for _, f := range lost {
		a, ok := byVuln[f.Vulnerability]
		if !ok {
			a = &agg{authors: map[string]bool{}, orgs: map[string]bool{}}
			byVuln[f.Vulnerability] = a
			vulns = append(vulns, f.Vulnerability)
		}
		a.authors[f.SuppressedBy.Author], a.orgs[f.Org] = true, true
		a.assets++
	}
	sort.Strings(vulns)
	sectorOf := map[string]string{}
	var ja, en strings.Builder
	for _, v := range vulns {
		a := byVuln[v]
		sectors := map[string]int{}
		for org := range a.orgs {
			sec, ok := sectorOf[org]
			if !ok {
				if o, err := s.DB.Org(ctx, org); err == nil {
					sec = o.Sector
				}
				sectorOf[org] = sec
			}
			sectors[sec]++
		}
		var secs []string
		for sec, n := range sectors {
			secs = append(secs, fmt.Sprintf("%s %d", cmp.Or(sec, "-"), n))
		}
		sort.Strings(secs)
		authors := keys(a.authors)
		fmt.Fprintf(&ja, "%s: %s の表明により、%d 会員・%d 件の資産で非表示（分野別: %s）\n", v, strings.Join(authors, ", "), len(a.orgs), a.assets, strings.Join(secs, ", "))
		fmt.Fprintf(&en, "%s: suppressed by %s for %d members, %d assets (by sector: %s)\n", v, strings.Join(authors, ", "), len(a.orgs), a.assets, strings.Join(secs, ", "))
	}
	data, _ := json.Marshal(map[string]any{"vulnerabilities": vulns, "members": members, "assets": len(lost)})
	return store.Alert{OrgID: center, Kind: KindSuppressionAlert, Severity: "high",
		Title: fmt.Sprintf("悪用が確認された脆弱性 %s の検出が VEX により %d 会員で非表示になりました / Known exploited %s was suppressed by VEX for %d members", vulns[0], members, vulns[0], members),
		Body:  ja.String() + "\n---\n\n" + en.String(), ObjectRef: vulns[0], Data: string(data)}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
