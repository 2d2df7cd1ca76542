package pqc

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Migration plans (issue 16 point 4): steps with owners and target dates
// against the milestones, progress over time, and the center's view per
// sector and kind with small cells suppressed.

// Step is a step of a plan.
type Step = store.PQCStep

// The statuses of a step.
const (
	StatusPlanned    = "planned"
	StatusInProgress = "in-progress"
	StatusDone       = "done"
)

// The milestones a step is measured against.
const (
	MilestoneDeprecation = "deprecation"
	MilestoneDisallowed  = "disallowed"
	MilestoneGovernment  = "government"
)

// StepRequest adds or changes a step. Due is YYYY-MM-DD; when empty, the
// step's milestone's date.
type StepRequest struct {
	Title     string `json:"title,omitempty"`
	Owner     string `json:"owner,omitempty"`
	Due       string `json:"due,omitempty"`
	Milestone string `json:"milestone,omitempty"`
	Asset     string `json:"asset,omitempty"`
	Status    string `json:"status,omitempty"`
}

// Date returns the date of milestone name, and whether there is one.
func (m Milestones) Date(name string) (time.Time, bool) {
	switch name {
	case MilestoneDeprecation:
		return m.Deprecation, true
	case MilestoneDisallowed:
		return m.Disallowed, true
	case MilestoneGovernment:
		return m.Government, true
	}
	return time.Time{}, false
}

// AddStep adds a step to the caller's organization's plan.
func (s *Service) AddStep(ctx context.Context, c auth.Caller, r StepRequest) (Step, error) {
	v, err := s.mayChange(c, "plan a step")
	if err != nil {
		return Step{}, err
	}
	st := Step{PublicID: store.NewPublicID(), OrgID: v.OrgID, Title: strings.TrimSpace(r.Title), Owner: strings.TrimSpace(r.Owner),
		Milestone: r.Milestone, AssetID: r.Asset, Status: StatusPlanned, Created: s.now(), Updated: s.now()}
	if st.Title == "" || len(st.Title) > 300 {
		return st, problem.Field("title", "give a title of 1 to 300 characters")
	}
	if err := s.due(ctx, &st, r); err != nil {
		return st, err
	}
	if err := s.record(ctx, c, audit.ActionPQCPlan, "pqc-step:"+st.PublicID, map[string]string{"op": "add", "due": st.Due.Format(time.DateOnly)}); err != nil {
		return st, err
	}
	return st, s.DB.AddPQCStep(ctx, &st)
}

// due sets st's milestone and due date from r.
func (s *Service) due(ctx context.Context, st *Step, r StepRequest) error {
	ms := s.Milestones(ctx)
	if r.Milestone != "" {
		if _, ok := ms.Date(r.Milestone); !ok {
			return problem.Field("milestone", "milestone is deprecation, disallowed or government")
		}
		st.Milestone = r.Milestone
	}
	switch {
	case r.Due != "":
		t, err := time.Parse(time.DateOnly, r.Due)
		if err != nil {
			return problem.Field("due", "give the due date as YYYY-MM-DD")
		}
		st.Due = t
	case st.Due.IsZero():
		d, ok := ms.Date(st.Milestone)
		if !ok {
			return problem.Field("due", "give a due date or a milestone")
		}
		st.Due = d
	}
	return nil
}

// UpdateStep changes a step's status, owner or due date.
func (s *Service) UpdateStep(ctx context.Context, c auth.Caller, id string, r StepRequest) (Step, error) {
	v, err := s.mayChange(c, "change a step")
	if err != nil {
		return Step{}, err
	}
	st, err := s.DB.PQCStep(ctx, v.OrgID, id)
	if err != nil {
		return st, err
	}
	if r.Status != "" {
		if !slices.Contains([]string{StatusPlanned, StatusInProgress, StatusDone}, r.Status) {
			return st, problem.Field("status", "status is planned, in-progress or done")
		}
		if r.Status == StatusDone && st.Status != StatusDone {
			st.Done = s.now()
		} else if r.Status != StatusDone {
			st.Done = time.Time{}
		}
		st.Status = r.Status
	}
	if r.Owner != "" {
		st.Owner = strings.TrimSpace(r.Owner)
	}
	if r.Due != "" || r.Milestone != "" {
		st.Due = time.Time{}
		if err := s.due(ctx, &st, r); err != nil {
			return st, err
		}
	}
	st.Updated = s.now()
	if err := s.record(ctx, c, audit.ActionPQCPlan, "pqc-step:"+st.PublicID, map[string]string{"op": "update", "status": st.Status}); err != nil {
		return st, err
	}
	return st, s.DB.UpdatePQCStep(ctx, v.OrgID, st)
}

// Point is progress at the end of a month: how many steps were planned by
// then and how many of them were done.
type Point struct {
	Month string `json:"month"` // YYYY-MM
	Steps int    `json:"steps"`
	Done  int    `json:"done"`
}

