package signin_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"renkei/internal/audit"
	"renkei/internal/hubtest"
	"renkei/internal/signin"
	"renkei/internal/signin/signintest"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

const redirect = "https://hub.example/login/oidc/gbiz/callback"

// oidcHub is a hub with an audit log, a provider "gbiz" run on loopback
// and configured through the service as the center would, and one member.
type oidcHub struct {
	t     *testing.T
	h     *hubtest.Hub
	is    *signintest.Issuer
	power store.Org
}

func newOIDCHub(t *testing.T, kind string) *oidcHub {
	t.Helper()
	h := hubtest.New(t, kind, hubtest.WithAudit())
	is := signintest.New(t, "renkei-hub", "s3cret-of-the-client")
	t.Setenv("RENKEI_TEST_GBIZ_SECRET", is.Secret)
	o := &oidcHub{t: t, h: h, is: is, power: h.Org("北電力株式会社", "operator", "electricity")}
	ctx, admin := context.Background(), h.Caller(h.AdminLogin)
	if err := h.App.SignIn.PutProvider(ctx, admin, store.OIDCProvider{Name: "gbiz", Issuer: is.URL, ClientID: is.ClientID,
		SecretRef: "env:RENKEI_TEST_GBIZ_SECRET", Scopes: []string{"profile", "email"}, LoginClaim: "email"}); err != nil {
		t.Fatal(err)
	}
	return o
}

// signIn goes through the code flow as a browser would: Begin, the
// provider's authorization endpoint (which approves at once), Finish with
// the code and state it sent back.
func (o *oidcHub) signIn() (store.User, error) {
	o.t.Helper()
	ctx := context.Background()
	to, state, err := o.h.App.SignIn.Begin(ctx, "gbiz", redirect, "/alerts")
	if err != nil {
		o.t.Fatalf("begin: %v", err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(to)
	if err != nil {
		o.t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		o.t.Fatalf("the provider did not send the browser back: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if back.Query().Get("state") != state {
		o.t.Fatalf("state %q came back as %q", state, back.Query().Get("state"))
	}
	u, next, err := o.h.App.SignIn.Finish(ctx, "gbiz", state, back.Query().Get("code"), redirect)
	if err == nil && next != "/alerts" {
		o.t.Errorf("next = %q, want /alerts", next)
	}
	return u, err
}

// gbizClaims are claims as a GビズID-style provider sends them: the
// corporation number and account type nested under verified_claims.
func gbizClaims(sub, email, corporateNumber string) map[string]any {
	return map[string]any{"sub": sub, "email": email, "email_verified": true, "name": "北 太郎",
		"verified_claims": map[string]any{"claims": map[string]any{"corporate_number": corporateNumber, "account_type": "prime"}}}
}

func TestOIDCSignInMapsClaimsToOrganizationAndRole(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			o := newOIDCHub(t, kind)
			ctx, admin := context.Background(), o.h.Caller(o.h.AdminLogin)
			m, err := o.h.App.SignIn.AddMapping(ctx, admin, store.OIDCMapping{Provider: "gbiz", OrgID: o.power.Name, Role: "analyst", Create: true,
				Conditions: []store.ClaimCondition{{Claim: "verified_claims.claims.corporate_number", Value: "1234567890123"}, {Claim: "verified_claims.claims.account_type", Value: "prime"}}})
			if err != nil {
				t.Fatal(err)
			}

			o.is.SignInAs(gbizClaims("gbiz-sub-1", "Taro@Kita-Power.example", "1234567890123"))
			u, err := o.signIn()
			if err != nil {
				t.Fatalf("a mapped user is refused: %v", err)
			}
			if u.Login != "taro@kita-power.example" || u.OrgID != o.power.ID || u.Role != "analyst" || u.PasswordHash != "" {
				t.Errorf("made account %+v, want analyst taro@kita-power.example of %s without a password", u, o.power.ID)
			}
			if a := o.is.Authorized; a.Get("code_challenge_method") != "S256" || a.Get("nonce") == "" || a.Get("state") == "" || a.Get("scope") != "openid profile email" {
				t.Errorf("authorization request lacks PKCE, nonce, state or scopes: %v", a)
			}
			// The second sign-in finds the linked identity: the same account.
			again, err := o.signIn()
			if err != nil || again.ID != u.ID {
				t.Errorf("second sign-in: %+v %v, want account %d", again, err, u.ID)
			}
			// A state is used once.
			if _, _, err := o.h.App.SignIn.Finish(ctx, "gbiz", "a-state-never-issued", "code", redirect); !errors.Is(err, signin.ErrRejected) {
				t.Errorf("unknown state: %v, want ErrRejected", err)
			}

			// The mapping removed, the linked user is refused too.
			if err := o.h.App.SignIn.RemoveMapping(ctx, admin, m.PublicID); err != nil {
				t.Fatal(err)
			}
			if _, err := o.signIn(); !errors.Is(err, signin.ErrUnmapped) {
				t.Errorf("after the mapping is removed: %v, want ErrUnmapped", err)
			}

			es := entries(t, o.h)
			for _, want := range []struct{ action, object, change string }{
				{audit.ActionSignInConfigure, "oidc:gbiz", "provider"},
				{audit.ActionSignInConfigure, "oidc:gbiz", "mapping"},
				{audit.ActionRoleChange, "user:taro@kita-power.example", "create"},
				{audit.ActionSignInLink, "user:taro@kita-power.example", ""},
				{audit.ActionSignInConfigure, "oidc:gbiz", "mapping-remove"},
			} {
				if !logged(es, want.action, want.object, want.change) {
					t.Errorf("no %s %s (%s) in the audit log", want.action, want.object, want.change)
				}
			}
		})
	}
}

