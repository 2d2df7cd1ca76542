package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"renkei/internal/auth"
	"renkei/internal/huntpkg"
)

const huntRule = `title: Shadow copies deleted
id: 5b1e0a4c-7a0e-4a51-9d43-3f8f4c1a2b3c
level: high
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|contains|all: [vssadmin, 'delete shadows']
  condition: selection
`

func TestHuntingPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()

	center := e.as("center-analyst")
	st, body := center.get("/hunting")
	if st != 200 || !strings.Contains(body, `action="/hunting"`) {
		t.Fatalf("hunting page: %d", st)
	}
	// A rule that does not load is named, and nothing is published.
	st, _, body = center.post("/hunting", url.Values{"title": {"x"}, "tlp": {"amber"}, "scope": {"sector=water"},
		"rules": {huntRule + "---\ntitle: broken\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|bogus: x\n  condition: sel\n"}})
	if st != http.StatusBadRequest || !strings.Contains(body, `id="not-loaded"`) || !strings.Contains(body, "bogus") {
		t.Fatalf("broken rule: %d\n%s", st, body)
	}
	st, loc, body := center.post("/hunting", url.Values{"title": {"Ransomware precursors"}, "tlp": {"amber"}, "scope": {"sector=water"},
		"rules": {huntRule}, "indicators": {"45.77.1.2\n# comment\nevil.renkei-test.jp"}})
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/hunting/hunt-package--") {
		t.Fatalf("publish: %d %q\n%s", st, loc, body)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/hunting/"), "?ok=published")

	water := e.as("water-analyst")
	st, body = water.get("/hunting")
	if st != 200 || !strings.Contains(body, "/hunting/"+id) || !strings.Contains(body, "Ransomware precursors") {
		t.Fatalf("water list: %d", st)
	}
	st, body = water.get("/hunting/" + id)
	cmd := regexp.MustCompile(`renkei hunt --package ` + regexp.QuoteMeta(id) + ` --hub http://127\.0\.0\.1:\d+ --token YOUR_TOKEN LOGS\.\.\.`)
	if st != 200 || !cmd.MatchString(body) || strings.Contains(body, `id="coverage"`) {
		t.Fatalf("water package page: %d (a member sees the command, not the coverage)\n%s", st, body)
	}
	if st, _ := e.as("power-analyst").get("/hunting/" + id); st != http.StatusNotFound {
		t.Fatalf("an organization out of scope sees the package: %d", st)
	}

	// Water Works reports a run; the center sees coverage with the bar.
	u, _ := e.h.DB.UserByLogin(ctx, "water-analyst")
	svc := e.app.Hunting
	if _, err := svc.Report(ctx, auth.Caller{User: u, Org: e.water}, id, huntpkg.ReportRequest{Events: 1234, Files: 2,
		Rules: []huntpkg.RuleHits{{RuleID: "5b1e0a4c-7a0e-4a51-9d43-3f8f4c1a2b3c", Title: "Shadow copies deleted", Hits: 3}}}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"ja", "en"} {
		center.lang = lang
		st, body = center.get("/hunting/" + id)
		if st != 200 || strings.Contains(body, "‹missing:") {
			t.Fatalf("%s: %d, missing translation", lang, st)
		}
		if !strings.Contains(body, `id="coverage"`) || !strings.Contains(body, "<svg") || !strings.Contains(body, `width="480"`) || !strings.Contains(body, "Minato Water Works") || !strings.Contains(body, ">1234<") {
			t.Fatalf("%s coverage:\n%s", lang, body)
		}
		if _, body = center.get("/hunting"); strings.Contains(body, "‹missing:") {
			t.Fatalf("%s: missing translation on the list", lang)
		}
	}
	center.lang = "en"
	if _, body = center.get("/hunting/" + id); !strings.Contains(body, "1 of 1 organizations in scope ran it; 0 have not yet.") {
		t.Fatalf("coverage summary:\n%s", body)
	}
}
