package hubtest_test

import (
	"context"
	"strings"
	"testing"

	"renkei/internal/hubtest"
	"renkei/internal/store/storetest"
)

// TestFixtureAccountsLogInCheaply: the fixture's accounts log in with
// Password on each store, and their hashes are the cheap ones
// (auth.CheapHashesForTests), not the server's 32 MiB.
func TestFixtureAccountsLogInCheaply(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			h := hubtest.New(t, kind, hubtest.WithAudit())
			org := h.Org("Minato Water Works", "operator", "water")
			u := h.LoginUser("water-analyst", org.ID, "analyst")
			if !strings.Contains(u.PasswordHash, "$m=64,t=1,") {
				t.Errorf("hash %q is not the cheap one", u.PasswordHash)
			}
			c, err := h.Auth.Password(context.Background(), "water-analyst", hubtest.Password)
			if err != nil || c.Org.ID != org.ID {
				t.Fatalf("login: %+v %v", c, err)
			}
			if _, err := h.Auth.Password(context.Background(), h.AdminLogin, h.AdminPassword); err != nil {
				t.Fatalf("admin login: %v", err)
			}
			h.User("water-bot", org.ID, "analyst")
			if c, err := h.Auth.Token(context.Background(), h.Token("water-bot")); err != nil || c.User.Login != "water-bot" {
				t.Fatalf("token: %+v %v", c, err)
			}
			if v := h.ViewerOf("water-analyst"); v.OrgID != org.ID {
				t.Errorf("viewer %+v", v)
			}
		})
	}
}