func TestOIDCRefusesWhatDoesNotHold(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			o := newOIDCHub(t, kind)
			ctx, admin := context.Background(), o.h.Caller(o.h.AdminLogin)
			if _, err := o.h.App.SignIn.AddMapping(ctx, admin, store.OIDCMapping{Provider: "gbiz", OrgID: o.power.ID, Role: "viewer", Create: true,
				Conditions: []store.ClaimCondition{{Claim: "verified_claims.claims.corporate_number", Value: "1234567890123"}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := o.h.App.SignIn.AddMapping(ctx, admin, store.OIDCMapping{Provider: "gbiz", OrgID: o.power.ID, Role: "analyst",
				Conditions: []store.ClaimCondition{{Claim: "groups", Value: "power-soc"}}}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name   string
				claims map[string]any
				tamper func(map[string]any)
				want   error
			}{
				{"wrong audience", gbizClaims("s1", "a@p.example", "1234567890123"), func(c map[string]any) { c["aud"] = "another-client" }, signin.ErrRejected},
				{"wrong nonce", gbizClaims("s1", "a@p.example", "1234567890123"), func(c map[string]any) { c["nonce"] = "not-this-flow" }, signin.ErrRejected},
				{"no nonce", gbizClaims("s1", "a@p.example", "1234567890123"), func(c map[string]any) { delete(c, "nonce") }, signin.ErrRejected},
				{"expired", gbizClaims("s1", "a@p.example", "1234567890123"), func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }, signin.ErrRejected},
				{"another issuer", gbizClaims("s1", "a@p.example", "1234567890123"), func(c map[string]any) { c["iss"] = "https://evil.example" }, signin.ErrRejected},
				{"unmapped corporation", gbizClaims("s2", "b@q.example", "9999999999999"), nil, signin.ErrUnmapped},
				{"no account and none made", map[string]any{"sub": "s3", "email": "c@p.example", "groups": []any{"staff", "power-soc"}}, nil, signin.ErrNoAccount},
				{"unverified e-mail", map[string]any{"sub": "s4", "email": "d@p.example", "email_verified": false,
					"verified_claims": map[string]any{"claims": map[string]any{"corporate_number": "1234567890123"}}}, nil, signin.ErrNoAccount},
			} {
				t.Run(c.name, func(t *testing.T) {
					o.is.SignInAs(c.claims)
					if c.tamper != nil {
						o.is.Tamper(c.tamper)
					}
					u, err := o.signIn()
					t.Log(err)
					if !errors.Is(err, c.want) {
						t.Errorf("signed in as %+v, err %v; want %v", u, err, c.want)
					}
				})
			}
			// Nothing was made or linked by any of them.
			for _, login := range []string{"a@p.example", "b@q.example", "c@p.example", "d@p.example"} {
				if _, err := o.h.DB.UserByLogin(ctx, login); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("account %s exists after a refused sign-in: %v", login, err)
				}
			}
			// The list mapping links an existing account of its
			// organization and role, and only that.
			o.h.User("c@p.example", o.power.ID, "analyst")
			o.is.SignInAs(map[string]any{"sub": "s3", "email": "c@p.example", "groups": []any{"staff", "power-soc"}})
			if u, err := o.signIn(); err != nil || u.Login != "c@p.example" {
				t.Errorf("existing account not linked: %+v %v", u, err)
			}
		})
	}
}

