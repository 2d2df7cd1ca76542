package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/store"
)

const incidentCols = "i.id, i.org_id, i.title, i.category, i.detected_at, i.aware_at, i.tlp, i.created_by, i.created_at, i.closed_at"

func scanIncident(row interface{ Scan(...any) error }) (Incident, error) {
	var i Incident
	var det, aw, cr, cl int64
	var tlp int
	err := row.Scan(&i.ID, &i.OrgID, &i.Title, &i.Category, &det, &aw, &tlp, &i.CreatedBy, &cr, &cl)
	i.DetectedAt, i.AwareAt, i.Created, i.Closed, i.TLP = store.FromMicros(det), store.FromMicros(aw), store.FromMicros(cr), store.FromMicros(cl), policy.TLP(tlp)
	return i, err
}

// incident reads an incident without checking who asks.
func (s *Service) incident(ctx context.Context, id int64) (Incident, error) {
	i, err := scanIncident(s.db().QueryRow(ctx, "SELECT "+incidentCols+" FROM incidents i WHERE i.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return i, fmt.Errorf("incident %d: %w", id, store.ErrNotFound)
	}
	return i, err
}

func (s *Service) deadlines(ctx context.Context, incidentID int64) ([]Deadline, error) {
	rows, err := s.db().Query(ctx, "SELECT incident_id, report_type, stage, due_at, met_by, met_at FROM incident_deadlines WHERE incident_id = ? ORDER BY due_at, report_type", incidentID)
	if err != nil {
		return nil, err
	}
	return scanDeadlines(rows)
}

func scanDeadlines(rows *sql.Rows) ([]Deadline, error) {
	defer rows.Close()
	var out []Deadline
	for rows.Next() {
		var d Deadline
		var due, met int64
		if err := rows.Scan(&d.IncidentID, &d.Type, &d.Stage, &due, &d.MetBy, &met); err != nil {
			return nil, err
		}
		d.Due, d.Met = store.FromMicros(due), store.FromMicros(met)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Get returns an incident with its reports and deadlines, if v may see it;
// otherwise store.ErrNotFound, so that ids do not reveal other members' incidents.
func (s *Service) Get(ctx context.Context, v policy.Viewer, id int64) (Incident, error) {
	i, err := s.incident(ctx, id)
	if err != nil {
		return i, err
	}
	if !Visible(v, i.OrgID) {
		return Incident{}, fmt.Errorf("incident %d: %w", id, store.ErrNotFound)
	}
	if i.Deadlines, err = s.deadlines(ctx, id); err != nil {
		return i, err
	}
	rows, err := s.db().Query(ctx, `SELECT id, incident_id, org_id, user_id, report_type, stage, what_happened, systems_affected, computer_id,
		service_impact, current_status, indicators, details, consent, stix_status, stix_stored, stix_failed, filed_at
		FROM incident_reports WHERE incident_id = ? ORDER BY id`, id)
	if err != nil {
		return i, err
	}
	defer rows.Close()
	for rows.Next() {
		var r Report
		var ind, det string
		var cons int
		var filed int64
		if err := rows.Scan(&r.ID, &r.IncidentID, &r.OrgID, &r.UserID, &r.Type, &r.Stage, &r.WhatHappened, &r.SystemsAffected, &r.ComputerID,
			&r.ServiceImpact, &r.CurrentStatus, &ind, &det, &cons, &r.STIXStatus, &r.STIXStored, &r.STIXFailed, &filed); err != nil {
			return i, err
		}
		json.Unmarshal([]byte(ind), &r.Indicators)
		json.Unmarshal([]byte(det), &r.Details)
		r.Consent, r.Filed = policy.Consent(cons), store.FromMicros(filed)
		i.Reports = append(i.Reports, r)
	}
	if err := rows.Err(); err != nil {
		return i, err
	}
	rows.Close()
	for k := range i.Reports {
		if i.Reports[k].Attachments, err = s.attachments(ctx, i.Reports[k].ID); err != nil {
			return i, err
		}
	}
	return i, nil
}

func (s *Service) attachments(ctx context.Context, reportID int64) ([]Attachment, error) {
	rows, err := s.db().Query(ctx, "SELECT id, name, content_type, size, sha256 FROM report_attachments WHERE report_id = ? ORDER BY id", reportID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.Name, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Attachment returns one attachment with its content, if v may see its report.
func (s *Service) Attachment(ctx context.Context, v policy.Viewer, id int64) (Attachment, error) {
	cond, args := visibleSQL(v, "r.org_id")
	var a Attachment
	err := s.db().QueryRow(ctx, "SELECT a.id, a.name, a.content_type, a.size, a.sha256, a.data FROM report_attachments a JOIN incident_reports r ON r.id = a.report_id WHERE a.id = ? AND "+cond,
		append([]any{id}, args...)...).Scan(&a.ID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("attachment %d: %w", id, store.ErrNotFound)
	}
	return a, err
}

// Query selects incidents for List.
type Query struct {
	OrgID       string // only this organization's (the center may ask)
	OverdueOnly bool
	Limit       int
}

// List returns the incidents v may see, newest first, each with its deadlines.
func (s *Service) List(ctx context.Context, v policy.Viewer, q Query) ([]Incident, error) {
	cond, args := visibleSQL(v, "i.org_id")
	sqlq := "SELECT " + incidentCols + " FROM incidents i WHERE " + cond
	if q.OrgID != "" {
		sqlq += " AND i.org_id = ?"
		args = append(args, q.OrgID)
	}
	if q.OverdueOnly {
		sqlq += " AND EXISTS (SELECT 1 FROM incident_deadlines d WHERE d.incident_id = i.id AND d.met_at = 0 AND d.due_at < ?)"
		args = append(args, store.Micros(s.now()))
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 200
	}
	sqlq += " ORDER BY i.id DESC LIMIT ?"
	args = append(args, q.Limit)
	rows, err := s.db().Query(ctx, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	var out []Incident
	for rows.Next() {
		i, err := scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	// The deadlines of the whole page in one query.
	ids := make([]any, len(out))
	at := map[int64]int{}
	for k, i := range out {
		ids[k], at[i.ID] = i.ID, k
	}
	rows, err = s.db().Query(ctx, "SELECT incident_id, report_type, stage, due_at, met_by, met_at FROM incident_deadlines WHERE incident_id IN (?"+
		strings.Repeat(", ?", len(ids)-1)+") ORDER BY due_at, report_type", ids...)
	if err != nil {
		return nil, err
	}
	dls, err := scanDeadlines(rows)
	if err != nil {
		return nil, err
	}
	for _, d := range dls {
		k := at[d.IncidentID]
		out[k].Deadlines = append(out[k].Deadlines, d)
	}
	return out, nil
}

// OverdueDeadline is an owed report past its deadline, with its incident.
type OverdueDeadline struct {
	Deadline
	OrgID string
	Title string
}

// Overdue lists the deadlines v may see that are past and unmet at now.
func (s *Service) Overdue(ctx context.Context, v policy.Viewer, now time.Time) ([]OverdueDeadline, error) {
	cond, args := visibleSQL(v, "i.org_id")
	rows, err := s.db().Query(ctx, `SELECT d.incident_id, d.report_type, d.stage, d.due_at, d.met_by, d.met_at, i.org_id, i.title
		FROM incident_deadlines d JOIN incidents i ON i.id = d.incident_id WHERE d.met_at = 0 AND d.due_at < ? AND `+cond+` ORDER BY d.due_at`,
		append([]any{store.Micros(now)}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OverdueDeadline
	for rows.Next() {
		var o OverdueDeadline
		var due, met int64
		if err := rows.Scan(&o.IncidentID, &o.Type, &o.Stage, &due, &o.MetBy, &met, &o.OrgID, &o.Title); err != nil {
			return nil, err
		}
		o.Due, o.Met = store.FromMicros(due), store.FromMicros(met)
		out = append(out, o)
	}
	return out, rows.Err()
}

// AlertOverdue raises one alert to the reporting organization and one to the
// center for each deadline that has passed unmet since the last run, and
// returns how many deadlines it alerted. Each deadline is claimed with a
// conditional update first, so concurrent runs never alert twice.
func (s *Service) AlertOverdue(ctx context.Context, now time.Time) (int, error) {
	all, err := s.Overdue(ctx, policy.System(), now)
	if err != nil {
		return 0, fmt.Errorf("overdue reports: %w", err)
	}
	n := 0
	for _, o := range all {
		res, err := s.db().Exec(ctx, "UPDATE incident_deadlines SET overdue_alerted = 1 WHERE incident_id = ? AND report_type = ? AND stage = ? AND overdue_alerted = 0",
			o.IncidentID, o.Type, o.Stage)
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			continue
		}
		n++
		data, _ := json.Marshal(map[string]any{"incident": o.IncidentID, "type": o.Type, "stage": o.Stage, "due": o.Due})
		title := fmt.Sprintf("Overdue: %s %s report of incident %d (%s) was due %s", o.Type, o.Stage, o.IncidentID, o.Title, o.Due.In(jst.Zone).Format("2006-01-02 15:04 MST"))
		for _, org := range []string{o.OrgID, s.Center} {
			if _, err := s.Alerts.Raise(ctx, store.Alert{OrgID: org, Kind: "report-overdue", Severity: "high", Title: title, Data: string(data)}); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// WatchDeadlines runs AlertOverdue every interval until ctx ends, so that a
// server alerts overdue reports without a timer of its own.
func (s *Service) WatchDeadlines(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.AlertOverdue(ctx, s.now()); err != nil && ctx.Err() == nil {
			s.Log.Error("alert overdue reports", "err", err)
		} else if n > 0 {
			s.Log.Info("overdue reports alerted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