// Plan is an organization's migration plan as its report shows it.
type Plan struct {
	Org        string         `json:"org"`
	Milestones Milestones     `json:"milestones"`
	Summary    map[Class]int  `json:"summary"`
	HNDL       int            `json:"harvest_now_decrypt_later"`
	Findings   []Asset        `json:"findings"` // ranked; quantum-safe assets at full strength and hybrids left out
	Steps      []Step         `json:"steps"`
	Late       []string       `json:"late,omitempty"` // steps not done past their due date, by id
	Progress   []Point        `json:"progress"`
	Inventory  int            `json:"inventory"`
	Created    time.Time      `json:"created"`
	Sources    map[string]int `json:"sources"`
}

// Plan returns the caller's organization's plan: its findings ranked by
// exposure, its steps, which are late, and progress by month.
func (s *Service) Plan(ctx context.Context, c auth.Caller) (Plan, error) {
	as, err := s.Inventory(ctx, c)
	if err != nil {
		return Plan{}, err
	}
	steps, err := s.DB.PQCSteps(ctx, c.Viewer())
	if err != nil {
		return Plan{}, err
	}
	now := s.now()
	p := Plan{Org: c.Org.Name, Milestones: s.Milestones(ctx), Summary: Summary(as), Steps: steps, Inventory: len(as), Created: now,
		Sources: map[string]int{}, Findings: []Asset{}}
	for _, a := range as {
		p.Sources[a.Source]++
		if a.Classification.HNDL {
			p.HNDL++
		}
		if a.Classification.NeedsWork() {
			p.Findings = append(p.Findings, a)
		}
	}
	for _, st := range steps {
		if st.Status != StatusDone && !st.Due.IsZero() && st.Due.Before(now) {
			p.Late = append(p.Late, st.PublicID)
		}
	}
	p.Progress = progress(steps, now)
	return p, nil
}

// progress counts, at the end of each month from the first step's to now's,
// the steps planned by then and those done by then.
func progress(steps []Step, now time.Time) []Point {
	if len(steps) == 0 {
		return []Point{}
	}
	first := now
	for _, st := range steps {
		if st.Created.Before(first) {
			first = st.Created
		}
	}
	var out []Point
	for m := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(now); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, 0)
		pt := Point{Month: m.Format("2006-01")}
		for _, st := range steps {
			if st.Created.Before(end) {
				pt.Steps++
				if st.Status == StatusDone && st.Done.Before(end) {
					pt.Done++
				}
			}
		}
		out = append(out, pt)
	}
	return out
}

// Cell is one sector and kind of organization in the center's view. A cell
// of fewer than MinCell organizations shows no figures (Suppressed).
type Cell struct {
	Sector     string        `json:"sector"`
	Kind       string        `json:"kind"`
	Suppressed bool          `json:"suppressed"`
	Orgs       int           `json:"orgs,omitempty"`
	Assets     int           `json:"assets,omitempty"`
	Classes    map[Class]int `json:"classes,omitempty"`
	HNDL       int           `json:"harvest_now_decrypt_later,omitempty"`
	Steps      int           `json:"steps,omitempty"`
	Done       int           `json:"done,omitempty"`
}

// Sectors returns migration across members per sector and kind, for the
// center: counts only, a cell of fewer than MinCell organizations
// suppressed.
func (s *Service) Sectors(ctx context.Context, c auth.Caller) ([]Cell, error) {
	if !policy.MayReadPQCSectors(c.Viewer()) {
		return nil, problem.Newf(problem.ErrForbidden, "migration across members: the center's view")
	}
	rows, err := s.DB.PQCAssetsBySector(ctx)
	if err != nil {
		return nil, err
	}
	steps, orgs, err := s.DB.PQCStepsBySector(ctx)
	if err != nil {
		return nil, err
	}
	type key struct{ sector, kind string }
	cells := map[key]*Cell{}
	members := map[key]map[string]bool{}
	cell := func(sector, kind, org string) *Cell {
		k := key{sector, kind}
		if cells[k] == nil {
			cells[k] = &Cell{Sector: sector, Kind: kind, Classes: map[Class]int{}}
			members[k] = map[string]bool{}
		}
		members[k][org] = true
		return cells[k]
	}
	byOrg := map[string][]store.PQCAsset{}
	for _, r := range rows {
		byOrg[r.Org] = append(byOrg[r.Org], store.PQCAsset{PublicID: r.Org, Body: r.Body, DataLifetime: r.DataLifetime})
	}
	for org, rs := range byOrg {
		sk := orgs[org]
		cl := cell(sk[0], sk[1], org)
		for _, a := range s.classified(ctx, rs) {
			cl.Assets++
			cl.Classes[a.Classification.Class]++
			if a.Classification.HNDL {
				cl.HNDL++
			}
		}
	}
	for _, st := range steps {
		sk := orgs[st.OrgID]
		cl := cell(sk[0], sk[1], st.OrgID)
		cl.Steps++
		if st.Status == StatusDone {
			cl.Done++
		}
	}
	out := make([]Cell, 0, len(cells))
	for k, cl := range cells {
		cl.Orgs = len(members[k])
		if cl.Orgs < MinCell {
			*cl = Cell{Sector: cl.Sector, Kind: cl.Kind, Suppressed: true}
		}
		out = append(out, *cl)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Sector != out[j].Sector {
			return out[i].Sector < out[j].Sector
		}
		return out[i].Kind < out[j].Kind
	})
	return out, nil
}
