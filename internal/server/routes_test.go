package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/api"
	"renkei/internal/audit"
	"renkei/internal/oversight"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
	"renkei/internal/web"
)

// door is one HTTP door's routes: what it registers and its route table.
type door struct {
	name       string
	registered []string
	table      map[string]audit.Route
}

func doors() []door {
	var ds []door
	reg, table := (&api.Server{}).Routes()
	ds = append(ds, door{"api", reg, table})
	reg, table = web.Routes()
	ds = append(ds, door{"web", reg, table})
	return ds
}

// concrete turns a pattern into a method and a path to request.
func concrete(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	path = strings.ReplaceAll(path, "{$}", "")
	for strings.Contains(path, "{") {
		i := strings.Index(path, "{")
		j := strings.Index(path[i:], "}")
		path = path[:i] + "1" + path[i+j+1:]
	}
	return method, path
}

// TestEveryRouteInItsTable: every route the API and the console register
// has its line in the door's route table (api/routes.go, web/routes.go), and
// every line there is a registered route. A route added without a line fails
// here: the line says whether it is public and what it logs.
func TestEveryRouteInItsTable(t *testing.T) {
	for _, d := range doors() {
		for _, p := range d.registered {
			if _, ok := d.table[p]; !ok {
				t.Errorf("%s: route %q has no line in its route table (internal/%s/routes.go)", d.name, p, d.name)
			}
		}
		for p := range d.table {
			if !slices.Contains(d.registered, p) {
				t.Errorf("%s: the route table names %q, which is not registered", d.name, p)
			}
		}
	}
}

// TestEveryRouteAuthenticatedOrPublic walks every route of the REST API and
// the console: each is public by design (its table says so) or refuses a
// request without credentials — and, on the API, a request with a web
// password.
func TestEveryRouteAuthenticatedOrPublic(t *testing.T) {
	t.Parallel()
	TestEveryRouteInItsTable(t)
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newDoorsEnv(t, kind)
			noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for _, d := range doors() {
				for _, p := range d.registered {
					if d.table[p].Public {
						continue
					}
					method, path := concrete(p)
					for _, creds := range []string{"", basic("power", doorsPassword), "Bearer rk_not-a-token"} {
						req, _ := http.NewRequest(method, e.base+path, strings.NewReader("{}"))
						if creds != "" {
							req.Header.Set("Authorization", creds)
						}
						res, err := noRedirect.Do(req)
						if err != nil {
							t.Fatal(err)
						}
						res.Body.Close()
						switch {
						case d.name == "web" && method == http.MethodGet:
							if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
								t.Errorf("%s %s without a session: %d → %q, want 303 to /login", d.name, p, res.StatusCode, loc)
							}
						case res.StatusCode != http.StatusUnauthorized:
							t.Errorf("%s %s with credentials %q: %d, want 401", d.name, p, creds, res.StatusCode)
						}
					}
				}
			}
		})
	}
}

// TestEveryStateChangingRouteAudited: every route of the REST API and the
// console that changes state names the audit action appended before its act
// takes effect. Where the door appends it (audit.AtDoor), the entry names the
// route, and when the log refuses the append the door answers 503 without
// running the handler. Where the capability appends it (audit.InCapability),
// the acts are tested where they live (TestAdminActsAuditedFirst here and in
// internal/hub, and the approval, advisory, telemetry and supplier tests).
func TestEveryStateChangingRouteAudited(t *testing.T) {
	t.Parallel()
	for _, d := range doors() {
		for p, rt := range d.table {
			if m := audit.PatternMethod(p); m != "" && audit.ChangesState(m) && rt.Action == "" {
				t.Errorf("%s: %q changes state but names no audit action", d.name, p)
			}
		}
	}
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newDoorsEnv(t, kind)
			admin := e.session("root")
			atDoor := map[string][]string{} // door → patterns
			for _, d := range doors() {
				for _, p := range d.registered {
					if rt := d.table[p]; !rt.Public && !rt.Inside && rt.Action != "" {
						atDoor[d.name] = append(atDoor[d.name], p)
					}
				}
			}
			send := func(doorName, p string) (int, string) {
				method, path := concrete(p)
				if doorName == "api" {
					return e.do(method, path, strings.NewReader("{}"), "Authorization", "Bearer "+e.tokens["root"], "Content-Type", "application/json")
				}
				return admin.post(path, url.Values{})
			}
			for doorName, ps := range atDoor {
				for _, p := range ps {
					send(doorName, p)
				}
			}
			logged := map[string]bool{}
			for _, en := range e.entries() {
				if r := en.Detail["route"]; r != "" {
					logged[en.Detail["via"]+" "+r+" "+en.Action] = true
				}
			}
			for _, d := range doors() {
				for _, p := range atDoor[d.name] {
					if !logged[d.name+" "+p+" "+d.table[p].Action] {
						t.Errorf("%s %s: no %s entry naming the route", d.name, p, d.table[p].Action)
					}
				}
			}

			// The log refuses: every such route answers 503 from the door.
			e.s.App.Audit.Close()
			for doorName, ps := range atDoor {
				for _, p := range ps {
					if code, body := send(doorName, p); code != http.StatusServiceUnavailable {
						t.Errorf("%s %s without a log: %d, want 503\n%.300s", doorName, p, code, body)
					}
				}
			}
		})
	}
}

