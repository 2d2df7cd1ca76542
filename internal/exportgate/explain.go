package exportgate

import (
	"context"
	"encoding/json"
	"time"

	"renkei/internal/match"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/warninglist"
)

// Explanation answers "why is this in my blocklist" for one value: every
// indicator the reader may see that gives the value, or a range or parent
// name covering it, with the gate's decisions; and the value's own
// warninglist hits.
type Explanation struct {
	Value        string            `json:"value"`
	Kind         string            `json:"kind"`
	Warninglists []warninglist.Hit `json:"warninglist_hits"`
	Lines        []Line            `json:"lines"`
}

// Line is one indicator value behind an export line.
type Line struct {
	IndicatorID    string          `json:"indicator"`
	IndicatorValue string          `json:"indicator_value"` // the line as exported: the value, range or name
	Exported       bool            `json:"exported"`
	Object         json.RawMessage `json:"object"` // as the reader is shown it (author per the submitter's consent)
	IndicatorGate  Decision        `json:"indicator_decision"`
	ValueGate      Decision        `json:"value_decision"`

	stored store.Object
}

// Stored is the object behind the line, for the door that must log its
// release before sending it.
func (l Line) Stored() store.Object { return l.stored }

// Explain explains value for viewer v at time at (zero: now). present shows
// an object as v may see it (hub.Hub.Present).
func (s *Service) Explain(ctx context.Context, v policy.Viewer, value string, at time.Time, present func(policy.Viewer, store.Object) json.RawMessage) (Explanation, error) {
	g, err := s.Open(ctx, v, at)
	if err != nil {
		return Explanation{}, err
	}
	k, cv, ok := warninglist.Canonical(value)
	ex := Explanation{Value: value, Kind: k.String()}
	if ok {
		ex.Value = cv
		ex.Warninglists = g.m.Check(k, cv)
	}
	// Every indicator the reader may see, revoked and expired ones too (the
	// gate says why they are out), compiled as the export compiles them.
	b := match.NewBuilder()
	objs := map[string]store.Object{}
	oq := store.ObjectQuery{Viewer: v, Types: []string{"indicator"}, Limit: 1000}
	for {
		page, more, err := s.DB.Objects(ctx, oq)
		if err != nil {
			return ex, err
		}
		for _, o := range page {
			if o.Pattern == "" {
				continue
			}
			ind := match.Indicator{ID: o.ID, Pattern: o.Pattern, TLP: o.ACL.TLP.String()}
			if b.AddSTIX(ind) == nil {
				objs[o.ID] = o
			}
		}
		if !more || len(page) == 0 {
			break
		}
		l := page[len(page)-1]
		oq.After = store.Cursor{DateAdded: store.Micros(l.DateAdded), PK: l.PK}
	}
	set := b.Build()
	set.MatchValue(ex.Value, time.Time{}, func(h match.Hit) {
		o := objs[h.Indicator.ID]
		od := g.Object(o)
		vd := g.Value(o.ID, h.Kind, h.IndicatorValue())
		ex.Lines = append(ex.Lines, Line{IndicatorID: o.ID, IndicatorValue: h.IndicatorValue(), Exported: od.Passed && vd.Passed,
			Object: present(v, o), IndicatorGate: od, ValueGate: vd, stored: o})
	})
	return ex, nil
}
