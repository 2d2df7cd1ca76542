package advisory

import (
	"context"
	"fmt"
	"time"

	"renkei/internal/auth"
	"renkei/internal/jst"
)

// DemoVulnerability is what the demo's advisory says of the VPN appliance's
// vulnerability: the facts of the KEV entry and the vendor's advisory of
// step 5 (relevance.StoryVuln), given by the demo so that the members' KEV
// alert and the center's advisory agree. Due is the KEV due date
// (YYYY-MM-DD).
type DemoVulnerability struct {
	CVE, Vendor, Product, Fixed, Due string
}

// Demo publishes, for the demo data, an advisory on vpn to the energy and
// water sectors and the local-government and medical members (step 5 of the
// story), due at the end of the KEV due date in Japan, that the members
// named in ackers acknowledge (the first also completes), and, when
// government names an agency, a correction request to it. It returns the
// advisories' public ids.
func (s *Service) Demo(ctx context.Context, center string, ackers []string, government string, vpn DemoVulnerability) ([]string, error) {
	now := s.Now().UTC()
	dueDay, err := time.ParseInLocation("2006-01-02", vpn.Due, jst.Zone)
	if err != nil {
		return nil, fmt.Errorf("advisory demo: due date: %w", err)
	}
	product := vpn.Vendor + " " + vpn.Product
	caller := func(login string) (auth.Caller, error) {
		u, err := s.DB.UserByLogin(ctx, login)
		if err != nil {
			return auth.Caller{}, err
		}
		o, err := s.DB.Org(ctx, u.OrgID)
		return auth.Caller{User: u, Org: o}, err
	}
	c, err := caller(center)
	if err != nil {
		return nil, fmt.Errorf("advisory demo: %w", err)
	}
	a, err := s.Publish(ctx, c, Advisory{Title: "VPN装置の既知の悪用された脆弱性 / Exploited vulnerability in VPN appliances", Severity: "high",
		Body:     fmt.Sprintf("KEVに登録された %s の脆弱性 %s が国内で悪用されています。/ %s, KEV-listed in %s, is being exploited in Japan.", product, vpn.CVE, vpn.CVE, product),
		Actions:  []string{fmt.Sprintf("%s 以降へ更新 / update to %s or later", vpn.Fixed, vpn.Fixed), "VPNアカウントの認証情報を更新 / rotate VPN credentials", "侵害痕跡を確認 / check for indicators of compromise"},
		Audience: Audience{Sectors: []string{"energy", "water"}, Kinds: []string{"local-government", "medical"}},
		Due:      dueDay.Add(24*time.Hour - time.Minute)})
	if err != nil {
		return nil, fmt.Errorf("advisory demo: %w", err)
	}
	ids := []string{a.PublicID}
	for i, l := range ackers {
		m, err := caller(l)
		if err != nil {
			return ids, fmt.Errorf("advisory demo: %w", err)
		}
		if err := s.Acknowledge(ctx, m, a.PublicID); err != nil {
			return ids, fmt.Errorf("advisory demo: %s: %w", l, err)
		}
		if i == 0 {
			if err := s.Complete(ctx, m, a.PublicID, vpn.Fixed+" applied on all appliances"); err != nil {
				return ids, fmt.Errorf("advisory demo: %w", err)
			}
		}
	}
	if government != "" {
		cr, err := s.Publish(ctx, c, Advisory{Kind: KindCorrection, Title: "リモートアクセスの多要素認証 / Multi-factor authentication on remote access",
			Campaign: "令和8年度 第1回監査 / FY2026 audit 1", Findings: "VPN accounts of contractors without MFA; no log review for 90 days.",
			Actions: []string{"enforce MFA on every remote-access account", "review access logs weekly"}, Audience: Audience{Orgs: []string{government}},
			Due: now.Add(30 * 24 * time.Hour)})
		if err != nil {
			return ids, fmt.Errorf("advisory demo: %w", err)
		}
		ids = append(ids, cr.PublicID)
	}
	return ids, nil
}
