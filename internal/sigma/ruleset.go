package sigma

import (
	"fmt"
	"strings"
	"sync"

	"github.com/coregx/ahocorasick"
)

// Route says which events a compiled rule can apply to: the Windows channels
// and event ids its log source maps to. Empty lists mean "any".
type Route struct {
	Channels []string
	EventIDs []string
}

type entry struct {
	c     *Compiled
	chans map[string]bool
	eids  map[string]bool
	atoms []int32
}

// Ruleset holds compiled rules, routes events to the rules their channel and
// event id can meet, and prefilters those by literal atoms found with one
// Aho-Corasick scan of the event text. Build it once (Add, then Build); after
// that it is read-only and shared by all workers, each with its own Matcher.
type Ruleset struct {
	Fields *Fields
	// Prefilter can be turned off to evaluate every routed rule (used by
	// tests to prove the prefilter never loses a match).
	Prefilter bool

	entries []entry
	atomIDs map[string]int32
	ac      *ahocorasick.Automaton

	mu     sync.RWMutex
	groups map[string]*group
}

// group is the set of rules for one (channel, event id).
type group struct {
	always []int32           // entries with no atoms: always evaluated
	post   map[int32][]int32 // atom id -> entries
	mask   []bool            // fields whose values the prefilter scans
	all    bool              // scan every field (a keyword rule is in the group)
}

// NewRuleset returns an empty ruleset whose rules use the field table f.
func NewRuleset(f *Fields) *Ruleset {
	return &Ruleset{Fields: f, Prefilter: true, atomIDs: map[string]int32{}, groups: map[string]*group{}}
}

// Add registers a compiled rule for the events its route selects.
func (rs *Ruleset) Add(c *Compiled, r Route) {
	e := entry{c: c}
	if len(r.Channels) > 0 {
		e.chans = map[string]bool{}
		for _, ch := range r.Channels {
			e.chans[strings.ToLower(ch)] = true
		}
	}
	if len(r.EventIDs) > 0 {
		e.eids = map[string]bool{}
		for _, id := range r.EventIDs {
			e.eids[id] = true
		}
	}
	for _, a := range c.atoms {
		id, ok := rs.atomIDs[a]
		if !ok {
			id = int32(len(rs.atomIDs))
			rs.atomIDs[a] = id
		}
		e.atoms = append(e.atoms, id)
	}
	rs.entries = append(rs.entries, e)
}

// Len is the number of compiled rule variants in the set.
func (rs *Ruleset) Len() int { return len(rs.entries) }

// Build compiles the prefilter automaton. Call it after the last Add.
func (rs *Ruleset) Build() error {
	if len(rs.atomIDs) == 0 {
		return nil
	}
	pats := make([][]byte, len(rs.atomIDs))
	for a, id := range rs.atomIDs {
		pats[id] = []byte(a)
	}
	ac, err := ahocorasick.NewBuilder().AddPatterns(pats).Build()
	if err != nil {
		return fmt.Errorf("build prefilter over %d literals: %w", len(pats), err)
	}
	rs.ac = ac
	return nil
}

func (rs *Ruleset) group(channel, eventID string) *group {
	key := channel + "\x00" + eventID
	rs.mu.RLock()
	g, ok := rs.groups[key]
	rs.mu.RUnlock()
	if ok {
		return g
	}
	g = &group{post: map[int32][]int32{}, mask: make([]bool, rs.Fields.Len())}
	for i, e := range rs.entries {
		if e.chans != nil && !e.chans[channel] {
			continue
		}
		if e.eids != nil && !e.eids[eventID] {
			continue
		}
		if len(e.atoms) == 0 || !rs.Prefilter || rs.ac == nil {
			g.always = append(g.always, int32(i))
			continue
		}
		for _, a := range e.atoms {
			g.post[a] = append(g.post[a], int32(i))
		}
		// an atom comes from one of the rule's own fields, so scanning
		// only the fields of the group's rules keeps the test exact
		for _, f := range e.c.fields {
			if f >= 0 && f < len(g.mask) {
				g.mask[f] = true
			} else if f < 0 {
				g.all = true
			}
		}
	}
	rs.mu.Lock()
	rs.groups[key] = g
	rs.mu.Unlock()
	return g
}

// Matcher evaluates a Ruleset for one worker. It is not safe for concurrent use.
type Matcher struct {
	rs        *Ruleset
	seen      []uint32
	gen       uint32
	lastCh    string
	lastChLow string
	text      []byte

	// Evaluated counts rule evaluations after routing and prefiltering.
	Evaluated int64
}

// NewMatcher returns a matcher for one worker.
func (rs *Ruleset) NewMatcher() *Matcher {
	return &Matcher{rs: rs, seen: make([]uint32, len(rs.entries))}
}

// Match calls fn for every rule that matches the event. channel and eventID
// come from the event's own header (empty when the log has none).
func (m *Matcher) Match(e *Event, channel, eventID string, fn func(*Compiled)) {
	if channel != m.lastCh {
		m.lastCh, m.lastChLow = channel, strings.ToLower(channel)
	}
	g := m.rs.group(m.lastChLow, eventID)
	m.gen++
	if m.gen == 0 {
		clear(m.seen)
		m.gen = 1
	}
	eval := func(i int32) {
		if m.seen[i] == m.gen {
			return
		}
		m.seen[i] = m.gen
		m.Evaluated++
		c := m.rs.entries[i].c
		if c.Match(e) {
			fn(c)
		}
	}
	for _, i := range g.always {
		eval(i)
	}
	if len(g.post) == 0 {
		return
	}
	m.text = e.appendText(m.text[:0], g.mask, g.all)
	for _, hit := range m.rs.ac.FindAllOverlapping(m.text) {
		for _, i := range g.post[int32(hit.PatternID)] {
			eval(i)
		}
	}
}
