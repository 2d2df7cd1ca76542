package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"renkei/internal/signin"
	"renkei/internal/store"
)

// Single sign-on (OpenID Connect): /login/oidc/{name} starts a sign-in at
// the provider, /login/oidc/{name}/callback completes it. The state is
// kept in a cookie of this browser, so that a callback carried to another
// browser (a login forced on a victim) finds no flow there.

// oidcStateCookie holds the state of the sign-in under way.
const oidcStateCookie = "renkei_oidc_state"

// publicBase is the address people reach the console at: the configured
// public URL, else the request's own scheme and host.
func (s *server) publicBase(r *http.Request) string {
	if s.opt.PublicURL != "" {
		return strings.TrimSuffix(s.opt.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *server) oidcRedirect(r *http.Request, name string) string {
	return s.publicBase(r) + "/login/oidc/" + name + "/callback"
}

func (s *server) oidcBegin(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	next := safeNext(r.URL.Query().Get("next"))
	to, state, err := s.SignIn.Begin(r.Context(), name, s.oidcRedirect(r, name), next)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.log.Error("web: single sign-on could not start", "provider", name, "err", err)
		s.showLogin(w, r, http.StatusBadGateway, loginData{Next: next, Error: "signin.sso.unreachable"})
		return
	}
	// Lax: the provider sends the browser back with a top-level GET.
	http.SetCookie(w, &http.Cookie{Name: oidcStateCookie, Value: state, Path: "/login/oidc/", HttpOnly: true,
		Secure: s.opt.Secure, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	name, q := r.PathValue("name"), r.URL.Query()
	http.SetCookie(w, &http.Cookie{Name: oidcStateCookie, Value: "", Path: "/login/oidc/", MaxAge: -1, HttpOnly: true, Secure: s.opt.Secure})
	refuse := func(status int, key string, err error) {
		s.log.Warn("web: single sign-on refused", "provider", name, "addr", clientIP(r), "err", err)
		s.showLogin(w, r, status, loginData{Next: "/", Error: key})
	}
	state := q.Get("state")
	ck, err := r.Cookie(oidcStateCookie)
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(state)) != 1 {
		refuse(http.StatusForbidden, "signin.sso.rejected", errors.New("the state is not this browser's"))
		return
	}
	if e := q.Get("error"); e != "" {
		refuse(http.StatusForbidden, "signin.sso.rejected", errors.New("the provider answered "+e))
		return
	}
	u, next, err := s.SignIn.Finish(r.Context(), name, state, q.Get("code"), s.oidcRedirect(r, name))
	switch {
	case errors.Is(err, signin.ErrUnmapped):
		refuse(http.StatusForbidden, "signin.sso.unmapped", err)
		return
	case errors.Is(err, signin.ErrNoAccount):
		refuse(http.StatusForbidden, "signin.sso.noaccount", err)
		return
	case errors.Is(err, signin.ErrRejected):
		refuse(http.StatusForbidden, "signin.sso.rejected", err)
		return
	case err != nil:
		s.log.Error("web: single sign-on failed", "provider", name, "err", err)
		s.showLogin(w, r, http.StatusBadGateway, loginData{Next: "/", Error: "signin.sso.unreachable"})
		return
	}
	c, err := s.Auth.Account(r.Context(), u.ID)
	if err != nil {
		refuse(http.StatusForbidden, "login.failed", err)
		return
	}
	if !s.startSession(w, r, c, map[string]string{"via": "oidc", "provider": name, "addr": clientIP(r)}, func() {
		s.showLogin(w, r, http.StatusServiceUnavailable, loginData{Next: next, Error: "login.unlogged"})
	}) {
		return
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}
