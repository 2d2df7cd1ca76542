// Package web is Renkei's console: server-rendered HTML pages, in Japanese and
// English, through which people log in, read the intelligence the access
// policy lets them see, submit indicators and bundles, work their alert inbox
// and administer organizations, groups, users and tokens.
//
// Every object is read through store listings that carry the policy in SQL and
// is shown through hub.Present, so that the console can never show more than
// TAXII or the API would. It must not decide visibility itself, keep state
// beyond the login rate limiter, or load anything from outside the binary: the
// templates, styles and catalogs are embedded.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"renkei/internal/app"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/jst"
	"renkei/internal/policy"
)

// Options configure the console.
type Options struct {
	// Secure marks cookies Secure and names the session cookie with the
	// __Host- prefix; set it when the server speaks TLS.
	Secure bool
	// Version is shown in the footer.
	Version string
	// Log receives one line per failed login, server error and missing
	// translation. Nil discards.
	Log *slog.Logger
	// SessionTTL is how long a login lasts (default 12 hours).
	SessionTTL time.Duration
	// LoginLimit is how many failed logins one address, and one login, may
	// make per LoginWindow before it must wait (defaults 10 per 5 minutes).
	LoginLimit  int
	LoginWindow time.Duration
	// PublicURL is the address people open the console at
	// (https://hub.example): identity providers send them back to it.
	// Empty: single sign-on answers at the request's own scheme and host.
	PublicURL string
}

// server holds what every handler needs. It has no mutable state except the
// login limiter, which guards itself.
type server struct {
	*app.App // the shared parts and the capabilities, built once by the caller of New
	opt      Options
	log      *slog.Logger
	pages    map[string]*pageSet // by language, times in JST
	zoned    sync.Map            // language and zone → *pageSet, for the zones users chose (pagesIn)
	limiter  *limiter
}

