package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"renkei/internal/api"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/store/storetest"
)

// TestAPIJSONNosniff walks every route of the REST API, with and without a
// token, and an unknown path: every answer — JSON, CSV, errors, refusals —
// says X-Content-Type-Options: nosniff, so that no browser takes a member's
// JSON for a script or a page.
func TestAPIJSONNosniff(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := hubtest.New(t, kind)
			h.User("power", h.Center().Name, "analyst")
			tok, _, err := hub.CreateToken(context.Background(), h.DB, "power", "", 0, true, h.Now) // read-only: the walk changes nothing
			if err != nil {
				t.Fatal(err)
			}
			s := &api.Server{App: h.App, MaxBody: 1 << 20}
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			registered, _ := s.Routes()
			paths := []string{"GET /api/v1/nothing", "GET /api/v1/exports/csv", "GET /api/v1/exports/suricata"}
			for _, p := range append(paths, registered...) {
				method, path, _ := strings.Cut(p, " ")
				for strings.Contains(path, "{") {
					i := strings.Index(path, "{")
					j := strings.Index(path[i:], "}")
					path = path[:i] + "1" + path[i+j+1:]
				}
				for _, bearer := range []string{"", tok} {
					req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader("{}"))
					req.Header.Set("Content-Type", "application/json")
					if bearer != "" {
						req.Header.Set("Authorization", "Bearer "+bearer)
					}
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
						t.Errorf("%s %s (token: %v): %d %s with X-Content-Type-Options %q, want nosniff",
							method, path, bearer != "", res.StatusCode, res.Header.Get("Content-Type"), got)
					}
				}
			}
		})
	}
}
