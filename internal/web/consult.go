package web

// Consultation and support requests (issue 7). Package consult decides who
// sees and answers what.

import (
	"errors"
	"net/http"

	"renkei/internal/consult"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

type consultData struct {
	Notice   string
	Error    string
	Requests []consult.Request
	Kinds    []string
	Form     struct{ Kind, Subject, Body string }
}

func (s *server) consultPage(w http.ResponseWriter, r *http.Request, req *request) {
	s.showConsult(w, r, req, http.StatusOK, &consultData{})
}

func (s *server) showConsult(w http.ResponseWriter, r *http.Request, req *request, status int, d *consultData) {
	l, err := s.Consult.List(r.Context(), req.viewer, "", 0)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Requests, d.Kinds = l, consult.Kinds
	if d.Notice == "" {
		d.Notice = towerNotice(r)
	}
	s.render(w, r, req, status, "consult", "nav.consult", "consult", d)
}

func (s *server) askConsult(w http.ResponseWriter, r *http.Request, req *request) {
	d := &consultData{}
	d.Form.Kind, d.Form.Subject, d.Form.Body = r.PostFormValue("kind"), r.PostFormValue("subject"), r.PostFormValue("body")
	x, err := s.Consult.Ask(r.Context(), req.caller, d.Form.Kind, d.Form.Subject, d.Form.Body, "")
	if s.refused(w, r, err) {
		return
	}
	if err != nil {
		d.Error = s.problems(req, err, consultProblem)
		s.showConsult(w, r, req, http.StatusBadRequest, d)
		return
	}
	http.Redirect(w, r, "/consult/"+x.PublicID+"?ok=asked", http.StatusSeeOther)
}

type consultationData struct {
	Notice   string
	Error    string
	R        consult.Request
	OrgNames map[string]string
	Handles  bool
	Asker    bool
	IsCenter bool
}

func (s *server) consultation(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id") // a public id: anything else, a row id above all, is not found
	s.showConsultation(w, r, req, id, http.StatusOK, "")
}

func (s *server) showConsultation(w http.ResponseWriter, r *http.Request, req *request, id string, status int, msg string) {
	x, err := s.Consult.Get(r.Context(), req.viewer, id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := &consultationData{Notice: towerNotice(r), Error: msg, R: x, OrgNames: map[string]string{}, IsCenter: policy.InCenter(req.viewer)}
	d.Handles = x.HandlerOrg == req.caller.Org.ID || d.IsCenter
	d.Asker = x.OrgID == req.caller.Org.ID
	for _, id := range []string{x.OrgID, x.HandlerOrg, x.HandoffTo} {
		if id == "" {
			continue
		}
		if o, err := s.Store.Org(r.Context(), id); err == nil {
			d.OrgNames[id] = o.Name
		}
	}
	for _, m := range x.Messages {
		if _, ok := d.OrgNames[m.OrgID]; !ok {
			if o, err := s.Store.Org(r.Context(), m.OrgID); err == nil {
				d.OrgNames[m.OrgID] = o.Name
			}
		}
	}
	s.render(w, r, req, status, "consultation", "nav.consult", "consult", d)
}

func (s *server) replyConsult(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id") // a public id: anything else, a row id above all, is not found
	x, err := s.Consult.Reply(r.Context(), req.caller, id, r.PostFormValue("kind"), r.PostFormValue("body"), r.PostFormValue("to"))
	switch {
	case err == nil && x.Step == "handoff.done" && x.Messages == nil:
		// Handed to the center: the former handler no longer sees it.
		http.Redirect(w, r, "/consult?ok=replied", http.StatusSeeOther)
	case s.refused(w, r, err):
	case err != nil:
		s.showConsultation(w, r, req, id, http.StatusBadRequest, s.problems(req, err, consultProblem))
	default:
		http.Redirect(w, r, "/consult/"+id+"?ok=replied", http.StatusSeeOther)
	}
}

// replyKinds are the steps of a thread, in the order the reply form offers
// them.
var replyKinds = []string{"answer", "question", "handoff", "consent", "decline", "close"}

// consultProblem is one problem of a request in the language of cat.
func consultProblem(lang string, cat catalog, p problem.Problem) string {
	key := "consult.err." + p.Code
	if _, ok := cat[key]; !ok {
		return p.Msg
	}
	switch p.Code {
	case "kind.unknown":
		return cat.Text(key, p.Value, choiceList(lang, cat, "consult.kind.", consult.Kinds))
	case "reply.unknown":
		return cat.Text(key, p.Value, choiceList(lang, cat, "consult.msg.", replyKinds))
	case "handler.unknown", "handoff.unknown", "handoff.same", "handler.not-designated", "handoff.not-designated":
		return cat.Text(key, p.Value)
	}
	return cat.Text(key)
}
