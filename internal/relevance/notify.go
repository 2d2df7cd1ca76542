package relevance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

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

// assetLabel says what an asset is, in both languages.
type assetLabel struct {
	ja, en   string // "VPN装置 Example SecureGate (203.0.113.7)"
	short    string // "SecureGate (203.0.113.7)" for titles
	shortEN  string // "SecureGate at 203.0.113.7"
	isDevice bool
	kindJA   string
	kind     string // the connection point's kind, for the catalog
}

var kindJA = map[string]string{
	"vpn": "VPN装置", "firewall": "ファイアウォール", "remote-desktop": "リモートデスクトップゲートウェイ",
	"mail-gateway": "メールゲートウェイ", "web-gateway": "Webゲートウェイ", "other": "接続機器",
}

var kindEN = map[string]string{
	"vpn": "VPN appliance", "firewall": "firewall", "remote-desktop": "remote desktop gateway",
	"mail-gateway": "mail gateway", "web-gateway": "web gateway", "other": "device",
}

// KindLabel names a connection-point kind in a language ("ja" or "en").
func KindLabel(kind, lang string) string {
	if lang == "ja" {
		return kindJA[kind]
	}
	return kindEN[kind]
}

func (s *Service) label(ctx context.Context, org, asset string) assetLabel {
	if id, ok := strings.CutPrefix(asset, "cp-"); ok {
		n, _ := strconv.ParseInt(id, 10, 64)
		c, err := s.DB.ConnectionPoint(ctx, n)
		if err == nil && c.OrgID == org {
			name := c.Vendor + " " + c.Product
			l := assetLabel{isDevice: true, kind: c.Kind, kindJA: kindJA[c.Kind], ja: kindJA[c.Kind] + " " + name, en: kindEN[c.Kind] + " " + name, short: c.Product, shortEN: c.Product}
			if c.Address != "" {
				l.ja += " (" + c.Address + ")"
				l.en += " at " + c.Address
				l.short += " (" + c.Address + ")"
				l.shortEN += " at " + c.Address
			}
			return l
		}
	}
	if id, ok := strings.CutPrefix(asset, "sbom-"); ok {
		n, _ := strconv.ParseInt(id, 10, 64)
		name, err := s.DB.SBOMName(ctx, org, n)
		if err == nil {
			return assetLabel{ja: "登録製品 " + name, en: "registered product " + name, short: name, shortEN: name}
		} else if !errors.Is(err, store.ErrNotFound) {
			s.Log.Warn("asset label", "org", org, "asset", asset, "err", err)
		}
	}
	return assetLabel{ja: asset, en: asset, short: asset, shortEN: asset}
}

