package api_test

import (
	"context"
	"strings"
	"testing"

	"renkei/internal/client"
	"renkei/internal/hubtest"
	"renkei/internal/store/storetest"
)

// TestHandOffNeedsAskerConsent over the API: only the center designates
// handlers; a hand-off to an undesignated organization is refused; a
// hand-off to a designated one answers 200 "awaiting consent" and takes
// effect when the asker consents; a handler that hands a request back to
// the center is told what happened (200), not 404.
func TestHandOffNeedsAskerConsent(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := hubtest.New(t, kind, hubtest.WithAudit())
			h.Org("Minato City", "local-government", "")
			h.Org("Kanto Support Desk", "research", "")
			h.Org("Kanto Electric", "operator", "energy")
			h.User("kanshi", h.Center().ID, "analyst")
			h.User("town", "Minato City", "analyst")
			h.User("desk", "Kanto Support Desk", "analyst")
			s := serve(t, h)
			kanshi, town, desk := s.as("kanshi"), s.as("town"), s.as("desk")
			if _, err := desk.DesignateHandler(ctx, client.HandlerRequest{Topic: "support", Org: "Kanto Support Desk"}); status(err) != 403 {
				t.Fatalf("a member designated itself: %v", err)
			}
			r, err := town.AskConsultation(ctx, client.ConsultationRequest{Kind: "support", Subject: "VPN", Body: "Help"})
			if err != nil {
				t.Fatalf("ask: %v", err)
			}
			if _, err := kanshi.ReplyConsultation(ctx, r.PublicID, client.ConsultationReply{Kind: "handoff", To: "Kanto Electric"}); status(err) != 400 || !strings.Contains(description(err), "not designated") {
				t.Fatalf("hand-off to an undesignated organization: %v", err)
			}
			if _, err := kanshi.DesignateHandler(ctx, client.HandlerRequest{Topic: "support", Org: "Kanto Support Desk"}); err != nil {
				t.Fatalf("designate: %v", err)
			}
			if hs, err := town.ConsultationHandlers(ctx, ""); err != nil || len(hs) != 1 {
				t.Fatalf("handlers: %v %+v", err, hs)
			}
			if got, err := kanshi.ReplyConsultation(ctx, r.PublicID, client.ConsultationReply{Kind: "handoff", To: "Kanto Support Desk"}); err != nil || got.Step != "handoff.awaiting-consent" {
				t.Fatalf("hand-off: %v %+v", err, got)
			}
			if _, err := desk.Consultation(ctx, r.PublicID); status(err) != 404 {
				t.Fatalf("the proposed handler reads the request before consent: %v", err)
			}
			if got, err := town.ReplyConsultation(ctx, r.PublicID, client.ConsultationReply{Kind: "consent"}); err != nil || got.Step != "handoff.consented" {
				t.Fatalf("consent: %v %+v", err, got)
			}
			if _, err := desk.Consultation(ctx, r.PublicID); err != nil {
				t.Fatalf("the consented handler cannot read the request: %v", err)
			}
			got, err := desk.ReplyConsultation(ctx, r.PublicID, client.ConsultationReply{Kind: "handoff", To: h.Center().Name})
			if err != nil || got.Step != "handoff.done" || got.HandlerOrg != h.Center().ID {
				t.Fatalf("hand-off back to the center: %v %+v, want 200 with what happened", err, got)
			}
		})
	}
}
