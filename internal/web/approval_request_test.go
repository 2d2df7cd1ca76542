package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/audit"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store/storetest"
)

// TestConsoleRequestsApproval: the center's handler requests an approval
// from the console — kind, legal basis, target, justification, period,
// purposes and prefix preservation — through the approval service the API
// uses: logged first (approval.request), then stored with what the form
// said; a form missing what the service requires is shown again with the
// problems; a member organization's user, whom policy does not let file, is
// refused the page and the form (403); a post without the CSRF token is
// refused.
func TestConsoleRequestsApproval(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			ctx := context.Background()
			if _, err := hub.AddUser(ctx, e.h.DB, "center-handler", e.center.ID, "handler", testPassword, time.Now()); err != nil {
				t.Fatal(err)
			}
			c := e.as("center-handler")
			c.lang = "en"
			st, body := c.get("/approvals/request")
			if st != 200 || !strings.Contains(body, `action="/approvals/request"`) || !strings.Contains(body, `name="csrf"`) {
				t.Fatalf("no request form for the center's handler: %d", st)
			}
			form := url.Values{"kind": {"collection-agreement"}, "legal_basis": {"agreement 2026-7"}, "target": {"Kanto border routers"},
				"justification": {""}, "valid_until": {time.Now().AddDate(0, 2, 0).Format("2006-01-02")},
				"purposes": {"C2 beacon detection for campaign X\n\nbotnet takedown support"}, "prefix_preserving": {"1"}}
			if st, _, body := c.post("/approvals/request", form); st != 400 || !strings.Contains(body, `id="request-error"`) {
				t.Fatalf("a request without justification: %d", st)
			}
			form.Set("justification", "C2 detection")
			st, _, body = c.post("/approvals/request", form)
			if st != 200 || !strings.Contains(body, `id="filed"`) {
				t.Fatalf("request: %d %s", st, body)
			}
			logged := false
			for _, en := range e.logEntries() {
				logged = logged || en.Action == audit.ActionApprovalRequest && en.User == "center-handler"
			}
			if !logged {
				t.Error("the request is not in the audit log")
			}
			as, err := e.app.Approvals.List(ctx, policy.System(), "", 10)
			if err != nil || len(as) != 1 {
				t.Fatalf("approvals %+v %v", as, err)
			}
			a := as[0]
			if a.Kind != "collection-agreement" || a.Target != "Kanto border routers" || !a.PrefixPreserving || len(a.Purposes) != 2 || a.Status != "pending" {
				t.Fatalf("stored %+v", a)
			}
			m := e.as("power-analyst")
			if st, _ := m.get("/approvals/request"); st != 403 {
				t.Errorf("a member's user was shown the form: %d", st)
			}
			m.csrf = c.csrf
			if st, _, _ := m.post("/approvals/request", form); st != 403 {
				t.Errorf("a member's user filed a request: %d", st)
			}
		})
	}
}
