package exportgate

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"renkei/internal/match"
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
	if !strings.HasPrefix(o.ID, "indicator--") {
		return nil
	}
	p := o.Pattern
	if p == "" { // a brief row (TAXII pages) carries the raw object only
		var v struct {
			Pattern     string `json:"pattern"`
			PatternType string `json:"pattern_type"`
		}
		if json.Unmarshal(o.Raw, &v) != nil || (v.PatternType != "" && v.PatternType != "stix") {
			return nil
		}
		p = v.Pattern
	}
	if p == "" {
		return nil
	}
	b := match.NewBuilder()
	if b.AddSTIX(match.Indicator{ID: o.ID, Pattern: p}) != nil {
		return nil
	}
	m := s.shownMatcher()
	if m == nil {
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