// New returns the console's handler, to be served at "/".
func New(a *app.App, opt Options) (http.Handler, error) {
	if a == nil || a.Hub == nil {
		return nil, errors.New("web: the application is required")
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.SessionTTL <= 0 {
		opt.SessionTTL = 12 * time.Hour
	}
	if opt.LoginLimit <= 0 {
		opt.LoginLimit = 10
	}
	if opt.LoginWindow <= 0 {
		opt.LoginWindow = 5 * time.Minute
	}
	s := &server{App: a, opt: opt, log: opt.Log, limiter: newLimiter(a.Store, opt.LoginLimit, opt.LoginWindow)}
	var err error
	if s.pages, err = loadPages(s.log); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return s.routes(), nil
}

// Routes returns the patterns the console registers and the route table
// that must hold each of them (routes.go), for the tests that walk every route.
func Routes() (registered []string, table map[string]audit.Route) {
	return (&server{}).mux().Patterns, routeTable
}

func (s *server) routes() http.Handler {
	return securityHeaders(s.langSwitch(s.mux()))
}

// mux registers every route; each must also have its line in routes.go.
func (s *server) mux() *audit.Mux {
	mux := audit.NewMux()
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /login/oidc/{name}", s.oidcBegin)
	mux.HandleFunc("GET /login/oidc/{name}/callback", s.oidcCallback)
	mux.HandleFunc("POST /logout", s.member(s.logout))

	mux.HandleFunc("GET /{$}", s.member(s.dashboard))
	mux.HandleFunc("GET /account", s.member(s.account))
	mux.HandleFunc("POST /account/password", s.member(s.changePassword))
	mux.HandleFunc("POST /account/tokens", s.member(s.createOwnToken))
	mux.HandleFunc("POST /account/zone", s.member(s.setTimeZone))
	mux.HandleFunc("GET /objects", s.member(s.objects))
	mux.HandleFunc("GET /objects/{id}", s.member(s.object))
	mux.HandleFunc("POST /objects/{id}/sighting", s.member(s.reportSighting))
	mux.HandleFunc("GET /submit", s.member(s.submitPage))
	mux.HandleFunc("POST /submit/indicator", s.member(s.submitIndicator))
	mux.HandleFunc("POST /submit/bundle", s.member(s.submitBundle))

	mux.HandleFunc("GET /alerts", s.member(s.alerts))
	mux.HandleFunc("POST /alerts/{id}/read", s.member(s.markRead))
	mux.HandleFunc("POST /alerts/read", s.member(s.markChosenRead))
	mux.HandleFunc("POST /alerts/webhooks", s.member(s.addWebhook))
	mux.HandleFunc("POST /alerts/webhooks/{id}/delete", s.member(s.deleteWebhook))
	mux.HandleFunc("POST /alerts/dead/{id}/retry", s.member(s.retryDelivery))

	mux.HandleFunc("GET /reports", s.member(s.reports))
	mux.HandleFunc("POST /reports", s.member(s.fileReport))
	mux.HandleFunc("GET /reports/{id}", s.member(s.incidentPage))
	mux.HandleFunc("GET /attachments/{id}", s.member(s.attachment))
	mux.HandleFunc("GET /computers", s.member(s.computers))
	mux.HandleFunc("POST /computers", s.member(s.registerComputer))
	mux.HandleFunc("GET /cases", s.member(s.casesPage))
	mux.HandleFunc("POST /cases", s.member(s.openCase))
	mux.HandleFunc("GET /cases/{id}", s.member(s.casePage))
	mux.HandleFunc("POST /cases/{id}/act", s.member(s.actOnCase))
	mux.HandleFunc("POST /cases/{id}/tasks", s.member(s.addCaseTask))
	mux.HandleFunc("POST /cases/{id}/tasks/{task}", s.member(s.setCaseTask))
	mux.HandleFunc("GET /advisories", s.member(s.advisories))
	mux.HandleFunc("POST /advisories", s.member(s.publishAdvisory))
	mux.HandleFunc("GET /advisories/{id}", s.member(s.advisoryPage))
	mux.HandleFunc("POST /advisories/{id}/ack", s.member(s.advisoryStep(false)))
	mux.HandleFunc("POST /advisories/{id}/complete", s.member(s.advisoryStep(true)))
	mux.HandleFunc("GET /consult", s.member(s.consultPage))
	mux.HandleFunc("POST /consult", s.member(s.askConsult))
	mux.HandleFunc("GET /consult/{id}", s.member(s.consultation))
	mux.HandleFunc("POST /consult/{id}/reply", s.member(s.replyConsult))
	mux.HandleFunc("GET /cop", s.member(s.copPage))
	mux.HandleFunc("GET /cop.csv", s.member(s.copCSV))
	mux.HandleFunc("GET /cop/chart/{name}", s.member(s.copChart))
	mux.HandleFunc("GET /hunting", s.member(s.huntingPage))
	mux.HandleFunc("POST /hunting", s.member(s.publishHunting))
	mux.HandleFunc("GET /hunting/{id}", s.member(s.huntPackagePage))
	mux.HandleFunc("GET /vuln", s.member(s.vulnPage))
	mux.HandleFunc("POST /vuln/sboms", s.member(s.registerSBOM))
	mux.HandleFunc("GET /vuln/assets", s.member(s.assetsPage))
	mux.HandleFunc("POST /vuln/assets", s.member(s.addAsset))
	mux.HandleFunc("POST /vuln/assets/import", s.member(s.importAssets))
	mux.HandleFunc("POST /vuln/assets/{id}/confirm", s.member(s.confirmAsset))
	mux.HandleFunc("POST /vuln/assets/{id}/delete", s.member(s.deleteAsset))
	mux.HandleFunc("GET /vuln/vendors", s.member(s.vendorPage))
	mux.HandleFunc("POST /vuln/vendors", s.member(s.publish))
	mux.HandleFunc("GET /vuln/exposure", s.member(s.exposurePage))
	mux.HandleFunc("GET /vuln/suppliers", s.member(s.suppliersPage))
	mux.HandleFunc("POST /vuln/suppliers", s.member(s.addSupplier))
	mux.HandleFunc("POST /vuln/suppliers/{id}/delete", s.member(s.removeSupplier))

	mux.HandleFunc("GET /telemetry", s.member(s.telemetryPage))
	mux.HandleFunc("GET /telemetry/sources/{id}", s.member(s.telemetrySourcePage))
	mux.HandleFunc("GET /telemetry/exports", s.member(s.telemetryExports))
	mux.HandleFunc("GET /exports", s.member(s.gatePage))
	mux.HandleFunc("POST /exports/thresholds", s.member(s.setThresholds))
	mux.HandleFunc("POST /exports/policies", s.member(s.setExportPolicy))
	mux.HandleFunc("GET /exports/warninglists", s.member(s.warninglistsPage))
	mux.HandleFunc("POST /exports/warninglists/import", s.member(s.importWarninglist))
	mux.HandleFunc("POST /exports/warninglists/entries", s.member(s.editWarninglist))
	mux.HandleFunc("POST /exports/warninglists/{id}/switch", s.member(s.switchWarninglist))
	mux.HandleFunc("GET /exports/reviews", s.member(s.reviewsPage))
	mux.HandleFunc("GET /federation", s.member(s.federationPage))
	mux.HandleFunc("POST /federation/{name}/sync", s.member(s.syncPartner))
	mux.HandleFunc("POST /exports/reviews/{id}", s.member(s.reviewIndicator))
	mux.HandleFunc("POST /telemetry/sources/{id}/records", s.member(s.telemetryRecords))

	mux.HandleFunc("GET /approvals/request", s.member(s.approvalRequestPage))
	mux.HandleFunc("POST /approvals/request", s.member(s.requestApproval))

	mux.HandleFunc("GET /oversight", s.overseer(s.oversightPage))
	mux.HandleFunc("POST /oversight/approvals/{id}/decide", s.overseer(s.decideApproval))
	mux.HandleFunc("POST /oversight/approvals/{id}/revoke", s.overseer(s.revokeApproval))
	mux.HandleFunc("POST /oversight/members/{login}/confirm", s.overseer(s.confirmMember))
	mux.HandleFunc("POST /oversight/members/{login}/retire", s.overseer(s.retireMember))
	mux.HandleFunc("POST /oversight/members/{login}/withdraw", s.overseer(s.withdrawRetirement))
	mux.HandleFunc("GET /oversight/inspect", s.overseer(s.inspectPage))
	mux.HandleFunc("GET /oversight/figures", s.overseer(s.figuresPage))
	mux.HandleFunc("GET /oversight/figures.csv", s.overseer(s.figuresCSV))
	mux.HandleFunc("GET /oversight/log", s.overseer(s.logPage))
	mux.HandleFunc("GET /oversight/log.csv", s.overseer(s.logCSV))

	mux.HandleFunc("GET /admin", s.member(s.admin))
	mux.HandleFunc("POST /admin/orgs", s.member(s.addOrg))
	mux.HandleFunc("POST /admin/orgs/{id}/change", s.member(s.changeOrg))
	mux.HandleFunc("POST /admin/orgs/{id}/disable", s.member(s.setOrgDisabled(true)))
	mux.HandleFunc("POST /admin/orgs/{id}/enable", s.member(s.setOrgDisabled(false)))
	mux.HandleFunc("POST /admin/orgs/{id}/delete", s.member(s.deleteOrg))
	mux.HandleFunc("POST /admin/groups", s.member(s.addGroup))
	mux.HandleFunc("POST /admin/groups/{id}/change", s.member(s.changeGroup))
	mux.HandleFunc("POST /admin/groups/{id}/delete", s.member(s.deleteGroup))
	mux.HandleFunc("POST /admin/users", s.member(s.addUser))
	mux.HandleFunc("POST /admin/users/{id}/role", s.member(s.setUserRole))
	mux.HandleFunc("POST /admin/users/{id}/grant", s.member(s.setUserCapability(true)))
	mux.HandleFunc("POST /admin/users/{id}/revoke", s.member(s.setUserCapability(false)))
	mux.HandleFunc("POST /admin/users/{id}/disable", s.member(s.setUserDisabled(true)))
	mux.HandleFunc("POST /admin/users/{id}/enable", s.member(s.setUserDisabled(false)))
	mux.HandleFunc("POST /admin/tokens", s.member(s.createToken))
	mux.HandleFunc("POST /admin/tokens/{id}/revoke", s.member(s.revokeToken))

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
	})
	return mux
}

