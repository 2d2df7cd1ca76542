package store

// The counts of the common operating picture (package cop): incidents and
// alerts per day, incidents by sector, kind and category, open cases,
// overdue reports, open consultations and the progress of open advisories.
// Each counts across every organization when org is "", or for one
// organization; package cop decides, through policy, which a viewer sees.

import (
	"context"
	"fmt"
	"time"

	"renkei/internal/jst"
)

// PictureCount is one labelled count of the picture.
type PictureCount struct {
	Key   string `json:"key"`
	Value int    `json:"value"`
}

// PictureAdvisory is one open advisory's completion.
type PictureAdvisory struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"`
	Title        string    `json:"title,omitempty"` // empty for overseers, who see figures only
	Due          time.Time `json:"due"`
	Targets      int       `json:"targets"`
	Acknowledged int       `json:"acknowledged"`
	Completed    int       `json:"completed"`
}

// pictureScope returns the condition restricting col to org ("" for none).
func pictureScope(org, col string) (string, []any) {
	if org == "" {
		return "", nil
	}
	return " AND " + col + " = ?", []any{org}
}

const dayMicros = int64(24 * time.Hour / time.Microsecond)
const jstOffsetMicros = int64(9 * time.Hour / time.Microsecond)

// perJSTDay counts the rows of table whose col falls in [from, to), per
// JST day (YYYY-MM-DD).
func (db *DB) perJSTDay(ctx context.Context, table, col string, from, to time.Time, org string) (map[string]int, error) {
	cond, cargs := pictureScope(org, "org_id")
	q := fmt.Sprintf("SELECT (%s + %d) / %d AS d, COUNT(*) FROM %s WHERE %s >= ? AND %s < ?%s GROUP BY d", col, jstOffsetMicros, dayMicros, table, col, col, cond)
	rows, err := db.Query(ctx, q, append([]any{Micros(from), Micros(to)}, cargs...)...)
	if err != nil {
		return nil, fmt.Errorf("%s per day: %w", table, err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var d int64
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			return nil, fmt.Errorf("%s per day: %w", table, err)
		}
		got[time.UnixMicro(d*dayMicros-jstOffsetMicros).In(jst.Zone).Format(time.DateOnly)] = n
	}
	return got, rows.Err()
}

// IncidentsPerJSTDay counts the incidents created in [from, to) per JST
// day (YYYY-MM-DD), of org or of all when org is "".
func (db *DB) IncidentsPerJSTDay(ctx context.Context, from, to time.Time, org string) (map[string]int, error) {
	return db.perJSTDay(ctx, "incidents", "created_at", from, to, org)
}

// AlertsPerJSTDay counts the alerts raised in [from, to) per JST day
// (YYYY-MM-DD), to org or to all when org is "".
func (db *DB) AlertsPerJSTDay(ctx context.Context, from, to time.Time, org string) (map[string]int, error) {
	return db.perJSTDay(ctx, "alerts", "created_at", from, to, org)
}

func (db *DB) pictureCounts(ctx context.Context, what, q string, args ...any) ([]PictureCount, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := []PictureCount{}
	for rows.Next() {
		var c PictureCount
		if err := rows.Scan(&c.Key, &c.Value); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if c.Key == "" {
			c.Key = "-"
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// IncidentGroups are what IncidentsBy groups incidents by.
const (
	BySector   = "sector"
	ByOrgKind  = "kind"
	ByCategory = "category"
)

// IncidentsBy counts the incidents created in [from, to), of org or of all
// when org is "", grouped by the reporting organization's sector or kind or
// by the incident's category, the largest group first ("-" for none).
func (db *DB) IncidentsBy(ctx context.Context, group string, from, to time.Time, org string) ([]PictureCount, error) {
	col := map[string]string{BySector: "o.sector", ByOrgKind: "o.kind", ByCategory: "i.category"}[group]
	if col == "" {
		return nil, fmt.Errorf("incidents by %q: not a grouping", group)
	}
	tables := "incidents i JOIN orgs o ON o.id = i.org_id"
	if group == ByCategory {
		tables = "incidents i"
	}
	ic, iargs := pictureScope(org, "i.org_id")
	return db.pictureCounts(ctx, "incidents by "+group,
		"SELECT "+col+", COUNT(*) AS n FROM "+tables+" WHERE i.created_at >= ? AND i.created_at < ?"+ic+" GROUP BY "+col+" ORDER BY n DESC, "+col,
		append([]any{Micros(from), Micros(to)}, iargs...)...)
}

// OpenCasesByStatus counts the cases not resolved or closed, of org or of
// all when org is "", by status.
func (db *DB) OpenCasesByStatus(ctx context.Context, org string) ([]PictureCount, error) {
	kc, kargs := pictureScope(org, "org_id")
	return db.pictureCounts(ctx, "open cases", "SELECT status, COUNT(*) FROM cases WHERE status NOT IN ('resolved', 'closed')"+kc+" GROUP BY status ORDER BY status", kargs...)
}

// OverdueReports counts the report deadlines not met before now, of org's
// incidents or of all when org is "".
func (db *DB) OverdueReports(ctx context.Context, now time.Time, org string) (int, error) {
	ic, iargs := pictureScope(org, "i.org_id")
	var n int
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM incident_deadlines d JOIN incidents i ON i.id = d.incident_id WHERE d.met_at = 0 AND d.due_at < ?"+ic,
		append([]any{Micros(now)}, iargs...)...).Scan(&n); err != nil {
		return 0, fmt.Errorf("overdue reports: %w", err)
	}
	return n, nil
}

// OpenConsultations counts the requests not closed that org asked or
// handles, or all when org is "".
func (db *DB) OpenConsultations(ctx context.Context, org string) (int, error) {
	q, args := "SELECT COUNT(*) FROM consultations WHERE status <> 'closed'", []any(nil)
	if org != "" {
		q, args = q+" AND (org_id = ? OR handler_org = ?)", []any{org, org}
	}
	var n int
	if err := db.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("open consultations: %w", err)
	}
	return n, nil
}

// OpenAdvisoryProgress returns up to limit open advisories, soonest due
// first, with how many of their targets acknowledged and completed: of
// every target when org is "", else only of the advisories addressed to org
// and only org's own progress (a member never sees how others are doing).
func (db *DB) OpenAdvisoryProgress(ctx context.Context, org string, limit int) ([]PictureAdvisory, error) {
	tc, targs := pictureScope(org, "t.org_id")
	q := `SELECT a.id, a.kind, a.title, a.due_at,
		(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id` + tc + `),
		(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id AND t.acked_at <> 0` + tc + `),
		(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id AND t.completed_at <> 0` + tc + `)
		FROM advisories a WHERE a.closed_at = 0`
	args := append(append(append([]any{}, targs...), targs...), targs...)
	if org != "" {
		q += " AND EXISTS (SELECT 1 FROM advisory_targets x WHERE x.advisory_id = a.id AND x.org_id = ?)"
		args = append(args, org)
	}
	rows, err := db.Query(ctx, q+" ORDER BY a.due_at, a.id LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("open advisories: %w", err)
	}
	defer rows.Close()
	out := []PictureAdvisory{}
	for rows.Next() {
		var a PictureAdvisory
		var due int64
		if err := rows.Scan(&a.ID, &a.Kind, &a.Title, &due, &a.Targets, &a.Acknowledged, &a.Completed); err != nil {
			return nil, fmt.Errorf("open advisories: %w", err)
		}
		a.Due = FromMicros(due)
		out = append(out, a)
	}
	return out, rows.Err()
}
