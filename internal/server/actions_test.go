package server_test

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/audit"
	"renkei/internal/hub"
	"renkei/internal/store/storetest"
)

// definedActions is every audit action named by a constant Action… in
// package audit (internal/audit/actions.go and its companions): the one
// vocabulary of the log.
func definedActions(t *testing.T) map[string]bool {
	t.Helper()
	names, err := filepath.Glob("../audit/*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	defined := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Action") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						defined[v] = true
					}
				}
			}
		}
	}
	if len(defined) == 0 {
		t.Fatal("no Action constants found in internal/audit")
	}
	return defined
}

// TestDoorActionsDefined: every action a route table names — logged at the
// door or in the capability — is a constant of internal/audit, so that the
// committee's figures count one vocabulary and a misspelt action cannot enter
// the log.
func TestDoorActionsDefined(t *testing.T) {
	t.Parallel()
	defined := definedActions(t)
	for _, d := range doors() {
		for p, rt := range d.table {
			for _, a := range rt.Actions() {
				if !defined[a] {
					t.Errorf("%s: %q logs %q, which is not an action defined in internal/audit/actions.go", d.name, p, a)
				}
			}
		}
	}
}

// TestRouteTableNamesWhatAdvisoriesLog: the advisory route's line names the
// action the capability appends for each kind it issues — a correction
// request is a demand (demand.issue), not a notice.
func TestRouteTableNamesWhatAdvisoriesLog(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newDoorsEnv(t, kind)
			ctx := context.Background()
			db := e.s.App.Store
			now := time.Now().UTC()
			if _, err := hub.AddOrg(ctx, db, "Ministry", "government", "", now); err != nil {
				t.Fatal(err)
			}
			if _, err := hub.AddUser(ctx, db, "center-analyst", e.s.App.Hub.Center().ID, "analyst", doorsPassword, now); err != nil {
				t.Fatal(err)
			}
			tok, _, err := hub.CreateToken(ctx, db, "center-analyst", "", 0, false, now)
			if err != nil {
				t.Fatal(err)
			}
			due := now.Add(72 * time.Hour).Format(time.RFC3339)
			body := `{"kind":"correction","title":"Patch the mail gateway","findings":"unpatched","actions":["patch"],"audience":{"orgs":["Ministry"]},"due":"` + due + `"}`
			if code, out := e.do("POST", "/api/v1/advisories", strings.NewReader(body), "Authorization", "Bearer "+tok, "Content-Type", "application/json"); code != http.StatusCreated {
				t.Fatalf("correction request: %d %s", code, out)
			}
			var logged []string
			for _, en := range e.entries() {
				if en.User == "center-analyst" {
					logged = append(logged, en.Action)
				}
			}
			if len(logged) != 1 {
				t.Fatalf("entries of the correction request: %v, want one", logged)
			}
			for _, d := range doors() {
				for p, rt := range d.table {
					if strings.HasSuffix(p, "/advisories") && strings.HasPrefix(p, "POST ") && !slices.Contains(rt.Actions(), logged[0]) {
						t.Errorf("%s %s names %v, but a correction request logs %q", d.name, p, rt.Actions(), logged[0])
					}
				}
			}
		})
	}
}