// securityHeaders sets what every response carries: a strict content
// security policy (no inline script or style, no framing, forms only to us),
// no MIME sniffing and no referrer beyond our origin.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// request is what a handler of a logged-in page gets.
type request struct {
	caller auth.Caller
	viewer policy.Viewer
	lang   string
	zone   *time.Location // the zone the user reads times in (jst.ReaderZone)
}

// member wraps a handler that needs a logged-in user: without a valid
// session GET goes to /login and anything else is refused; every POST must
// carry the session's CSRF token.
func (s *server) member(fn func(http.ResponseWriter, *http.Request, *request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.sessionCaller(r)
		if err != nil && !errors.Is(err, http.ErrNoCookie) && auth.Unchecked(err) {
			// The session could not be looked up: not a reason to log anyone out.
			s.serverError(w, r, err)
			return
		}
		if err != nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.fail(w, r, http.StatusUnauthorized, "error.session")
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if !auth.CheckCSRF(c.Session, r.PostFormValue("csrf")) {
				s.fail(w, r, http.StatusForbidden, "error.csrf")
				return
			}
		}
		v, err := s.Hub.Viewer(r.Context(), c)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if !s.inSection(w, r, v) {
			return
		}
		if !s.recordAtDoor(w, r, c) {
			return
		}
		zone, err := jst.ReaderZone(c.User.TimeZone)
		if err != nil { // stored only once checked; the tz database is built in
			zone = jst.Zone
		}
		fn(w, r, &request{caller: c, viewer: v, lang: langOf(r), zone: zone})
	}
}

