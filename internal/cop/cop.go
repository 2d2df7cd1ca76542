// Package cop computes the common operating picture for the national center:
// incidents and alerts over time, incidents by sector and by kind of
// organization, open advisories and their completion, overdue reports and
// open cases — as figures, as CSV, and as SVG charts drawn by the server.
//
// The center's users and the oversight committee's overseers see the picture
// across every member, overseers as figures only: no advisory or
// correction-request title reaches them (policy.SeesPictureContent). Any
// other member sees the same picture of its own organization only — its incidents, alerts, cases, consultations and its
// own progress on the advisories addressed to it. That rule is in scope, and
// it is applied in every query. Days are JST calendar days. It reads the tower's tables
// and the alerts table; it must not change anything nor show report content.
package cop

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Range is the window of the picture: whole JST days, From inclusive, To exclusive.
type Range struct {
	From, To time.Time
}

// Window returns the last days JST days up to and including today (default
// 30, at most 366).
func Window(now time.Time, days int) Range {
	if days <= 0 {
		days = 30
	}
	if days > 366 {
		days = 366
	}
	j := now.In(jst.Zone)
	end := time.Date(j.Year(), j.Month(), j.Day()+1, 0, 0, 0, 0, jst.Zone)
	return Range{From: end.AddDate(0, 0, -days), To: end}
}

// Days lists the dates of the window as YYYY-MM-DD.
func (r Range) Days() []string {
	var out []string
	for d := r.From; d.Before(r.To); d = d.AddDate(0, 0, 1) {
		out = append(out, d.In(jst.Zone).Format(time.DateOnly))
	}
	return out
}

// Count is one labelled count.
type Count = store.PictureCount

// AdvisoryProgress is one open advisory's completion.
type AdvisoryProgress = store.PictureAdvisory

// Figures are the picture.
type Figures struct {
	Whole             bool               `json:"whole"` // across every member (the center), or one organization's
	From              time.Time          `json:"from"`
	To                time.Time          `json:"to"`
	IncidentsPerDay   []Count            `json:"incidents_per_day"`
	AlertsPerDay      []Count            `json:"alerts_per_day"`
	IncidentsBySector []Count            `json:"incidents_by_sector"`
	IncidentsByKind   []Count            `json:"incidents_by_kind"`
	IncidentsByCat    []Count            `json:"incidents_by_category"`
	OpenAdvisories    []AdvisoryProgress `json:"open_advisories"`
	OverdueReports    int                `json:"overdue_reports"`
	OpenCases         []Count            `json:"open_cases_by_status"`
	OpenConsultations int                `json:"open_consultations"`
	// DesignatedWithoutRegister counts, in the whole picture, the
	// designated operators (特別社会基盤事業者) with no critical computer
	// registered, a duty of the law; Unregistered names them to who sees
	// the picture's content.
	DesignatedWithoutRegister int      `json:"designated_without_register"`
	Unregistered              []string `json:"unregistered,omitempty"`
}

// Allowed reports whether v may see a picture: any logged-in member.
func Allowed(v policy.Viewer) bool { return !v.Anonymous() }

// Whole reports whether v sees the picture across every member.
func Whole(v policy.Viewer) bool { return policy.SeesWholePicture(v) }

// Compute computes the picture over r for v from the store; reports are
// overdue when their deadline is before now.
func Compute(ctx context.Context, db *store.DB, now time.Time, v policy.Viewer, r Range) (Figures, error) {
	if !Allowed(v) {
		return Figures{}, fmt.Errorf("%w: log in to see the operating picture", problem.ErrForbidden)
	}
	f := Figures{From: r.From.UTC(), To: r.To.UTC(), Whole: Whole(v)}
	org := v.OrgID // the picture of one organization, or of every member
	if f.Whole {
		org = ""
	}
	perDay := func(got map[string]int, err error) ([]Count, error) {
		if err != nil {
			return nil, err
		}
		var out []Count
		for _, day := range r.Days() {
			out = append(out, Count{Key: day, Value: got[day]})
		}
		return out, nil
	}
	var err error
	if f.IncidentsPerDay, err = perDay(db.IncidentsPerJSTDay(ctx, r.From, r.To, org)); err != nil {
		return f, err
	}
	if f.AlertsPerDay, err = perDay(db.AlertsPerJSTDay(ctx, r.From, r.To, org)); err != nil {
		return f, err
	}
	if f.IncidentsBySector, err = db.IncidentsBy(ctx, store.BySector, r.From, r.To, org); err != nil {
		return f, err
	}
	if f.IncidentsByKind, err = db.IncidentsBy(ctx, store.ByOrgKind, r.From, r.To, org); err != nil {
		return f, err
	}
	if f.IncidentsByCat, err = db.IncidentsBy(ctx, store.ByCategory, r.From, r.To, org); err != nil {
		return f, err
	}
	if f.OpenCases, err = db.OpenCasesByStatus(ctx, org); err != nil {
		return f, err
	}
	if f.OverdueReports, err = db.OverdueReports(ctx, now, org); err != nil {
		return f, err
	}
	if f.OpenConsultations, err = db.OpenConsultations(ctx, org); err != nil {
		return f, err
	}
	// A member sees its own progress on the advisories addressed to it,
	// never how other members are doing.
	if f.OpenAdvisories, err = db.OpenAdvisoryProgress(ctx, org, 20); err != nil {
		return f, err
	}
	if f.Whole {
		orgs, err := db.DesignatedWithoutRegister(ctx)
		if err != nil {
			return f, err
		}
		f.DesignatedWithoutRegister = len(orgs)
		if policy.SeesPictureContent(v) {
			for _, o := range orgs {
				f.Unregistered = append(f.Unregistered, o.Name)
			}
		}
	}
	if !policy.SeesPictureContent(v) {
		for i := range f.OpenAdvisories {
			f.OpenAdvisories[i].Title = "" // figures only: the title is content
		}
	}
	return f, nil
}

// WriteCSV writes the figures as CSV with the columns figure, date, group,
// value: one row per count, so a spreadsheet can pivot it.
func (f Figures) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"figure", "date", "group", "value"})
	row := func(fig, date, group string, v int) { cw.Write([]string{fig, date, cell(group), strconv.Itoa(v)}) }
	for _, c := range f.IncidentsPerDay {
		row("incidents", c.Key, "", c.Value)
	}
	for _, c := range f.AlertsPerDay {
		row("alerts", c.Key, "", c.Value)
	}
	for _, c := range f.IncidentsBySector {
		row("incidents_by_sector", "", c.Key, c.Value)
	}
	for _, c := range f.IncidentsByKind {
		row("incidents_by_kind", "", c.Key, c.Value)
	}
	for _, c := range f.IncidentsByCat {
		row("incidents_by_category", "", c.Key, c.Value)
	}
	for _, a := range f.OpenAdvisories {
		g := fmt.Sprintf("%d %s", a.ID, a.Title)
		row("advisory_targets", a.Due.In(jst.Zone).Format(time.DateOnly), g, a.Targets)
		row("advisory_acknowledged", a.Due.In(jst.Zone).Format(time.DateOnly), g, a.Acknowledged)
		row("advisory_completed", a.Due.In(jst.Zone).Format(time.DateOnly), g, a.Completed)
	}
	row("overdue_reports", "", "", f.OverdueReports)
	for _, c := range f.OpenCases {
		row("open_cases", "", c.Key, c.Value)
	}
	row("open_consultations", "", "", f.OpenConsultations)
	cw.Flush()
	return cw.Error()
}

// cell keeps a text cell from being read as a formula by spreadsheets
// (CSV injection): a leading = + - @ gets a quote before it.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
