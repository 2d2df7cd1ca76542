package api_test

import (
	"bytes"
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

// vendorVEX is an OpenVEX document saying CVE-2026-99001 does not affect
// SecureGate, under an author string of the uploader's choosing.
const vendorVEX = `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.org/vex/1", "author": "Example Networks PSIRT",
 "timestamp": "2099-01-01T00:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2026-99001"}, "products": [{"@id": "cpe:2.3:o:example_networks:securegate:7.0.1:*:*:*:*:*:*:*"}],
  "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}`

// TestVendorVEXOnlyForOwnProducts over the API: a vendor's VEX about a
// product it is not the registered supplier of is refused (403); the
// center maintains the register (members may not), each change logged
// before it takes effect; once registered, the vendor's statement applies
// and is shown as the publishing organization's.
func TestVendorVEXOnlyForOwnProducts(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Now().UTC()
			if _, err := hub.Bootstrap(ctx, db, now); err != nil {
				t.Fatal(err)
			}
			h, err := hub.New(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if h.Audit, err = audit.Open(ctx, audit.Options{Dir: filepath.Join(dir, "log"), KeyDir: filepath.Join(dir, "keys"), Node: "t", CheckpointInterval: 100 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			defer h.Audit.Close()
			town, _ := hub.AddOrg(ctx, db, "Town", "local-government", "local-government", now)
			hosp, _ := hub.AddOrg(ctx, db, "Hospital", "medical", "medical", now)
			hub.AddOrg(ctx, db, "Example Networks KK", "vendor", "it", now)
			hub.AddOrg(ctx, db, "Rival KK", "vendor", "it", now)
			tokens := map[string]string{}
			for _, u := range []struct{ login, org, role string }{
				{"analyst", h.Center().Name, "analyst"}, {"town", "Town", "org-admin"}, {"psirt", "Example Networks KK", "analyst"}, {"rival", "Rival KK", "analyst"},
			} {
				if _, err := hub.AddUser(ctx, db, u.login, u.org, u.role, "", now); err != nil {
					t.Fatal(err)
				}
				tokens[u.login], _, _ = hub.CreateToken(ctx, db, u.login, "", 0, false, now)
			}
			a := app.New(h)
			if _, err := a.Relevance.Story5(ctx, town.ID, hosp.ID, now); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer((&api.Server{App: a, MaxBody: 1 << 20}).Handler())
			defer srv.Close()
			call := func(method, path, who, body string) (int, map[string]any) {
				req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader([]byte(body)))
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
			if code, m := call("POST", "/api/v1/publications?kind=vex&product=SecureGate", "rival", vendorVEX); code != 403 || !strings.Contains(m["description"].(string), "cpe:example_networks:securegate") {
				t.Fatalf("another vendor's VEX: %d %v, want 403", code, m)
			}
			if code, m := call("POST", "/api/v1/publications?kind=vex&product=SecureGate", "psirt", vendorVEX); code != 403 {
				t.Fatalf("an unregistered supplier's VEX: %d %v, want 403", code, m)
			}
			entry := `{"org": "Example Networks KK", "name": "SecureGate", "cpe": "example_networks:securegate"}`
			if code, m := call("POST", "/api/v1/suppliers", "town", entry); code != 403 {
				t.Fatalf("a member registered a supplier: %d %v", code, m)
			}
			if code, m := call("POST", "/api/v1/suppliers", "analyst", `{"org": "Example Networks KK"}`); code != 400 {
				t.Fatalf("an entry without a product: %d %v", code, m)
			}
			before, _ := h.Audit.Size(ctx)
			code, m := call("POST", "/api/v1/suppliers", "analyst", entry)
			if code != 201 {
				t.Fatalf("register: %d %v", code, m)
			}
			if after := waitSize(t, h.Audit, before+1); after != before+1 {
				t.Fatalf("audit log grew by %d, want 1", after-before)
			}
			id := itoa(int(m["supplier"].(map[string]any)["id"].(float64)))
			if code, m := call("GET", "/api/v1/suppliers", "town", ""); code != 200 || len(m["suppliers"].([]any)) != 1 {
				t.Fatalf("list: %d %v", code, m)
			}
			if code, m := call("POST", "/api/v1/publications?kind=vex&product=SecureGate", "rival", vendorVEX); code != 403 {
				t.Fatalf("another vendor's VEX after registration: %d %v", code, m)
			}
			if code, m := call("POST", "/api/v1/publications?kind=vex&product=SecureGate", "psirt", vendorVEX); code != 201 {
				t.Fatalf("the supplier's VEX: %d %v", code, m)
			}
			code, m = call("GET", "/api/v1/vulnerabilities/affecting-us?all=1", "town", "")
			fs, _ := m["findings"].([]any)
			if code != 200 || len(fs) != 1 {
				t.Fatalf("affecting us: %d %v", code, m)
			}
			if by, _ := fs[0].(map[string]any)["suppressed_by"].(map[string]any); by == nil || by["author"] != "Example Networks KK" {
				t.Fatalf("suppressed by %v, want the publishing organization", fs[0])
			}
			if code, _ := call("DELETE", "/api/v1/suppliers/"+id, "town", ""); code != 403 {
				t.Fatalf("a member removed an entry: %d", code)
			}
			if code, m := call("DELETE", "/api/v1/suppliers/"+id, "analyst", ""); code != 200 {
				t.Fatalf("remove: %d %v", code, m)
			}
			if code, _ := call("DELETE", "/api/v1/suppliers/"+id, "analyst", ""); code != 404 {
				t.Fatalf("remove again: %d", code)
			}
		})
	}
}
