package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"renkei/internal/client"
	"renkei/internal/hubtest"
	"renkei/internal/store/storetest"
)

// TestCommitteeIndependentOfOperator plays issue 21's case against the API:
// the hub's administrator makes an overseer account and files a request.
// The account stays pending until a member of the committee confirms it (the
// administrator cannot), and once active it still may not decide the
// administrator's request, which a member unrelated to it decides.
func TestCommitteeIndependentOfOperator(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := hubtest.New(t, kind, hubtest.WithAudit())
			now := h.Now.UTC()
			h.User("admin2", h.Center().Name, "admin")
			h.Overseer("chair") // the committee's first member
			committee, _ := h.DB.CommitteeOrg(ctx)
			s := serve(t, h)
			admin, chair := s.as("admin2"), s.as("chair")
			// Overseers belong to the committee's organization only.
			if _, err := admin.AddUser(ctx, client.UserRequest{Login: "ov-center", Org: h.Center().ID, Role: "overseer"}); status(err) != 403 {
				t.Fatalf("the admin makes an overseer of the center: %v, want 403", err)
			}
			u, err := admin.AddUser(ctx, client.UserRequest{Login: "newbie", Org: committee.ID, Role: "overseer"})
			if err != nil || !u.Pending {
				t.Fatalf("the admin makes a member's account: %v %+v", err, u)
			}
			// Pending: its token does not work, and the admin cannot confirm it.
			newbie := s.as("newbie")
			if _, err := newbie.Me(ctx); status(err) != 401 {
				t.Fatalf("a pending overseer's token: %v, want 401", err)
			}
			if _, err := admin.ConfirmMember(ctx, "newbie"); status(err) != 403 {
				t.Fatalf("the admin confirms a member: %v, want 403", err)
			}
			before, _ := h.Audit.Size(ctx)
			m, err := chair.ConfirmMember(ctx, "newbie")
			if err != nil || m.Password == "" || m.ConfirmedBy != "chair" {
				t.Fatalf("a member confirms: %v %+v", err, m)
			}
			if waitSize(t, h.Audit, before+1) <= before {
				t.Fatal("the confirmation is not in the log")
			}
			if _, err := newbie.Me(ctx); err != nil {
				t.Fatalf("the confirmed member: %v", err)
			}
			// The admin requests; the account the admin created may not decide.
			a, err := admin.RequestApproval(ctx, client.ApprovalRequest{Kind: "collection-committee", LegalBasis: "Art. 32",
				Target: "transit at IX-Tokyo", Justification: "C2", ValidFrom: now, ValidUntil: now.Add(30 * 24 * time.Hour)})
			if err != nil {
				t.Fatalf("file: %v", err)
			}
			if _, err := newbie.DecideApproval(ctx, a.ID, true, "fine"); status(err) != 403 || !strings.Contains(description(err), "created by the requester") {
				t.Fatalf("an account the requester created decides: %v", err)
			}
			if d, err := chair.DecideApproval(ctx, a.ID, true, "proportionate"); err != nil || d.Status != "approved" {
				t.Fatalf("an unrelated member decides: %v %+v", err, d)
			}
			if _, err := admin.RevokeApproval(ctx, a.ID, "mine"); status(err) != 403 {
				t.Fatalf("the admin revokes: %v", err)
			}
			if r, err := chair.RevokeApproval(ctx, a.ID, "ended"); err != nil || r.Status != "revoked" || r.InForce {
				t.Fatalf("the committee revokes: %v %+v", err, r)
			}
		})
	}
}
