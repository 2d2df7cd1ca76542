package web

import (
	"net/http"

	"renkei/internal/auth"
)

type accountData struct {
	Errors map[string]string // field → catalog key
	Done   bool
}

// account shows the person's own account: who they are and a form to change
// the password (the bootstrap tells the first administrator to do so).
func (s *server) account(w http.ResponseWriter, r *http.Request, req *request) {
	s.render(w, r, req, http.StatusOK, "account", "account.title", "account", &accountData{Errors: map[string]string{}})
}

// changePassword needs the current password, so that a session left open
// cannot be turned into a lasting takeover.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request, req *request) {
	d := &accountData{Errors: map[string]string{}}
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
	if err := s.h.DB.UpdateUser(r.Context(), u); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.Info("web: password changed", "login", u.Login)
	d.Done = true
	s.render(w, r, req, http.StatusOK, "account", "account.title", "account", d)
}
