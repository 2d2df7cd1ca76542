package relevance

import (
	"context"
	"encoding/json"
	"errors"
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

// KindAlert is the alert kind this package raises.
const KindAlert = "vulnerability"

// notify claims each pending (organization, asset, vulnerability) in
// vuln_alerts_sent — the primary key makes the claim atomic even with
// several hub nodes — and raises one alert per organization for what it
// claimed. What was claimed before is not alerted again, with one
// exception: a finding alerted before it was known exploited is claimed a
// second time (exploited 0 → 1, as atomic as the first claim) when a
// known-exploited catalog lists it, and alerted as an escalation.
func (s *Service) notify(ctx context.Context, hits int, pend []pendingAlert) (Outcome, error) {
	out := Outcome{Hits: hits}
	if len(pend) == 0 {
		return out, nil
	}
	now := s.now()
	cs := make([]store.VulnClaim, len(pend))
	for i, p := range pend {
		cs[i] = store.VulnClaim{Org: p.org, Asset: p.asset, Vulnerability: p.f.Vulnerability, Exploited: p.f.KnownExploited}
	}
	isNew, isEscalation, err := s.DB.ClaimVulnAlerts(ctx, cs, now)
	if err != nil {
		return out, err
	}
	var claimed []pendingAlert
	escalated := map[claimKey]bool{}
	for i, p := range pend {
		if isNew[i] || isEscalation[i] {
			claimed = append(claimed, p)
		}
		if isEscalation[i] {
			escalated[claimKey{p.org, p.asset, p.f.Vulnerability}] = true
		}
	}
	byOrg := map[string][]pendingAlert{}
	var orgs []string
	for _, p := range claimed {
		if _, ok := byOrg[p.org]; !ok {
			orgs = append(orgs, p.org)
		}
		byOrg[p.org] = append(byOrg[p.org], p)
	}
	sort.Strings(orgs)
	var firstErr error
	raised := map[int64][]store.VulnClaim{}
	for _, org := range orgs {
		ps := byOrg[org]
		fs := make([]vuln.Finding, len(ps))
		for i, p := range ps {
			fs[i] = p.f
		}
		vuln.SortFindings(fs) // the most urgent first: it names the alert
		for i, f := range fs {
			ps[i] = pendingAlert{org: org, asset: f.Asset, f: f}
		}
		a, err := s.message(ctx, org, ps, escalated)
		if err == nil {
			var id int64
			id, err = s.Alerts.Raise(ctx, a)
			if err == nil {
				out.Alerts++
				out.Orgs = append(out.Orgs, org)
				for _, p := range ps {
					raised[id] = append(raised[id], store.VulnClaim{Org: p.org, Asset: p.asset, Vulnerability: p.f.Vulnerability})
				}
				continue
			}
		}
		// Release the claims, so that the next addition tries again: a new
		// claim is deleted, an escalation is set back to not exploited.
		for _, p := range ps {
			c := store.VulnClaim{Org: org, Asset: p.asset, Vulnerability: p.f.Vulnerability}
			if rerr := s.DB.ReleaseVulnAlert(context.WithoutCancel(ctx), c, escalated[claimKey{org, p.asset, p.f.Vulnerability}]); rerr != nil {
				s.Log.Warn("release the claim of a vulnerability alert", "org", org, "err", rerr)
			}
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("alert %s: %w", org, err)
		}
	}
	// The alert ids, for the record, in one transaction (one sync, not one
	// per row); an escalation's alert replaces the first alert's id.
	if err := s.DB.SetVulnAlertIDs(ctx, raised); err != nil {
		s.Log.Warn("record the ids of vulnerability alerts", "err", err)
	}
	return out, firstErr
}

// claimKey is a row of vuln_alerts_sent: organization, asset, vulnerability.
type claimKey struct{ org, asset, vulnerability string }

// assetLabel says what an asset is.
type assetLabel struct {
	name     i18n.Message // "VPN装置 Example SecureGate (203.0.113.7)", in the reader's language
	short    string       // "SecureGate (203.0.113.7)" for Japanese titles
	shortEN  string       // "SecureGate at 203.0.113.7"
	isDevice bool
	kind     string // the connection point's kind, for the catalog
}

// KindLabel names a connection-point kind in a language ("ja" or "en").
func KindLabel(kind, lang string) string {
	return i18n.M("vuln.kind." + kind).In(lang)
}

func (s *Service) label(ctx context.Context, org, asset string) assetLabel {
	if id, ok := strings.CutPrefix(asset, "cp-"); ok {
		c, err := s.DB.ConnectionPoint(ctx, id)
		if err == nil && c.OrgID == org {
			name := c.Vendor + " " + c.Product
			kind := i18n.Ref(i18n.M("vuln.kind." + c.Kind))
			l := assetLabel{isDevice: true, kind: c.Kind, name: i18n.M("alert.vuln.asset.device", kind, name), short: c.Product, shortEN: c.Product}
			if c.Address != "" {
				l.name = i18n.M("alert.vuln.asset.device.at", kind, name, c.Address)
				l.short += " (" + c.Address + ")"
				l.shortEN += " at " + c.Address
			}
			return l
		}
	}
	if id, ok := strings.CutPrefix(asset, "sbom-"); ok {
		name, err := s.DB.SBOMName(ctx, org, id)
		if err == nil {
			return assetLabel{name: i18n.M("alert.vuln.asset.sbom", name), short: name, shortEN: name}
		} else if !errors.Is(err, store.ErrNotFound) {
			s.Log.Warn("asset label", "org", org, "asset", asset, "err", err)
		}
	}
	return assetLabel{name: i18n.M("alert.text", asset), short: asset, shortEN: asset}
}

// message writes one organization's alert: a title naming the most urgent
// finding, and a body listing every finding with the device or product,
// component, version, vulnerability, known exploitation and due date,
// EPSS, the fixed version and what to do, as catalog messages rendered in
// each reader's language. Findings in escalated were alerted before and
// are now known exploited: the title says so when it names one, and the
// body for each of them.
func (s *Service) message(ctx context.Context, org string, ps []pendingAlert, escalated map[claimKey]bool) (store.Alert, error) {
	labels := map[string]assetLabel{}
	for _, p := range ps {
		if _, ok := labels[p.asset]; !ok {
			labels[p.asset] = s.label(ctx, org, p.asset)
		}
	}
	title := s.title(org, ps, labels, escalated)
	var body []i18n.Message
	for i, p := range ps {
		if i > 0 {
			body = append(body, alert.Blank)
		}
		body = append(body, findingLines(i+1, labels[p.asset], p.f, escalated[claimKey{org, p.asset, p.f.Vulnerability}])...)
	}
	findings := make([]vuln.Finding, len(ps))
	for i, p := range ps {
		findings[i] = p.f
	}
	data, err := json.Marshal(map[string]any{"findings": findings})
	if err != nil {
		return store.Alert{}, err
	}
	return store.Alert{
		OrgID: org, Kind: KindAlert, Severity: severity(ps), TitleKey: title.Key, TitleParams: title.Params,
		BodyMsgs:  alert.Lines(body...),
		ObjectRef: ps[0].f.Vulnerability, Subject: ps[0].f.Vulnerability + " " + ps[0].asset, Data: string(data),
	}, nil
}

// title names an alert's most urgent finding: the device (its kind, in the
// reader's language) or product, the vulnerability, whether it is known
// exploited or only possibly affects the version, how many more findings
// the alert holds, and whether it escalates one alerted before.
func (s *Service) title(org string, ps []pendingAlert, labels map[string]assetLabel, escalated map[claimKey]bool) i18n.Message {
	top := ps[0].f
	l := labels[ps[0].asset]
	variant := "affected"
	if top.KnownExploited {
		variant = "exploited"
	}
	kind := ""
	if l.isDevice {
		variant += ".device"
		kind = i18n.Ref(i18n.M("vuln.kind." + l.kind))
	}
	var pre, possibly, more string
	if escalated[claimKey{org, ps[0].asset, top.Vulnerability}] {
		pre = i18n.Ref(i18n.M("alert.vuln.escalated"))
	}
	if top.Status == vuln.StatusPossibly {
		possibly = i18n.Ref(i18n.M("alert.vuln.possibly"))
	}
	if n := len(ps) - 1; n > 0 {
		more = i18n.Ref(i18n.M("alert.vuln.more", strconv.Itoa(n)))
	}
	main := i18n.Ref(i18n.M("alert.vuln.main."+variant, kind, l.short, l.shortEN, top.Vulnerability))
	return i18n.M("alert.vuln", pre, main, possibly, more)
}

// severities are the severities the catalog names (severity.*).
var severities = []string{"info", "low", "medium", "high", "critical"}

// findingLines are the body lines of finding n: what it is, which of the
// organization's assets, how bad, and what to do by when. The figures are
// the same in every language.
func findingLines(n int, l assetLabel, f vuln.Finding, escalated bool) []i18n.Message {
	lines := []i18n.Message{i18n.M("alert.vuln.body.item", strconv.Itoa(n), f.Vulnerability)}
	if escalated {
		lines = append(lines, i18n.M("alert.vuln.body.escalated"))
	}
	lines = append(lines, i18n.M("alert.vuln.body.asset", i18n.Ref(l.name)))
	if f.Kind == "component" {
		lines = append(lines, i18n.M("alert.vuln.body.component", f.Component, f.Version))
	} else if f.Version != "" {
		lines = append(lines, i18n.M("alert.vuln.body.version", f.Version))
	}
	if len(f.Aliases) > 0 {
		lines = append(lines, i18n.M("alert.vuln.body.aliases", strings.Join(f.Aliases, ", ")))
	}
	if f.Severity != "" {
		sev := f.Severity
		if w := strings.ToLower(f.Severity); slices.Contains(severities, w) {
			sev = i18n.Ref(i18n.M("severity." + w))
		}
		if f.CVSSScore > 0 {
			lines = append(lines, i18n.M("alert.vuln.body.severity.cvss", sev, fmt.Sprintf("%.1f", f.CVSSScore)))
		} else {
			lines = append(lines, i18n.M("alert.vuln.body.severity", sev))
		}
	}
	if f.KnownExploited {
		var added, ransom string
		if f.KEVDateAdded != "" {
			added = i18n.Ref(i18n.M("alert.vuln.body.kev.added", f.KEVDateAdded))
		}
		if f.Ransomware {
			ransom = i18n.Ref(i18n.M("alert.vuln.body.kev.ransomware"))
		}
		lines = append(lines, i18n.M("alert.vuln.body.kev", added, ransom))
		if f.KEVDueDate != "" {
			lines = append(lines, i18n.M("alert.vuln.body.due", f.KEVDueDate))
		}
	}
	if f.EPSS != nil {
		if f.EPSSPercentile != nil {
			lines = append(lines, i18n.M("alert.vuln.body.epss.top", fmt.Sprintf("%.3f", *f.EPSS), fmt.Sprintf("%.0f", 100-100**f.EPSSPercentile)))
		} else {
			lines = append(lines, i18n.M("alert.vuln.body.epss", fmt.Sprintf("%.3f", *f.EPSS)))
		}
	}
	if f.FixedVersion != "" {
		lines = append(lines, i18n.M("alert.vuln.body.fixed", f.FixedVersion))
	}
	var todo i18n.Message
	switch {
	case f.Status == vuln.StatusPossibly && f.FixedVersion != "":
		todo = i18n.M("alert.vuln.todo.possibly.fixed", f.Component, f.FixedVersion)
	case f.Status == vuln.StatusPossibly:
		todo = i18n.M("alert.vuln.todo.possibly", f.Component)
	case f.FixedVersion != "":
		todo = i18n.M("alert.vuln.todo.upgrade", f.Component, f.Version, f.FixedVersion)
	default:
		todo = i18n.M("alert.vuln.todo.nofix")
	}
	by := ""
	if f.KnownExploited && f.KEVDueDate != "" {
		by = i18n.Ref(i18n.M("alert.vuln.todo.by", f.KEVDueDate))
	}
	return append(lines, i18n.M("alert.vuln.body.todo", i18n.Ref(todo), by))
}

func severity(ps []pendingAlert) string {
	best := 0
	for _, p := range ps {
		if p.f.KnownExploited {
			return "critical"
		}
		r := advisory.Severity(p.f.Severity).Rank()
		if r == 0 {
			r = 3 // unknown severity: medium, so that it is not buried
		}
		best = max(best, r)
	}
	return map[int]string{1: "info", 2: "low", 3: "medium", 4: "high", 5: "critical"}[best]
}