// TestLogoutNeverRefused: ending a session takes access away, so a logout is
// never refused — not even when the audit log cannot take its entry. It is
// logged when the log can; otherwise the failure is in the operator's log and
// the session ends all the same.
func TestLogoutNeverRefused(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newDoorsEnv(t, kind)
			loggedOut := func(b *browser) {
				t.Helper()
				if code, body := b.post("/logout", url.Values{}); code != http.StatusSeeOther {
					t.Fatalf("logout: %d, want 303\n%.300s", code, body)
				}
				// The old cookie no longer opens a session, whatever the browser kept.
				res, err := b.c.Get(e.base + "/account")
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
					t.Errorf("after logout /account: %d → %q, want 303 to /login", res.StatusCode, loc)
				}
			}
			stale := e.session("power")
			kept := stale.c.Jar.Cookies(mustURL(t, e.base))
			loggedOut(e.session("power"))
			var found bool
			for _, en := range e.entries() {
				found = found || (en.Action == "logout" && en.User == "power")
			}
			if !found {
				t.Error("a logout with the log up is not in the log")
			}

			e.s.App.Audit.Close()
			loggedOut(stale)
			// Replaying the cookie of the ended session opens nothing.
			stale.c.Jar.SetCookies(mustURL(t, e.base), kept)
			res, err := stale.c.Get(e.base + "/account")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther {
				t.Errorf("the cookie of a session ended without a log still opens /account: %d", res.StatusCode)
			}
			if !strings.Contains(e.logs.String(), "logout not recorded in the audit log") {
				t.Errorf("the unlogged logout is not reported to the operator:\n%s", e.logs.String())
			}
		})
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// sameActs pairs the routes of the REST API and of the console that do the
// same act: each pair must log the same action, so that the committee counts
// an act once whichever door it came through.
var sameActs = []struct{ api, web string }{
	{"POST /api/v1/alerts/{id}/read", "POST /alerts/{id}/read"},
	{"POST /api/v1/webhooks", "POST /alerts/webhooks"},
	{"DELETE /api/v1/webhooks/{id}", "POST /alerts/webhooks/{id}/delete"},
	{"POST /api/v1/webhooks/dead/{id}/retry", "POST /alerts/dead/{id}/retry"},
	{"POST /api/v1/objects", "POST /submit/bundle"},
	{"POST /api/v1/objects", "POST /submit/indicator"},
	{"POST /api/v1/objects", "POST /objects/{id}/sighting"},
	{"POST /api/v1/reports", "POST /reports"},
	{"POST /api/v1/computers", "POST /computers"},
	{"POST /api/v1/cases", "POST /cases"},
	{"POST /api/v1/cases/{id}/actions", "POST /cases/{id}/act"},
	{"POST /api/v1/advisories", "POST /advisories"},
	{"POST /api/v1/advisories/{id}/ack", "POST /advisories/{id}/ack"},
	{"POST /api/v1/advisories/{id}/complete", "POST /advisories/{id}/complete"},
	{"POST /api/v1/consultations", "POST /consult"},
	{"POST /api/v1/consultations/{id}/replies", "POST /consult/{id}/reply"},
	{"POST /api/v1/approvals/{id}/decision", "POST /oversight/approvals/{id}/decide"},
	{"POST /api/v1/approvals/{id}/revocation", "POST /oversight/approvals/{id}/revoke"},
	{"POST /api/v1/committee/members/{login}/confirmation", "POST /oversight/members/{login}/confirm"},
	{"POST /api/v1/committee/members/{login}/retirement", "POST /oversight/members/{login}/retire"},
	{"DELETE /api/v1/committee/members/{login}/retirement", "POST /oversight/members/{login}/withdraw"},
	{"POST /api/v1/connection-points", "POST /vuln/assets"},
	{"POST /api/v1/connection-points/import", "POST /vuln/assets/import"},
	{"DELETE /api/v1/connection-points/{id}", "POST /vuln/assets/{id}/delete"},
	{"POST /api/v1/sboms", "POST /vuln/sboms"},
	{"POST /api/v1/publications", "POST /vuln/vendors"},
	{"POST /api/v1/suppliers", "POST /vuln/suppliers"},
	{"DELETE /api/v1/suppliers/{id}", "POST /vuln/suppliers/{id}/delete"},
	{"POST /api/v1/hunting/packages", "POST /hunting"},
	{"POST /api/v1/orgs", "POST /admin/orgs"},
	{"POST /api/v1/groups", "POST /admin/groups"},
	{"POST /api/v1/users", "POST /admin/users"},
	{"PATCH /api/v1/orgs/{id}", "POST /admin/orgs/{id}/change"},
	{"PATCH /api/v1/orgs/{id}", "POST /admin/orgs/{id}/disable"},
	{"PATCH /api/v1/orgs/{id}", "POST /admin/orgs/{id}/enable"},
	{"DELETE /api/v1/orgs/{id}", "POST /admin/orgs/{id}/delete"},
	{"PATCH /api/v1/groups/{id}", "POST /admin/groups/{id}/change"},
	{"DELETE /api/v1/groups/{id}", "POST /admin/groups/{id}/delete"},
	{"POST /api/v1/users/{id}/role", "POST /admin/users/{id}/role"},
	{"POST /api/v1/users/{id}/disable", "POST /admin/users/{id}/disable"},
	{"POST /api/v1/users/{id}/enable", "POST /admin/users/{id}/enable"},
	{"PUT /api/v1/users/{id}/capabilities/{capability}", "POST /admin/users/{id}/grant"},
	{"DELETE /api/v1/users/{id}/capabilities/{capability}", "POST /admin/users/{id}/revoke"},
	{"POST /api/v1/tokens", "POST /account/tokens"},
	{"POST /api/v1/tokens", "POST /admin/tokens"},
	{"DELETE /api/v1/tokens/{id}", "POST /admin/tokens/{id}/revoke"},
}

