package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"renkei/internal/audit"
	"renkei/internal/client"
	"renkei/internal/hubtest"
	"renkei/internal/testwait"
)

func TestAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := hubtest.New(t, "sqlite", hubtest.WithAudit())
	now := h.Now.UTC()
	h.Org("Power Co", "operator", "energy")
	h.User("admin2", h.Center().Name, "admin")
	h.User("handler", h.Center().Name, "handler")
	h.Overseer("overseer")
	h.User("power", "Power Co", "analyst")
	h.User("power-admin", "Power Co", "org-admin")
	s := serve(t, h)
	admin, handler, overseer, power, powerAdmin := s.as("admin2"), s.as("handler"), s.as("overseer"), s.as("power"), s.as("power-admin")
	// raw is a request built by hand, for what the wire itself must say.
	raw := func(method, path, token string, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}

	if code, m := raw("GET", "/api/v1/me", "", ""); code != 401 || m["http_status"] != "401" {
		t.Fatalf("anonymous: %d %v", code, m)
	}
	if _, err := power.AddOrg(ctx, client.OrgRequest{Name: "X", Kind: "sme"}); status(err) != 403 {
		t.Fatalf("a member adds an organization: %v", err)
	}
	if _, err := admin.AddOrg(ctx, client.OrgRequest{Name: "X", Kind: "bank"}); status(err) != 400 || !strings.Contains(description(err), "unknown kind") {
		t.Fatalf("bad kind: %v", err)
	}
	if code, m := raw("POST", "/api/v1/orgs", s.tokens["admin2"], `{"name":"X","kind":"sme","colour":1}`); code != 400 || !strings.Contains(m["description"].(string), "colour") {
		t.Fatalf("unknown field: %d %v", code, m)
	}
	if _, err := powerAdmin.AddUser(ctx, client.UserRequest{Login: "evil", Role: "admin"}); status(err) != 403 {
		t.Fatalf("an org admin makes a hub admin: %v", err)
	}
	if _, err := powerAdmin.AddUser(ctx, client.UserRequest{Login: "new-analyst", Role: "analyst"}); err != nil {
		t.Fatalf("an org admin adds an analyst: %v", err)
	}
	before, _ := h.Audit.Size(ctx)
	tok, err := power.CreateToken(ctx, client.TokenRequest{Expires: "30d", ReadOnly: true})
	if err != nil || !strings.HasPrefix(tok.Token, "rk_") {
		t.Fatalf("token: %v %+v", err, tok)
	}
	if after := waitSize(t, h.Audit, before+1); after <= before {
		t.Fatal("token creation must be in the audit log")
	}
	ro := &client.Client{Hub: s.URL, Token: tok.Token}
	if _, err := ro.AddWebhook(ctx, client.WebhookRequest{URL: "https://example.org/hook"}); status(err) != 403 {
		t.Fatalf("a read-only token writes: %v", err)
	}

	// Approvals: the handler files, the overseer decides.
	a, err := handler.RequestApproval(ctx, client.ApprovalRequest{Kind: "collection-agreement", LegalBasis: "agreement 2026-14",
		Target: "Power Co border flows", Justification: "C2 hunting", ValidFrom: now, ValidUntil: now.Add(90 * 24 * time.Hour)})
	if err != nil {
		t.Fatalf("file approval: %v", err)
	}
	if _, err := handler.DecideApproval(ctx, a.ID, true, "x"); status(err) != 403 {
		t.Fatalf("handler decides: %v", err)
	}
	if d, err := overseer.DecideApproval(ctx, a.ID, true, "proportionate"); err != nil || d.Status != "approved" {
		t.Fatalf("overseer decides: %v %+v", err, d)
	}
	if _, err := power.Approvals(ctx, ""); status(err) != 403 {
		t.Fatalf("a member lists approvals: %v", err)
	}
	if as, err := overseer.Approvals(ctx, ""); err != nil || len(as) != 1 {
		t.Fatalf("overseer lists approvals: %v %+v", err, as)
	}
	if code, _ := raw("GET", "/api/v1/nothing", s.tokens["power"], ""); code != 404 {
		t.Fatalf("unknown path: %d", code)
	}
}

func waitSize(t *testing.T, l *audit.Log, want uint64) uint64 {
	var n uint64
	testwait.Until(5*time.Second, func() bool { n, _ = l.Size(context.Background()); return n >= want })
	return n
}
