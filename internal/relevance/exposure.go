package relevance

import (
	"context"
	"fmt"
	"sort"

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
// under their kind), VEX-suppressed findings excluded.
func (s *Service) Exposure(ctx context.Context, id string) (Exposure, error) {
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

// Findings returns what affects an organization, most urgent first: known
// exploited, then EPSS, then severity (vuln.SortFindings). Suppressed
// findings are included, marked, at the end.
func (s *Service) Findings(ctx context.Context, org string) ([]vuln.Finding, error) {
	if err := s.ensure(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.eng.OrgFindings(org), nil
}
