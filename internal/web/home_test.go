package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/approval"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/incident"
	"renkei/internal/relevance"
	"renkei/internal/store"
)

// homeUser is one kind of user of the console and what its menu and home
// page must show and must not show.
type homeUser struct {
	name, login       string
	nav, notNav       []string // menu entries (their href)
	panels, notPanels []string // ids on the home page
	refused           []string // pages refused by their address
	refusedPost       []string // forms refused
}

// homeUsers are the six users of issue 18: a center analyst, an operator's
// security officer, a town hall's IT person, a hospital's, a vendor's and
// an overseer.
var homeUsers = []homeUser{
	{name: "center analyst", login: "center-analyst",
		nav:    []string{"/objects", "/reports", "/computers", "/cases", "/consult", "/advisories", "/cop", "/hunting", "/vuln/assets", "/telemetry"},
		notNav: []string{"/oversight", "/admin"},
		panels: []string{"today-reports", "today-consult"}, notPanels: []string{"today-approvals"}},
	{name: "operator security officer", login: "power-admin",
		nav:    []string{"/objects", "/reports", "/computers", "/advisories", "/hunting", "/vuln/assets", "/telemetry", "/admin"},
		notNav: []string{"/oversight", "/approvals/request"},
		panels: []string{"today-advisories", "today-reports", "today-hunting"}, notPanels: []string{"today-approvals", "today-consult"}},
	{name: "town hall", login: "town-it",
		nav:    []string{"/objects", "/advisories", "/consult", "/vuln/assets", "/alerts"},
		notNav: []string{"/reports", "/computers", "/hunting", "/telemetry", "/oversight", "/admin"},
		panels: []string{"today-advisories"}, notPanels: []string{"today-reports", "today-hunting", "today-approvals"},
		refused: []string{"/reports", "/computers", "/hunting", "/telemetry", "/telemetry/exports", "/oversight"}, refusedPost: []string{"/hunting", "/reports"}},
	{name: "hospital", login: "hospital-it",
		nav:    []string{"/objects", "/advisories", "/vuln/assets", "/admin"},
		notNav: []string{"/reports", "/computers", "/hunting", "/telemetry", "/oversight"},
		panels: []string{"today-advisories", "today-assets"}, notPanels: []string{"today-reports", "today-hunting"},
		refused: []string{"/reports", "/hunting", "/telemetry"}, refusedPost: []string{"/computers"}},
	{name: "vendor", login: "vendor-psirt",
		nav:    []string{"/objects", "/advisories", "/vuln/vendors", "/hunting", "/telemetry"},
		notNav: []string{"/reports", "/computers", "/oversight", "/admin"},
		panels: []string{"today-advisories"}, notPanels: []string{"today-reports"},
		refused: []string{"/reports", "/computers"}},
	{name: "overseer", login: "iinkai",
		nav:    []string{"/oversight", "/oversight/inspect", "/oversight/figures", "/oversight/log", "/cop", "/alerts"},
		notNav: []string{"/objects", "/submit", "/reports", "/cases", "/consult", "/advisories", "/hunting", "/vuln", "/admin"},
		panels: []string{"today-approvals"}, notPanels: []string{"today-advisories", "h-counts", "h-recent", "h-sightings"},
		refused: []string{"/objects", "/submit", "/reports", "/cases", "/consult", "/advisories", "/hunting", "/vuln", "/vuln/assets", "/computers"}},
}

