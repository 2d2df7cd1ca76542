package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/incident"
	"renkei/internal/jst"
	"renkei/internal/store/storetest"
)

// TestAdvisoryProgressOwnOnly: in the console a recipient of an advisory
// sees its own progress only — not the totals of every recipient — while
// the center sees every recipient's.
func TestAdvisoryProgressOwnOnly(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			water, center, power := e.as("water-analyst"), e.as("center-analyst"), e.as("power-analyst")
			due := time.Now().In(jst.Zone).Add(72 * time.Hour).Format("2006-01-02T15:04")
			if st, _, b := center.post("/advisories", url.Values{"kind": {"advisory"}, "title": {"Patch VPN"}, "actions": {"apply 7.2.11"}, "sectors": {"water, electricity"}, "due": {due}, "severity": {"high"}}); st != http.StatusSeeOther {
				t.Fatalf("publish: %d\n%s", st, b)
			}
			advisoryPage := e.newestAdvisory()
			if st, _, _ := water.post(advisoryPage+"/ack", nil); st != http.StatusSeeOther {
				t.Fatalf("ack: %d", st)
			}
			if st, body := center.get(advisoryPage); st != 200 || !strings.Contains(body, "対象 2 ・確認 1 ・完了 0") || !strings.Contains(body, "Minato Water Works") {
				t.Fatalf("the center's page lacks every recipient's progress: %d\n%s", st, body)
			}
			for _, who := range []*client{water, power} {
				st, body := who.get(advisoryPage)
				if st != 200 {
					t.Fatalf("%d", st)
				}
				if strings.Contains(body, `id="counts"`) || strings.Contains(body, "対象 2") || strings.Contains(body, `id="targets"`) {
					t.Errorf("a recipient sees the totals of every recipient:\n%s", body)
				}
			}
		})
	}
}

// TestHandOffNeedsAskerConsent in the console: the center proposes to hand
// a water utility's request to a designated organization; the utility sees
// the proposal with consent and decline buttons, and only its consent
// hands the request on.
func TestHandOffNeedsAskerConsent(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			water, center, power := e.as("water-analyst"), e.as("center-analyst"), e.as("power-analyst")
			ctx := context.Background()
			kanshi, err := incident.Caller(ctx, e.h.DB, "center-analyst")
			if err != nil {
				t.Fatal(err)
			}
			v, _ := e.h.Viewer(ctx, kanshi)
			if _, err := e.app.Consult.Designate(ctx, kanshi, v, "support", e.power.Name); err != nil {
				t.Fatal(err)
			}
			st, loc, _ := water.post("/consult", url.Values{"kind": {"support"}, "subject": {"Help"}, "body": {"How do we check the VPN?"}})
			if st != http.StatusSeeOther {
				t.Fatalf("ask: %d", st)
			}
			page := strings.TrimSuffix(loc, "?ok=asked")
			if st, _, b := center.post(page+"/reply", url.Values{"kind": {"handoff"}, "to": {e.power.Name}}); st != http.StatusSeeOther {
				t.Fatalf("hand-off: %d\n%s", st, b)
			}
			if st, _ := power.get(page); st != http.StatusNotFound {
				t.Fatalf("the proposed handler sees the request before consent: %d", st)
			}
			if _, body := water.get(page); !strings.Contains(body, `id="consent-btn"`) || !strings.Contains(body, e.power.Name) {
				t.Fatalf("the asker is not asked for consent:\n%s", body)
			}
			if st, _, b := water.post(page+"/reply", url.Values{"kind": {"consent"}}); st != http.StatusSeeOther {
				t.Fatalf("consent: %d\n%s", st, b)
			}
			if st, body := power.get(page); st != 200 || !strings.Contains(body, "引き継ぎへの同意") {
				t.Fatalf("the handler after consent: %d\n%s", st, body)
			}
			// Handed back to the center: the former handler is not sent to a 404.
			st, loc, _ = power.post(page+"/reply", url.Values{"kind": {"handoff"}, "to": {e.center.Name}})
			if st != http.StatusSeeOther || loc != "/consult?ok=replied" {
				t.Fatalf("hand-off to the center: %d %q", st, loc)
			}
		})
	}
}
