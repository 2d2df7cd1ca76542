package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/api"
	"renkei/internal/app"
	"renkei/internal/hub"
	"renkei/internal/relevance"
	"renkei/internal/store/storetest"
)

// TestVulnerabilityAPI walks the relevance API on each store: a member
// registers connection points by JSON and CSV, a KEV entry and advisory
// land, the member reads what affects it, another member sees none of it,
// and only the center sees exposure — by sector, without names.
func TestVulnerabilityAPI(t *testing.T) {
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
			withAuditLog(t, h)
			hub.AddOrg(ctx, db, "Town", "local-government", "local-government", now)
			hub.AddOrg(ctx, db, "Hospital", "medical", "medical", now)
			hub.AddOrg(ctx, db, "Vendor KK", "vendor", "it", now)
			tokens := map[string]string{}
			for _, u := range []struct{ login, org, role string }{
				{"analyst", h.Center().Name, "analyst"}, {"overseer", "", "overseer"},
				{"town", "Town", "analyst"}, {"town-viewer", "Town", "viewer"}, {"hosp", "Hospital", "analyst"}, {"psirt", "Vendor KK", "reporter"},
			} {
				if err := addTestUser(ctx, db, u.login, u.org, u.role, now); err != nil {
					t.Fatal(err)
				}
				tokens[u.login], _, _ = hub.CreateToken(ctx, db, u.login, "", 0, false, now)
			}
			a := app.New(h)
			srv := httptest.NewServer((&api.Server{App: a, MaxBody: 1 << 20}).Handler())
			defer srv.Close()
			call := func(method, path, who string, body any) (int, map[string]any) {
				var rd io.Reader
				switch b := body.(type) {
				case nil:
				case []byte:
					rd = bytes.NewReader(b)
				case string:
					rd = strings.NewReader(b)
				default:
					j, _ := json.Marshal(b)
					rd = bytes.NewReader(j)
				}
				req, _ := http.NewRequest(method, srv.URL+path, rd)
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
			cp := map[string]any{"kind": "vpn", "vendor": "Example Networks", "product": "SecureGate", "version": "7.0.1", "address": "203.0.113.7"}
			if code, _ := call("POST", "/api/v1/connection-points", "town-viewer", cp); code != 403 {
				t.Fatalf("a viewer registered a device: %d", code)
			}
			if code, m := call("POST", "/api/v1/connection-points", "town", map[string]any{"kind": "router", "vendor": "x", "product": "y"}); code != 400 || !strings.Contains(m["description"].(string), "kind") {
				t.Fatalf("bad kind: %d %v", code, m)
			}
			code, m := call("POST", "/api/v1/connection-points", "town", cp)
			if code != 201 {
				t.Fatalf("add: %d %v", code, m)
			}
			id := int(m["connection_point"].(map[string]any)["id"].(float64))
			if code, m := call("POST", "/api/v1/connection-points/import", "hosp", "kind,vendor,product,version\nvpn,Example Networks,SecureGate,7.0.1\nrouter,a,b,1\n"); code != 400 || !strings.Contains(m["description"].(string), "line 3") {
				t.Fatalf("bad CSV: %d %v", code, m)
			}
			if code, m := call("POST", "/api/v1/connection-points/import", "hosp", "kind,vendor,product,version\nvpn,Example Networks,SecureGate,7.0.1\n"); code != 201 || m["imported"].(float64) != 1 {
				t.Fatalf("CSV: %d %v", code, m)
			}
			kev, csaf := relevance.StoryDocuments(now)
			res, err := a.Relevance.ImportDocuments(ctx, []relevance.Input{{Source: "kev", Data: kev}, {Source: "csaf", Data: csaf}})
			if err != nil || res.Alerts != 2 {
				t.Fatalf("import: %+v %v", res, err)
			}
			code, m = call("GET", "/api/v1/vulnerabilities/affecting-us", "town-viewer", nil)
			fs, _ := m["findings"].([]any)
			if code != 200 || len(fs) != 1 || fs[0].(map[string]any)["known_exploited"] != true || fs[0].(map[string]any)["fixed_version"] != "7.0.2" {
				t.Fatalf("affecting us: %d %v", code, m)
			}
			if code, m := call("GET", "/api/v1/vulnerabilities/affecting-us", "psirt", nil); code != 200 || len(m["findings"].([]any)) != 0 {
				t.Fatalf("the vendor sees findings of others: %v", m)
			}
			if code, _ := call("DELETE", "/api/v1/connection-points/"+itoa(id), "hosp", nil); code != 404 {
				t.Fatalf("another member deleted the town's device: %d", code)
			}
			if code, _ := call("GET", "/api/v1/exposure/CVE-2026-99001", "town", nil); code != 403 {
				t.Fatalf("a member read exposure: %d", code)
			}
			code, m = call("GET", "/api/v1/exposure/CVE-2026-99001", "analyst", nil)
			if code != 200 || m["members"].(float64) != 2 {
				t.Fatalf("exposure: %d %v", code, m)
			}
			if b, _ := json.Marshal(m); strings.Contains(string(b), "Town") || strings.Contains(string(b), "identity--") {
				t.Fatalf("exposure names a member: %s", b)
			}
			if code, _ := call("POST", "/api/v1/publications?kind=label&product=Cam&label_level=3", "town", nil); code != 403 {
				t.Fatalf("a town hall published as a vendor: %d", code)
			}
			if code, m := call("POST", "/api/v1/publications?kind=label&product=Cam&label_level=3", "psirt", nil); code != 201 {
				t.Fatalf("label: %d %v", code, m)
			}
			sb, _ := json.Marshal(map[string]any{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
				"metadata":   map[string]any{"component": map[string]any{"type": "application", "name": "PACS", "version": "4.2"}},
				"components": []any{map[string]any{"type": "library", "name": "log4j-core", "version": "2.14.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}}})
			if code, m := call("POST", "/api/v1/sboms", "hosp", sb); code != 201 {
				t.Fatalf("SBOM: %d %v", code, m)
			}
			if code, m := call("POST", "/api/v1/sboms", "hosp", "not an sbom"); code != 400 {
				t.Fatalf("bad SBOM: %d %v", code, m)
			}
			if code, m := call("GET", "/api/v1/sboms", "hosp", nil); code != 200 || len(m["sboms"].([]any)) != 1 {
				t.Fatalf("SBOMs: %d %v", code, m)
			}
			if code, _ := call("GET", "/api/v1/connection-points", "overseer", nil); code != 403 {
				t.Fatalf("an overseer read the register: %d", code)
			}
			if code, m := call("POST", "/api/v1/feeds", "analyst", map[string]any{"url": "https://example.com/kev.json", "format": "kev", "interval": "12h"}); code != 201 {
				t.Fatalf("feed: %d %v", code, m)
			}
			if code, m := call("GET", "/api/v1/feeds", "analyst", nil); code != 200 || len(m["feeds"].([]any)) != 1 {
				t.Fatalf("feeds: %d %v", code, m)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
