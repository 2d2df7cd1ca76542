package web

// The common operating picture (issue 7): charts drawn as SVG by package cop
// and served as images, so the page needs no script, and the same figures as CSV.

import (
	"net/http"
	"strconv"
	"time"

	"renkei/internal/cop"
	"renkei/internal/jst"
)

type copData struct {
	Figures cop.Figures
	Days    int
}

func (s *server) figures(w http.ResponseWriter, r *http.Request, req *request) (cop.Figures, int, bool) {
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	if days <= 0 || days > 366 {
		days = 30
	}
	f, err := cop.Compute(r.Context(), s.Store, s.Now(), req.viewer, cop.Window(s.Now(), days))
	if s.refused(w, r, err) {
		return f, days, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return f, days, false
	}
	return f, days, true
}

func (s *server) copPage(w http.ResponseWriter, r *http.Request, req *request) {
	f, days, ok := s.figures(w, r, req)
	if !ok {
		return
	}
	s.render(w, r, req, http.StatusOK, "cop", "nav.cop", "cop", &copData{Figures: f, Days: days})
}

func (s *server) copCSV(w http.ResponseWriter, r *http.Request, req *request) {
	f, _, ok := s.figures(w, r, req)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="renkei-cop-`+s.Now().In(jst.Zone).Format(time.DateOnly)+`.csv"`)
	f.WriteCSV(w)
}

// copChart serves one chart, its titles in the viewer's language.
func (s *server) copChart(w http.ResponseWriter, r *http.Request, req *request) {
	f, _, ok := s.figures(w, r, req)
	if !ok {
		return
	}
	c := s.pages[req.lang].cat
	var svg string
	switch r.PathValue("name") {
	case "timeline.svg":
		svg = cop.TimeChart(c.Text("cop.timeline"), cop.Series{Name: c.Text("cop.incidents"), Counts: f.IncidentsPerDay}, cop.Series{Name: c.Text("cop.alerts"), Counts: f.AlertsPerDay})
	case "sectors.svg":
		counts := make([]cop.Count, len(f.IncidentsBySector))
		for i, x := range f.IncidentsBySector {
			counts[i] = x
			if name, ok := c["sector."+x.Key]; ok { // named as the word template function names it
				counts[i].Key = name
			}
		}
		svg = cop.BarChart(c.Text("cop.by_sector"), counts, c.Text("cop.no_data"))
	case "kinds.svg":
		counts := make([]cop.Count, len(f.IncidentsByKind))
		for i, x := range f.IncidentsByKind {
			counts[i] = cop.Count{Key: c.Text("kind.org." + x.Key), Value: x.Value}
		}
		svg = cop.BarChart(c.Text("cop.by_kind"), counts, c.Text("cop.no_data"))
	case "advisories.svg":
		svg = cop.ProgressChart(c.Text("cop.advisories"), f.OpenAdvisories, [3]string{c.Text("adv.completed"), c.Text("adv.acknowledged"), c.Text("adv.addressed")}, c.Text("cop.no_data"))
	default:
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Write([]byte(svg))
}
