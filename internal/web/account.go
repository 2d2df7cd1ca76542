package web

import (
	"net/http"
	"strings"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/jst"
	"renkei/internal/policy"
)

type accountData struct {
	Errors map[string]string // field → catalog key
	Done   bool
	// OwnTokens: the account makes its own API tokens, as no administrator
	// manages it (the committee's members); NewToken is one just made, shown once.
	OwnTokens bool
	NewToken  string
	// Zone is the zone the user reads times in (empty: JST), Zones the
	// zones the form suggests (any IANA name is taken).
	Zone  string
	Zones []string
}

// suggestedZones are the zones the account page offers first: Japan's,
// UTC, and those of partners the hub most often works with.
var suggestedZones = []string{"Asia/Tokyo", "UTC", "Asia/Seoul", "Asia/Taipei", "Asia/Singapore", "Australia/Sydney",
	"Asia/Kolkata", "Europe/London", "Europe/Paris", "America/New_York", "America/Los_Angeles"}

func newAccountData(req *request) *accountData {
	return &accountData{Errors: map[string]string{}, OwnTokens: !policy.OperatorManages(policy.Role(req.caller.User.Role)),
		Zone: req.caller.User.TimeZone, Zones: suggestedZones}
}

// account shows the person's own account: who they are and a form to change
// the password (the bootstrap tells the first administrator to do so).
func (s *server) account(w http.ResponseWriter, r *http.Request, req *request) {
	s.render(w, r, req, http.StatusOK, "account", "account.title", "account", newAccountData(req))
}

// createOwnToken makes an API token for the caller's own account, when no
// administrator manages it (a member of the committee), for the command
// line (renkei approval, renkei audit verify). Like a password change it
// needs the current password; it is logged (token.create) before it exists.
func (s *server) createOwnToken(w http.ResponseWriter, r *http.Request, req *request) {
	d := newAccountData(req)
	if !d.OwnTokens {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	u := req.caller.User
	exp, err := auth.ParseExpiry(r.PostFormValue("expires"))
	switch {
	case u.PasswordHash == "" || !auth.CheckPassword(u.PasswordHash, r.PostFormValue("current")):
		d.Errors["token_current"] = "account.error.current"
	case err != nil || exp == 0:
		d.Errors["expires"] = "admin.error.expires"
	}
	if len(d.Errors) > 0 {
		s.render(w, r, req, http.StatusBadRequest, "account", "account.title", "account", d)
		return
	}
	if !s.recordOrFail(w, r, req, audit.ActionTokenCreate, "user:"+u.Login, map[string]string{"via": "web", "own": "true", "expires": r.PostFormValue("expires")}) {
		return
	}
	secret, _, err := hub.CreateToken(r.Context(), s.Store, u.Login, "own", exp, false, s.Now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.Info("web: own token created", "login", u.Login)
	w.Header().Set("Cache-Control", "no-store")
	d.NewToken = secret
	s.render(w, r, req, http.StatusOK, "account", "account.title", "account", d)
}

// changePassword needs the current password, so that a session left open
// cannot be turned into a lasting takeover.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request, req *request) {
	d := newAccountData(req)
	cur, next, again := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("again")
	u := req.caller.User
	switch {
	case u.PasswordHash == "" || !auth.CheckPassword(u.PasswordHash, cur):
		d.Errors["current"] = "account.error.current"
	case len(next) < 10:
		d.Errors["new"] = "admin.error.password"
	case len(next) > 1024:
		d.Errors["new"] = "account.error.long"
	case next != again:
		d.Errors["again"] = "account.error.again"
	case next == cur:
		d.Errors["new"] = "account.error.same"
	}
	if len(d.Errors) > 0 {
		s.render(w, r, req, http.StatusBadRequest, "account", "account.title", "account", d)
		return
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	u.PasswordHash = hash
	if err := s.Store.UpdateUser(r.Context(), u); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.Info("web: password changed", "login", u.Login)
	d.Done = true
	s.render(w, r, req, http.StatusOK, "account", "account.title", "account", d)
}

// setTimeZone sets the zone the console shows the user times in: an IANA
// zone name (checked against the tz database built into the binary), or
// Japan's, which is stored as the default (empty). It is the user's own
// display preference, logged (preference.change) before it is stored.
func (s *server) setTimeZone(w http.ResponseWriter, r *http.Request, req *request) {
	name := strings.TrimSpace(r.PostFormValue("zone"))
	zone, err := jst.ReaderZone(name)
	if err != nil {
		d := newAccountData(req)
		d.Zone, d.Errors["zone"] = name, "account.error.zone"
		s.render(w, r, req, http.StatusBadRequest, "account", "account.title", "account", d)
		return
	}
	if zone == jst.Zone {
		name = ""
	}
	if err := s.Store.SetUserTimeZone(r.Context(), req.caller.User.ID, name); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=zone", http.StatusSeeOther)
}
