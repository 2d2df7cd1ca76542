package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/relevance"
)

// TestVulnPages walks the vulnerability pages in both languages: a member
// registers a connection point by form and by CSV, an exploited
// vulnerability lands, the member sees it first with its due date and
// patch, another member sees nothing of it, and the center's exposure view
// counts sectors without naming anyone.
func TestVulnPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	power := e.as("power-analyst")
	st, _, body := power.post("/vuln/assets", url.Values{"kind": {"vpn"}, "vendor": {"Example Networks"}, "product": {"SecureGate"}, "version": {"7.0.1"}, "address": {"203.0.113.7"}})
	if st != http.StatusOK || !strings.Contains(body, `id="vuln-message"`) || !strings.Contains(body, "203.0.113.7") {
		t.Fatalf("add: %d\n%s", st, body)
	}
	st, _, body = power.post("/vuln/assets", url.Values{"kind": {"router"}, "vendor": {"A"}, "product": {"B"}})
	if st != http.StatusBadRequest || !strings.Contains(body, "kind") {
		t.Fatalf("bad kind: %d", st)
	}
	st, _, body = power.post("/vuln/assets/import", url.Values{"csv": {"kind,vendor,product,last_confirmed\nfirewall,A,Wall,2020-01-01\nvpn,,B,\n"}})
	if st != http.StatusBadRequest || !strings.Contains(body, "line 3: vendor") {
		t.Fatalf("bad CSV: %d\n%s", st, body)
	}
	st, _, body = power.post("/vuln/assets/import", url.Values{"csv": {"kind,vendor,product,last_confirmed\nfirewall,A,Wall,2020-01-01\n"}})
	if st != http.StatusOK || !strings.Contains(body, "stale-flag") {
		t.Fatalf("CSV with an old confirmation must show a stale flag: %d\n%s", st, body)
	}
	viewer := e.as("water-viewer")
	if st, _, _ := viewer.post("/vuln/assets", url.Values{"kind": {"vpn"}, "vendor": {"A"}, "product": {"B"}}); st != http.StatusForbidden {
		t.Fatalf("a viewer registered a device: %d", st)
	}
	kev, csaf := relevance.StoryDocuments(time.Now())
	if _, err := e.app.Relevance.ImportDocuments(context.Background(), []relevance.Input{{Source: "kev", Data: kev}, {Source: "csaf", Data: csaf}}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"ja", "en"} {
		power.lang = lang
		st, body := power.get("/vuln")
		if st != 200 || !strings.Contains(body, "CVE-2026-99001") || !strings.Contains(body, "7.0.2") || strings.Contains(body, missingMark) {
			t.Fatalf("%s what affects us: %d\n%s", lang, st, body)
		}
		for _, p := range []string{"/vuln/assets", "/vuln/vendors"} {
			if st, body := power.get(p); st != 200 || strings.Contains(body, missingMark) {
				t.Fatalf("%s %s: %d\n%s", lang, p, st, body)
			}
		}
	}
	if _, body := e.as("water-analyst").get("/vuln"); strings.Contains(body, "CVE-2026-99001") || !strings.Contains(body, `id="no-findings"`) {
		t.Fatal("another member sees the power company's finding")
	}
	if st, _ := power.get("/vuln/exposure?id=CVE-2026-99001"); st != http.StatusForbidden {
		t.Fatalf("a member opened the exposure view: %d", st)
	}
	center := e.as("center-analyst")
	st, body = center.get("/vuln/exposure?id=CVE-2026-99001")
	if st != 200 || !strings.Contains(body, "<td>電力</td>") || strings.Contains(body, "北電力") || strings.Contains(body, missingMark) {
		t.Fatalf("exposure: %d\n%s", st, body)
	}
}

// TestConnectionPointFormOffersCatalogueNames: the register's form offers
// the product catalogue's vendors and products as the member types, and a
// registered point shows the catalogue product it is matched as.
func TestConnectionPointFormOffersCatalogueNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	power := e.as("power-analyst")
	st, _, body := power.post("/vuln/assets", url.Values{"kind": {"vpn"}, "vendor": {"Ivanti"}, "product": {"Pulse Connect Secure"}, "version": {"9.1R18"}})
	if st != http.StatusOK {
		t.Fatalf("add: %d\n%s", st, body)
	}
	for _, lang := range []string{"ja", "en"} {
		power.lang = lang
		st, body := power.get("/vuln/assets")
		for _, want := range []string{`list="catalogue-vendors"`, `<option value="Fortinet">`, `list="catalogue-products"`, `<option value="Connect Secure" label="Ivanti Connect Secure">`, "Ivanti Connect Secure</span>"} {
			if st != 200 || !strings.Contains(body, want) {
				t.Fatalf("%s: page lacks %q: %d\n%s", lang, want, st, body)
			}
		}
		if strings.Contains(body, missingMark) {
			t.Fatalf("%s: missing translation", lang)
		}
	}
}
