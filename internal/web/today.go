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

// todayPanels are the home page's panels in the order the page shows them,
// each with the section it belongs to.
var todayPanels = []struct {
	section policy.Section
	fill    func(s *server, ctx context.Context, req *request, t *today) error
}{
	{policy.SectionAlerts, (*server).todayAlerts},
	{policy.SectionAdvisories, (*server).todayAdvisories},
	{policy.SectionReports, (*server).todayDeadlines},
	{policy.SectionVuln, (*server).todayExposure},
	{policy.SectionHunting, (*server).todayHunts},
	{policy.SectionConsult, (*server).todayConsults},
	{policy.SectionOversight, (*server).todayApprovals},
}

// today fills t for req's user. Each panel is read only when its section
// applies to the user; a panel whose list the policy still refuses (a role
// the section admits but that list does not) stays empty, and the others are
// filled all the same.
func (s *server) today(ctx context.Context, req *request, t *today) error {
	for _, p := range todayPanels {
		if !policy.MayOpenSection(req.viewer, p.section) {
			continue
		}
		if err := p.fill(s, ctx, req, t); err != nil && !problem.IsRefusal(err) {
			return err
		}
	}
	return nil
}

// todayAlerts counts the unread alerts by severity.
func (s *server) todayAlerts(ctx context.Context, req *request, t *today) error {
	var err error
	t.Severities, err = s.Store.UnreadAlertsBySeverity(ctx, req.viewer)
	return err
}

// todayDeadlines fills the reports the user's incidents still owe, soonest
// due first.
func (s *server) todayDeadlines(ctx context.Context, req *request, t *today) error {
	now := s.Now()
	incs, err := s.Incidents.List(ctx, req.viewer, incident.Query{Limit: todayRows * 10})
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
}

// todayExposure fills, for whoever may read the organization's assets, the
// findings that affect them (most urgent first) and the connection points
// not seen for StaleDays.
func (s *server) todayExposure(ctx context.Context, req *request, t *today) error {
	v, now := req.viewer, s.Now()
	if !policy.MayReadAssets(v) {
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
}

// todayHunts fills the hunting packages in the user's scope that they have
// not run yet.
func (s *server) todayHunts(ctx context.Context, req *request, t *today) error {
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
}

// todayConsults fills the open consultations the user may handle.
func (s *server) todayConsults(ctx context.Context, req *request, t *today) error {
	v := req.viewer
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
}

// todayApprovals fills the approvals that wait for the committee: pending,
// or executed in an emergency before its decision.
func (s *server) todayApprovals(ctx context.Context, req *request, t *today) error {
	as, err := s.Approvals.List(ctx, req.viewer, "", 500)
	if err != nil {
		return err
	}
	for _, a := range as {
		if (a.Status == approval.StatusPending || a.Status == approval.StatusEmergency) && len(t.Approvals) < todayRows {
			t.Approvals = append(t.Approvals, a)
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
