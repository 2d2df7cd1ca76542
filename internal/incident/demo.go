package incident

import (
	"context"
	"fmt"
	"time"

	"renkei/internal/jst"
)

// Demo plays step 4 of the story for the demo data: the water utility's
// analyst (operator) registers two critical computers and files a ransomware
// incident owing the Art. 5 and personal-data reports, with a follow-up; a
// second operator (other) files a DDoS incident whose initial report is now
// overdue. It returns the incidents' public ids (water's first). s.Now must be the
// demo's clock; the users must exist.
func (s *Service) Demo(ctx context.Context, operator, other string) ([]string, error) {
	now := s.Now().UTC()
	op, err := Caller(ctx, s.DB, operator)
	if err != nil {
		return nil, fmt.Errorf("incident demo: %w", err)
	}
	scada, err := s.Register(ctx, op, Computer{Name: "浄水場監視制御システム / Purification SCADA master", Function: "purification plant control",
		Location: "Bayside purification plant", Vendor: "Yokogawa", Product: "CENTUM VP R6.10", Ministry: "国土交通省 / MLIT"})
	if err != nil {
		return nil, fmt.Errorf("incident demo: %w", err)
	}
	if _, err := s.Register(ctx, op, Computer{Name: "料金システム / Billing", Function: "customer billing", Vendor: "Fujitsu", Product: "GLOVIA", Ministry: "国土交通省 / MLIT"}); err != nil {
		return nil, fmt.Errorf("incident demo: %w", err)
	}
	yes, no := true, false
	detected := now.Add(-20 * time.Hour).In(jst.Zone).Format(time.RFC3339)
	r, err := s.File(ctx, op, Filing{Duties: []string{"art5", "personal-data"}, Type: "art5", Stage: "initial", Category: "ransomware",
		Title:           "浄水場監視端末でのランサムウェア / Ransomware on plant monitoring terminals",
		WhatHappened:    "監視端末2台のファイルが暗号化され、脅迫文が残された。制御系への影響は確認されていない。/ Files on two monitoring terminals were encrypted and a ransom note left; no effect on control seen.",
		SystemsAffected: "monitoring terminals MT-03, MT-07", CriticalComputer: scada.PublicID, ServiceImpact: "none to water supply",
		DetectedAt: detected, CurrentStatus: "contained", Indicators: []string{"198.51.100.23", "update-check.example"},
		TLP: "amber", Consent: "center",
		Details: Details{Family: "LockBit 3.0", InitialAccess: "VPN appliance (unpatched)", EncryptedHosts: 2, DataExfiltrated: &no, RansomDemanded: &yes, BackupsAvailable: &yes},
	})
	if err != nil {
		return nil, fmt.Errorf("incident demo: %w", err)
	}
	if _, err := s.File(ctx, op, Filing{Incident: r.IncidentPublicID, Type: "art5", Stage: "update", CurrentStatus: "recovered",
		WhatHappened: "端末を再構築し、VPN装置を更新した。/ Terminals rebuilt from backup; the VPN appliance was patched."}); err != nil {
		return nil, fmt.Errorf("incident demo: %w", err)
	}
	ids := []string{r.IncidentPublicID}
	oc, err := Caller(ctx, s.DB, other)
	if err != nil {
		return ids, fmt.Errorf("incident demo: %w", err)
	}
	// Filed four days ago with only the sector report; the Art. 5 initial is still owed.
	r2, err := s.File(ctx, oc, Filing{Duties: []string{"sector", "art5"}, Type: "sector", Stage: "initial", Category: "ddos",
		Title: "顧客ポータルへのDDoS / DDoS on the customer portal", WhatHappened: "UDP reflection, 38 Gbps peak, 40 minutes.",
		DetectedAt: now.Add(-100 * time.Hour).Format(time.RFC3339), CurrentStatus: "recovered", TLP: "green",
		Details: Details{PeakBPS: 38_000_000_000, AttackVectors: []string{"NTP reflection", "CLDAP reflection"}, DurationMinutes: 40, TargetServices: []string{"customer portal"}}})
	if err != nil {
		return ids, fmt.Errorf("incident demo: %w", err)
	}
	return append(ids, r2.IncidentPublicID), nil
}
