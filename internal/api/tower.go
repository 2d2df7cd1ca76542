package api

// The command tower's daily work (issue 7): incident reports and their
// deadlines, the critical-computer register, cases, advisories and requests,
// consultations and the common operating picture. The rules live in the
// capability packages; these handlers decode, call and encode.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/cases"
	"renkei/internal/client"
	"renkei/internal/consult"
	"renkei/internal/cop"
	"renkei/internal/incident"
	"renkei/internal/problem"
)

func (s *Server) incidentOut(i incident.Incident) client.Incident {
	out := client.Incident{Incident: i, TLP: i.TLP.Label(), Deadlines: []client.Deadline{}}
	now := s.now()
	for _, d := range i.Deadlines {
		out.Deadlines = append(out.Deadlines, client.Deadline{Deadline: d, Overdue: d.Overdue(now), Late: d.Late()})
	}
	out.Incident.Deadlines = nil
	return out
}

func (s *Server) listReports(q *request) error {
	svc := s.Incidents
	l, err := svc.List(q.r.Context(), q.viewer, incident.Query{OverdueOnly: q.r.URL.Query().Get("overdue") != "", OrgID: q.r.URL.Query().Get("org")})
	if err != nil {
		return err
	}
	out := make([]client.Incident, len(l))
	for i, x := range l {
		out[i] = s.incidentOut(x)
	}
	writeJSON(q.w, 200, map[string]any{"incidents": out})
	return nil
}

func (s *Server) fileReport(q *request) error {
	var f incident.Filing
	if err := decode(q, &f); err != nil {
		return err
	}
	svc := s.Incidents
	r, err := svc.File(q.r.Context(), q.caller, f)
	if err != nil {
		return err
	}
	inc, err := svc.Get(q.r.Context(), q.viewer, r.IncidentPublicID)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, client.FiledReport{Report: r, Incident: s.incidentOut(inc)})
	return nil
}

func (s *Server) getReport(q *request) error {
	id := q.r.PathValue("id") // a public id; anything else is not found
	inc, err := s.Incidents.Get(q.r.Context(), q.viewer, id)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, s.incidentOut(inc))
	return nil
}

func (s *Server) getAttachment(q *request) error {
	id := q.r.PathValue("id") // a public id; anything else is not found
	a, err := s.Incidents.Attachment(q.r.Context(), q.viewer, id)
	if err != nil {
		return err
	}
	h := q.w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	q.w.Write(a.Data)
	return nil
}

func (s *Server) listComputers(q *request) error {
	l, err := s.Incidents.Computers(q.r.Context(), q.viewer, q.r.URL.Query().Get("sector"), q.r.URL.Query().Get("retired") != "")
	if err != nil {
		return err
	}
	if l == nil {
		l = []incident.Computer{}
	}
	writeJSON(q.w, 200, map[string]any{"computers": l})
	return nil
}

func (s *Server) registerComputer(q *request) error {
	var in incident.Computer
	if err := decode(q, &in); err != nil {
		return err
	}
	cc, err := s.Incidents.Register(q.r.Context(), q.caller, in)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, cc)
	return nil
}

// changeComputer records a change to a critical computer named by its
// public id; a row id (a sequence over every organization's computers,
// which never leaves the hub) is not found.
func (s *Server) changeComputer(q *request) error {
	id := q.r.PathValue("id")
	var in client.ComputerChange
	if err := decode(q, &in); err != nil {
		return err
	}
	cc, err := s.Incidents.Change(q.r.Context(), q.caller, id, in.Computer, in.Change, in.Retire)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, cc)
	return nil
}

func (s *Server) listCases(q *request) error {
	v := q.r.URL.Query()
	l, err := s.Cases.List(q.r.Context(), q.viewer, cases.Query{Status: v.Get("status"), Assignee: v.Get("assignee"), Source: v.Get("source"), OpenOnly: v.Get("open") != ""})
	if err != nil {
		return err
	}
	if l == nil {
		l = []cases.Case{}
	}
	writeJSON(q.w, 200, map[string]any{"cases": l})
	return nil
}

func (s *Server) openCase(q *request) error {
	var in cases.Case
	if err := decode(q, &in); err != nil {
		return err
	}
	k, err := s.Cases.Open(q.r.Context(), q.caller, in)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, k)
	return nil
}

func (s *Server) getCase(q *request) error {
	id := q.r.PathValue("id") // a public id; anything else is not found
	k, err := s.Cases.Get(q.r.Context(), q.viewer, id)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, k)
	return nil
}

func (s *Server) actOnCase(q *request) error {
	id := q.r.PathValue("id") // a public id; anything else is not found
	var in cases.Act
	if err := decode(q, &in); err != nil {
		return err
	}
	k, err := s.Cases.Do(q.r.Context(), q.caller, id, in)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, k)
	return nil
}

func (s *Server) listAdvisories(q *request) error {
	v := q.r.URL.Query()
	l, err := s.Advisories.List(q.r.Context(), q.viewer, advisory.ListQuery{Kind: v.Get("kind"), OpenOnly: v.Get("open") != ""})
	if err != nil {
		return err
	}
	if l == nil {
		l = []advisory.Advisory{}
	}
	writeJSON(q.w, 200, map[string]any{"advisories": l})
	return nil
}

