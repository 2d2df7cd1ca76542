package cases

import (
	"context"
	"fmt"

	"renkei/internal/auth"
)

// Demo opens the center's case on an incident for the demo data, assigns it
// to analyst and records a shared step, so the reporting organization sees
// what the center did with its report. It returns the case's public id;
// incident is the incident's.
func (s *Service) Demo(ctx context.Context, analyst string, incident string) (string, error) {
	u, err := s.DB.UserByLogin(ctx, analyst)
	if err != nil {
		return "", fmt.Errorf("cases demo: %w", err)
	}
	o, err := s.DB.Org(ctx, u.OrgID)
	if err != nil {
		return "", fmt.Errorf("cases demo: %w", err)
	}
	c := auth.Caller{User: u, Org: o}
	k, err := s.Open(ctx, c, Case{Title: "ランサムウェア対応支援 / Ransomware response support", Severity: "high", Source: "report:" + incident, Assignee: analyst})
	if err != nil {
		return "", fmt.Errorf("cases demo: %w", err)
	}
	if _, err := s.Do(ctx, c, k.PublicID, Act{Status: "responding", Shared: true,
		Note: "VPN装置の侵害痕跡の確認手順を送付しました。/ We sent the steps to check the VPN appliance for compromise."}); err != nil {
		return k.PublicID, fmt.Errorf("cases demo: %w", err)
	}
	_, err = s.Do(ctx, c, k.PublicID, Act{Note: "Hunting package for energy and water sectors prepared.", Link: &Link{Kind: "org", Ref: o.ID}})
	return k.PublicID, err
}
