package approval_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"renkei/internal/approval"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store/storetest"
)

func setup(t *testing.T, kind string) (*approval.Service, map[string]auth.Caller, *time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	h := hubtest.New(t, kind, hubtest.At(now), hubtest.WithAudit())
	h.App.Now = func() time.Time { return now }
	h.Org("Power Co", "operator", "energy")
	h.User("handler", h.Center().Name, "handler")
	h.User("operator", "Power Co", "analyst")
	h.Overseer("overseer")
	callers := map[string]auth.Caller{}
	for _, login := range []string{"handler", "operator", "overseer"} {
		callers[login] = h.Caller(login)
	}
	s := h.App.Approvals
	hubs.Store(s, h.Hub)
	return s, callers, &now
}

// hubs keeps the hub under each service setup made, for the tests that read
// its audit log.
var hubs sync.Map // *approval.Service → *hub.Hub

func hubOf(s *approval.Service) *hub.Hub { h, _ := hubs.Load(s); return h.(*hub.Hub) }

func TestC6ApprovalsGateCollection(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s, c, now := setup(t, kind)
			req := approval.Request{Kind: approval.KindCollectionCommittee, LegalBasis: "Art. 32 (foreign transit)", Target: "IXP tap A, transit flows",
				Justification: "C2 infrastructure", ValidFrom: now.Add(time.Hour), ValidUntil: now.Add(30 * 24 * time.Hour)}
			if _, err := s.File(ctx, c["operator"], req, false); !errors.Is(err, approval.ErrNotAllowed) {
				t.Fatalf("an operator files a collection request: %v", err)
			}
			bad := req
			bad.LegalBasis = ""
			var fe problem.Problems
			if _, err := s.File(ctx, c["handler"], bad, false); !errors.As(err, &fe) || fe[0].Field != "legal_basis" {
				t.Fatalf("missing legal basis: %v", err)
			}
			a, err := s.File(ctx, c["handler"], req, false)
			if err != nil {
				t.Fatal(err)
			}
			if a.AuditIndex == 0 && a.ID == 0 {
				t.Fatal("the request must be recorded")
			}
			ref := "approval-" + strconv.FormatInt(a.ID, 10)
			if _, err := s.InForce(ctx, ref, approval.KindCollectionCommittee, now.Add(2*time.Hour)); err == nil {
				t.Fatal("a pending request is not in force")
			}
			if _, err := s.Decide(ctx, c["handler"], a.ID, true, "ok"); !errors.Is(err, approval.ErrNotAllowed) {
				t.Fatalf("a handler decides: %v", err)
			}
			if _, err := s.Decide(ctx, c["overseer"], a.ID, true, ""); !errors.As(err, &fe) {
				t.Fatalf("a decision without reasons: %v", err)
			}
			d, err := s.Decide(ctx, c["overseer"], a.ID, true, "necessary and proportionate")
			if err != nil || d.Status != approval.StatusApproved {
				t.Fatalf("approve: %+v %v", d, err)
			}
			for _, tt := range []struct {
				at   time.Time
				want bool
			}{{now.Add(30 * time.Minute), false}, {now.Add(2 * time.Hour), true}, {now.Add(31 * 24 * time.Hour), false}} {
				_, err := s.InForce(ctx, ref, approval.KindCollectionCommittee, tt.at)
				if (err == nil) != tt.want {
					t.Errorf("in force at %s: %v", tt.at, err)
				}
			}
			if _, err := s.Decide(ctx, c["overseer"], a.ID, false, "again"); err == nil {
				t.Fatal("a decided approval is decided again")
			}
			size, _ := hubOf(s).Audit.Size(ctx)
			if size < 2 {
				t.Fatalf("request and decision must both be in the audit log; it holds %d entries", size)
			}
		})
	}
}

func TestEmergencyMeasureOpensPostNotification(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s, c, now := setup(t, kind)
			req := approval.Request{Kind: approval.KindMeasure, LegalBasis: "Art. 35 emergency", Target: "botnet C2 203.0.113.9",
				Justification: "ongoing attack on a hospital", ValidFrom: *now, ValidUntil: now.Add(48 * time.Hour)}
			col := req
			col.Kind = approval.KindCollectionAgreement
			if _, err := s.File(ctx, c["handler"], col, true); err == nil {
				t.Fatal("collection cannot be an emergency measure")
			}
			a, err := s.File(ctx, c["handler"], req, true)
			if err != nil || a.Status != approval.StatusEmergency || a.NotifyDue.IsZero() {
				t.Fatalf("emergency: %+v %v", a, err)
			}
			alerts, _, _ := s.DB.Alerts(ctx, policy.OrgAudience(s.Center, false, nil), "", 10, true)
			if len(alerts) != 1 || alerts[0].Kind != "emergency-measure" {
				t.Fatalf("the post-notification task must reach the center: %+v", alerts)
			}
			if late, _ := s.OverdueNotifications(ctx, now.Add(approval.DefaultLimits.PostNotification+time.Hour)); len(late) != 1 {
				t.Fatalf("overdue post-notifications: %d", len(late))
			}
			if _, err := s.Decide(ctx, c["overseer"], a.ID, false, "not justified; stop the measure"); err != nil {
				t.Fatal(err)
			}
			if late, _ := s.OverdueNotifications(ctx, now.Add(approval.DefaultLimits.PostNotification+time.Hour)); len(late) != 0 {
				t.Fatal("a decided emergency measure is no longer awaiting notification")
			}
		})
	}
}
