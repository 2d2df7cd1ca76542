package api

import (
	"errors"
	"net/http"
	"strings"

	"renkei/internal/problem"
)

// The one place where a refusal becomes an HTTP answer (issue 12): every
// handler returns the capability's error as it is, and wrap answers it here.

// problemStatus is the status of each kind of refusal, tested in this order.
var problemStatus = []struct {
	kind   error
	status int
}{
	{problem.ErrInvalid, http.StatusBadRequest},
	{problem.ErrNotFound, http.StatusNotFound},
	{problem.ErrForbidden, http.StatusForbidden},
	{problem.ErrConflict, http.StatusConflict},
	{problem.ErrUnavailable, http.StatusServiceUnavailable},
}

// writeProblem answers a refusal with its status and the problem body
// (title, description, http_status, and for a list of problems one entry per
// field under "fields"), and returns false when err is no refusal.
func writeProblem(w http.ResponseWriter, err error) bool {
	for _, k := range problemStatus {
		if !errors.Is(err, k.kind) {
			continue
		}
		body := problem.NewBody(k.status, problemTitle(err), err.Error())
		var ps problem.Problems
		if errors.As(err, &ps) {
			body.Fields = ps
		}
		writeJSON(w, k.status, body)
		return true
	}
	return false
}

// problemTitle is the stable title of a refusal: what was refused when the
// capability said so in front of a list of problems ("invalid report: …"),
// else the refusal's own title or its kind's.
func problemTitle(err error) string {
	var ps problem.Problems
	if msg := err.Error(); errors.As(err, &ps) && strings.HasPrefix(msg, "invalid ") {
		if what, _, ok := strings.Cut(msg, ": "); ok && !strings.Contains(what, ";") {
			return what
		}
	}
	return problem.Title(err)
}
