package web

// Advisories, correction requests and supplier requests (issue 7): the center
// publishes, members acknowledge and report completion. Package advisory decides.

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

type advisoriesData struct {
	Notice     string
	Advisories []advisory.Advisory
	Mine       map[string]advisory.Target // the caller's organization's progress
	IsCenter   bool
	Kinds      []string
	Severities []string
	OrgKinds   []string
	Form       advisoryForm
	Errors     map[string]string
}

type advisoryForm struct {
	Kind, Title, Body, Findings, Campaign, Actions, Severity, Due, Sectors, Orgs string
	All                                                                          bool
	OrgKinds                                                                     []string
}

func (s *server) advisories(w http.ResponseWriter, r *http.Request, req *request) {
	s.showAdvisories(w, r, req, http.StatusOK, &advisoriesData{Form: advisoryForm{Kind: advisory.KindAdvisory, Severity: "medium"}})
}

func (s *server) showAdvisories(w http.ResponseWriter, r *http.Request, req *request, status int, d *advisoriesData) {
	ctx := r.Context()
	svc := s.Advisories
	l, err := svc.List(ctx, req.viewer, advisory.ListQuery{})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Advisories, d.IsCenter = l, policy.SeesEveryRecipientsProgress(req.viewer)
	d.Kinds, d.Severities = advisory.Kinds, advisory.Severities
	d.OrgKinds = store.MemberOrgKinds
	if d.Notice == "" {
		d.Notice = towerNotice(r)
	}
	if !d.IsCenter {
		d.Mine = map[string]advisory.Target{}
		for _, a := range l {
			if _, ts, err := svc.Get(ctx, req.viewer, a.PublicID); err == nil && len(ts) == 1 {
				d.Mine[a.PublicID] = ts[0]
			}
		}
	}
	s.render(w, r, req, status, "advisories", "nav.advisories", "advisories", d)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '、' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *server) publishAdvisory(w http.ResponseWriter, r *http.Request, req *request) {
	f := advisoryForm{Kind: r.PostFormValue("kind"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), Findings: r.PostFormValue("findings"),
		Campaign: r.PostFormValue("campaign"), Actions: r.PostFormValue("actions"), Severity: r.PostFormValue("severity"), Due: r.PostFormValue("due"),
		Sectors: r.PostFormValue("sectors"), Orgs: r.PostFormValue("orgs"), All: r.PostFormValue("all") != "", OrgKinds: r.PostForm["org_kinds"]}
	a := advisory.Advisory{Kind: f.Kind, Title: f.Title, Body: f.Body, Findings: f.Findings, Campaign: f.Campaign, Severity: f.Severity,
		Actions: strings.Split(f.Actions, "\n"), Audience: advisory.Audience{All: f.All, Sectors: splitList(f.Sectors), Kinds: f.OrgKinds, Orgs: splitList(f.Orgs)}}
	errs := map[string]string{}
	if f.Due != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", f.Due, jst.Zone)
		if err != nil {
			errs["due"] = "use a date and time"
		}
		a.Due = t
	}
	if len(errs) == 0 {
		_, err := s.Advisories.Publish(r.Context(), req.caller, a)
		if s.refused(w, r, err) {
			return
		}
		if m := s.fieldMap(req, err); m != nil {
			errs = m
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if len(errs) > 0 {
		s.showAdvisories(w, r, req, http.StatusBadRequest, &advisoriesData{Form: f, Errors: errs})
		return
	}
	http.Redirect(w, r, "/advisories?ok=published", http.StatusSeeOther)
}

type advisoryData struct {
	Notice   string
	Error    string
	A        advisory.Advisory
	Targets  []advisory.Target
	IsCenter bool
}

func (s *server) advisoryPage(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id") // a public id: anything else, a row id above all, is not found
	s.showAdvisory(w, r, req, id, http.StatusOK, "")
}

func (s *server) showAdvisory(w http.ResponseWriter, r *http.Request, req *request, id string, status int, msg string) {
	a, ts, err := s.Advisories.Get(r.Context(), req.viewer, id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, req, status, "advisory", "nav.advisories", "advisories", &advisoryData{Notice: towerNotice(r), Error: msg, A: a, Targets: ts, IsCenter: policy.SeesEveryRecipientsProgress(req.viewer)})
}

// advisoryStep acknowledges an advisory for the caller's organization, or
// reports its actions complete: one route each, logged under the same
// action as the API's (advisory.ack, advisory.complete).
func (s *server) advisoryStep(complete bool) func(http.ResponseWriter, *http.Request, *request) {
	return func(w http.ResponseWriter, r *http.Request, req *request) { s.advisoryStepDone(w, r, req, complete) }
}

func (s *server) advisoryStepDone(w http.ResponseWriter, r *http.Request, req *request, complete bool) {
	id := r.PathValue("id") // a public id: anything else, a row id above all, is not found
	svc := s.Advisories
	var err error
	done := "acknowledged"
	if complete {
		err, done = svc.Complete(r.Context(), req.caller, id, r.PostFormValue("evidence")), "completed"
	} else {
		err = svc.Acknowledge(r.Context(), req.caller, id)
	}
	var fe problem.Problems
	switch {
	case s.refused(w, r, err):
	case errors.As(err, &fe):
		s.showAdvisory(w, r, req, id, http.StatusBadRequest, fe.Error())
	case err != nil:
		s.serverError(w, r, err)
	default:
		http.Redirect(w, r, "/advisories/"+id+"?ok="+done, http.StatusSeeOther)
	}
}