// TestOneActOneActionAtEveryDoor: the same act logs the same action through
// the REST API and the console — in the route tables, for every pair of
// routes that do one act, and in the log itself for an advisory acknowledged
// and completed through each door (the console once logged advisory.step).
func TestOneActOneActionAtEveryDoor(t *testing.T) {
	t.Parallel()
	ds := doors()
	apiTable, webTable := ds[0].table, ds[1].table
	for _, p := range sameActs {
		a, okA := apiTable[p.api]
		w, okW := webTable[p.web]
		if !okA || !okW {
			t.Errorf("%s / %s: not both in the route tables (%v, %v)", p.api, p.web, okA, okW)
			continue
		}
		if !slices.Equal(a.Actions(), w.Actions()) {
			t.Errorf("one act, two actions: the API's %s logs %v, the console's %s logs %v", p.api, a.Actions(), p.web, w.Actions())
		}
	}

	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newDoorsEnv(t, kind)
			ctx := context.Background()
			db := e.s.App.Store
			now := time.Now().UTC()
			if _, err := hub.AddUser(ctx, db, "center-analyst", e.s.App.Hub.Center().ID, "analyst", doorsPassword, now); err != nil {
				t.Fatal(err)
			}
			tok, _, err := hub.CreateToken(ctx, db, "center-analyst", "", 0, false, now)
			if err != nil {
				t.Fatal(err)
			}
			due := now.Add(72 * time.Hour).Format(time.RFC3339)
			publish := func() string {
				body := `{"kind":"advisory","title":"Patch the VPN","findings":"exploited","actions":["patch"],"audience":{"orgs":["Power Co"]},"due":"` + due + `"}`
				code, out := e.do("POST", "/api/v1/advisories", strings.NewReader(body), "Authorization", "Bearer "+tok, "Content-Type", "application/json")
				if code != http.StatusCreated {
					t.Fatalf("advisory: %d %s", code, out)
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(out), &m); err != nil {
					t.Fatal(err)
				}
				return m["id"].(string) // its public id
			}
			viaAPI, viaConsole := publish(), publish()
			power := e.session("power")
			for _, step := range []string{"ack", "complete"} {
				if code, out := e.do("POST", "/api/v1/advisories/"+viaAPI+"/"+step, strings.NewReader(`{"evidence":"patched"}`), "Authorization", "Bearer "+e.tokens["power"], "Content-Type", "application/json"); code != http.StatusOK {
					t.Fatalf("API %s: %d %s", step, code, out)
				}
				if code, out := power.post("/advisories/"+viaConsole+"/"+step, url.Values{"evidence": {"patched"}}); code != http.StatusSeeOther {
					t.Fatalf("console %s: %d %.300s", step, code, out)
				}
			}
			logged := map[string][]string{} // door → actions, in order
			for _, en := range e.entries() {
				if en.User == "power" && strings.Contains(en.Detail["route"], "/advisories/") {
					logged[en.Detail["via"]] = append(logged[en.Detail["via"]], en.Action)
				}
			}
			want := []string{audit.ActionAdvisoryAck, audit.ActionAdvisoryComplete}
			for door, got := range logged {
				if !slices.Equal(got, want) {
					t.Errorf("%s logged %v for acknowledging and completing, want %v", door, got, want)
				}
			}
			if len(logged) != 2 {
				t.Errorf("entries by door: %v, want the API's and the console's", logged)
			}
		})
	}
}
