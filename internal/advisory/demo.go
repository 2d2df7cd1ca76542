package advisory

import (
	"context"
	"fmt"
	"time"

	"renkei/internal/auth"
)

// Demo publishes, for the demo data, an advisory to the energy and water
// sectors and the local-government and medical members (step 5 of the story)
// that the members named in ackers acknowledge (the first also completes),
// and, when government names an agency, a correction request to it. It
// returns the advisories' public ids.
func (s *Service) Demo(ctx context.Context, center string, ackers []string, government string) ([]string, error) {
	now := s.Now().UTC()
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
		Body:     "KEVに登録された脆弱性が国内で悪用されています。/ A KEV-listed vulnerability is being exploited in Japan.",
		Actions:  []string{"修正版 7.2.11 を適用 / apply fixed version 7.2.11", "VPNアカウントの認証情報を更新 / rotate VPN credentials", "侵害痕跡を確認 / check for indicators of compromise"},
		Audience: Audience{Sectors: []string{"energy", "water"}, Kinds: []string{"local-government", "medical"}}, Due: now.Add(7 * 24 * time.Hour)})
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
			if err := s.Complete(ctx, m, a.PublicID, "7.2.11 applied on all appliances"); err != nil {
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
