package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/api"
	"renkei/internal/app"
	"renkei/internal/audit"
	"renkei/internal/hub"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

func TestAPI(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	now := time.Now().UTC()
	if _, err := hub.Bootstrap(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	h.Audit, err = audit.Open(ctx, audit.Options{Dir: filepath.Join(dir, "log"), KeyDir: filepath.Join(dir, "keys"), Node: "t", CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Audit.Close()
	hub.AddOrg(ctx, db, "Power Co", "operator", "energy", now)
	tokens := map[string]string{}
	for _, u := range []struct{ login, org, role string }{
		{"admin2", h.Center().Name, "admin"}, {"handler", h.Center().Name, "handler"}, {"overseer", "", "overseer"},
		{"power", "Power Co", "analyst"}, {"power-admin", "Power Co", "org-admin"},
	} {
		if err := addTestUser(ctx, db, u.login, u.org, u.role, now); err != nil {
			t.Fatal(err)
		}
		tokens[u.login], _, _ = hub.CreateToken(ctx, db, u.login, "", 0, false, now)
	}
	srv := httptest.NewServer((&api.Server{App: app.New(h), MaxBody: 1 << 20}).Handler())
	defer srv.Close()
	call := func(method, path, who string, body any) (int, map[string]any, http.Header) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		if who != "" {
			req.Header.Set("Authorization", "Bearer "+tokens[who])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m, res.Header
	}

	if code, m, _ := call("GET", "/api/v1/me", "", nil); code != 401 || m["http_status"] != "401" {
		t.Fatalf("anonymous: %d %v", code, m)
	}
	if code, _, _ := call("POST", "/api/v1/orgs", "power", map[string]string{"name": "X", "kind": "sme"}); code != 403 {
		t.Fatalf("a member adds an organization: %d", code)
	}
	if code, m, _ := call("POST", "/api/v1/orgs", "admin2", map[string]string{"name": "X", "kind": "bank"}); code != 400 || !strings.Contains(m["description"].(string), "unknown kind") {
		t.Fatalf("bad kind: %d %v", code, m)
	}
	if code, m, _ := call("POST", "/api/v1/orgs", "admin2", map[string]any{"name": "X", "kind": "sme", "colour": 1}); code != 400 || !strings.Contains(m["description"].(string), "colour") {
		t.Fatalf("unknown field: %d %v", code, m)
	}
	if code, _, _ := call("POST", "/api/v1/users", "power-admin", map[string]string{"login": "evil", "role": "admin"}); code != 403 {
		t.Fatalf("an org admin makes a hub admin: %d", code)
	}
	if code, _, _ := call("POST", "/api/v1/users", "power-admin", map[string]string{"login": "new-analyst", "role": "analyst"}); code != 201 {
		t.Fatalf("an org admin adds an analyst: %d", code)
	}
	before, _ := h.Audit.Size(ctx)
	code, m, _ := call("POST", "/api/v1/tokens", "power", map[string]any{"expires": "30d", "read_only": true})
	if code != 201 || !strings.HasPrefix(m["token"].(string), "rk_") {
		t.Fatalf("token: %d %v", code, m)
	}
	if after := waitSize(t, h.Audit, before+1); after <= before {
		t.Fatal("token creation must be in the audit log")
	}
	ro := m["token"].(string)
	tokens["ro"] = ro
	if code, _, _ := call("POST", "/api/v1/webhooks", "ro", map[string]string{"url": "https://example.org/hook"}); code != 403 {
		t.Fatalf("a read-only token writes: %d", code)
	}

	// Approvals: the handler files, the overseer decides.
	code, m, _ = call("POST", "/api/v1/approvals", "handler", map[string]any{"kind": "collection-agreement", "legal_basis": "agreement 2026-14",
		"target": "Power Co border flows", "justification": "C2 hunting", "valid_from": now, "valid_until": now.Add(90 * 24 * time.Hour)})
	if code != 201 {
		t.Fatalf("file approval: %d %v", code, m)
	}
	id := int(m["id"].(float64))
	if code, _, _ := call("POST", "/api/v1/approvals/"+strconv.Itoa(id)+"/decision", "handler", map[string]any{"approve": true, "reason": "x"}); code != 403 {
		t.Fatalf("handler decides: %d", code)
	}
	if code, m, _ := call("POST", "/api/v1/approvals/"+strconv.Itoa(id)+"/decision", "overseer", map[string]any{"approve": true, "reason": "proportionate"}); code != 200 || m["status"] != "approved" {
		t.Fatalf("overseer decides: %d %v", code, m)
	}
	if code, _, _ := call("GET", "/api/v1/approvals", "power", nil); code != 403 {
		t.Fatalf("a member lists approvals: %d", code)
	}
	if code, m, _ := call("GET", "/api/v1/approvals", "overseer", nil); code != 200 || len(m["approvals"].([]any)) != 1 {
		t.Fatalf("overseer lists approvals: %d %v", code, m)
	}
	if code, _, _ := call("GET", "/api/v1/nothing", "power", nil); code != 404 {
		t.Fatalf("unknown path: %d", code)
	}
}

func waitSize(t *testing.T, l *audit.Log, want uint64) uint64 {
	var n uint64
	testwait.Until(5*time.Second, func() bool { n, _ = l.Size(context.Background()); return n >= want })
	return n
}
