package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"renkei/internal/alert"
	"renkei/internal/i18n"
	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// incident reads the incident of a public id without checking who asks.
func (s *Service) incident(ctx context.Context, id string) (Incident, error) {
	return s.DB.Incident(ctx, policy.System(), id)
}

// Get returns the incident of public id id with its reports and deadlines,
// if v may see it; otherwise store.ErrNotFound, so that ids do not reveal
// other members' incidents. A row id, which never leaves the hub, is not
// found either.
func (s *Service) Get(ctx context.Context, v policy.Viewer, id string) (Incident, error) {
	i, err := s.DB.Incident(ctx, v, id)
	if err != nil {
		return i, err
	}
	if i.Deadlines, err = s.DB.IncidentDeadlines(ctx, i.ID); err != nil {
		return i, err
	}
	i.Reports, err = s.DB.IncidentReports(ctx, i.ID)
	return i, err
}

// Attachment returns the attachment of public id id with its content, if v
// may see its report.
func (s *Service) Attachment(ctx context.Context, v policy.Viewer, id string) (Attachment, error) {
	return s.DB.ReportAttachment(ctx, v, id)
}

// Query selects incidents for List.
type Query struct {
	OrgID       string // only this organization's (the center may ask)
	OverdueOnly bool
	Limit       int
}

// List returns the incidents v may see, newest first, each with its deadlines.
func (s *Service) List(ctx context.Context, v policy.Viewer, q Query) ([]Incident, error) {
	sq := store.IncidentQuery{OrgID: q.OrgID, Limit: q.Limit}
	if q.OverdueOnly {
		sq.OverdueAt = s.now()
	}
	if sq.Limit <= 0 || sq.Limit > 1000 {
		sq.Limit = 200
	}
	return s.DB.Incidents(ctx, v, sq)
}

// Overdue lists the deadlines v may see that are past and unmet at now.
func (s *Service) Overdue(ctx context.Context, v policy.Viewer, now time.Time) ([]OverdueDeadline, error) {
	return s.DB.OverdueDeadlines(ctx, v, now)
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
		claimed, err := s.DB.ClaimOverdueAlert(ctx, o.Deadline)
		if err != nil {
			return n, err
		}
		if !claimed {
			continue
		}
		n++
		data, _ := json.Marshal(map[string]any{"incident": o.IncidentPublicID, "type": o.Type, "stage": o.Stage, "due": o.Due})
		title := i18n.M("alert.incident.overdue", TypeName(o.Type), StageName(o.Type, o.Stage), o.IncidentPublicID, o.Title, o.Due.In(jst.Zone).Format("2006-01-02 15:04 MST"))
		for _, org := range []string{o.OrgID, s.Center} {
			todo := i18n.M("alert.incident.overdue.todo.org")
			if org == s.Center {
				todo = i18n.M("alert.incident.overdue.todo.center")
			}
			if _, err := s.Alerts.Raise(ctx, store.Alert{OrgID: org, Kind: "report-overdue", Severity: "high",
				TitleKey: title.Key, TitleParams: title.Params, BodyMsgs: alert.Lines(todo), Data: string(data)}); err != nil {
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
