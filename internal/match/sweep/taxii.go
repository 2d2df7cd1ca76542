package sweep

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"renkei/internal/match"
)

// AddObjects adds the STIX indicators among objs, one page of a TAXII
// collection read by the caller (internal/client), to b and counts them in
// res; where names the page in the errors kept ("collection C page 2").
// Objects that are not pattern indicators are skipped.
func AddObjects(b *match.Builder, res *LoadResult, where string, objs []json.RawMessage) {
	for i, raw := range objs {
		ind, ok, err := indicatorOf(raw)
		if !ok {
			continue
		}
		if err == nil {
			err = b.AddSTIX(ind)
		}
		if err != nil {
			res.Bad++
			if len(res.Errors) < match.MaxListErrors {
				res.Errors = append(res.Errors, fmt.Errorf("%s object %d: %w", where, i, err))
			}
			continue
		}
		res.Values++
	}
}

// Sightings gathers matches into one STIX sighting per STIX indicator.
type Sightings struct {
	by map[string]*sightingAgg
	// Unsightable counts matches of plain-list indicators, which have no STIX
	// id to point a sighting at.
	Unsightable int
}

type sightingAgg struct {
	ind         *match.Indicator
	count       int
	first, last time.Time
}

// Add records one match.
func (s *Sightings) Add(m *Match, now time.Time) {
	ind := m.IndicatorRef()
	if ind == nil || !strings.HasPrefix(ind.ID, "indicator--") {
		s.Unsightable++
		return
	}
	if s.by == nil {
		s.by = map[string]*sightingAgg{}
	}
	t := now
	if m.Time != nil {
		t = *m.Time
	}
	a := s.by[ind.ID]
	if a == nil {
		a = &sightingAgg{ind: ind, first: t, last: t}
		s.by[ind.ID] = a
	}
	a.count++
	if t.Before(a.first) {
		a.first = t
	}
	if t.After(a.last) {
		a.last = t
	}
}

// Len returns the number of sightings that Objects would produce.
func (s *Sightings) Len() int { return len(s.by) }

// Objects returns the STIX sighting objects, each marked with its indicator's
// object_marking_refs so the hub shares it under the indicator's TLP.
func (s *Sightings) Objects(now time.Time) []map[string]any {
	ids := make([]string, 0, len(s.by))
	for id := range s.by {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	var out []map[string]any
	for _, id := range ids {
		a := s.by[id]
		o := map[string]any{
			"type": "sighting", "spec_version": "2.1", "id": "sighting--" + uuid.NewString(),
			"created": ts(now), "modified": ts(now),
			"sighting_of_ref": id, "count": min(a.count, 999999999),
			"first_seen": ts(a.first), "last_seen": ts(a.last),
			"description": fmt.Sprintf("renkei sweep: %d matching log records", a.count),
		}
		if len(a.ind.Markings) > 0 {
			o["object_marking_refs"] = a.ind.Markings
		}
		out = append(out, o)
	}
	return out
}
