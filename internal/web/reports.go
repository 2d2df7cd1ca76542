package web

// Incident reports and the critical-computer register (issue 7). The rules
// are in package incident; these handlers turn forms into filings and show
// what the viewer may see.

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"renkei/internal/cases"
	"renkei/internal/incident"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// towerNotices are the confirmations a tower page may show after a redirect (?ok=).
var towerNotices = []string{"filed", "registered", "changed", "opened", "updated", "published", "acknowledged", "completed", "asked", "replied"}

func towerNotice(r *http.Request) string {
	ok := r.URL.Query().Get("ok")
	for _, n := range towerNotices {
		if n == ok {
			return "tower.ok." + n
		}
	}
	return ""
}

// names gives the configured report types' and stages' names in lang.
type names struct {
	Types  map[string]string
	Stages map[string]string // "type/stage"
}

func reportNames(d *incident.Deadlines, lang string) names {
	n := names{Types: map[string]string{}, Stages: map[string]string{}}
	for _, t := range d.Types {
		n.Types[t.ID] = t.EN
		if lang == "ja" {
			n.Types[t.ID] = t.JA
		}
		for _, s := range t.Stages {
			n.Stages[t.ID+"/"+s.Stage] = s.EN
			if lang == "ja" {
				n.Stages[t.ID+"/"+s.Stage] = s.JA
			}
		}
	}
	return n
}

// tlpNames and consentNames are the choices of the report form.
var (
	tlpNames     = []string{"clear", "green", "amber", "amber+strict", "red"}
	consentNames = []string{"center", "none", "everyone"}
)

type reportsData struct {
	TLPs       []string
	Consents   []string
	Notice     string
	Incidents  []incidentRow
	Names      names
	Types      []string
	Categories []string
	Statuses   []string
	Computers  []incident.Computer
	Form       incident.Filing
	Errors     map[string]string
	CanFile    bool
	IsCenter   bool
	Overdue    bool
}

type incidentRow struct {
	incident.Incident
	Overdue int
	NextDue *incident.Deadline
	Org     string
}

func (s *server) incidentRows(r *http.Request, req *request, l []incident.Incident) []incidentRow {
	now := s.Now()
	orgs := map[string]string{}
	out := make([]incidentRow, len(l))
	for i, inc := range l {
		row := incidentRow{Incident: inc}
		for k, d := range inc.Deadlines {
			if d.Overdue(now) {
				row.Overdue++
			}
			if d.Met.IsZero() && row.NextDue == nil {
				row.NextDue = &inc.Deadlines[k]
			}
		}
		if _, ok := orgs[inc.OrgID]; !ok {
			if o, err := s.Store.Org(r.Context(), inc.OrgID); err == nil {
				orgs[inc.OrgID] = o.Name
			}
		}
		row.Org = orgs[inc.OrgID]
		out[i] = row
	}
	return out
}

func (s *server) reports(w http.ResponseWriter, r *http.Request, req *request) {
	s.showReports(w, r, req, http.StatusOK, &reportsData{Form: incident.Filing{Duties: []string{"art5"}, Type: "art5", Stage: "initial", TLP: "amber", Consent: "center", CurrentStatus: "ongoing"}})
}

