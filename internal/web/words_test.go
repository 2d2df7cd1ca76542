package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"renkei/internal/cases"
	"renkei/internal/demo"
	"renkei/internal/hubtest"
	"renkei/internal/incident"
	"renkei/internal/stix"
	"renkei/internal/store"
)

// newDemoEnv is the console over a hub filled with the demo's data and
// story (renkei demo), its accounts logged in with the demo's password.
func newDemoEnv(t *testing.T, kind string) *env {
	t.Helper()
	ctx := context.Background()
	f := hubtest.New(t, kind, hubtest.WithAudit())
	now := f.Now.UTC()
	if _, err := demo.Fill(ctx, f.DB, now); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.FillStory(ctx, f.DB, t.TempDir(), now); err != nil {
		t.Fatal(err)
	}
	handler, err := New(f.App, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, h: f.Hub, app: f.App, srv: httptest.NewServer(handler), adminPass: f.AdminPassword, center: f.Center()}
	t.Cleanup(e.srv.Close)
	return e
}

// vocabularies are the values of the hub's vocabularies that a Japanese
// page must name in Japanese: STIX types, sectors in use, organization
// kinds, report types and stages, and the statuses of cases, incidents,
// advisories and consultations.
func vocabularies(t *testing.T, db *store.DB) map[string]bool {
	words := map[string]bool{}
	add := func(vs ...string) {
		for _, v := range vs {
			words[v] = true
		}
	}
	add(stix.Types()...)
	add(store.OrgKinds...)
	add(cases.Statuses...)
	add(incident.Statuses...)
	add(incident.Stages...)
	add("art5", "sector", "personal-data", "disclosure")
	add("acknowledged", "completed") // an advisory's recipients
	add("open", "answered", "closed")
	orgs, err := db.Orgs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if o.Sector != "" {
			add(o.Sector)
		}
	}
	return words
}

var (
	textNode   = regexp.MustCompile(`>([^<>]+)<`)
	textParts  = regexp.MustCompile(`[、·/()（）:：|]`)
	pageScript = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`)
	pageLink   = regexp.MustCompile(`href="(/(?:reports|cases|advisories|consult|hunting|objects)/[^"/?#]+)"`)
)

// rawWords returns the text of page (its text nodes, cut at punctuation)
// that is nothing but raw values of words: a key shown where its name
// belongs ("energy", "art5 initial", "indicator").
func rawWords(page string, words map[string]bool) []string {
	var raw []string
	for _, m := range textNode.FindAllStringSubmatch(pageScript.ReplaceAllString(page, ""), -1) {
		for _, part := range textParts.Split(m[1], -1) {
			fields := strings.Fields(part)
			for i, f := range fields {
				fields[i] = strings.TrimRight(f, ",") // "energy, water"; "kind,vendor,product" (CSV columns) stays one field
			}
			if len(fields) == 0 {
				continue
			}
			if !slices.ContainsFunc(fields, func(f string) bool { return !words[f] }) {
				raw = append(raw, strings.TrimSpace(part))
			}
		}
	}
	slices.Sort(raw)
	return slices.Compact(raw)
}

// TestJapanesePagesNameEveryWord (issue 18 point 3): the main pages of the
// Japanese console, over the demo's data and for each kind of user, show no
// raw value of the hub's vocabularies — STIX types, sectors, organization
// kinds, report types and stages, statuses — where its Japanese name
// belongs.
func TestJapanesePagesNameEveryWord(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t, "sqlite")
	words := vocabularies(t, e.app.Store)
	pages := map[string][]string{
		"center-analyst": {"/", "/objects", "/reports", "/cases", "/advisories", "/consult", "/hunting", "/vuln", "/vuln/assets", "/cop", "/computers", "/alerts"},
		"kanto-analyst":  {"/", "/objects", "/reports", "/advisories", "/consult", "/hunting", "/vuln", "/alerts"},
		"minato-it":      {"/", "/advisories", "/vuln", "/vuln/assets", "/alerts"},
		"vendor-psirt":   {"/", "/vuln"},
		"overseer":       {"/", "/oversight", "/cop"},
	}
	for login, paths := range pages {
		c := e.client().login(login, demo.Password)
		seen := map[string]bool{}
		for i := 0; i < len(paths); i++ {
			path := paths[i]
			st, page := c.get(path)
			if st != http.StatusOK {
				t.Errorf("%s %s: %d", login, path, st)
				continue
			}
			if raw := rawWords(page, words); len(raw) > 0 {
				t.Errorf("%s %s shows raw words: %q", login, path, raw)
			}
			// The first record of each listing is read too.
			for _, m := range pageLink.FindAllStringSubmatch(page, -1) {
				kind := strings.Split(m[1], "/")[1]
				if !seen[kind] && !slices.Contains(paths, m[1]) {
					seen[kind] = true
					paths = append(paths, m[1])
				}
			}
		}
	}
	c := e.as("admin")
	if _, page := c.get("/admin"); len(rawWords(page, words)) > 0 {
		t.Errorf("admin /admin shows raw words: %q", rawWords(page, words))
	}
}
