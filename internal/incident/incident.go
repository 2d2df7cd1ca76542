// Package incident keeps incident reports — the law's Art. 5 report of a
// reportable incident (特定侵害事象), sector-law reports, personal-data breach
// reports and timely disclosure — with an initial report and follow-ups per
// incident, one deadline clock per report owed, overdue flags, and the
// critical-computer register (特定重要電子計算機, Art. 4).
//
// Reports are visible to the reporting organization and the national center
// only; that rule is policy.MayReadIncident and IncidentFilter, put in every
// query by the store (store/incidents.go keeps the SQL). STIX objects a
// report carries enter the hub through hub.Submit under the report's TLP,
// and every notification goes through alert.Service.Raise, titled from the
// message catalog. This package must
// not decide the visibility of STIX objects (package policy does), send
// anything itself, nor hold SQL.
package incident

import (
	"context"
	"io"
	"log/slog"
	"time"

	"renkei/internal/alert"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// Service files and lists incident reports in the store. Package app builds
// the one service of a process with what it needs.
type Service struct {
	DB     *store.DB
	Now    func() time.Time
	Alerts *alert.Service // tells the center of a report, and of an overdue one
	Log    *slog.Logger
	Center string // the national center's organization id
	// Submit takes a report's STIX objects into the store (hub.Hub.Submit),
	// the one path by which objects enter it.
	Submit func(ctx context.Context, c auth.Caller, coll store.Collection, body io.Reader) (store.Status, error)
	// Deadlines are the reporting deadlines (DefaultDeadlines: the embedded
	// configuration).
	Deadlines *Deadlines
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// Incident is one incident of one organization; Report one filed report;
// Deadline one report an incident owes, with its own clock; OverdueDeadline
// an owed report past its deadline, with its incident. They are kept in
// the store (store/incidents.go).
type (
	Incident        = store.Incident
	Report          = store.Report
	Deadline        = store.Deadline
	OverdueDeadline = store.OverdueDeadline
)

// Visible is the visibility rule of incidents, reports and the register
// (policy.MayReadIncident): the reporting organization and the national
// center, nobody else. Overseers see figures, not report content. The
// store's queries apply the same rule (policy.IncidentFilter; the register
// has the same rule, ComputerFilter).
func Visible(v policy.Viewer, orgID string) bool { return policy.MayReadIncident(v, orgID) }

// Caller builds the caller for login, for the command line and the demo,
// which act as a named user without a token.
func Caller(ctx context.Context, db *store.DB, login string) (auth.Caller, error) {
	u, err := db.UserByLogin(ctx, login)
	if err != nil {
		return auth.Caller{}, err
	}
	o, err := db.Org(ctx, u.OrgID)
	if err != nil {
		return auth.Caller{}, err
	}
	return auth.Caller{User: u, Org: o}, nil
}
