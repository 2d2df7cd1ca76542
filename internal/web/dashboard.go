package web

import (
	"context"
	"net/http"
	"time"

	"renkei/internal/alert"
	"renkei/internal/policy"
	"renkei/internal/store"
)

type countRow struct {
	Type  string
	ByTLP []int64 // indexed by TLP
	Total int64
}

type sightingRow struct {
	Sighting objectRow
	Of       objectRow
	Where    string
}

// recentWindow bounds the dashboard's counts: what came in lately, not the
// whole history, which the object browser holds.
const recentWindow = 30 * 24 * time.Hour

type dashboardData struct {
	TLPs      []policy.TLP
	Counts    []countRow
	Totals    []int64
	Total     int64
	Recent    []objectRow
	Sightings []sightingRow
	Alerts    []store.AlertGroup // unread, one row per group of duplicates
	today
}

// dashboard is the home page, "what needs me today" for this user: the
// work of each console section that applies to them (policy.ConsoleSections),
// read through the sections' services with the user's viewer, then who
// sighted the organization's indicators and what the hub holds that the
// viewer may see. A panel with nothing in it is left out.
func (s *server) dashboard(w http.ResponseWriter, r *http.Request, req *request) {
	ctx := r.Context()
	d := dashboardData{TLPs: []policy.TLP{policy.Clear, policy.Green, policy.Amber, policy.AmberStrict, policy.Red}}
	if err := s.today(ctx, req, &d.today); err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	if policy.MayOpenSection(req.viewer, policy.SectionIntel) {
		if err := s.sharedLately(ctx, req, &d); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	// The unread alerts as the inbox groups them: the duplicates of one
	// event (Alert.GroupKey) are one row with their count.
	var err error
	if d.Alerts, _, err = s.Store.AlertGroups(ctx, req.viewer, store.AlertQuery{Unread: true}, "", 10); err != nil {
		s.serverError(w, r, err)
		return
	}
	for i := range d.Alerts {
		a := &d.Alerts[i].Latest
		a.Title, a.Body = alert.Title(*a, req.lang), alert.Body(*a, req.lang)
	}
	s.render(w, r, req, http.StatusOK, "dashboard", "nav.dashboard", "dashboard", d)
}

// sharedLately fills what was shared in the last 30 days that the viewer
// may see, and who sighted the organization's indicators.
func (s *server) sharedLately(ctx context.Context, req *request, d *dashboardData) error {
	d.Totals = make([]int64, len(d.TLPs))
	counts, err := s.Store.CountRecentByTypeAndTLP(ctx, req.viewer, s.Now().Add(-recentWindow))
	if err != nil {
		return err
	}
	idx := map[string]int{}
	for _, c := range counts {
		i, ok := idx[c.Type]
		if !ok {
			i = len(d.Counts)
			idx[c.Type] = i
			d.Counts = append(d.Counts, countRow{Type: c.Type, ByTLP: make([]int64, len(d.TLPs))})
		}
		if int(c.TLP) >= 0 && int(c.TLP) < len(d.TLPs) {
			d.Counts[i].ByTLP[c.TLP] += c.Count
			d.Totals[c.TLP] += c.Count
		}
		d.Counts[i].Total += c.Count
		d.Total += c.Count
	}
	names, err := s.orgNames(ctx)
	if err != nil {
		return err
	}
	recent, _, err := s.Store.Objects(ctx, store.ObjectQuery{Viewer: req.viewer, Descending: true, Limit: 10})
	if err != nil {
		return err
	}
	d.Recent = s.rows(ctx, req, recent, names)
	sightings, err := s.Store.SightingsOfOrg(ctx, req.viewer, req.caller.Org.ID, 10)
	if err != nil {
		return err
	}
	for _, o := range sightings {
		sr, _, p := s.row(req.viewer, o, names)
		row := sightingRow{Sighting: sr, Of: objectRow{ID: o.Ref, Label: o.Ref}}
		if of, err := s.Store.ObjectByID(ctx, req.viewer, o.Ref); err == nil {
			row.Of, _, _ = s.row(req.viewer, of, names)
		}
		for i, w := range p.WhereSightedRefs {
			if i > 0 {
				row.Where += ", "
			}
			row.Where += names.name(w)
		}
		d.Sightings = append(d.Sightings, row)
	}
	return nil
}