// message writes one organization's alert: a title in Japanese and
// English naming the most urgent finding, and a body listing every finding
// with the device or product, component, version, vulnerability, known
// exploitation and due date, EPSS, the fixed version and what to do.
// Findings in escalated were alerted before and are now known exploited:
// the title says so when it names one, and the body for each of them.
func (s *Service) message(ctx context.Context, org string, ps []pendingAlert, escalated map[claimKey]bool) (store.Alert, error) {
	labels := map[string]assetLabel{}
	for _, p := range ps {
		if _, ok := labels[p.asset]; !ok {
			labels[p.asset] = s.label(ctx, org, p.asset)
		}
	}
	title := s.title(org, ps, labels, escalated)
	var ja, en strings.Builder
	for i, p := range ps {
		esc := escalated[claimKey{org, p.asset, p.f.Vulnerability}]
		writeJA(&ja, i+1, labels[p.asset], p.f, esc)
		writeEN(&en, i+1, labels[p.asset], p.f, esc)
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
		Body:      ja.String() + "\n---\n\n" + en.String(),
		ObjectRef: ps[0].f.Vulnerability, Data: string(data),
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

func writeJA(b *strings.Builder, n int, l assetLabel, f vuln.Finding, escalated bool) {
	fmt.Fprintf(b, "%d. %s\n", n, f.Vulnerability)
	if escalated {
		fmt.Fprintln(b, "   既知の悪用に追加: 以前にお知らせした脆弱性で、悪用が確認されました。直ちに対応してください。")
	}
	fmt.Fprintf(b, "   対象: %s\n", l.ja)
	if f.Kind == "component" {
		fmt.Fprintf(b, "   コンポーネント: %s %s\n", f.Component, f.Version)
	} else if f.Version != "" {
		fmt.Fprintf(b, "   バージョン: %s\n", f.Version)
	}
	if len(f.Aliases) > 0 {
		fmt.Fprintf(b, "   別名: %s\n", strings.Join(f.Aliases, ", "))
	}
	if f.Severity != "" {
		sev := f.Severity
		if f.CVSSScore > 0 {
			sev += fmt.Sprintf(" (CVSS %.1f)", f.CVSSScore)
		}
		fmt.Fprintf(b, "   深刻度: %s\n", sev)
	}
	if f.KnownExploited {
		line := "   悪用: 確認済み（CISA KEV"
		if f.KEVDateAdded != "" {
			line += " " + f.KEVDateAdded + " 追加"
		}
		line += "）"
		if f.Ransomware {
			line += "、ランサムウェアでの悪用あり"
		}
		fmt.Fprintln(b, line)
		if f.KEVDueDate != "" {
			fmt.Fprintf(b, "   対応期限: %s\n", f.KEVDueDate)
		}
	}
	if f.EPSS != nil {
		fmt.Fprintf(b, "   EPSS: %.3f（30日以内に悪用される確率の推定", *f.EPSS)
		if f.EPSSPercentile != nil {
			fmt.Fprintf(b, "、上位 %.0f%%", 100-100**f.EPSSPercentile)
		}
		fmt.Fprintln(b, "）")
	}
	if f.FixedVersion != "" {
		fmt.Fprintf(b, "   修正版: %s\n", f.FixedVersion)
	}
	var todo string
	switch {
	case f.Status == vuln.StatusPossibly:
		todo = "影響を受ける可能性があります。情報源はバージョンを示していないため、稼働中のバージョンを確認してください。"
		if f.FixedVersion != "" {
			todo += f.FixedVersion + " 以降で修正されています。"
		}
	case f.FixedVersion != "":
		todo = fmt.Sprintf("%s を %s から %s 以降に更新してください。", f.Component, f.Version, f.FixedVersion)
	default:
		todo = "修正版は公開されていません。ベンダーの緩和策を適用するか、使用を停止してください。"
	}
	if f.KnownExploited && f.KEVDueDate != "" {
		todo += f.KEVDueDate + " までに対応してください。"
	}
	fmt.Fprintf(b, "   対応: %s\n\n", todo)
}

func writeEN(b *strings.Builder, n int, l assetLabel, f vuln.Finding, escalated bool) {
	fmt.Fprintf(b, "%d. %s\n", n, f.Vulnerability)
	if escalated {
		fmt.Fprintln(b, "   Now known exploited: you were alerted to this vulnerability before; it is now exploited in the wild. Act at once.")
	}
	fmt.Fprintf(b, "   Affected: %s\n", l.en)
	if f.Kind == "component" {
		fmt.Fprintf(b, "   Component: %s %s\n", f.Component, f.Version)
	} else if f.Version != "" {
		fmt.Fprintf(b, "   Version: %s\n", f.Version)
	}
	if len(f.Aliases) > 0 {
		fmt.Fprintf(b, "   Also known as: %s\n", strings.Join(f.Aliases, ", "))
	}
	if f.Severity != "" {
		sev := f.Severity
		if f.CVSSScore > 0 {
			sev += fmt.Sprintf(" (CVSS %.1f)", f.CVSSScore)
		}
		fmt.Fprintf(b, "   Severity: %s\n", sev)
	}
	if f.KnownExploited {
		line := "   Known exploited: yes (CISA KEV"
		if f.KEVDateAdded != "" {
			line += ", added " + f.KEVDateAdded
		}
		line += ")"
		if f.Ransomware {
			line += ", used in ransomware campaigns"
		}
		fmt.Fprintln(b, line)
		if f.KEVDueDate != "" {
			fmt.Fprintf(b, "   Due date: %s\n", f.KEVDueDate)
		}
	}
	if f.EPSS != nil {
		fmt.Fprintf(b, "   EPSS: %.3f", *f.EPSS)
		if f.EPSSPercentile != nil {
			fmt.Fprintf(b, " (percentile %.2f)", *f.EPSSPercentile)
		}
		fmt.Fprintln(b)
	}
	if f.FixedVersion != "" {
		fmt.Fprintf(b, "   Fixed in: %s\n", f.FixedVersion)
	}
	fmt.Fprintf(b, "   What to do: %s\n\n", f.Action)
}