func (s *Server) publishAdvisory(q *request) error {
	var in advisory.Advisory
	if err := decode(q, &in); err != nil {
		return err
	}
	a, err := s.Advisories.Publish(q.r.Context(), q.caller, in)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, a)
	return nil
}

func (s *Server) getAdvisory(q *request) error {
	id := q.r.PathValue("id") // a public id; anything else is not found
	a, targets, err := s.Advisories.Get(q.r.Context(), q.viewer, id)
	if err != nil {
		return err
	}
	if targets == nil {
		targets = []advisory.Target{}
	}
	writeJSON(q.w, 200, client.AdvisoryWithTargets{Advisory: a, Targets: targets})
	return nil
}

func (s *Server) ackAdvisory(q *request) error {
	id := q.r.PathValue("id") // a public id; anything else is not found
	if err := s.Advisories.Acknowledge(q.r.Context(), q.caller, id); err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"acknowledged": id})
	return nil
}

func (s *Server) completeAdvisory(q *request) error {
	id := q.r.PathValue("id") // a public id; anything else is not found
	var in client.Evidence
	if err := decode(q, &in); err != nil {
		return err
	}
	err := s.Advisories.Complete(q.r.Context(), q.caller, id, in.Evidence)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"completed": id})
	return nil
}

func (s *Server) listConsultations(q *request) error {
	l, err := s.Consult.List(q.r.Context(), q.viewer, q.r.URL.Query().Get("status"), 0)
	if err != nil {
		return err
	}
	if l == nil {
		l = []consult.Request{}
	}
	writeJSON(q.w, 200, map[string]any{"consultations": l})
	return nil
}

func (s *Server) askConsultation(q *request) error {
	var in client.ConsultationRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	r, err := s.Consult.Ask(q.r.Context(), q.caller, in.Kind, in.Subject, in.Body, in.Handler)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, r)
	return nil
}

func (s *Server) getConsultation(q *request) error {
	id := q.r.PathValue("id") // a public id; anything else is not found
	r, err := s.Consult.Get(q.r.Context(), q.viewer, id)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, r)
	return nil
}

func (s *Server) replyConsultation(q *request) error {
	id := q.r.PathValue("id") // a public id; anything else is not found
	var in client.ConsultationReply
	if err := decode(q, &in); err != nil {
		return err
	}
	// A hand-off answers what happened (step), also to a handler that no
	// longer sees the request.
	r, err := s.Consult.Reply(q.r.Context(), q.caller, id, in.Kind, in.Body, in.To)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, r)
	return nil
}

// copFigures serves the common operating picture: JSON, or CSV with ?format=csv.
func (s *Server) copFigures(q *request) error {
	days, _ := strconv.Atoi(q.r.URL.Query().Get("days"))
	f, err := cop.Compute(q.r.Context(), s.Store, s.Now(), q.viewer, cop.Window(s.now(), days))
	if err != nil {
		return err
	}
	if q.r.URL.Query().Get("format") == "csv" {
		q.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		q.w.Header().Set("Content-Disposition", `attachment; filename="renkei-cop-`+s.now().Format(time.DateOnly)+`.csv"`)
		return f.WriteCSV(q.w)
	}
	writeJSON(q.w, 200, f)
	return nil
}

func (s *Server) addCaseTask(q *request) error {
	id := q.r.PathValue("id") // a public id; anything else is not found
	var in cases.NewTask
	if err := decode(q, &in); err != nil {
		return err
	}
	t, err := s.Cases.AddTask(q.r.Context(), q.caller, id, in)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, t)
	return nil
}

func (s *Server) setCaseTask(q *request) error {
	id, task := q.r.PathValue("id"), q.r.PathValue("task") // public ids; anything else is not found
	var in cases.TaskChange
	if err := decode(q, &in); err != nil {
		return err
	}
	t, err := s.Cases.SetTask(q.r.Context(), q.caller, id, task, in)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, t)
	return nil
}

func (s *Server) listCaseTemplates(q *request) error {
	l, err := s.Cases.Templates(q.r.Context(), q.viewer)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"templates": l})
	return nil
}

// putCaseTemplate takes the template's JSON as its body; its name must be
// the one in the path.
func (s *Server) putCaseTemplate(q *request) error {
	body, err := io.ReadAll(io.LimitReader(q.r.Body, 64<<10+1))
	if err != nil {
		return err
	}
	var named struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(body, &named) == nil && named.Name != q.r.PathValue("name") {
		return problem.Problems{{Field: "name", Code: "template.invalid", Value: named.Name, Msg: "name: not the name in the path"}}
	}
	t, err := s.Cases.PutTemplate(q.r.Context(), q.caller, body)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, t)
	return nil
}

func (s *Server) deleteCaseTemplate(q *request) error {
	if err := s.Cases.DeleteTemplate(q.r.Context(), q.caller, q.r.PathValue("name")); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
