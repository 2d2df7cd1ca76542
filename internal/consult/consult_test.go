package consult_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"renkei/internal/alert/alerttest"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestConsultationHandoff: a town hall asks the center, the center hands the
// request to a support organization, which answers; the asker, the handler
// and the center see it, others do not.
func TestConsultationHandoff(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			h, cs := fixture(t, kind, true,
				[][3]string{{"Minato City", "local-government", ""}, {"Kanto Support Desk", "research", ""}, {"Kanto Electric", "operator", "energy"}},
				[][2]string{{"kanshi", ""}, {"town", "Minato City"}, {"desk", "Kanto Support Desk"}, {"denki", "Kanto Electric"}})
			v := func(l string) policy.Viewer { return h.ViewerOf(l) }
			s := h.App.Consult
			r, err := s.Ask(ctx, cs["town"], "support", "VPN appliance alert", "We got a KEV alert for our VPN. How do we check for compromise?", "")
			if err != nil {
				t.Fatal(err)
			}
			if r.HandlerOrg != h.Center().ID {
				t.Fatalf("handler %s, want the center", r.HandlerOrg)
			}
			if _, err := s.Reply(ctx, cs["desk"], r.PublicID, "answer", "x", ""); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the desk answers before the handoff: %v", err)
			}
			if _, err := s.Designate(ctx, cs["kanshi"], v("kanshi"), "support", "Kanto Support Desk"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Reply(ctx, cs["kanshi"], r.PublicID, "handoff", "", "Kanto Support Desk"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Reply(ctx, cs["town"], r.PublicID, "consent", "", ""); err != nil {
				t.Fatal(err)
			}
			got, err := s.Reply(ctx, cs["desk"], r.PublicID, "answer", "Run the vendor's integrity checker; we can visit tomorrow.", "")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != "answered" || len(got.Messages) != 4 || got.Messages[1].Kind != "handoff" || got.Messages[2].Kind != "consent" {
				t.Fatalf("thread: %+v", got)
			}
			if _, err := s.Reply(ctx, cs["town"], r.PublicID, "answer", "self-answer", ""); !errors.Is(err, hub.ErrForbidden) {
				t.Fatalf("the asker answered itself: %v", err)
			}
			for _, l := range []string{"town", "desk", "kanshi"} {
				if _, err := s.Get(ctx, v(l), r.PublicID); err != nil {
					t.Errorf("%s cannot read the request: %v", l, err)
				}
			}
			if _, err := s.Get(ctx, v("denki"), r.PublicID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("an unrelated member reads the request: %v", err)
			}
			if l, _ := s.List(ctx, v("denki"), "", 0); len(l) != 0 {
				t.Fatalf("an unrelated member lists %d", len(l))
			}
			alerts, _, _ := h.DB.Alerts(ctx, policy.OrgAudience(cs["town"].Org.ID, false, nil), "", 10, false)
			alerts = alerttest.InEveryLanguage(t, alerts)
			if len(alerts) != 2 || !strings.Contains(alerts[0].Title, "answered") {
				t.Fatalf("asker alerts %+v", alerts)
			}
			if _, err := s.Ask(ctx, cs["town"], "gossip", "", "", "Nobody"); err == nil || !strings.Contains(err.Error(), "subject: is required") || !strings.Contains(err.Error(), `no organization "Nobody"`) {
				t.Fatalf("bad request: %v", err)
			}
		})
	}
}
