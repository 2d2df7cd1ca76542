package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/server"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestStoreOutageIs503: when the database goes away, every door answers 503
// "the store is unavailable" — never 401 "token not valid", which would make
// a client throw away a good token, nor a login page or a 500 — both for
// credentials that must be looked up and for requests already past
// authentication when the store failed.
func TestStoreOutageIs503(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dsn, token := prepare(t, kind)
			ctx := context.Background()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			now := time.Now().UTC()
			fresh, _, err := hub.CreateToken(ctx, db, "power", "never used before the outage", 0, false, now)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := hub.AddUser(ctx, db, "power-web", "Power Co", "analyst", "correct horse battery", now); err != nil {
				t.Fatal(err)
			}
			s, err := server.New(ctx, server.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir()}, slog.New(slog.DiscardHandler), db)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// The first token stays resolved, so its requests get past
			// authentication and meet the outage inside the handler.
			s.App.Auth.CacheTTL = time.Hour
			srv := httptest.NewServer(s.Handler)
			defer srv.Close()

			jar, _ := cookiejar.New(nil)
			browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := browser.Get(srv.URL + "/login")
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(res.Body)
			res.Body.Close()
			m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
			if m == nil {
				t.Fatal("no CSRF token on the login page")
			}
			res, err = browser.PostForm(srv.URL+"/login", url.Values{"login": {"power-web"}, "password": {"correct horse battery"}, "csrf": {string(m[1])}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("login: %d", res.StatusCode)
			}
			get := func(c *http.Client, path, token string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				res, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b)
			}
			if st, body := get(http.DefaultClient, "/api/v1/me", token); st != 200 {
				t.Fatalf("before the outage: %d %s", st, body)
			}
			if st, _ := get(browser, "/", ""); st != 200 {
				t.Fatalf("console before the outage: %d", st)
			}

			db.Close() // the outage

			for _, c := range []struct {
				name, path, token string
				client            *http.Client
			}{
				{"API, request past authentication", "/api/v1/objects", token, http.DefaultClient},
				{"API, token looked up", "/api/v1/me", fresh, http.DefaultClient},
				{"TAXII, token looked up", "/taxii2/api/collections/", fresh, http.DefaultClient},
				{"TAXII, request past authentication", "/taxii2/api/collections/", token, http.DefaultClient},
				{"audit log, token looked up", "/audit/checkpoint", fresh, http.DefaultClient},
				{"console, session looked up", "/", "", browser},
			} {
				t.Run(c.name, func(t *testing.T) {
					st, body := get(c.client, c.path, c.token)
					if st != http.StatusServiceUnavailable || !strings.Contains(body, "unavailable") && !strings.Contains(body, "データストア") {
						t.Fatalf("GET %s during the outage: %d %s", c.path, st, body)
					}
				})
			}
		})
	}
}
