package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestOverseerReachesNoIntelligence walks every GET route of the API's and
// the console's route tables (internal/api/routes.go,
// internal/web/routes.go) as an overseer — with the overseer's token for
// the API, the overseer's console session for the console — after
// intelligence content has reached the center's and a member's inboxes, and
// checks that no answer carries any of it: the committee sees its own pages,
// the audit log's inspection, approvals and its own account, and no
// organization's alerts (policy: the committee's seat has no row for other
// organizations' alerts, cases, consultations, incidents, advisories,
// hunting or assets).
func TestOverseerReachesNoIntelligence(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newDoorsEnv(t, kind)
			ctx := context.Background()
			h := e.s.App.Hub
			power, err := h.DB.Org(ctx, "Power Co")
			if err != nil {
				t.Fatal(err)
			}
			const marker = "INTEL-MARKER-5e1d"
			var publicIDs []string
			for _, org := range []string{h.Center().ID, power.ID} {
				if _, err := h.Alerts.Raise(ctx, store.Alert{OrgID: org, Kind: "incident", Severity: "high",
					Title: marker + " incident at the substation", Body: marker + " body: lateral movement from 198.51.100.7"}); err != nil {
					t.Fatal(err)
				}
			}
			as, _, err := h.DB.Alerts(ctx, policy.System(), "", 10, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				publicIDs = append(publicIDs, a.PublicID)
			}
			web := e.session("iinkai")
			for _, d := range doors() {
				for pattern := range d.table {
					method, path := concrete(pattern)
					if method != http.MethodGet {
						continue
					}
					paths := []string{path}
					if strings.Contains(pattern, "{id}") {
						for _, id := range publicIDs {
							paths = append(paths, strings.Replace(path, "/1", "/"+id, 1))
						}
					}
					for _, p := range paths {
						var code int
						var body string
						if d.name == "api" {
							code, body = e.do("GET", p, nil, "Authorization", "Bearer "+e.tokens["iinkai"])
						} else {
							code, body = web.get(p)
						}
						if strings.Contains(body, marker) {
							t.Errorf("%s %s as an overseer (%d) serves intelligence content", d.name, p, code)
						}
					}
				}
			}
			// The center's staff do see it: the marker is where it should be.
			if _, body := e.do("GET", "/api/v1/alerts", nil, "Authorization", "Bearer "+e.tokens["root"]); !strings.Contains(body, marker) {
				t.Fatalf("the center's own alert is not in its inbox: the walk proves nothing")
			}
		})
	}
}

// get fetches a page of the console with the session.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	res, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}
