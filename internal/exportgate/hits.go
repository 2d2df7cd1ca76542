package exportgate

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"renkei/internal/match"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/warninglist"
)

// matcherRecheck is how long the matcher behind ObjectHits is used before
// the store is asked again whether the lists changed: objects are shown by
// the thousand (a TAXII page), a list changes a few times a day.
const matcherRecheck = 2 * time.Second

// shownMatcher returns the matcher over every enabled list, asking the
// store whether it changed at most every matcherRecheck.
func (s *Service) shownMatcher() *warninglist.Matcher {
	s.mu.Lock()
	m, fresh := s.matcher, time.Since(s.checked) < matcherRecheck
	s.mu.Unlock()
	if m != nil && fresh {
		return m
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, _, err := s.Matcher(ctx)
	if err != nil {
		s.logWarn("warninglists unreadable: hits are not shown on objects", "", err)
		return nil
	}
	s.mu.Lock()
	s.checked = time.Now()
	s.mu.Unlock()
	return m
}

// ObjectHits returns the warninglist hits of the values an indicator's
// pattern compares, compiled as exports compile them, for showing on the
// object (console, API, TAXII): every enabled list, refusing or only
// warning. Nil for other objects, and for indicators none of whose values
// is listed. It decides nothing about who may read the object.
func (s *Service) ObjectHits(o store.Object) []warninglist.ValueHit {
	return s.shownHits(o).hits
}

// ObjectHitsJSON is ObjectHits written as JSON (nil when there are none),
// as the hub puts it into each served object: a page shows the same
// patterns again and again, and their hits are written once.
func (s *Service) ObjectHitsJSON(o store.Object) json.RawMessage {
	return s.shownHits(o).json
}

// shown is what ObjectHits and ObjectHitsJSON give for one pattern.
type shown struct {
	hits []warninglist.ValueHit
	json json.RawMessage
}

func (s *Service) shownHits(o store.Object) shown {
	if !strings.HasPrefix(o.ID, "indicator--") {
		return shown{}
	}
	p := o.Pattern
	if p == "" { // an object made without its indexed fields
		var v struct {
			Pattern     string `json:"pattern"`
			PatternType string `json:"pattern_type"`
		}
		if json.Unmarshal(o.Raw, &v) != nil || (v.PatternType != "" && v.PatternType != "stix") {
			return shown{}
		}
		p = v.Pattern
	}
	if p == "" {
		return shown{}
	}
	m := s.shownMatcher()
	if m == nil {
		return shown{}
	}
	// The hits depend on the pattern and the matcher only: they are
	// remembered per pattern for as long as the matcher is the same one.
	s.hitsMu.Lock()
	if s.hitsOf != m || len(s.hits) >= maxRememberedPatterns {
		s.hitsOf, s.hits = m, map[string]shown{}
	}
	out, ok := s.hits[p]
	s.hitsMu.Unlock()
	if ok {
		return out
	}
	out.hits = patternHits(m, o.ID, p)
	if len(out.hits) > 0 {
		if b, err := json.Marshal(out.hits); err == nil {
			out.json = b
		}
	}
	s.hitsMu.Lock()
	if s.hitsOf == m {
		s.hits[p] = out
	}
	s.hitsMu.Unlock()
	return out
}

// maxRememberedPatterns bounds the patterns whose hits ObjectHits keeps; the
// memory is forgotten whole when it is full.
const maxRememberedPatterns = 50_000

// patternHits returns the hits under m of the values pattern p compares,
// compiled as exports compile them (nil when p does not compile).
func patternHits(m *warninglist.Matcher, id, p string) []warninglist.ValueHit {
	b := match.NewBuilder()
	if b.AddSTIX(match.Indicator{ID: id, Pattern: p}) != nil {
		return nil
	}
	var out []warninglist.ValueHit
	b.Build().Each(time.Time{}, func(e match.Entry) {
		for _, h := range m.Check(e.Kind, e.Value) {
			out = append(out, warninglist.ValueHit{Value: e.Value, Hit: h})
		}
	})
	return out
}

// Screen passes each of values through the gate opened for viewer v (its
// scope and warninglist rules; values that are no address, range, name,
// URL, e-mail or hash pass) and returns, for each value the gate keeps
// out, the first rule's sentence. A hunting package's indicators are
// screened so that nothing reaches a member's sweep as malicious that would
// not reach its blocklist.
func (s *Service) Screen(ctx context.Context, v policy.Viewer, values []string) (map[string]string, error) {
	g, err := s.Open(ctx, v, time.Time{})
	if err != nil {
		return nil, err
	}
	return g.Screen(values), nil
}

// Screen is Service.Screen on an open gate (also the offline one).
func (g *Gate) Screen(values []string) map[string]string {
	out := map[string]string{}
	for _, val := range values {
		k, cv, ok := warninglist.Canonical(val)
		if !ok {
			continue
		}
		d := g.Value("", k, cv)
		if d.Passed {
			continue
		}
		for _, c := range d.Checks {
			if !c.Passed {
				out[val] = c.Rule + ": " + c.Detail
				break
			}
		}
	}
	return out
}
