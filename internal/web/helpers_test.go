package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// env is a real hub on a real SQLite store behind the console, with two
// member organizations besides the center.
type env struct {
	t         *testing.T
	h         *hub.Hub
	app       *app.App // the console's capabilities
	srv       *httptest.Server
	adminPass string
	center    store.Org
	power     store.Org // an operator
	water     store.Org // another operator
}

const testPassword = hubtest.Password

func newEnv(t *testing.T, opt Options) *env {
	t.Helper()
	return newEnvOn(t, "sqlite", opt)
}

// newEnvOn is newEnv on a given kind of store (see storetest.Kinds).
// Logins are logged before a session exists (rule C7), so the console needs
// its audit log.
func newEnvOn(t *testing.T, kind string, opt Options) *env {
	t.Helper()
	f := hubtest.New(t, kind, hubtest.WithAudit())
	a := f.App
	handler, err := New(a, opt)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, h: f.Hub, app: a, srv: httptest.NewServer(handler), adminPass: f.AdminPassword, center: f.Center()}
	t.Cleanup(e.srv.Close)
	e.power = f.Org("北電力株式会社", "operator", "electricity")
	e.water = f.Org("Minato Water Works", "operator", "water")
	for _, u := range []struct{ login, org, role string }{
		{"power-analyst", e.power.ID, "analyst"},
		{"power-admin", e.power.ID, "org-admin"},
		{"water-analyst", e.water.ID, "analyst"},
		{"water-viewer", e.water.ID, "viewer"},
		{"center-analyst", e.center.ID, "analyst"},
		{"power-reporter", e.power.ID, "reporter"},
	} {
		f.LoginUser(u.login, u.org, u.role)
	}
	return e
}

// client is one browser: a cookie jar, no automatic redirects, and the CSRF
// token of the last page it saw.
type client struct {
	t    *testing.T
	e    *env
	c    *http.Client
	csrf string
	lang string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// do sends a request and returns the status, the Location and the body; it
// remembers any CSRF token on the page.
func (c *client) do(method, path string, form url.Values) (int, string, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	st, _, body := c.do("GET", path, nil)
	return st, body
}

// post sends a form with the current CSRF token.
func (c *client) post(path string, form url.Values) (int, string, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" {
		form.Set("csrf", c.csrf)
	}
	return c.do("POST", path, form)
}

func (c *client) login(login, password string) *client {
	c.t.Helper()
	c.get("/login")
	st, loc, body := c.post("/login", url.Values{"login": {login}, "password": {password}})
	if st != http.StatusSeeOther || loc != "/" {
		c.t.Fatalf("login %s: status %d location %q\n%s", login, st, loc, body)
	}
	c.get("/") // pick up the session's CSRF token
	return c
}

func (e *env) as(login string) *client {
	if login == "admin" {
		return e.client().login("admin", e.adminPass)
	}
	return e.client().login(login, testPassword)
}

// newestAdvisory is the console page of the advisory published last: an
// advisory is named by its public id, which the publishing form does not
// show.
func (e *env) newestAdvisory() string {
	e.t.Helper()
	l, err := e.h.DB.Advisories(context.Background(), policy.System(), store.AdvisoryQuery{Limit: 1}, time.Now())
	if err != nil || len(l) == 0 {
		e.t.Fatalf("the newest advisory: %v %v", l, err)
	}
	return "/advisories/" + l[0].PublicID
}
