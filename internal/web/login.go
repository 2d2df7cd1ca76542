package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/store"
)

// loginCSRFCookie carries the token that the login form must echo. Before a
// session exists there is nothing server-side to compare with, so the login
// form uses a double-submit cookie instead.
const loginCSRFCookie = "renkei_login_csrf"

type loginData struct {
	CSRF  string
	Next  string
	Login string
	Error string // catalog key
	// Providers are the identity providers people may sign in with instead
	// (their names, for /login/oidc/{name}).
	Providers []string
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, err := s.sessionCaller(r); err == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.showLogin(w, r, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *server) showLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	tok, _ := auth.NewSecret()
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: tok, Path: "/login", HttpOnly: true,
		Secure: s.opt.Secure, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	d.CSRF = tok
	if ps, err := s.SignIn.EnabledProviders(r.Context()); err == nil {
		for _, p := range ps {
			d.Providers = append(d.Providers, p.Name)
		}
	}
	s.render(w, r, nil, status, "login", "login.title", "", d)
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	d := loginData{Next: safeNext(r.PostFormValue("next")), Login: r.PostFormValue("login")}
	ck, err := r.Cookie(loginCSRFCookie)
	got := r.PostFormValue("csrf")
	if err != nil || got == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(got)) != 1 {
		d.Error = "login.expired"
		s.showLogin(w, r, http.StatusForbidden, d)
		return
	}
	ip := clientIP(r)
	// Failures count against the address and against the login: guesses at
	// one account from many addresses are slowed as much as guesses at many
	// accounts from one address.
	keys := limiterKeys(ip, d.Login)
	allowed, err := s.limiter.allow(r.Context(), time.Now(), keys...)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !allowed {
		s.log.Warn("web: login refused by the limiter", "login", d.Login, "addr", ip)
		d.Error = "login.limited"
		s.showLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	c, err := s.Auth.Password(r.Context(), d.Login, r.PostFormValue("password"))
	if err == nil && c.User.PasswordHash == "" {
		err = auth.ErrBadCredentials
	}
	if err != nil {
		if !errors.Is(err, auth.ErrBadCredentials) {
			s.serverError(w, r, err)
			return
		}
		if err := s.limiter.fail(r.Context(), time.Now(), keys...); err != nil {
			s.serverError(w, r, err)
			return
		}
		// The login is logged so operators can see attacks; never the password.
		s.log.Warn("web: failed login", "login", d.Login, "addr", ip)
		d.Error = "login.failed"
		s.showLogin(w, r, http.StatusUnauthorized, d)
		return
	}
	if !s.startSession(w, r, c, map[string]string{"via": "web", "addr": ip}, func() {
		s.showLogin(w, r, http.StatusServiceUnavailable, loginData{Next: d.Next, Login: d.Login, Error: "login.unlogged"})
	}) {
		return
	}
	if err := s.limiter.reset(r.Context(), keys...); err != nil {
		s.log.Warn("web: clear failed logins", "err", err)
	}
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true, Secure: s.opt.Secure})
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// startSession starts a console session for c, who proved who they are
// (a password, a provider's ID token), and sets its cookie. Rule C7: the
// login is in the audit log (with detail) before a session exists; when
// the log cannot record it there is no login, and unlogged shows why. It
// reports whether the session started; otherwise the answer is written.
func (s *server) startSession(w http.ResponseWriter, r *http.Request, c auth.Caller, detail map[string]string, unlogged func()) bool {
	if _, err := s.Hub.Record(r.Context(), c, audit.ActionLogin, "user:"+c.User.Login, detail); err != nil {
		s.log.Error("web: login refused: the audit log could not record it", "login", c.User.Login, "err", err)
		unlogged()
		return false
	}
	cookie, _, err := s.Auth.NewSession(r.Context(), c.User.ID, s.opt.SessionTTL)
	if err != nil {
		s.serverError(w, r, err)
		return false
	}
	// Expired sessions are useless; a login is a good moment to sweep them.
	if err := s.Store.DeleteExpiredSessions(r.Context(), s.Now()); err != nil {
		s.log.Warn("web: delete expired sessions", "err", err)
	}
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: cookie, Path: "/", HttpOnly: true,
		Secure: s.opt.Secure, SameSite: http.SameSiteLaxMode, MaxAge: int(s.opt.SessionTTL.Seconds())})
	s.log.Info("web: login", "login", c.User.Login, "org", c.Org.ID, "via", detail["via"])
	return true
}

// logout ends the session. It is the one act that the audit log cannot
// refuse: ending a session takes access away, and a user who cannot log out
// while the log is down would leave an open session behind. It is logged
// first when the log takes the entry; otherwise the failure goes to the
// operator's log and the session ends all the same (docs/audit.md).
func (s *server) logout(w http.ResponseWriter, r *http.Request, req *request) {
	if _, err := s.Hub.Record(r.Context(), req.caller, audit.ActionLogout, "user:"+req.caller.User.Login,
		map[string]string{"route": r.Pattern, "via": "web"}); err != nil {
		s.log.Error("web: logout not recorded in the audit log; the session ends all the same",
			"login", req.caller.User.Login, "org", req.caller.Org.ID, "err", err)
	}
	if req.caller.Session != nil {
		if err := s.Store.DeleteSession(r.Context(), req.caller.Session.Hash); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.opt.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login?done=logout", http.StatusSeeOther)
}

// clientIP is the address the connection comes from. Forwarded headers are
// not trusted: anyone can set them.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiterKeys are the counters a login attempt is charged to: its address
// and its login (case-folded and bounded, so that a long or re-cased login
// is the same counter).
func limiterKeys(ip, login string) []string {
	login = strings.ToLower(strings.TrimSpace(login))
	if len(login) > 64 {
		login = login[:64]
	}
	return []string{"addr:" + ip, "login:" + login}
}

// limiter counts failed logins per address and per login in a fixed window.
// The counts are in the store (store.LoginFailures), so that every hub node
// on it counts the same failures: guesses spread over several nodes are
// stopped as surely as guesses at one.
type limiter struct {
	db     *store.DB
	max    int
	window time.Duration
}

func newLimiter(db *store.DB, max int, window time.Duration) *limiter {
	return &limiter{db: db, max: max, window: window}
}

// allow reports whether none of the keys has used up its failures.
func (l *limiter) allow(ctx context.Context, now time.Time, keys ...string) (bool, error) {
	n, err := l.db.LoginFailures(ctx, keys, now, l.window)
	return n < int64(l.max), err
}

func (l *limiter) fail(ctx context.Context, now time.Time, keys ...string) error {
	return l.db.CountLoginFailure(ctx, keys, now, l.window)
}

func (l *limiter) reset(ctx context.Context, keys ...string) error {
	return l.db.ClearLoginFailures(ctx, keys)
}
