// Package incident keeps incident reports — the law's Art. 5 report of a
// reportable incident (特定侵害事象), sector-law reports, personal-data breach
// reports and timely disclosure — with an initial report and follow-ups per
// incident, one deadline clock per report owed, overdue flags, and the
// critical-computer register (特定重要電子計算機, Art. 4).
//
// Reports are visible to the reporting organization and the national center
// only; that rule is policy.MayReadIncident and IncidentFilter, and is enforced
// in every query. STIX objects a report carries enter the hub through
// hub.Submit under the report's TLP, and every notification goes through
// alert.Service.Raise. This package must not decide the visibility of STIX
// objects (package policy does) nor send anything itself.
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

func (s *Service) db() *store.DB  { return s.DB }
func (s *Service) now() time.Time { return s.Now().UTC() }

// Incident is one incident of one organization.
type Incident struct {
	ID         int64      `json:"id"`
	OrgID      string     `json:"org_id"`
	Title      string     `json:"title"`
	Category   string     `json:"category"`
	DetectedAt time.Time  `json:"detected_at"`
	AwareAt    time.Time  `json:"aware_at"`
	TLP        policy.TLP `json:"-"`
	CreatedBy  int64      `json:"-"`
	Created    time.Time  `json:"created"`
	Closed     time.Time  `json:"closed,omitzero"`

	Reports   []Report   `json:"reports,omitempty"`   // filled by Get
	Deadlines []Deadline `json:"deadlines,omitempty"` // filled by Get and List
}

// TLPLabel is the incident's TLP as people write it.
func (i Incident) TLPLabel() string { return i.TLP.Label() }

// Report is one filed report.
type Report struct {
	ID              int64          `json:"id"`
	IncidentID      int64          `json:"incident"`
	OrgID           string         `json:"org_id"`
	UserID          int64          `json:"-"`
	Type            string         `json:"type"`
	Stage           string         `json:"stage"`
	WhatHappened    string         `json:"what_happened"`
	SystemsAffected string         `json:"systems_affected,omitempty"`
	ComputerID      int64          `json:"critical_computer,omitempty"`
	ServiceImpact   string         `json:"service_impact,omitempty"`
	CurrentStatus   string         `json:"current_status"`
	Indicators      []string       `json:"indicators,omitempty"`
	Details         Details        `json:"details"`
	Consent         policy.Consent `json:"-"`
	STIXStatus      string         `json:"stix_status,omitempty"`
	STIXStored      int            `json:"stix_stored"`
	STIXFailed      int            `json:"stix_failed"`
	STIXErrors      []string       `json:"stix_errors,omitempty"` // why objects were refused, when filed
	Filed           time.Time      `json:"filed"`
	Attachments     []Attachment   `json:"attachments,omitempty"`
}

// Deadline is one report an incident owes, with its own clock.
type Deadline struct {
	IncidentID int64     `json:"incident"`
	Type       string    `json:"type"`
	Stage      string    `json:"stage"`
	Due        time.Time `json:"due"`
	MetBy      int64     `json:"met_by,omitempty"`
	Met        time.Time `json:"met,omitzero"`
}

// Overdue reports whether the report is still owed after its deadline.
func (d Deadline) Overdue(now time.Time) bool { return d.Met.IsZero() && now.After(d.Due) }

// Late reports whether the report was filed after its deadline.
func (d Deadline) Late() bool { return !d.Met.IsZero() && d.Met.After(d.Due) }

// Visible is the visibility rule of incidents, reports and the register
// (policy.MayReadIncident): the reporting organization and the national
// center, nobody else. Overseers see figures, not report content.
// visibleSQL is the same rule for queries.
func Visible(v policy.Viewer, orgID string) bool { return policy.MayReadIncident(v, orgID) }

// visibleSQL returns the condition of Visible on column col
// (policy.IncidentFilter; the register has the same rule, ComputerFilter).
func visibleSQL(v policy.Viewer, col string) (string, []any) { return policy.IncidentFilter(v, col) }

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