// homeFixture adds a town hall, a hospital and a vendor with their users to
// e, and what waits for each: an advisory to every member, an incident
// report the power company owes, the town hall's question to the center, a
// hunting package to the electricity sector, the hospital's connection
// point not confirmed for a year, and a request for the committee's approval.
func homeFixture(t *testing.T, e *env) {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	add := func(name, kind, sector string) store.Org {
		o, err := hub.AddOrg(ctx, e.h.DB, name, kind, sector, now)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	town, hospital, vendor := add("みなと市役所", "local-government", "local-government"), add("北辰総合病院", "medical", "medical"), add("Example Networks KK", "vendor", "it")
	caller := func(login, org, role string) auth.Caller {
		u, err := hub.AddUser(ctx, e.h.DB, login, org, role, testPassword, now)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := e.h.DB.Org(ctx, org)
		return auth.Caller{User: u, Org: o}
	}
	townIT := caller("town-it", town.ID, "analyst")
	hospitalIT := caller("hospital-it", hospital.ID, "org-admin")
	caller("vendor-psirt", vendor.ID, "analyst")
	e.withOverseer()
	e.fileApproval(approval.KindMeasure, false)

	existing := func(login string) auth.Caller {
		u, err := e.h.DB.UserByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := e.h.DB.Org(ctx, u.OrgID)
		return auth.Caller{User: u, Org: o}
	}
	if _, err := e.app.Advisories.Publish(ctx, existing("center-analyst"), advisory.Advisory{Title: "SecureGate SSL-VPN: update to 7.0.3", Actions: []string{"update"},
		Audience: advisory.Audience{All: true}, Due: now.Add(72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Incidents.File(ctx, existing("power-admin"), incident.Filing{Duties: []string{"art5"}, Type: "art5", Stage: "initial",
		Category: "ransomware", Title: "Ransomware on the historian", WhatHappened: "Files on the historian were encrypted.", SystemsAffected: "historian",
		ServiceImpact: "none", DetectedAt: now.Add(-time.Hour).Format(time.RFC3339), CurrentStatus: "contained", TLP: "amber", Consent: "center"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Consult.Ask(ctx, townIT, "consultation", "不審なメールの扱い", "職員に届いた不審なメールをどう扱えばよいですか。", ""); err != nil {
		t.Fatal(err)
	}
	center := e.as("center-analyst")
	if st, loc, body := center.post("/hunting", url.Values{"title": {"Ransomware precursors"}, "tlp": {"amber"}, "scope": {"sector=electricity"}, "rules": {huntRule}}); st != http.StatusSeeOther {
		t.Fatalf("publish a hunting package: %d %s\n%s", st, loc, body)
	}
	if _, _, err := e.app.Relevance.AddConnectionPoint(ctx, hospitalIT.Viewer(), relevance.ConnectionPoint{Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate",
		Version: "7.0.1", Address: "203.0.113.20", LastConfirmed: now.Add(-400 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

// navOf returns the menu of a page.
func navOf(body string) string {
	i, j := strings.Index(body, `<nav class="side"`), strings.Index(body, "</nav>")
	if i < 0 || j < i {
		return ""
	}
	return body[i:j]
}

// TestHomeFollowsRoleAndKind: each kind of user's menu offers the sections
// that apply to it and no other, its home page shows what waits for it and
// no empty or foreign panel, and a page that does not apply is refused with
// the error page when asked for by its address — for reading and for forms.
func TestHomeFollowsRoleAndKind(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	homeFixture(t, e)
	for _, u := range homeUsers {
		t.Run(u.name, func(t *testing.T) {
			c := e.as(u.login)
			st, body := c.get("/")
			if st != http.StatusOK {
				t.Fatalf("home: %d", st)
			}
			nav := navOf(body)
			for _, h := range u.nav {
				if !strings.Contains(nav, `href="`+h+`"`) {
					t.Errorf("the menu lacks %s", h)
				}
			}
			for _, h := range u.notNav {
				if strings.Contains(nav, `href="`+h+`"`) {
					t.Errorf("the menu offers %s", h)
				}
			}
			for _, id := range u.panels {
				if !strings.Contains(body, `id="`+id+`"`) {
					t.Errorf("the home page lacks the panel %s", id)
				}
			}
			for _, id := range u.notPanels {
				if strings.Contains(body, `id="`+id+`"`) {
					t.Errorf("the home page shows the panel %s", id)
				}
			}
			if strings.Contains(body, missingMark) {
				t.Errorf("the home page shows a missing key")
			}
			for _, p := range u.refused {
				if st, body := c.get(p); st != http.StatusForbidden || !strings.Contains(body, "このページはあなたの組織・役割には当てはまりません") {
					t.Errorf("GET %s: %d, want 403 with the error page", p, st)
				}
			}
			for _, p := range u.refusedPost {
				if st, _, _ := c.post(p, url.Values{"title": {"x"}}); st != http.StatusForbidden {
					t.Errorf("POST %s: %d, want 403", p, st)
				}
			}
		})
	}
}

// TestEveryPageHasASection: every page and form of a logged-in user names
// its console section (routeSections), so that none is served to a user
// the menu does not offer it to; only the account pages and logging out
// apply to everyone.
func TestEveryPageHasASection(t *testing.T) {
	t.Parallel()
	everyone := map[string]bool{"GET /account": true, "POST /account/password": true, "POST /account/tokens": true, "POST /account/zone": true, "POST /logout": true}
	registered, table := Routes()
	for _, p := range registered {
		if _, ok := sectionOf(p); ok || everyone[p] || table[p].Public {
			continue
		}
		t.Errorf("route %q has no console section in web/sections.go", p)
	}
	for p := range routeSections {
		if _, ok := table[p]; !ok {
			t.Errorf("routeSections names %q, which is not a route", p)
		}
	}
}