// recordAtDoor appends, before a state-changing request is handled, the
// action its line in routes.go names, unless the capability logs the act
// itself. It answers the request and returns false when the act must not
// happen: the route is missing from the table, or the log refused the entry.
func (s *server) recordAtDoor(w http.ResponseWriter, r *http.Request, c auth.Caller) bool {
	if !audit.ChangesState(r.Method) {
		return true
	}
	rt, ok := routeTable[r.Pattern]
	if !ok || rt.Action == "" {
		s.serverError(w, r, fmt.Errorf("route %q changes state but has no audit action in web/routes.go", r.Pattern))
		return false
	}
	if rt.Inside {
		return true
	}
	if _, err := s.Hub.Record(r.Context(), c, rt.Action, r.URL.Path, map[string]string{"route": r.Pattern, "via": "web"}); err != nil {
		s.auditRefused(w, r, err)
		return false
	}
	return true
}

// maxForm bounds a form body; a pasted bundle may be large, objects beyond
// are for TAXII.
const maxForm = 32 << 20

func (s *server) sessionCaller(r *http.Request) (auth.Caller, error) {
	ck, err := r.Cookie(s.sessionCookie())
	if err != nil {
		return auth.Caller{}, err
	}
	return s.Auth.Session(r.Context(), ck.Value)
}

func (s *server) sessionCookie() string {
	if s.opt.Secure {
		return "__Host-renkei_session"
	}
	return "renkei_session"
}

// serverError logs err and shows a generic error page: details of internal
// failures are for operators, not for the browser.
func (s *server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error("web: request failed", "path", r.URL.Path, "err", err)
	if s.Store.Unavailable(r.Context(), err) {
		w.Header().Set("Retry-After", "10")
		s.fail(w, r, http.StatusServiceUnavailable, "error.store")
		return
	}
	s.fail(w, r, http.StatusInternalServerError, "error.internal")
}
