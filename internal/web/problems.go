package web

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"renkei/internal/hub"
	"renkei/internal/problem"
)

// The one place where a refusal becomes what the console shows (issue 12):
// the status and error page of each kind of refusal, and the problems of a
// refused form in the page's language, at their fields or as sentences.

// refusal is the status and the catalog key of the error page for a refusal
// that is not about what the form said; ok is false for other errors and
// for lists of problems, which the form's page shows itself.
func refusal(err error) (status int, key string, ok bool) {
	switch {
	case err == nil, errors.Is(err, problem.ErrInvalid):
		return 0, "", false
	case errors.Is(err, problem.ErrNotFound):
		return http.StatusNotFound, "error.notfound", true
	case errors.Is(err, problem.ErrForbidden):
		return http.StatusForbidden, "error.forbidden", true
	case errors.Is(err, problem.ErrConflict):
		return http.StatusConflict, "error.conflict", true
	case errors.Is(err, hub.ErrAuditUnavailable):
		return http.StatusServiceUnavailable, "error.audit", true
	case errors.Is(err, problem.ErrUnavailable):
		return http.StatusServiceUnavailable, "error.store", true
	}
	return 0, "", false
}

// refused answers a refusal with its error page and returns true; it
// returns false, having answered nothing, for any other error.
func (s *server) refused(w http.ResponseWriter, r *http.Request, err error) bool {
	status, key, ok := refusal(err)
	if ok {
		s.fail(w, r, status, key)
	}
	return ok
}

// problems says why a request was refused, in the page's language: each
// problem through one, by its code; an error of another kind as it is.
func (s *server) problems(req *request, err error, one func(lang string, cat catalog, p problem.Problem) string) string {
	var ps problem.Problems
	if !errors.As(err, &ps) {
		return err.Error()
	}
	cat := s.pages[req.lang].cat
	texts := make([]string, len(ps))
	for i, p := range ps {
		texts[i] = one(req.lang, cat, p)
	}
	return joinSentences(req.lang, texts)
}

// joinSentences puts sentences one after another: Japanese leaves no space
// after 。.
func joinSentences(lang string, sentences []string) string {
	if lang == "ja" {
		return strings.Join(sentences, "")
	}
	return strings.Join(sentences, " ")
}

// indexed matches "attachments[0]" and the like, so that an error lands at
// its form field.
var indexed = regexp.MustCompile(`\[\d+\]$`)

// fieldMap places each problem of err at its form field, in the page's
// language when the problem has a translated code (the message otherwise).
func (s *server) fieldMap(req *request, err error) map[string]string {
	var fe problem.Problems
	if !errors.As(err, &fe) {
		return nil
	}
	m := map[string]string{}
	for _, e := range fe {
		m[indexed.ReplaceAllString(e.Field, "")] = s.fieldMessage(req, m[indexed.ReplaceAllString(e.Field, "")], e.Code, e.Text())
	}
	return m
}

// fieldMessage appends one problem to what a field already says.
func (s *server) fieldMessage(req *request, prev, code, msg string) string {
	if code != "" {
		if t, ok := s.pages[req.lang].cat["tower.err."+code]; ok {
			if code == "too_large" || code == "type" || code == "time" {
				msg = t + " (" + msg + ")"
			} else {
				msg = t
			}
		}
	}
	if prev == "" || strings.Contains(prev, msg) {
		return strings.TrimPrefix(prev+"; "+msg, "; ")
	}
	return prev + "; " + msg
}
