package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"renkei/internal/api"
	"renkei/internal/app"
	"renkei/internal/hub"
	"renkei/internal/store/storetest"
)

// TestAdvisoryProgressOwnOnly: over the API a recipient of an advisory
// reads its own progress only — counts and targets — and the center every
// recipient's.
func TestAdvisoryProgressOwnOnly(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Now().UTC()
			hub.Bootstrap(ctx, db, now)
			h, err := hub.New(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			withAuditLog(t, h)
			hub.AddOrg(ctx, db, "Suido Water", "operator", "water", now)
			hub.AddOrg(ctx, db, "Kita Water", "operator", "water", now)
			tokens := map[string]string{}
			for _, u := range [][2]string{{"kanshi", h.Center().ID}, {"mizu", "Suido Water"}, {"kita", "Kita Water"}} {
				if _, err := hub.AddUser(ctx, db, u[0], u[1], "analyst", "", now); err != nil {
					t.Fatal(err)
				}
				tokens[u[0]], _, _ = hub.CreateToken(ctx, db, u[0], "test", 0, false, now)
			}
			srv := httptest.NewServer((&api.Server{App: app.New(h), MaxBody: 1 << 20}).Handler())
			defer srv.Close()
			call := func(who, method, path, body string) (int, map[string]any) {
				req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tokens[who])
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var m map[string]any
				json.NewDecoder(res.Body).Decode(&m)
				return res.StatusCode, m
			}
			due := now.Add(72 * time.Hour).Format(time.RFC3339)
			if code, m := call("kanshi", "POST", "/api/v1/advisories", `{"title":"Patch","actions":["patch"],"audience":{"sectors":["water"]},"due":"`+due+`"}`); code != 201 {
				t.Fatalf("publish: %d %v", code, m)
			}
			for _, p := range []string{"/api/v1/advisories/1/ack", "/api/v1/advisories/1/complete"} {
				if code, m := call("mizu", "POST", p, `{"evidence":"patched"}`); code != 200 {
					t.Fatalf("%s: %d %v", p, code, m)
				}
			}
			for _, c := range []struct {
				who           string
				targets, done float64
			}{{"kanshi", 2, 1}, {"mizu", 1, 1}, {"kita", 1, 0}} {
				code, m := call(c.who, "GET", "/api/v1/advisories", "")
				l, _ := m["advisories"].([]any)
				if code != 200 || len(l) != 1 {
					t.Fatalf("%s: list %d %v", c.who, code, m)
				}
				counts := l[0].(map[string]any)["counts"].(map[string]any)
				if counts["targets"] != c.targets || counts["completed"] != c.done {
					t.Errorf("%s: listing counts %v, want %v targets, %v completed", c.who, counts, c.targets, c.done)
				}
				code, m = call(c.who, "GET", "/api/v1/advisories/1", "")
				if code != 200 {
					t.Fatalf("%s: get %d %v", c.who, code, m)
				}
				counts = m["advisory"].(map[string]any)["counts"].(map[string]any)
				if counts["targets"] != c.targets || counts["completed"] != c.done {
					t.Errorf("%s: advisory counts %v", c.who, counts)
				}
				if ts := m["targets"].([]any); float64(len(ts)) != c.targets {
					t.Errorf("%s: %d targets", c.who, len(ts))
				}
			}
		})
	}
}