func (s *server) showReports(w http.ResponseWriter, r *http.Request, req *request, status int, d *reportsData) {
	ctx := r.Context()
	svc := s.Incidents
	d.Overdue = r.URL.Query().Get("overdue") != ""
	d.TLPs, d.Consents = tlpNames, consentNames
	l, err := svc.List(ctx, req.viewer, incident.Query{OverdueOnly: d.Overdue})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Incidents = s.incidentRows(r, req, l)
	d.Names = reportNames(svc.Deadlines, req.lang)
	d.Types, d.Categories, d.Statuses = svc.Deadlines.TypeIDs(), incident.Categories, incident.Statuses
	d.IsCenter = policy.InCenter(req.viewer)
	d.CanFile = policy.MayFileReport(req.viewer) && !d.IsCenter
	if d.Notice == "" {
		d.Notice = towerNotice(r)
	}
	if d.CanFile {
		if d.Computers, err = svc.Computers(ctx, req.viewer, "", false); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.render(w, r, req, status, "reports", "nav.reports", "reports", d)
}

// filingFromForm reads the report form (multipart, for attachments).
func filingFromForm(r *http.Request) (incident.Filing, error) {
	f := incident.Filing{
		Type: r.PostFormValue("type"), Stage: r.PostFormValue("stage"), Category: r.PostFormValue("category"),
		Title: strings.TrimSpace(r.PostFormValue("title")), WhatHappened: r.PostFormValue("what_happened"),
		SystemsAffected: r.PostFormValue("systems_affected"), ServiceImpact: r.PostFormValue("service_impact"),
		DetectedAt: r.PostFormValue("detected_at"), AwareAt: r.PostFormValue("aware_at"),
		CurrentStatus: r.PostFormValue("current_status"), TLP: r.PostFormValue("tlp"), Consent: r.PostFormValue("consent"),
	}
	if r.MultipartForm != nil {
		f.Duties = r.MultipartForm.Value["duties"]
	} else {
		f.Duties = r.PostForm["duties"]
	}
	f.Incident = r.PostFormValue("incident")
	f.CriticalComputer = r.PostFormValue("critical_computer") // its public id; "" for none
	for _, l := range strings.Split(r.PostFormValue("indicators"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			f.Indicators = append(f.Indicators, l)
		}
	}
	if f.Type == "" && len(f.Duties) > 0 {
		f.Type = f.Duties[0]
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["attachment"] {
			file, err := fh.Open()
			if err != nil {
				return f, err
			}
			b, err := io.ReadAll(io.LimitReader(file, incident.MaxAttachmentBytes+1))
			file.Close()
			if err != nil {
				return f, err
			}
			f.Attachments = append(f.Attachments, incident.AttachmentIn{Name: fh.Filename, Content: base64.StdEncoding.EncodeToString(b)})
		}
	}
	return f, nil
}

func (s *server) fileReport(w http.ResponseWriter, r *http.Request, req *request) {
	f, err := filingFromForm(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rep, err := s.Incidents.File(r.Context(), req.caller, f)
	if s.refused(w, r, err) {
		return
	}
	if m := s.fieldMap(req, err); m != nil {
		f.Attachments = nil
		if f.Incident != "" {
			s.showIncident(w, r, req, f.Incident, http.StatusBadRequest, &incidentData{Form: f, Errors: m})
			return
		}
		s.showReports(w, r, req, http.StatusBadRequest, &reportsData{Form: f, Errors: m})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/reports/"+rep.IncidentPublicID+"?ok=filed", http.StatusSeeOther)
}

type incidentData struct {
	Notice     string
	Incident   incident.Incident
	TLP        policy.TLP
	Org        string
	Deadlines  []deadlineRow
	Names      names
	Duties     []string
	Stages     []string
	Statuses   []string
	Cases      []cases.Case
	Form       incident.Filing
	Errors     map[string]string
	CanFile    bool
	IsCenter   bool
	Severities []string
	// Templates a case may be opened from, to who works cases; Template
	// the one for the incident's category.
	Templates []templateChoice
	Template  string
}

// templateChoice is a case template as a form offers it.
type templateChoice struct{ Name, Title string }

func (s *server) templateChoices(ctx context.Context, req *request) []templateChoice {
	ts, err := s.Cases.Templates(ctx, req.viewer)
	if err != nil {
		return nil // only who works cases opens them from templates
	}
	out := make([]templateChoice, len(ts))
	for i, t := range ts {
		out[i] = templateChoice{t.Name, t.TitleIn(req.lang)}
	}
	return out
}

type deadlineRow struct {
	incident.Deadline
	Overdue, Late bool
}

func (s *server) incidentPage(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id") // a public id: anything else, a row id above all, is not found
	s.showIncident(w, r, req, id, http.StatusOK, &incidentData{Form: incident.Filing{Stage: "update", CurrentStatus: "ongoing"}})
}

func (s *server) showIncident(w http.ResponseWriter, r *http.Request, req *request, id string, status int, d *incidentData) {
	ctx := r.Context()
	svc := s.Incidents
	inc, err := svc.Get(ctx, req.viewer, id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Incident, d.TLP, d.Names, d.Statuses = inc, inc.TLP, reportNames(svc.Deadlines, req.lang), incident.Statuses
	d.Stages, d.Severities = incident.Stages, cases.Severities
	if o, err := s.Store.Org(ctx, inc.OrgID); err == nil {
		d.Org = o.Name
	}
	now := s.Now()
	seen := map[string]bool{}
	for _, dl := range inc.Deadlines {
		d.Deadlines = append(d.Deadlines, deadlineRow{dl, dl.Overdue(now), dl.Late()})
		if !seen[dl.Type] {
			seen[dl.Type] = true
			d.Duties = append(d.Duties, dl.Type)
		}
	}
	for _, rep := range inc.Reports {
		if !seen[rep.Type] {
			seen[rep.Type] = true
			d.Duties = append(d.Duties, rep.Type)
		}
	}
	d.CanFile = policy.MayFileReport(req.viewer) && policy.Own(req.viewer, inc.OrgID) != 0
	d.IsCenter = policy.InCenter(req.viewer)
	if policy.MayWorkCases(req.viewer) {
		d.Templates = s.templateChoices(ctx, req)
		for _, t := range d.Templates {
			if t.Name == inc.Category {
				d.Template = t.Name
			}
		}
	}
	if d.Cases, err = s.Cases.List(ctx, req.viewer, cases.Query{Source: "report:" + id}); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Notice == "" {
		d.Notice = towerNotice(r)
	}
	s.render(w, r, req, status, "report", "nav.reports", "reports", d)
}

func (s *server) attachment(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id") // a public id: anything else, a row id above all, is not found
	a, err := s.Incidents.Attachment(r.Context(), req.viewer, id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Name))
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Write(a.Data)
}

type computersData struct {
	Notice      string
	Computers   []incident.Computer
	Form        incident.Computer
	Errors      map[string]string
	CanRegister bool
	IsCenter    bool
	Sector      string
}

func (s *server) computers(w http.ResponseWriter, r *http.Request, req *request) {
	s.showComputers(w, r, req, http.StatusOK, &computersData{})
}

func (s *server) showComputers(w http.ResponseWriter, r *http.Request, req *request, status int, d *computersData) {
	d.Sector = r.URL.Query().Get("sector")
	l, err := s.Incidents.Computers(r.Context(), req.viewer, d.Sector, false)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Computers, d.IsCenter = l, policy.InCenter(req.viewer)
	d.CanRegister = !d.IsCenter && policy.MayChangeRegister(req.viewer)
	if d.Notice == "" {
		d.Notice = towerNotice(r)
	}
	s.render(w, r, req, status, "computers", "nav.computers", "computers", d)
}

func (s *server) registerComputer(w http.ResponseWriter, r *http.Request, req *request) {
	c := incident.Computer{Name: r.PostFormValue("name"), Function: r.PostFormValue("function"), Location: r.PostFormValue("location"),
		Vendor: r.PostFormValue("vendor"), Product: r.PostFormValue("product"), Ministry: r.PostFormValue("ministry")}
	_, err := s.Incidents.Register(r.Context(), req.caller, c)
	if s.refused(w, r, err) {
		return
	}
	if m := s.fieldMap(req, err); m != nil {
		s.showComputers(w, r, req, http.StatusBadRequest, &computersData{Form: c, Errors: m})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/computers?ok=registered", http.StatusSeeOther)
}
