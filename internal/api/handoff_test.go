package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"renkei/internal/api"
	"renkei/internal/app"
	"renkei/internal/audit"
	"renkei/internal/hub"
	"renkei/internal/store/storetest"
)

// TestHandOffNeedsAskerConsent over the API: only the center designates
// handlers; a hand-off to an undesignated organization is refused; a
// hand-off to a designated one answers 200 "awaiting consent" and takes
// effect when the asker consents; a handler that hands a request back to
// the center is told what happened (200), not 404.
func TestHandOffNeedsAskerConsent(t *testing.T) {
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
			dir := t.TempDir()
			if h.Audit, err = audit.Open(ctx, audit.Options{Dir: filepath.Join(dir, "log"), KeyDir: filepath.Join(dir, "keys"), Node: "t", CheckpointInterval: 100 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			defer h.Audit.Close()
			hub.AddOrg(ctx, db, "Minato City", "local-government", "", now)
			hub.AddOrg(ctx, db, "Kanto Support Desk", "research", "", now)
			hub.AddOrg(ctx, db, "Kanto Electric", "operator", "energy", now)
			tokens := map[string]string{}
			for _, u := range [][2]string{{"kanshi", h.Center().ID}, {"town", "Minato City"}, {"desk", "Kanto Support Desk"}} {
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
				b, _ := io.ReadAll(res.Body)
				var m map[string]any
				json.Unmarshal(b, &m)
				return res.StatusCode, m
			}
			if code, m := call("desk", "POST", "/api/v1/consultations/handlers", `{"topic":"support","org":"Kanto Support Desk"}`); code != 403 {
				t.Fatalf("a member designated itself: %d %v", code, m)
			}
			code, m := call("town", "POST", "/api/v1/consultations", `{"kind":"support","subject":"VPN","body":"Help"}`)
			if code != 201 {
				t.Fatalf("ask: %d %v", code, m)
			}
			path := "/api/v1/consultations/" + itoa(int(m["id"].(float64)))
			if code, m := call("kanshi", "POST", path+"/replies", `{"kind":"handoff","to":"Kanto Electric"}`); code != 400 || !strings.Contains(m["description"].(string), "not designated") {
				t.Fatalf("hand-off to an undesignated organization: %d %v", code, m)
			}
			if code, m := call("kanshi", "POST", "/api/v1/consultations/handlers", `{"topic":"support","org":"Kanto Support Desk"}`); code != 201 {
				t.Fatalf("designate: %d %v", code, m)
			}
			if code, m := call("town", "GET", "/api/v1/consultations/handlers", ""); code != 200 || len(m["handlers"].([]any)) != 1 {
				t.Fatalf("handlers: %d %v", code, m)
			}
			if code, m := call("kanshi", "POST", path+"/replies", `{"kind":"handoff","to":"Kanto Support Desk"}`); code != 200 || m["step"] != "handoff.awaiting-consent" {
				t.Fatalf("hand-off: %d %v", code, m)
			}
			if code, _ := call("desk", "GET", path, ""); code != 404 {
				t.Fatalf("the proposed handler reads the request before consent: %d", code)
			}
			if code, m := call("town", "POST", path+"/replies", `{"kind":"consent"}`); code != 200 || m["step"] != "handoff.consented" {
				t.Fatalf("consent: %d %v", code, m)
			}
			if code, _ := call("desk", "GET", path, ""); code != 200 {
				t.Fatalf("the consented handler cannot read the request: %d", code)
			}
			code, m = call("desk", "POST", path+"/replies", `{"kind":"handoff","to":"`+h.Center().Name+`"}`)
			if code != 200 || m["step"] != "handoff.done" || m["handler_org"] != h.Center().ID {
				t.Fatalf("hand-off back to the center: %d %v, want 200 with what happened", code, m)
			}
		})
	}
}
