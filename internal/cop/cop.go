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
type Count struct {
	Key   string `json:"key"`
	Value int    `json:"value"`
}

// AdvisoryProgress is one open advisory's completion.
type AdvisoryProgress struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"`
	Title        string    `json:"title,omitempty"` // empty for overseers, who see figures only
	Due          time.Time `json:"due"`
	Targets      int       `json:"targets"`
	Acknowledged int       `json:"acknowledged"`
	Completed    int       `json:"completed"`
}

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
}

// Allowed reports whether v may see a picture: any logged-in member.
func Allowed(v policy.Viewer) bool { return !v.Anonymous() }

// Whole reports whether v sees the picture across every member.
func Whole(v policy.Viewer) bool { return policy.SeesWholePicture(v) }

// scope returns the SQL condition restricting column col to what v's
// picture covers, and its arguments.
func scope(v policy.Viewer, col string) (string, []any) {
	if Whole(v) {
		return "", nil
	}
	return " AND " + col + " = ?", []any{v.OrgID}
}

const dayMicros = int64(24 * time.Hour / time.Microsecond)
const jstOffsetMicros = int64(9 * time.Hour / time.Microsecond)

// Compute computes the picture over r for v from the store; reports are
// overdue when their deadline is before now.
func Compute(ctx context.Context, db *store.DB, now time.Time, v policy.Viewer, r Range) (Figures, error) {
	if !Allowed(v) {
		return Figures{}, fmt.Errorf("%w: log in to see the operating picture", problem.ErrForbidden)
	}
	f := Figures{From: r.From.UTC(), To: r.To.UTC(), Whole: Whole(v)}
	from, to := store.Micros(r.From), store.Micros(r.To)
	var err error
	perDay := func(table, col string) ([]Count, error) {
		cond, cargs := scope(v, "org_id")
		q := fmt.Sprintf("SELECT (%s + %d) / %d AS d, COUNT(*) FROM %s WHERE %s >= ? AND %s < ?%s GROUP BY d", col, jstOffsetMicros, dayMicros, table, col, col, cond)
		got := map[string]int{}
		rows, err := db.Query(ctx, q, append([]any{from, to}, cargs...)...)
		if err != nil {
			return nil, fmt.Errorf("%s per day: %w", table, err)
		}
		defer rows.Close()
		for rows.Next() {
			var d int64
			var n int
			if err := rows.Scan(&d, &n); err != nil {
				return nil, err
			}
			day := time.UnixMicro(d*dayMicros - jstOffsetMicros).In(jst.Zone).Format(time.DateOnly)
			got[day] = n
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		var out []Count
		for _, day := range r.Days() {
			out = append(out, Count{day, got[day]})
		}
		return out, nil
	}
	if f.IncidentsPerDay, err = perDay("incidents", "created_at"); err != nil {
		return f, err
	}
	if f.AlertsPerDay, err = perDay("alerts", "created_at"); err != nil {
		return f, err
	}
	counts := func(q string, args ...any) ([]Count, error) {
		rows, err := db.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := []Count{}
		for rows.Next() {
			var c Count
			if err := rows.Scan(&c.Key, &c.Value); err != nil {
				return nil, err
			}
			if c.Key == "" {
				c.Key = "-"
			}
			out = append(out, c)
		}
		return out, rows.Err()
	}
	ic, iargs := scope(v, "i.org_id")
	win := append([]any{from, to}, iargs...)
	if f.IncidentsBySector, err = counts("SELECT o.sector, COUNT(*) AS n FROM incidents i JOIN orgs o ON o.id = i.org_id WHERE i.created_at >= ? AND i.created_at < ?"+ic+" GROUP BY o.sector ORDER BY n DESC, o.sector", win...); err != nil {
		return f, fmt.Errorf("incidents by sector: %w", err)
	}
	if f.IncidentsByKind, err = counts("SELECT o.kind, COUNT(*) AS n FROM incidents i JOIN orgs o ON o.id = i.org_id WHERE i.created_at >= ? AND i.created_at < ?"+ic+" GROUP BY o.kind ORDER BY n DESC, o.kind", win...); err != nil {
		return f, fmt.Errorf("incidents by kind: %w", err)
	}
	if f.IncidentsByCat, err = counts("SELECT i.category, COUNT(*) AS n FROM incidents i WHERE i.created_at >= ? AND i.created_at < ?"+ic+" GROUP BY i.category ORDER BY n DESC, i.category", win...); err != nil {
		return f, fmt.Errorf("incidents by category: %w", err)
	}
	kc, kargs := scope(v, "org_id")
	if f.OpenCases, err = counts("SELECT status, COUNT(*) FROM cases WHERE status NOT IN ('resolved', 'closed')"+kc+" GROUP BY status ORDER BY status", kargs...); err != nil {
		return f, fmt.Errorf("open cases: %w", err)
	}
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM incident_deadlines d JOIN incidents i ON i.id = d.incident_id WHERE d.met_at = 0 AND d.due_at < ?"+ic,
		append([]any{store.Micros(now)}, iargs...)...).Scan(&f.OverdueReports); err != nil {
		return f, fmt.Errorf("overdue reports: %w", err)
	}
	cq, cargs := "SELECT COUNT(*) FROM consultations WHERE status <> 'closed'", []any(nil)
	if !Whole(v) {
		cq, cargs = cq+" AND (org_id = ? OR handler_org = ?)", []any{v.OrgID, v.OrgID}
	}
	if err := db.QueryRow(ctx, cq, cargs...).Scan(&f.OpenConsultations); err != nil {
		return f, fmt.Errorf("open consultations: %w", err)
	}
	// A member sees its own progress on the advisories addressed to it,
	// never how other members are doing.
	tc, targs := scope(v, "t.org_id")
	aq := `SELECT a.id, a.kind, a.title, a.due_at,
		(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id` + tc + `),
		(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id AND t.acked_at <> 0` + tc + `),
		(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id AND t.completed_at <> 0` + tc + `)
		FROM advisories a WHERE a.closed_at = 0`
	aargs := append(append(append([]any{}, targs...), targs...), targs...)
	if !Whole(v) {
		aq += " AND EXISTS (SELECT 1 FROM advisory_targets x WHERE x.advisory_id = a.id AND x.org_id = ?)"
		aargs = append(aargs, v.OrgID)
	}
	rows, err := db.Query(ctx, aq+" ORDER BY a.due_at, a.id LIMIT 20", aargs...)
	if err != nil {
		return f, fmt.Errorf("open advisories: %w", err)
	}
	defer rows.Close()
	f.OpenAdvisories = []AdvisoryProgress{}
	content := policy.SeesPictureContent(v)
	for rows.Next() {
		var a AdvisoryProgress
		var due int64
		if err := rows.Scan(&a.ID, &a.Kind, &a.Title, &due, &a.Targets, &a.Acknowledged, &a.Completed); err != nil {
			return f, err
		}
		if !content {
			a.Title = "" // figures only: the title is content
		}
		a.Due = store.FromMicros(due)
		f.OpenAdvisories = append(f.OpenAdvisories, a)
	}
	return f, rows.Err()
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
