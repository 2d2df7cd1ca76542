package web

import (
	"context"
	"slices"

	"renkei/internal/approval"
	"renkei/internal/huntpkg"
	"renkei/internal/incident"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/relevance"
	"renkei/internal/store"
	"renkei/internal/vuln"
)

// today is the home page's work list: for each console section that applies
// to the user, what waits for them, read through that section's service
// with the user's viewer. A list the policy refuses is left empty, as is a
// section that does not apply; the page shows no empty panel.
type today struct {
	Advisories []todayAdvisory
	Deadlines  []todayDeadline
	Severities []store.SeverityCount
	Findings   []vuln.Finding
	Stale      []relevance.ConnectionPoint
	StaleDays  int
	Hunts      []huntpkg.Summary
	Consults   []store.Consultation
	Approvals  []approval.Approval
}

// Empty reports whether nothing waits.
func (t today) Empty() bool {
	return len(t.Advisories)+len(t.Deadlines)+len(t.Severities)+len(t.Findings)+len(t.Stale)+len(t.Hunts)+len(t.Consults)+len(t.Approvals) == 0
}

// todayAdvisory is an advisory or request that waits for the organization
// (Step "ack" or "complete") or, for the center, whose recipients are late
// (Step "late", Late of them).
type todayAdvisory struct {
	store.Advisory
	Step    string
	Late    int
	Overdue bool
}

// todayDeadline is a report an incident still owes, soonest due first.
type todayDeadline struct {
	store.Deadline
	Title   string
	Overdue bool
}

// todayRows bounds each panel of the home page; its section's page has the rest.
const todayRows = 10

// today fills t for req's user. Each panel is read only when its section
// applies to the user; a panel whose list the policy still refuses (a role
// the section admits but that list does not) stays empty, and the others are
// filled all the same.
func (s *server) today(ctx context.Context, req *request, t *today) error {
	v, now := req.viewer, s.Now()
	open := func(sec policy.Section) bool { return policy.MayOpenSection(v, sec) }
	panels := []func() error{
		func() error {
			if !open(policy.SectionAlerts) {
				return nil
			}
			var err error
			t.Severities, err = s.Store.UnreadAlertsBySeverity(ctx, v)
			return err
		},
		func() error {
			if !open(policy.SectionAdvisories) {
				return nil
			}
			return s.todayAdvisories(ctx, req, t)
		},
		func() error {
			if !open(policy.SectionReports) {
				return nil
			}
			incs, err := s.Incidents.List(ctx, v, incident.Query{Limit: todayRows * 10})
			if err != nil {
				return err
			}
			for _, inc := range incs {
				for _, dl := range inc.Deadlines {
					if dl.Met.IsZero() && inc.Closed.IsZero() {
						t.Deadlines = append(t.Deadlines, todayDeadline{dl, inc.Title, dl.Overdue(now)})
					}
				}
			}
			slices.SortFunc(t.Deadlines, func(a, b todayDeadline) int { return a.Due.Compare(b.Due) })
			t.Deadlines = t.Deadlines[:min(len(t.Deadlines), todayRows)]
			return nil
		},
		func() error {
			if !open(policy.SectionVuln) || !policy.MayReadAssets(v) {
				return nil
			}
			fs, err := s.Relevance.Findings(ctx, v)
			if err != nil {
				return err
			}
			for _, f := range fs { // most urgent first
				if !f.Suppressed() && f.Status == "affected" && len(t.Findings) < todayRows {
					t.Findings = append(t.Findings, f)
				}
			}
			cps, err := s.Relevance.ConnectionPoints(ctx, v)
			if err != nil {
				return err
			}
			t.StaleDays = s.Relevance.StaleDays(ctx)
			for _, c := range cps {
				if c.Stale(now, t.StaleDays) && len(t.Stale) < todayRows {
					t.Stale = append(t.Stale, c)
				}
			}
			return nil
		},
		func() error {
			if !open(policy.SectionHunting) {
				return nil
			}
			hs, err := s.Hunting.List(ctx, req.caller, 200)
			if err != nil {
				return err
			}
			for _, h := range hs {
				if h.InScope && !h.RanByMe && len(t.Hunts) < todayRows {
					t.Hunts = append(t.Hunts, h)
				}
			}
			return nil
		},
		func() error {
			if !open(policy.SectionConsult) {
				return nil
			}
			rs, err := s.Consult.List(ctx, v, "open", 200)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if policy.MayHandleConsultation(v, policy.ConsultationRel(v, r.OrgID, r.HandlerOrg)) && len(t.Consults) < todayRows {
					t.Consults = append(t.Consults, r)
				}
			}
			return nil
		},
		func() error {
			if !open(policy.SectionOversight) {
				return nil
			}
			as, err := s.Approvals.List(ctx, v, "", 500)
			if err != nil {
				return err
			}
			for _, a := range as {
				if (a.Status == approval.StatusPending || a.Status == approval.StatusEmergency) && len(t.Approvals) < todayRows {
					t.Approvals = append(t.Approvals, a)
				}
			}
			return nil
		},
	}
	for _, fill := range panels {
		if err := fill(); err != nil && !problem.IsRefusal(err) {
			return err
		}
	}
	return nil
}

// todayAdvisories fills the advisories and requests that wait: for an
// addressed organization, those it has not acknowledged or completed; for
// whoever sees every recipient's progress (the center), those with
// recipients past the due date.
func (s *server) todayAdvisories(ctx context.Context, req *request, t *today) error {
	v, now := req.viewer, s.Now()
	as, err := s.Advisories.List(ctx, v, store.AdvisoryQuery{OpenOnly: true, Limit: 200})
	if err != nil {
		return err
	}
	every := policy.SeesEveryRecipientsProgress(v)
	for _, a := range as {
		row := todayAdvisory{Advisory: a, Overdue: now.After(a.Due)}
		switch {
		case every && a.Counts.Overdue > 0:
			row.Step, row.Late = "late", a.Counts.Overdue
		case every || a.Counts.Targets == 0:
			continue
		case a.Counts.Acknowledged < a.Counts.Targets:
			row.Step = "ack"
		case a.Counts.Completed < a.Counts.Targets:
			row.Step = "complete"
		default:
			continue
		}
		t.Advisories = append(t.Advisories, row)
	}
	slices.SortFunc(t.Advisories, func(a, b todayAdvisory) int { return a.Due.Compare(b.Due) })
	t.Advisories = t.Advisories[:min(len(t.Advisories), todayRows)]
	return nil
}
