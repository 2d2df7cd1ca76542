package server_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/server"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

// TestRevokedTokenRefusedAtOnceOnEveryNode: two hub nodes on one store share
// a NATS (node B on node A's); a token used on node B, so that B remembers
// it, and revoked through node A's API is refused by node B at once. B's
// token cache is set to an hour, so only the revocation message can explain
// the refusal; it is awaited for 300 ms at most, far below the cache's 2 s
// lifetime. Both stores.
func TestRevokedTokenRefusedAtOnceOnEveryNode(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			dsn, _ := prepare(t, kind)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			node := func(cfg server.Config) (*server.Server, *httptest.Server) {
				t.Helper()
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				cfg.Listen, cfg.DataDir = "127.0.0.1:0", t.TempDir()
				s, err := server.New(ctx, cfg, slog.New(slog.DiscardHandler), db)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				srv := httptest.NewServer(s.Handler)
				t.Cleanup(srv.Close)
				return s, srv
			}
			a, srvA := node(server.Config{NATSListen: "127.0.0.1:0"})
			b, srvB := node(server.Config{NATS: a.Bus.ClientURL()})
			b.App.Auth.CacheTTL = time.Hour

			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			secret, _, err := hub.CreateToken(ctx, db, "power", "to be revoked", 0, false, time.Now().UTC())
			if err != nil {
				t.Fatal(err)
			}
			onA := &client.Client{Hub: srvA.URL, Token: secret}
			onB := &client.Client{Hub: srvB.URL, Token: secret}
			if _, err := onB.Me(ctx); err != nil {
				t.Fatalf("node B before the revocation: %v", err)
			}
			toks, err := onA.Tokens(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var id string
			for _, tk := range toks {
				if tk.Name == "to be revoked" {
					id = tk.ID
				}
			}
			if id == "" {
				t.Fatalf("the token is not among the caller's: %+v", toks)
			}
			if err := onA.RevokeToken(ctx, id); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			refused := func(c *client.Client) bool {
				_, err := c.Me(ctx)
				var ae *client.APIError
				return errors.As(err, &ae) && ae.Status == http.StatusUnauthorized
			}
			testwait.For(t, 300*time.Millisecond, "node B to refuse the token node A revoked", func() bool { return refused(onB) })
			t.Logf("%s: refused on node B %v after node A answered the revocation", kind, time.Since(start).Round(100*time.Microsecond))
			if !refused(onA) {
				t.Fatal("node A still accepts the token it revoked")
			}
		})
	}
}
