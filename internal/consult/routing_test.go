package consult_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"renkei/internal/auth"
	"renkei/internal/consult"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// fixture is a hub at the tests' time, with an audit log when audited,
// the member organizations orgs (name, kind, sector) and one analyst per
// user (login, organization; "" is the center).
func fixture(t *testing.T, kind string, audited bool, orgs [][3]string, users [][2]string) (*hubtest.Hub, map[string]auth.Caller) {
	t.Helper()
	now := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	opts := []hubtest.Option{hubtest.At(now)}
	if audited {
		opts = append(opts, hubtest.WithAudit())
	}
	h := hubtest.New(t, kind, opts...)
	h.App.Now = func() time.Time { return now }
	for _, o := range orgs {
		h.Org(o[0], o[1], o[2])
	}
	cs := map[string]auth.Caller{}
	for _, u := range users {
		org := u[1]
		if org == "" {
			org = h.Center().ID
		}
		h.User(u[0], org, "analyst")
		cs[u[0]] = h.Caller(u[0])
	}
	return h, cs
}

type routing struct {
	h  *hubtest.Hub
	s  *consult.Service
	cs map[string]auth.Caller
}

func (r *routing) v(t *testing.T, login string) policy.Viewer { return r.h.ViewerOf(login) }

// newRouting is a hub with an audit log, the center (kanshi), a town hall
// (town), a support desk (desk), a security firm (firm) and an operator
// (denki), one analyst each.
func newRouting(t *testing.T, kind string) *routing {
	t.Helper()
	h, cs := fixture(t, kind, true,
		[][3]string{{"Minato City", "local-government", ""}, {"Kanto Support Desk", "research", ""}, {"Shiba Security", "research", ""}, {"Kanto Electric", "operator", "energy"}},
		[][2]string{{"kanshi", ""}, {"town", "Minato City"}, {"desk", "Kanto Support Desk"}, {"firm", "Shiba Security"}, {"denki", "Kanto Electric"}})
	return &routing{h: h, s: h.App.Consult, cs: cs}
}

func hasCode(err error, code string) bool {
	var ps problem.Problems
	if !errors.As(err, &ps) {
		return false
	}
	for _, p := range ps {
		if p.Code == code {
			return true
		}
	}
	return false
}

// TestConsultationHandlerMustBeDesignated: a request can be asked of, or
// handed to, only the center or an organization the center designated for
// its topic; only the center designates, and each designation is logged
// before it takes effect.
func TestConsultationHandlerMustBeDesignated(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			r := newRouting(t, kind)
			if _, err := r.s.Ask(ctx, r.cs["town"], "support", "VPN", "Help", "Kanto Electric"); !hasCode(err, "handler.not-designated") {
				t.Fatalf("asked an undesignated organization: %v", err)
			}
			if _, err := r.s.Designate(ctx, r.cs["desk"], r.v(t, "desk"), "support", "Kanto Support Desk"); !errors.Is(err, hub.ErrForbidden) {
				t.Fatalf("a member designated itself: %v", err)
			}
			before, _ := r.h.Audit.Size(ctx)
			if _, err := r.s.Designate(ctx, r.cs["kanshi"], r.v(t, "kanshi"), "support", "Kanto Support Desk"); err != nil {
				t.Fatal(err)
			}
			if after, _ := r.h.Audit.Size(ctx); after != before+1 {
				t.Fatalf("audit log %d → %d, want one entry", before, after)
			}
			if hs, _ := r.s.Handlers(ctx, ""); len(hs) != 1 || hs[0].OrgName != "Kanto Support Desk" || hs[0].Topic != "support" {
				t.Fatalf("handlers %+v", hs)
			}
			// Designated for support, not for consultations.
			if _, err := r.s.Ask(ctx, r.cs["town"], "consultation", "Policy", "Which rules apply?", "Kanto Support Desk"); !hasCode(err, "handler.not-designated") {
				t.Fatalf("asked a handler of another topic: %v", err)
			}
			x, err := r.s.Ask(ctx, r.cs["town"], "support", "VPN", "Help", "Kanto Support Desk")
			if err != nil || x.HandlerOrg != r.cs["desk"].Org.ID {
				t.Fatalf("ask the designated desk: %+v %v", x, err)
			}
			if _, err := r.s.Reply(ctx, r.cs["desk"], x.PublicID, "handoff", "", "Kanto Electric"); !hasCode(err, "handoff.not-designated") {
				t.Fatalf("handed to an undesignated organization: %v", err)
			}
			got, err := r.s.Get(ctx, r.v(t, "town"), x.PublicID)
			if err != nil || got.HandlerOrg != r.cs["desk"].Org.ID || got.HandoffTo != "" || len(got.Messages) != 1 {
				t.Fatalf("a refused hand-off changed the request: %+v %v", got, err)
			}
			// Withdrawn: no longer routable.
			if err := r.s.Revoke(ctx, r.cs["kanshi"], r.v(t, "kanshi"), "support", "Kanto Support Desk"); err != nil {
				t.Fatal(err)
			}
			if _, err := r.s.Ask(ctx, r.cs["town"], "support", "VPN", "Help", "Kanto Support Desk"); !hasCode(err, "handler.not-designated") {
				t.Fatalf("asked a withdrawn handler: %v", err)
			}
		})
	}
}

