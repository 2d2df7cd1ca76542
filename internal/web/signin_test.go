package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/signin/signintest"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// ssoEnv is the console with a provider "idp" run on loopback, configured
// as the center would, mapping one group of its users to Power Co's
// analysts (accounts made on first sign-in).
func ssoEnv(t *testing.T, kind string) (*env, *signintest.Issuer) {
	t.Helper()
	e := newEnvOn(t, kind, Options{})
	is := signintest.New(t, "renkei-console", "console-secret")
	t.Setenv("RENKEI_TEST_IDP_SECRET", is.Secret)
	ctx, admin := context.Background(), auth.System("cli:test", e.center)
	if err := e.app.SignIn.PutProvider(ctx, admin, store.OIDCProvider{Name: "idp", Issuer: is.URL, ClientID: is.ClientID, SecretRef: "env:RENKEI_TEST_IDP_SECRET"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.SignIn.AddMapping(ctx, admin, store.OIDCMapping{Provider: "idp", OrgID: e.power.ID, Role: "analyst", Create: true,
		Conditions: []store.ClaimCondition{{Claim: "groups", Value: "power-staff"}}}); err != nil {
		t.Fatal(err)
	}
	return e, is
}

// sso follows a sign-in from the login page's link through the provider
// and back, as a browser does, and returns the callback's answer.
func (c *client) sso(provider, next string) (int, string, string) {
	c.t.Helper()
	st, loc, body := c.do("GET", "/login/oidc/"+provider+"?next="+url.QueryEscape(next), nil)
	if st != http.StatusSeeOther {
		c.t.Fatalf("start sign-in: %d\n%s", st, body)
	}
	resp, err := c.c.Get(loc) // the provider approves at once and sends the browser back
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), c.e.srv.URL+"/login/oidc/"+provider+"/callback") {
		c.t.Fatalf("the provider sent the browser to %q (%d)", resp.Header.Get("Location"), resp.StatusCode)
	}
	return c.do("GET", back.RequestURI(), nil)
}

func TestConsoleSignsInThroughTheOrganizationsProvider(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			e, is := ssoEnv(t, kind)
			if _, body := e.client().get("/login"); !strings.Contains(body, `href="/login/oidc/idp?next=%2f"`) {
				t.Errorf("the login page offers no sign-in with the provider:\n%s", body)
			}

			is.SignInAs(map[string]any{"sub": "idp-42", "email": "hanako@kita-power.example", "email_verified": true, "groups": []any{"power-staff"}})
			c := e.client()
			st, loc, body := c.sso("idp", "/alerts")
			if st != http.StatusSeeOther || loc != "/alerts" {
				t.Fatalf("callback: %d → %q\n%s", st, loc, body)
			}
			if st, body := c.get("/alerts"); st != http.StatusOK || !strings.Contains(body, "hanako@kita-power.example") {
				t.Errorf("the session does not work: %d", st)
			}
			if !hasEntry(e.logEntries(), audit.ActionLogin, "hanako@kita-power.example", "user:hanako@kita-power.example") {
				t.Error("the sign-in is not in the audit log")
			}

			// An unmapped user is refused with a clear message, and no session.
			is.SignInAs(map[string]any{"sub": "idp-43", "email": "stranger@elsewhere.example", "groups": []any{"contractors"}})
			other := e.client()
			st, _, body = other.sso("idp", "/")
			if st != http.StatusForbidden || !strings.Contains(body, "ナショナルセンター") {
				t.Errorf("unmapped user: %d\n%s", st, body)
			}
			if st, loc, _ := other.do("GET", "/alerts", nil); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
				t.Errorf("an unmapped user has a session: %d %q", st, loc)
			}

			// A callback without this browser's state cookie is refused
			// (a sign-in forced on someone else's browser).
			is.SignInAs(map[string]any{"sub": "idp-42", "email": "hanako@kita-power.example", "groups": []any{"power-staff"}})
			_, loc, _ = e.client().do("GET", "/login/oidc/idp", nil)
			resp, err := http.Get(loc) // another browser, without the cookie, follows to the callback
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Request.URL.Path, "/callback") {
				t.Errorf("a callback without the state cookie: %d at %s, want 403", resp.StatusCode, resp.Request.URL)
			}
		})
	}
}
