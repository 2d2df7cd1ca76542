package web

// Cases (issue 7): the center works them; the organization a case came from
// sees its status and the steps the center shared. Package cases decides.

import (
	"errors"
	"net/http"
	"strings"

	"renkei/internal/cases"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

type casesData struct {
	Notice   string
	Error    string
	Cases    []cases.Case
	IsCenter bool
	OpenOnly bool
}

func (s *server) casesPage(w http.ResponseWriter, r *http.Request, req *request) {
	s.showCases(w, r, req, http.StatusOK, "")
}

// showCases renders the list of cases, with msg when an opening was refused.
func (s *server) showCases(w http.ResponseWriter, r *http.Request, req *request, status int, msg string) {
	d := &casesData{Notice: towerNotice(r), Error: msg, IsCenter: policy.InCenter(req.viewer), OpenOnly: r.URL.Query().Get("all") == ""}
	l, err := s.Cases.List(r.Context(), req.viewer, cases.Query{OpenOnly: d.OpenOnly})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Cases = l
	s.render(w, r, req, status, "cases", "nav.cases", "cases", d)
}

type caseData struct {
	Actions    []actionRow
	OrgNames   map[string]string
	LinkKinds  []string // what the act form may link the case to
	Notice     string
	Error      string
	Case       cases.Case
	IsCenter   bool
	Statuses   []string
	Severities []string
	SourceURL  string
	// Tasks are the tasks the reader sees, each saying whether the reader
	// may mark it done; CanWork that the reader adds tasks.
	Tasks   []taskRow
	CanWork bool
	// Template is the title of the template the case was opened from,
	// Missing the kinds of link it expects that the case lacks.
	Template string
	Missing  []string
}

// taskRow is a task as shown.
type taskRow struct {
	cases.Task
	CanFinish bool
}

func (s *server) casePage(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id") // a public id: anything else, a row id above all, is not found
	s.showCase(w, r, req, id, http.StatusOK, "")
}

func (s *server) showCase(w http.ResponseWriter, r *http.Request, req *request, id string, status int, msg string) {
	k, err := s.Cases.Get(r.Context(), req.viewer, id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := &caseData{Notice: towerNotice(r), Error: msg, Case: k, IsCenter: policy.InCenter(req.viewer), Statuses: cases.Statuses, Severities: cases.Severities, LinkKinds: cases.LinkKinds,
		CanWork: policy.MayWorkCases(req.viewer)}
	for _, t := range k.Tasks {
		d.Tasks = append(d.Tasks, taskRow{t, policy.MayFinishCaseTask(req.viewer, t.AssigneeOrg)})
	}
	if k.Template != "" && d.CanWork {
		if ts, err := s.Cases.Templates(r.Context(), req.viewer); err == nil {
			for _, t := range ts {
				if t.Name == k.Template {
					d.Template, d.Missing = t.TitleIn(req.lang), cases.MissingLinks(t, k)
				}
			}
		}
	}
	// The timeline in the page's language: status changes name both
	// statuses; the opening needs no text beyond its kind.
	cat := s.pages[req.lang].cat
	for _, a := range k.Actions {
		row := actionRow{Action: a, Text: a.Text}
		switch a.Kind {
		case "opened":
			row.Text = ""
		case "link":
			// "org identity--…" names the organization, not its id.
			if kind, ref, ok := strings.Cut(a.Text, " "); ok {
				if kind == "org" {
					if o, err := s.Store.Org(r.Context(), ref); err == nil {
						ref = o.Name
					}
				}
				name := kind
				if n, ok := cat["cases.link."+kind]; ok {
					name = n
				}
				row.Text = name + ": " + ref
			}
		case "status":
			if from, to, ok := strings.Cut(a.Text, " → "); ok {
				row.Text = cat.Text("cases.st."+from) + " → " + cat.Text("cases.st."+to)
			}
		}
		d.Actions = append(d.Actions, row)
	}
	d.OrgNames = map[string]string{}
	for _, l := range k.Links {
		if l.Kind == "org" {
			if o, err := s.Store.Org(r.Context(), l.Ref); err == nil {
				d.OrgNames[l.Ref] = o.Name
			}
		}
	}
	if kind, ref, _ := strings.Cut(k.Source, ":"); kind == "report" {
		d.SourceURL = "/reports/" + ref
	} else if kind == "consult" {
		d.SourceURL = "/consult/" + ref
	}
	s.render(w, r, req, status, "case", "nav.cases", "cases", d)
}

// actionRow is a timeline entry as shown.
type actionRow struct {
	cases.Action
	Text string
}

func (s *server) openCase(w http.ResponseWriter, r *http.Request, req *request) {
	k, err := s.Cases.Open(r.Context(), req.caller, cases.Case{Title: r.PostFormValue("title"), Severity: r.PostFormValue("severity"),
		Source: r.PostFormValue("source"), Assignee: r.PostFormValue("assignee"), Template: r.PostFormValue("template")})
	if s.refused(w, r, err) {
		return
	}
	var ps problem.Problems
	if errors.As(err, &ps) {
		s.showCases(w, r, req, http.StatusBadRequest, s.problems(req, err, caseProblem))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/cases/"+k.PublicID+"?ok=opened", http.StatusSeeOther)
}

func (s *server) actOnCase(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id") // a public id: anything else, a row id above all, is not found
	a := cases.Act{Status: r.PostFormValue("status"), Severity: r.PostFormValue("severity"), Assignee: strings.TrimSpace(r.PostFormValue("assignee")),
		Note: r.PostFormValue("note"), Shared: r.PostFormValue("shared") != ""}
	if ref := strings.TrimSpace(r.PostFormValue("link_ref")); ref != "" {
		a.Link = &cases.Link{Kind: r.PostFormValue("link_kind"), Ref: ref} // an observable, indicator, report, hunting package or advisory
	}
	_, err := s.Cases.Do(r.Context(), req.caller, id, a)
	switch {
	case s.refused(w, r, err):
	case err != nil:
		s.showCase(w, r, req, id, http.StatusBadRequest, s.problems(req, err, caseProblem))
	default:
		http.Redirect(w, r, "/cases/"+id+"?ok=updated", http.StatusSeeOther)
	}
}

// addCaseTask adds a task from the case page's form; the due date is a JST
// date or date and time (cases.ParseDue).
func (s *server) addCaseTask(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id") // a public id: anything else, a row id above all, is not found
	_, err := s.Cases.AddTask(r.Context(), req.caller, id, cases.NewTask{Title: r.PostFormValue("title"),
		Assignee: strings.TrimSpace(r.PostFormValue("assignee")), Due: r.PostFormValue("due")})
	s.afterTask(w, r, req, id, err)
}

// setCaseTask marks a task done or open again ("done" 1 or 0), or changes
// its assignee or due date.
func (s *server) setCaseTask(w http.ResponseWriter, r *http.Request, req *request) {
	id, task := r.PathValue("id"), r.PathValue("task") // public ids
	var ch cases.TaskChange
	if v := r.PostFormValue("done"); v != "" {
		done := v == "1"
		ch.Done = &done
	}
	if _, ok := r.PostForm["assignee"]; ok {
		a := strings.TrimSpace(r.PostFormValue("assignee"))
		ch.Assignee = &a
	}
	ch.Due = r.PostFormValue("due")
	_, err := s.Cases.SetTask(r.Context(), req.caller, id, task, ch)
	s.afterTask(w, r, req, id, err)
}

func (s *server) afterTask(w http.ResponseWriter, r *http.Request, req *request, id string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "error.notfound")
	case s.refused(w, r, err):
	case err != nil:
		var ps problem.Problems
		if !errors.As(err, &ps) {
			s.serverError(w, r, err)
			return
		}
		s.showCase(w, r, req, id, http.StatusBadRequest, s.problems(req, err, caseProblem))
	default:
		http.Redirect(w, r, "/cases/"+id+"?ok=updated#tasks", http.StatusSeeOther)
	}
}

// caseProblem is one problem of a case in the language of cat: the values
// one may choose are named as the form names them.
func caseProblem(lang string, cat catalog, p problem.Problem) string {
	key := "cases.err." + p.Code
	if _, ok := cat[key]; !ok {
		return p.Msg
	}
	switch p.Code {
	case "severity.unknown":
		return cat.Text(key, p.Value, choiceList(lang, cat, "severity.", cases.Severities))
	case "status.unknown":
		return cat.Text(key, p.Value, choiceList(lang, cat, "cases.st.", cases.Statuses))
	case "link.invalid":
		return cat.Text(key, joinList(lang, cases.LinkKinds))
	case "assignee.unknown", "assignee.not-center", "assignee.not-allowed", "source.invalid", "source.unknown", "link.unknown", "due.invalid", "template.unknown":
		return cat.Text(key, p.Value)
	}
	return cat.Text(key)
}

// choiceList names each value as the catalog does under prefix, listed as
// lang lists.
func choiceList(lang string, cat catalog, prefix string, values []string) string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = cat.Text(prefix + v)
	}
	return joinList(lang, names)
}

// joinList lists names: 「低、中、高」 in Japanese, "low, medium, high" in English.
func joinList(lang string, names []string) string {
	if lang == "ja" {
		return strings.Join(names, "、")
	}
	return strings.Join(names, ", ")
}
