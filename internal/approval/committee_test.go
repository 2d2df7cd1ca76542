package approval_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"renkei/internal/approval"
	"renkei/internal/problem"
	"renkei/internal/store/storetest"
)

// TestEmergencyPeriodBounded: an emergency measure's period is bounded by the
// hub's configuration, whatever the requester asks; a request the committee
// decides first is not.
func TestEmergencyPeriodBounded(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s, c, now := setup(t, kind)
			measure := func(d time.Duration) approval.Request {
				return approval.Request{Kind: approval.KindMeasure, LegalBasis: "Art. 35 emergency", Target: "botnet C2 203.0.113.9",
					Justification: "ongoing attack", ValidFrom: *now, ValidUntil: now.Add(d)}
			}
			var fe problem.Problems
			// The measure of issue 21: ten years, filed as an emergency.
			if _, err := s.File(ctx, c["handler"], measure(10*365*24*time.Hour), true); !errors.As(err, &fe) || fe[0].Field != "period" {
				t.Fatalf("a ten-year emergency measure: %v", err)
			}
			if _, err := s.File(ctx, c["handler"], measure(approval.DefaultLimits.MaxEmergencyPeriod), true); err != nil {
				t.Fatalf("an emergency measure within the default limit: %v", err)
			}
			// The limit is the hub's configuration, changed through the log.
			if err := s.SetLimits(ctx, c["handler"], approval.Limits{MaxEmergencyPeriod: 72 * time.Hour, PostNotification: 48 * time.Hour}); err != nil {
				t.Fatal(err)
			}
			if l, err := approval.ReadLimits(ctx, s.DB); err != nil || l.MaxEmergencyPeriod != 72*time.Hour || l.PostNotification != 48*time.Hour {
				t.Fatalf("limits read back: %+v %v", l, err)
			}
			if _, err := s.File(ctx, c["handler"], measure(96*time.Hour), true); !errors.As(err, &fe) || fe[0].Field != "period" {
				t.Fatalf("a four-day emergency measure under a 72h limit: %v", err)
			}
			// A start in the future does not stretch it: the measure runs from now.
			late := measure(0)
			late.ValidFrom, late.ValidUntil = now.Add(48*time.Hour), now.Add(96*time.Hour)
			if _, err := s.File(ctx, c["handler"], late, true); !errors.As(err, &fe) || fe[0].Field != "period" {
				t.Fatalf("an emergency measure starting later: %v", err)
			}
			a, err := s.File(ctx, c["handler"], measure(48*time.Hour), true)
			if err != nil || !a.NotifyDue.Equal(now.Add(48*time.Hour)) {
				t.Fatalf("a two-day measure: %+v %v (post-notification due after the configured 48h)", a, err)
			}
			// Requests the committee decides before anything runs are the committee's to bound.
			long := measure(365 * 24 * time.Hour)
			if _, err := s.File(ctx, c["handler"], long, false); err != nil {
				t.Fatalf("a one-year request for the committee: %v", err)
			}
		})
	}
}

// TestEmergencyMeasureLapses: an emergency measure the committee has not
// decided on by its post-notification deadline is in force no more.
func TestEmergencyMeasureLapses(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s, c, now := setup(t, kind)
			if err := s.SetLimits(ctx, c["handler"], approval.Limits{MaxEmergencyPeriod: 5 * 24 * time.Hour, PostNotification: 24 * time.Hour}); err != nil {
				t.Fatal(err)
			}
			req := approval.Request{Kind: approval.KindMeasure, LegalBasis: "Art. 35 emergency", Target: "botnet C2 203.0.113.9",
				Justification: "ongoing attack", ValidFrom: *now, ValidUntil: now.Add(4 * 24 * time.Hour)}
			undecided, err := s.File(ctx, c["handler"], req, true)
			if err != nil {
				t.Fatal(err)
			}
			decided, err := s.File(ctx, c["handler"], req, true)
			if err != nil {
				t.Fatal(err)
			}
			ref := func(a approval.Approval) string { return "approval-" + strconv.FormatInt(a.ID, 10) }
			if _, err := s.InForce(ctx, ref(undecided), approval.KindMeasure, now.Add(time.Hour)); err != nil {
				t.Fatalf("an emergency measure within its post-notification period: %v", err)
			}
			if _, err := s.Decide(ctx, c["overseer"], decided.ID, true, "necessary; confirmed after the fact"); err != nil {
				t.Fatal(err)
			}
			after := now.Add(25 * time.Hour) // past the deadline, within the period
			got, err := s.InForce(ctx, ref(undecided), approval.KindMeasure, after)
			if err == nil || !got.Lapsed(after) {
				t.Fatalf("an undecided emergency measure past its deadline is in force: %+v %v", got, err)
			}
			if _, err := s.InForce(ctx, ref(decided), approval.KindMeasure, after); err != nil {
				t.Fatalf("a measure the committee approved in time lapsed: %v", err)
			}
			// A late denial still records the committee's decision.
			*now = after
			if d, err := s.Decide(ctx, c["overseer"], undecided.ID, false, "not notified in time; not justified"); err != nil || d.Lapsed(after) {
				t.Fatalf("a late decision: %+v %v", d, err)
			}
		})
	}
}

// TestCommitteeRevokesApprovalService: the committee revokes an approval it
// granted, logged first; nobody else revokes, and a revoked approval is in
// force no more. (Collection and access: telemetry's TestCommitteeRevokesApproval.)
func TestCommitteeRevokesApprovalService(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s, c, now := setup(t, kind)
			a, err := s.File(ctx, c["handler"], approval.Request{Kind: approval.KindCollectionCommittee, LegalBasis: "Art. 32", Target: "IXP tap A",
				Justification: "C2", ValidFrom: *now, ValidUntil: now.Add(30 * 24 * time.Hour)}, false)
			if err != nil {
				t.Fatal(err)
			}
			ref := "approval-" + strconv.FormatInt(a.ID, 10)
			if _, err := s.Revoke(ctx, c["overseer"], a.ID, "premature"); err == nil {
				t.Fatal("a pending request is revoked; the committee denies it instead")
			}
			if _, err := s.Decide(ctx, c["overseer"], a.ID, true, "proportionate"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Revoke(ctx, c["handler"], a.ID, "we are done"); !errors.Is(err, approval.ErrNotAllowed) {
				t.Fatalf("a handler revokes: %v", err)
			}
			var fe problem.Problems
			if _, err := s.Revoke(ctx, c["overseer"], a.ID, " "); !errors.As(err, &fe) {
				t.Fatalf("a revocation without reasons: %v", err)
			}
			before, _ := hubOf(s).Audit.Size(ctx)
			r, err := s.Revoke(ctx, c["overseer"], a.ID, "the campaign ended")
			if err != nil || r.Status != approval.StatusRevoked || r.RevokedBy != "overseer" || r.AuditIndex < before {
				t.Fatalf("revoke: %+v %v", r, err)
			}
			if _, err := s.InForce(ctx, ref, approval.KindCollectionCommittee, now.Add(time.Hour)); err == nil {
				t.Fatal("a revoked approval is in force")
			}
			if got, _ := s.Get(ctx, ref); got.Status != approval.StatusRevoked || got.RevokeReason != "the campaign ended" {
				t.Fatalf("stored: %+v", got)
			}
			if _, err := s.Revoke(ctx, c["overseer"], a.ID, "again"); err == nil {
				t.Fatal("revoked twice")
			}
		})
	}
}
