package client_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"renkei/internal/api"
	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/store/storetest"
)

// TestClientRequestListDecide runs the approvals workflow through the typed
// client against the real API on each store: a handler files, an overseer
// lists and decides, others are refused, and every step lands in the audit
// log.
func TestClientRequestListDecide(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			b, err := hub.Bootstrap(ctx, db, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			ha := hubtest.App(t, db, hubtest.WithAudit())
			srv := httptest.NewServer((&api.Server{App: ha, MaxBody: 1 << 20}).Handler())
			defer srv.Close()
			op, err := hub.AddOrg(ctx, db, "Minato Water Works", "operator", "water", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			token := map[string]string{}
			for _, u := range []struct{ login, org, role string }{
				{"handler", b.Center.ID, "handler"}, {"iinkai", b.Center.ID, "overseer"}, {"water", op.ID, "analyst"},
			} {
				_, err := hub.AddUser(ctx, db, u.login, u.org, u.role, "", time.Now())
				if u.role == "overseer" { // the committee's first member, in its own organization
					_, _, err = hub.BootstrapCommittee(ctx, db, "Oversight Committee", u.login, "test", time.Now())
				}
				if err != nil {
					t.Fatal(err)
				}
				if token[u.login], _, err = hub.CreateToken(ctx, db, u.login, "t", 0, false, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			as := func(login string) *client.Client { return &client.Client{Hub: srv.URL, Token: token[login]} }

			req := client.ApprovalRequest{Kind: "access-neutralization", LegalBasis: "Art. 36", Target: "C2 203.0.113.7",
				Justification: "botnet", ValidFrom: time.Now(), ValidUntil: time.Now().Add(72 * time.Hour)}
			a, err := as("handler").RequestApproval(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != "pending" || a.ID == 0 {
				t.Fatalf("filed: %+v", a)
			}
			bad := req
			bad.Justification = ""
			var ae *client.APIError
			if _, err := as("handler").RequestApproval(ctx, bad); !errors.As(err, &ae) || ae.Status != 400 {
				t.Errorf("a request without justification: %v, want 400", err)
			}
			if _, err := as("water").RequestApproval(ctx, req); !errors.As(err, &ae) || ae.Status != 403 {
				t.Errorf("a member files: %v, want 403", err)
			}
			if _, err := as("water").Approvals(ctx, ""); !errors.As(err, &ae) || ae.Status != 403 {
				t.Errorf("a member lists: %v, want 403", err)
			}
			pending, err := as("iinkai").Approvals(ctx, "pending")
			if err != nil || len(pending) != 1 || pending[0].ID != a.ID {
				t.Fatalf("pending: %v %+v", err, pending)
			}
			if _, err := as("handler").DecideApproval(ctx, a.ID, true, "self-approval"); !errors.As(err, &ae) || ae.Status != 403 {
				t.Errorf("a handler decides: %v, want 403", err)
			}
			d, err := as("iinkai").DecideApproval(ctx, a.ID, true, "necessary and proportionate")
			if err != nil || d.Status != "approved" || d.DecidedBy != "iinkai" || d.AuditIndex <= a.AuditIndex {
				t.Fatalf("decide: %v %+v", err, d)
			}
			if _, err := as("iinkai").DecideApproval(ctx, a.ID, false, "again"); !errors.As(err, &ae) || ae.Status != 409 {
				t.Errorf("deciding twice: %v, want 409", err)
			}
			if _, err := (&client.Client{Hub: srv.URL, Token: "rk_wrong"}).Approvals(ctx, ""); !errors.As(err, &ae) || ae.Status != 401 {
				t.Errorf("a wrong token: %v, want 401", err)
			}
		})
	}
}