// TestAdminActsAuditedFirst (doors): organizations, groups, users, tokens
// and webhooks changed through the REST API or the console are refused with
// 503, and not changed, when the audit log refuses the append.
func TestAdminActsAuditedFirst(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newDoorsEnv(t, kind)
			admin := e.session("root")
			ctx := context.Background()
			db := e.s.App.Store
			power, err := db.UserByLogin(ctx, "power")
			if err != nil {
				t.Fatal(err)
			}
			rootToken, err := e.s.App.Auth.Token(ctx, e.tokens["root"])
			if err != nil {
				t.Fatal(err)
			}
			tok, err := db.TokenByID(ctx, rootToken.TokenID)
			if err != nil {
				t.Fatal(err)
			}
			e.s.App.Audit.Close()
			bearer := []string{"Authorization", "Bearer " + e.tokens["root"], "Content-Type", "application/json"}
			for _, c := range []struct{ method, path, body string }{
				{"POST", "/api/v1/orgs", `{"name":"Unlogged REST Co","kind":"operator"}`},
				{"POST", "/api/v1/groups", `{"name":"Unlogged REST ISAC","members":["Power Co"]}`},
				{"POST", "/api/v1/users", `{"login":"unlogged-rest","org":"Power Co","role":"analyst"}`},
				{"POST", "/api/v1/tokens", `{"name":"unlogged"}`},
				{"DELETE", "/api/v1/tokens/" + tok.PublicID, ``},
				{"POST", "/api/v1/webhooks", `{"url":"https://hooks.example.jp/x"}`},
			} {
				if code, body := e.do(c.method, c.path, strings.NewReader(c.body), bearer...); code != http.StatusServiceUnavailable {
					t.Errorf("REST %s %s without a log: %d %s, want 503", c.method, c.path, code, body)
				}
			}
			for _, c := range []struct {
				path string
				form url.Values
			}{
				{"/admin/orgs", url.Values{"name": {"Unlogged Web Co"}, "kind": {"operator"}}},
				{"/admin/groups", url.Values{"name": {"Unlogged Web ISAC"}, "member_orgs": {"Power Co"}}},
				{"/admin/users", url.Values{"login": {"unlogged-web"}, "org": {e.s.App.Hub.Center().ID}, "role": {"analyst"}}},
				{"/admin/tokens", url.Values{"login": {"power"}, "name": {"unlogged"}, "expires": {"90d"}}},
				{"/admin/tokens/" + tok.PublicID + "/revoke", url.Values{}},
				{"/admin/users/" + power.PublicID + "/disable", url.Values{}},
				{"/alerts/webhooks", url.Values{"url": {"https://hooks.example.jp/y"}}},
			} {
				if code, body := admin.post(c.path, c.form); code != http.StatusServiceUnavailable {
					t.Errorf("console %s without a log: %d, want 503\n%.300s", c.path, code, body)
				}
			}
			for _, name := range []string{"Unlogged REST Co", "Unlogged Web Co"} {
				if _, err := db.Org(ctx, name); err == nil {
					t.Errorf("%s was added unlogged", name)
				}
			}
			for _, name := range []string{"Unlogged REST ISAC", "Unlogged Web ISAC"} {
				if _, err := db.Group(ctx, name); err == nil {
					t.Errorf("%s was added unlogged", name)
				}
			}
			for _, login := range []string{"unlogged-rest", "unlogged-web"} {
				if _, err := db.UserByLogin(ctx, login); err == nil {
					t.Errorf("%s was added unlogged", login)
				}
			}
			ts, _ := db.Tokens(ctx, 0)
			for _, tk := range ts {
				if tk.Name == "unlogged" || !tk.Revoked.IsZero() {
					t.Errorf("token %d (%s) changed unlogged", tk.ID, tk.Name)
				}
			}
			if ws, _ := db.Webhooks(ctx, e.s.App.Hub.Center().ID); len(ws) != 0 {
				t.Errorf("a webhook was added unlogged: %+v", ws)
			}
		})
	}
}

// browser is a logged-in console session.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

// session logs in on the console's form and returns the session.
func (e *doorsEnv) session(login string) *browser {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: e.t, base: e.base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if code := b.login(login); code != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d", login, code)
	}
	res, err := b.c.Get(e.base + "/account")
	if err != nil {
		e.t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := loginCSRF.FindSubmatch(page)
	if m == nil {
		e.t.Fatalf("no form token on /account: %d", res.StatusCode)
	}
	b.csrf = string(m[1])
	return b
}

func (b *browser) login(login string) int {
	res, err := b.c.Get(b.base + "/login")
	if err != nil {
		b.t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := loginCSRF.FindSubmatch(page)
	if m == nil {
		b.t.Fatalf("no form token on /login")
	}
	res, err = b.c.PostForm(b.base+"/login", url.Values{"csrf": {string(m[1])}, "login": {login}, "password": {doorsPassword}})
	if err != nil {
		b.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// post sends a form with the session's CSRF token.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	form.Set("csrf", b.csrf)
	res, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// entries reads the hub's audit log as an overseer would, once a signed
// checkpoint covers everything appended.
func (e *doorsEnv) entries() []audit.Entry {
	e.t.Helper()
	ctx := context.Background()
	l := e.s.App.Audit
	want, err := l.Size(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	f := l.Fetcher()
	vs, err := oversight.Verifiers(l.VerifierKey())
	if err != nil {
		e.t.Fatal(err)
	}
	var got []audit.Entry
	var scanErr error
	if !testwait.Until(15*time.Second, func() bool {
		got = nil
		cp, err := audit.Scan(ctx, f, vs, func(_ uint64, en audit.Entry) error { got = append(got, en); return nil })
		scanErr = err
		return err == nil && cp.Size >= want
	}) {
		e.t.Fatalf("no checkpoint covering %d entries: %v", want, scanErr)
	}
	return got
}