// TestSignInConfigurationLoggedFirst: with the audit log closed, no
// provider, mapping or account changes.
func TestSignInConfigurationLoggedFirst(t *testing.T) {
	o := newOIDCHub(t, "sqlite")
	ctx, admin := context.Background(), o.h.Caller(o.h.AdminLogin)
	if err := o.h.Audit.Close(); err != nil {
		t.Fatal(err)
	}
	if err := o.h.App.SignIn.PutProvider(ctx, admin, store.OIDCProvider{Name: "other", Issuer: "https://idp.example", ClientID: "x"}); err == nil {
		t.Error("a provider was added without the log")
	}
	if _, err := o.h.DB.OIDCProvider(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("provider stored without the log: %v", err)
	}
	if _, err := o.h.App.SignIn.AddMapping(ctx, admin, store.OIDCMapping{Provider: "gbiz", OrgID: o.power.ID, Role: "viewer",
		Conditions: []store.ClaimCondition{{Claim: "sub", Value: "x"}}}); err == nil {
		t.Error("a mapping was added without the log")
	}
	if ms, _ := o.h.DB.OIDCMappings(ctx, "gbiz"); len(ms) != 0 {
		t.Errorf("mapping stored without the log: %v", ms)
	}
}

func TestOnlyTheHubAdministratorConfiguresSignIn(t *testing.T) {
	o := newOIDCHub(t, "sqlite")
	ctx := context.Background()
	o.h.User("power-admin", o.power.ID, "org-admin")
	o.h.User("center-analyst", o.h.Center().ID, "analyst")
	for _, login := range []string{"power-admin", "center-analyst"} {
		if err := o.h.App.SignIn.PutProvider(ctx, o.h.Caller(login), store.OIDCProvider{Name: "mine", Issuer: "https://idp.example", ClientID: "x"}); err == nil {
			t.Errorf("%s added a provider", login)
		}
	}
	// No mapping makes an overseer, nor gives a role the organization may not hold.
	admin := o.h.Caller(o.h.AdminLogin)
	for _, role := range []string{"overseer", "admin", "handler"} {
		if _, err := o.h.App.SignIn.AddMapping(ctx, admin, store.OIDCMapping{Provider: "gbiz", OrgID: o.power.ID, Role: role,
			Conditions: []store.ClaimCondition{{Claim: "sub", Value: "x"}}}); err == nil {
			t.Errorf("a mapping gives %s to a member's users", role)
		}
	}
}

// entries reads the whole audit log, verified, once a checkpoint covers it.
func entries(t *testing.T, h *hubtest.Hub) []audit.Entry {
	t.Helper()
	ctx := context.Background()
	f, err := audit.NewFetcher(h.Audit.Dir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := audit.NewVerifier(h.Audit.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	want, err := h.Audit.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []audit.Entry
	var scanErr error
	if !testwait.Until(10*time.Second, func() bool {
		got = nil
		cp, err := audit.Scan(ctx, f, []note.Verifier{v}, func(_ uint64, e audit.Entry) error { got = append(got, e); return nil })
		scanErr = err
		return err == nil && cp.Size >= want
	}) {
		t.Fatalf("no checkpoint covering %d entries: %v", want, scanErr)
	}
	return got
}

func logged(es []audit.Entry, action, object, change string) bool {
	for _, e := range es {
		if e.Action == action && e.ObjectID == object && (change == "" || e.Detail["change"] == change) {
			return true
		}
	}
	return false
}