// TestHandOffNeedsAskerConsent: a hand-off to an organization other than
// the center waits for the asker's consent — the proposed handler neither
// sees nor answers the request until then; the consent is recorded in the
// thread and in the audit log; a declined hand-off leaves the request where
// it was; the hand-off call says what happened, also to a handler that no
// longer sees the request.
func TestHandOffNeedsAskerConsent(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			r := newRouting(t, kind)
			for _, o := range []string{"Kanto Support Desk", "Shiba Security"} {
				if _, err := r.s.Designate(ctx, r.cs["kanshi"], r.v(t, "kanshi"), "support", o); err != nil {
					t.Fatal(err)
				}
			}
			x, err := r.s.Ask(ctx, r.cs["town"], "support", "VPN appliance alert", "How do we check for compromise?", "")
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.s.Reply(ctx, r.cs["kanshi"], x.PublicID, "handoff", "", "Kanto Support Desk")
			if err != nil || got.Step != "handoff.awaiting-consent" || got.HandlerOrg != r.h.Center().ID || got.HandoffTo != r.cs["desk"].Org.ID {
				t.Fatalf("hand-off: %+v %v", got, err)
			}
			if _, err := r.s.Get(ctx, r.v(t, "desk"), x.PublicID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the proposed handler reads the request before the asker consented: %v", err)
			}
			if _, err := r.s.Reply(ctx, r.cs["desk"], x.PublicID, "answer", "x", ""); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the proposed handler answers before consent: %v", err)
			}
			if _, err := r.s.Reply(ctx, r.cs["kanshi"], x.PublicID, "consent", "", ""); !errors.Is(err, hub.ErrForbidden) {
				t.Fatalf("the center consented for the asker: %v", err)
			}
			got, err = r.s.Reply(ctx, r.cs["town"], x.PublicID, "decline", "We prefer the center.", "")
			if err != nil || got.Step != "handoff.declined" || got.HandlerOrg != r.h.Center().ID || got.HandoffTo != "" {
				t.Fatalf("decline: %+v %v", got, err)
			}
			if _, err := r.s.Reply(ctx, r.cs["town"], x.PublicID, "consent", "", ""); !hasCode(err, "consent.none") {
				t.Fatalf("consent with nothing pending: %v", err)
			}
			if _, err := r.s.Reply(ctx, r.cs["kanshi"], x.PublicID, "handoff", "", "Shiba Security"); err != nil {
				t.Fatal(err)
			}
			before, _ := r.h.Audit.Size(ctx)
			got, err = r.s.Reply(ctx, r.cs["town"], x.PublicID, "consent", "", "")
			if err != nil || got.Step != "handoff.consented" || got.HandlerOrg != r.cs["firm"].Org.ID {
				t.Fatalf("consent: %+v %v", got, err)
			}
			if after, _ := r.h.Audit.Size(ctx); after != before+1 {
				t.Fatalf("the consented hand-off was not logged: %d → %d", before, after)
			}
			last := got.Messages[len(got.Messages)-1]
			if last.Kind != "consent" || last.User != "town" || last.OrgID != r.cs["town"].Org.ID || !strings.Contains(last.Body, "Shiba Security") {
				t.Fatalf("consent recorded as %+v", last)
			}
			if _, err := r.s.Reply(ctx, r.cs["firm"], x.PublicID, "answer", "We will call you.", ""); err != nil {
				t.Fatalf("the consented handler cannot answer: %v", err)
			}
			// The firm hands the request back to the center: no consent is
			// needed, and the firm, which no longer sees it, is told what
			// happened rather than "not found".
			got, err = r.s.Reply(ctx, r.cs["firm"], x.PublicID, "handoff", "", r.h.Center().Name)
			if err != nil || got.Step != "handoff.done" || got.HandlerOrg != r.h.Center().ID || got.ID != x.ID {
				t.Fatalf("hand-off to the center: %+v %v", got, err)
			}
			if len(got.Messages) != 0 {
				t.Fatalf("a former handler got the thread: %+v", got.Messages)
			}
			if _, err := r.s.Get(ctx, r.v(t, "firm"), x.PublicID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the former handler still reads it: %v", err)
			}
		})
	}
}
