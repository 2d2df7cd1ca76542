package api_test

import (
	"context"
	"net/http"
	"testing"

	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/store/storetest"
)

// TestPartnersThroughTheAPI: the center's administrator adds a partner
// through the API and gets it back with its agreement and never a secret;
// a member's administrator is refused, and an agreement letting RED leave
// is a 400 naming the agreement.
func TestPartnersThroughTheAPI(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			h := hubtest.New(t, kind, hubtest.WithAudit())
			h.User("center-admin", h.Center().Name, "org-admin")
			h.Org("Sakura Power", "operator", "energy")
			h.User("power-admin", "Sakura Power", "org-admin")
			s := serve(t, h)
			n := client.NewPartner{Name: "cert-x", Kind: "taxii", URL: "https://taxii.example.org/api1/", Secret: "env:CERT_X_TOKEN",
				Direction: "both", Collections: []string{hub.MembersCollection}, Agreement: policy.Agreement{TLPMax: policy.Green}}

			if _, err := s.as("power-admin").AddPartner(ctx, n); status(err) != http.StatusForbidden {
				t.Fatalf("a member's administrator added a partner: %v", err)
			}
			red := n
			red.Agreement.TLPMax = policy.Red
			if _, err := s.as("center-admin").AddPartner(ctx, red); status(err) != http.StatusBadRequest {
				t.Fatalf("an agreement letting RED leave: %v, want 400", err)
			}
			p, err := s.as("center-admin").AddPartner(ctx, n)
			if err != nil || p.ID == "" || p.SecretRef != "env:CERT_X_TOKEN" {
				t.Fatalf("add: %+v %v", p, err)
			}
			ps, err := s.as("center-admin").Partners(ctx)
			if err != nil || len(ps) != 1 || ps[0].Name != "cert-x" || ps[0].Agreement.TLPMax != policy.Green {
				t.Fatalf("list: %+v %v", ps, err)
			}
			if _, err := s.as("power-admin").Partners(ctx); status(err) != http.StatusForbidden {
				t.Fatalf("a member listed the partners: %v", err)
			}
		})
	}
}
