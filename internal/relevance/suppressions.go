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
	"strconv"
	"strings"

	"renkei/internal/alert"
	"renkei/internal/i18n"
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
		var body []i18n.Message
		for i, f := range fs {
			by := f.SuppressedBy
			status := i18n.Ref(i18n.M("alert.text", by.Status))
			if by.Status == "not_affected" || by.Status == "fixed" {
				status = i18n.Ref(i18n.M("alert.vex." + by.Status))
			}
			reason := ""
			if r := cmp.Or(by.Justification, by.Impact); r != "" {
				reason = i18n.Ref(i18n.M("alert.vuln.suppressed.reason", r))
			}
			body = append(body,
				i18n.M("alert.vuln.suppressed.item", strconv.Itoa(i+1), f.Vulnerability),
				i18n.M("alert.vuln.body.asset", i18n.Ref(s.label(ctx, org, f.Asset).name)),
				i18n.M("alert.vuln.suppressed.statement", by.Author, status, reason),
				alert.Blank)
		}
		body = append(body, i18n.M("alert.vuln.suppressed.todo"))
		top := fs[0]
		data, _ := json.Marshal(map[string]any{"suppressed": fs})
		more := ""
		if len(fs) > 1 {
			more = i18n.Ref(i18n.M("alert.vuln.more", strconv.Itoa(len(fs)-1)))
		}
		title := i18n.M("alert.vuln.suppressed", top.Vulnerability, top.SuppressedBy.Author, more)
		raise(org, fs, store.Alert{OrgID: org, Kind: KindSuppressionAlert, Severity: "high", TitleKey: title.Key, TitleParams: title.Params,
			BodyMsgs: alert.Lines(body...), ObjectRef: top.Vulnerability, Data: string(data)})
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
	var body []i18n.Message
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
		body = append(body, i18n.M("alert.vuln.suppressed.center.line", v, strings.Join(authors, ", "), strconv.Itoa(len(a.orgs)), strconv.Itoa(a.assets), strings.Join(secs, ", ")))
	}
	body = append(body, alert.Blank, i18n.M("alert.vuln.suppressed.center.todo"))
	data, _ := json.Marshal(map[string]any{"vulnerabilities": vulns, "members": members, "assets": len(lost)})
	title := i18n.M("alert.vuln.suppressed.center", vulns[0], strconv.Itoa(members))
	return store.Alert{OrgID: center, Kind: KindSuppressionAlert, Severity: "high", TitleKey: title.Key, TitleParams: title.Params,
		BodyMsgs: alert.Lines(body...), ObjectRef: vulns[0], Data: string(data)}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
