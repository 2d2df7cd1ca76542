package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"renkei/internal/exportgate"
	"renkei/internal/policy"
	"renkei/internal/store/storetest"
)

// TestGatePagesChangeWhatTheCLIChanges: the center's analyst switches a
// list off, adds entries to a list of its own, imports a MISP list, sets the
// thresholds and a member's export policy from the console, each through the
// service the CLI and the API use (the service reads back what the page
// set); a member's analyst sees the lists, the thresholds and its policy
// but may change none of them, and is not offered the review queue.
func TestGatePagesChangeWhatTheCLIChanges(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			e := newEnvOn(t, kind, Options{})
			ctx := context.Background()
			center := e.as("center-analyst")
			st, body := center.get("/exports/warninglists")
			if st != 200 || !strings.Contains(body, `id="list-renkei-documentation"`) || !strings.Contains(body, "警告リスト") {
				t.Fatalf("the center's list page (%d) lacks a built-in list:\n%s", st, body)
			}
			post := func(path string, f url.Values, want string) {
				t.Helper()
				st, loc, body := center.post(path, f)
				if st != http.StatusSeeOther || !strings.Contains(loc, want) {
					t.Fatalf("POST %s: %d %q\n%s", path, st, loc, body)
				}
			}
			post("/exports/warninglists/renkei-documentation/switch", url.Values{"on": {"0"}}, "ok=disabled")
			post("/exports/warninglists/entries", url.Values{"list": {"center-top-sites"}, "values": {"google.com\nyahoo.co.jp"}, "op": {"add"}}, "ok=edited")
			center.get("/exports/warninglists")
			post("/exports/warninglists/import", url.Values{"id": {"misp-resolvers"}, "action": {"warn"},
				"document": {`{"name":"resolvers","description":"d","version":3,"type":"cidr","list":["9.9.9.0/24"]}`}}, "ok=imported")
			lists, err := e.app.Exports.Lists(ctx, policy.System())
			if err != nil {
				t.Fatal(err)
			}
			state := map[string]string{}
			for _, l := range lists {
				state[l.ID] = l.Action
				if !l.Enabled {
					state[l.ID] = "off"
				}
			}
			if state["renkei-documentation"] != "off" || state["center-top-sites"] != "refuse" || state["misp-resolvers"] != "warn" {
				t.Errorf("the service does not hold what the page set: %v", state)
			}
			center.get("/exports")
			post("/exports/thresholds", url.Values{"widest_ipv4": {"12"}, "widest_ipv6": {"40"}, "public_suffixes": {"icann"}}, "ok=thresholds")
			if th, _ := e.app.Exports.Thresholds(ctx); th != (exportgate.Thresholds{WidestIPv4: 12, WidestIPv6: 40, PublicSuffixes: "icann"}) {
				t.Errorf("thresholds %+v after the form", th)
			}
			center.get("/exports")
			post("/exports/policies", url.Values{"scope": {"org"}, "org": {e.water.ID}, "min_confidence": {"70"}, "max_age_days": {"30"}, "require_review": {"1"}}, "ok=policy")
			st, _, body = center.post("/exports/thresholds", url.Values{"widest_ipv4": {"32"}, "widest_ipv6": {"40"}, "public_suffixes": {"icann"}})
			if st != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), "0〜31") {
				t.Errorf("a /32 threshold: %d, want 400 saying the range in Japanese", st)
			}

			water := e.as("water-analyst")
			st, body = water.get("/exports")
			body = html.UnescapeString(body)
			if st != 200 || !strings.Contains(body, "Minato Water Works") || !strings.Contains(body, "/12") || strings.Contains(body, `id="set-policy"`) || strings.Contains(body, `action="/exports/thresholds"`) {
				t.Errorf("a member's analyst: %d, want its policy and the thresholds shown, no form:\n%s", st, body)
			}
			if strings.Contains(body, `href="/exports/reviews"`) {
				t.Error("a member is offered the center's review queue")
			}
			if st, _ := water.get("/exports/reviews"); st != http.StatusForbidden {
				t.Errorf("a member opens the review queue: %d", st)
			}
			water.get("/exports/warninglists")
			if st, _, _ := water.post("/exports/warninglists/renkei-special-ipv4/switch", url.Values{"on": {"0"}}); st != http.StatusForbidden {
				t.Errorf("a member switched a list off: %d", st)
			}
		})
	}
}

// TestReviewQueuePage: an indicator a member submits under a policy that
// requires review is in the center's queue; released from the page it
// reaches the exports and leaves the queue, and the decision is the
// service's (logged by it).
func TestReviewQueuePage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	center := e.as("center-analyst")
	center.get("/exports")
	if st, loc, body := center.post("/exports/policies", url.Values{"scope": {"hub"}, "require_review": {"1"}}); st != http.StatusSeeOther {
		t.Fatalf("hub policy: %d %s\n%s", st, loc, body)
	}
	id := submitIndicator(t, e.as("power-analyst"), "C2 awaiting review", "c2.review-page.jp", "green", nil)
	st, body := center.get("/exports/reviews")
	if st != 200 || !strings.Contains(body, `id="review-`+id+`"`) {
		t.Fatalf("the queue (%d) lacks the member's indicator %s:\n%s", st, id, body)
	}
	if st, loc, body := center.post("/exports/reviews/"+id, url.Values{"decision": {"release"}, "note": {"confirmed"}}); st != http.StatusSeeOther || !strings.Contains(loc, "ok=release") {
		t.Fatalf("release: %d %q\n%s", st, loc, body)
	}
	if _, body := center.get("/exports/reviews"); strings.Contains(body, `id="review-`+id+`"`) || !strings.Contains(body, `id="review-empty"`) {
		t.Errorf("a released indicator is still in the queue:\n%s", body)
	}
	rs, err := e.h.DB.ExportReviews(ctx)
	if err != nil || rs[id].Decision != exportgate.ReviewRelease || rs[id].Note != "confirmed" || rs[id].ReviewedBy != "center-analyst" {
		t.Errorf("review stored %+v %v", rs[id], err)
	}
}
