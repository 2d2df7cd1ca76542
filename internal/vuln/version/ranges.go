package version

import (
	"errors"
	"fmt"
	"sort"
)

// Event is one OSV range event; exactly one field is set.
// See https://ossf.github.io/osv-schema/#affectedrangesevents-fields.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

func (e Event) value() string {
	switch {
	case e.Introduced != "":
		return e.Introduced
	case e.Fixed != "":
		return e.Fixed
	case e.LastAffected != "":
		return e.LastAffected
	}
	return e.Limit
}

// Range is an OSV affected range of type SEMVER or ECOSYSTEM. GIT ranges
// name commits, which cannot be ordered without the repository; OSV
// producers list the affected tags in "versions" for those, and callers use
// that list instead.
type Range struct {
	Type   string  `json:"type"`
	Events []Event `json:"events"`
}

// ErrGitRange is returned when asked to evaluate a GIT range.
var ErrGitRange = errors.New("GIT ranges name commits and cannot be evaluated on version numbers")

// Contains reports whether v is affected according to the range, following
// the OSV evaluation algorithm exactly: the events are sorted by version
// ("0" first), walking them in order an introduced event at or below v
// opens the range, a fixed event at or below v closes it, a last_affected
// event strictly below v closes it; and if limit events exist, v must be
// below one of them. Events with equal versions keep their order, with
// introduced first, so introduced=1.0 and fixed=1.0 is an empty range.
func (r Range) Contains(cmp Comparator, v string) (bool, error) {
	if r.Type == "GIT" {
		return false, ErrGitRange
	}
	if !cmp.Valid(v) {
		return false, fmt.Errorf("%s version %q does not parse", cmp.Ecosystem(), v)
	}
	events, err := sortEvents(cmp, r.Events)
	if err != nil {
		return false, err
	}
	affected := false
	var limits []string
	for _, e := range events {
		switch {
		case e.Introduced != "":
			if e.Introduced == "0" || mustCmp(cmp, v, e.Introduced) >= 0 {
				affected = true
			}
		case e.Fixed != "":
			if mustCmp(cmp, v, e.Fixed) >= 0 {
				affected = false
			}
		case e.LastAffected != "":
			if mustCmp(cmp, v, e.LastAffected) > 0 {
				affected = false
			}
		case e.Limit != "":
			limits = append(limits, e.Limit)
		}
	}
	if affected && len(limits) > 0 {
		below := false
		for _, l := range limits {
			if l == "*" || mustCmp(cmp, v, l) < 0 {
				below = true
			}
		}
		affected = below
	}
	return affected, nil
}

// FixedAfter returns the lowest fixed version of the range that is newer
// than v, or "" when the range names none (last_affected ranges have no
// fix yet).
func (r Range) FixedAfter(cmp Comparator, v string) string {
	best := ""
	for _, e := range r.Events {
		if e.Fixed == "" || !cmp.Valid(e.Fixed) || !cmp.Valid(v) {
			continue
		}
		if mustCmp(cmp, e.Fixed, v) > 0 && (best == "" || mustCmp(cmp, e.Fixed, best) < 0) {
			best = e.Fixed
		}
	}
	return best
}

// sortEvents validates every event version and returns the events sorted
// as the OSV algorithm requires.
func sortEvents(cmp Comparator, in []Event) ([]Event, error) {
	events := make([]Event, len(in))
	copy(events, in)
	for i, e := range events {
		val := e.value()
		if val == "" {
			return nil, fmt.Errorf("event %d is empty", i)
		}
		if (e.Introduced == "0") || (e.Limit == "*") {
			continue
		}
		if !cmp.Valid(val) {
			return nil, fmt.Errorf("event %d: %s version %q does not parse", i, cmp.Ecosystem(), val)
		}
	}
	rank := func(e Event) int {
		if e.Introduced != "" {
			return 0
		}
		return 1
	}
	sort.SliceStable(events, func(i, j int) bool {
		a, b := events[i], events[j]
		if a.Introduced == "0" || b.Introduced == "0" {
			return a.Introduced == "0" && b.Introduced != "0"
		}
		if a.Limit == "*" || b.Limit == "*" {
			return b.Limit == "*" && a.Limit != "*"
		}
		c := mustCmp(cmp, a.value(), b.value())
		if c != 0 {
			return c < 0
		}
		return rank(a) < rank(b)
	})
	return events, nil
}

// mustCmp compares versions already checked with Valid.
func mustCmp(cmp Comparator, a, b string) int {
	c, err := cmp.Compare(a, b)
	if err != nil {
		// Both sides were validated; a comparator that accepts a version in
		// Valid but not in Compare is a bug in this package.
		panic(fmt.Sprintf("version: %s comparator: %v", cmp.Ecosystem(), err))
	}
	return c
}
