package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestAdvisoryProgressOwnOnly: in the console a recipient of an advisory
// sees its own progress only — not the totals of every recipient — while
// the center sees every recipient's.
func TestAdvisoryProgressOwnOnly(t *testing.T) {
	e := newEnv(t, Options{})
	water, center, power := e.as("water-analyst"), e.as("center-analyst"), e.as("power-analyst")
	due := time.Now().In(jst).Add(72 * time.Hour).Format("2006-01-02T15:04")
	if st, _, b := center.post("/advisories", url.Values{"kind": {"advisory"}, "title": {"Patch VPN"}, "actions": {"apply 7.2.11"}, "sectors": {"water, electricity"}, "due": {due}, "severity": {"high"}}); st != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", st, b)
	}
	if st, _, _ := water.post("/advisories/1/ack", nil); st != http.StatusSeeOther {
		t.Fatalf("ack: %d", st)
	}
	if st, body := center.get("/advisories/1"); st != 200 || !strings.Contains(body, "対象 2 ・確認 1 ・完了 0") || !strings.Contains(body, "Minato Water Works") {
		t.Fatalf("the center's page lacks every recipient's progress: %d\n%s", st, body)
	}
	for _, who := range []*client{water, power} {
		st, body := who.get("/advisories/1")
		if st != 200 {
			t.Fatalf("%d", st)
		}
		if strings.Contains(body, `id="counts"`) || strings.Contains(body, "対象 2") || strings.Contains(body, `id="targets"`) {
			t.Errorf("a recipient sees the totals of every recipient:\n%s", body)
		}
	}
}
