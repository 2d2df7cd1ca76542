package relevance

import (
	"context"
	"fmt"
	"sort"

	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/vuln"
)

// Exposure is the center's view of one vulnerability across the
// membership: how many members in which sectors, never which members.
type Exposure struct {
	Vulnerability string           `json:"vulnerability"`
	Members       int              `json:"members"`
	Assets        int              `json:"affected_targets"`
	Sectors       []SectorExposure `json:"sectors"`
	KEV           *vuln.KEVInfo    `json:"kev,omitempty"`
}

// SectorExposure counts the affected members of one sector.
type SectorExposure struct {
	Sector  string `json:"sector"`
	Members int    `json:"members"`
	Assets  int    `json:"affected_targets"`
}

// Exposure counts, for a vulnerability id or any of its aliases, the
// members it affects per sector (organizations without a sector count
// under their kind), VEX-suppressed findings excluded, for v, who must see
// the exposure view (the center).
func (s *Service) Exposure(ctx context.Context, v policy.Viewer, id string) (Exposure, error) {
	if !policy.MayReadExposure(v) {
		return Exposure{}, fmt.Errorf("%w: the exposure view and feeds are the national center's", problem.ErrForbidden)
	}
	if err := s.ensure(ctx); err != nil {
		return Exposure{}, err
	}
	s.mu.Lock()
	byOrg := s.eng.AffectedOrgs(id)
	k, isKEV := s.eng.KEVEntry(id)
	s.mu.Unlock()
	out := Exposure{Vulnerability: id, Sectors: []SectorExposure{}}
	if isKEV {
		out.KEV = &k
	}
	if len(byOrg) == 0 {
		return out, nil
	}
	orgs, err := s.DB.Orgs(ctx)
	if err != nil {
		return out, fmt.Errorf("exposure %s: %w", id, err)
	}
	sectorOf := map[string]string{}
	for _, o := range orgs {
		sec := o.Sector
		if sec == "" {
			sec = o.Kind
		}
		sectorOf[o.ID] = sec
	}
	idx := map[string]int{}
	for org, n := range byOrg {
		sec, ok := sectorOf[org]
		if !ok {
			sec = "unknown"
		}
		i, ok := idx[sec]
		if !ok {
			i = len(out.Sectors)
			idx[sec] = i
			out.Sectors = append(out.Sectors, SectorExposure{Sector: sec})
		}
		out.Sectors[i].Members++
		out.Sectors[i].Assets += n
		out.Members++
		out.Assets += n
	}
	sort.Slice(out.Sectors, func(i, j int) bool {
		a, b := out.Sectors[i], out.Sectors[j]
		if a.Members != b.Members {
			return a.Members > b.Members
		}
		return a.Sector < b.Sector
	})
	return out, nil
}

// Findings returns what affects v's organization, most urgent first: known
// exploited, then EPSS, then severity (vuln.SortFindings). Suppressed
// findings are included, marked, at the end.
func (s *Service) Findings(ctx context.Context, v policy.Viewer) ([]vuln.Finding, error) {
	org := v.OrgID
	if !policy.MayReadAsset(v, org) {
		return nil, fmt.Errorf("%w: vulnerability relevance is for members, vendors and the center", problem.ErrForbidden)
	}
	if err := s.ensure(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eng.OrgFindings(org), nil
}
