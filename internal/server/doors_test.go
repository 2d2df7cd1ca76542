package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/server"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// doorsEnv is a whole hub (TAXII, API, console, audit log) served on a real
// store, with a member analyst and an overseer who both have a web password
// and a token.
type doorsEnv struct {
	t      *testing.T
	base   string
	s      *server.Server
	tokens map[string]string // login → token
	logs   *syncBuffer
}

const doorsPassword = "correct horse battery staple"

func newDoorsEnv(t *testing.T, kind string) *doorsEnv {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.MigratedDSN(t, kind))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Now().UTC()
	b, err := hub.Bootstrap(ctx, db, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hub.AddOrg(ctx, db, "Power Co", "operator", "energy", now); err != nil {
		t.Fatal(err)
	}
	e := &doorsEnv{t: t, tokens: map[string]string{}, logs: &syncBuffer{}}
	for _, u := range []struct{ login, org, role string }{
		{"power", "Power Co", "analyst"},
		{"iinkai", "", "overseer"},
		{"root", b.Center.ID, "admin"},
	} {
		_, err := hub.AddUser(ctx, db, u.login, u.org, u.role, doorsPassword, now)
		if u.role == "overseer" { // the committee's first member, with the test's password
			var ov store.User
			if ov, _, err = hub.BootstrapCommittee(ctx, db, "Oversight Committee", u.login, "test", now); err == nil {
				ov.PasswordHash, _ = auth.HashPassword(doorsPassword)
				err = db.UpdateUser(ctx, ov)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.tokens[u.login], _, err = hub.CreateToken(ctx, db, u.login, "", 0, false, now); err != nil {
			t.Fatal(err)
		}
	}
	e.s, err = server.New(ctx, server.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir()}, slog.New(slog.NewJSONHandler(e.logs, nil)), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.s.Close() })
	runCtx, cancel := context.WithCancel(ctx)
	addrc := make(chan string, 1)
	done := make(chan struct{})
	go func() { e.s.Run(runCtx, func(a string) { addrc <- a }); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	e.base = "http://" + <-addrc
	return e
}

// do sends a request with optional headers (name, value, …) and returns the
// status and body.
func (e *doorsEnv) do(method, path string, body io.Reader, hdr ...string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func basic(login, secret string) string {
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(login, secret)
	return r.Header.Get("Authorization")
}

var loginCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// webLogin logs in on the console's form and returns the status of the POST.
func (e *doorsEnv) webLogin(login, password string) int {
	e.t.Helper()
	_, code := e.webSession(login, password)
	return code
}

// webSession logs in on the console's form and returns the client holding
// the session (it follows no redirect) and the status of the POST.
func (e *doorsEnv) webSession(login, password string) (*http.Client, int) {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(e.base + "/login")
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := loginCSRF.FindSubmatch(b)
	if m == nil {
		e.t.Fatalf("no form token on /login: %s", b)
	}
	res, err = c.PostForm(e.base+"/login", url.Values{"csrf": {string(m[1])}, "login": {login}, "password": {password}})
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	return c, res.StatusCode
}

// TestPasswordsOnlyOnLoginForm: the API, TAXII and the audit log take tokens
// (Bearer, or Basic with the login and a token), never web passwords; the
// password works on the console's login form only.
func TestPasswordsOnlyOnLoginForm(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newDoorsEnv(t, kind)
			for _, door := range []struct{ login, path string }{
				{"power", "/api/v1/me"},
				{"power", "/taxii2/api/collections/" + hub.MembersCollection + "/objects/"},
				{"iinkai", "/audit/checkpoint"},
			} {
				if code, body := e.do("GET", door.path, nil, "Authorization", basic(door.login, doorsPassword), "Accept", "application/taxii+json;version=2.1"); code != http.StatusUnauthorized {
					t.Errorf("%s with Basic login+password: %d %s, want 401", door.path, code, body)
				}
				if code, body := e.do("GET", door.path, nil, "Authorization", basic(door.login, e.tokens[door.login]), "Accept", "application/taxii+json;version=2.1"); code != http.StatusOK {
					t.Errorf("%s with Basic login+token: %d %s, want 200", door.path, code, body)
				}
				if code, body := e.do("GET", door.path, nil, "Authorization", basic("root", e.tokens[door.login]), "Accept", "application/taxii+json;version=2.1"); code != http.StatusUnauthorized {
					t.Errorf("%s with Basic naming another login than the token's: %d %s, want 401", door.path, code, body)
				}
				if code, body := e.do("GET", door.path, nil, "Authorization", "Bearer "+e.tokens[door.login], "Accept", "application/taxii+json;version=2.1"); code != http.StatusOK {
					t.Errorf("%s with Bearer token: %d %s, want 200", door.path, code, body)
				}
			}
			if code := e.webLogin("power", doorsPassword); code != http.StatusSeeOther {
				t.Errorf("the login form refuses the right password: %d", code)
			}
			if out := e.logs.String(); !strings.Contains(out, "authentication failed") || strings.Contains(out, doorsPassword) {
				t.Errorf("failed attempts must be logged, without the password:\n%s", out)
			}
		})
	}
}
