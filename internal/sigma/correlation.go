package sigma

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Correlation is the correlation section of a Sigma correlation rule.
type Correlation struct {
	Type     string // event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile
	Rules    []string
	GroupBy  []string
	Timespan time.Duration
	Field    string             // condition field for value_* types
	Cond     map[string]float64 // gt, gte, lt, lte, eq, neq
	Aliases  map[string]map[string]string
	Generate bool
}

var correlationTypes = map[string]bool{
	"event_count": true, "value_count": true, "temporal": true, "temporal_ordered": true,
	"value_sum": true, "value_avg": true, "value_percentile": true,
}

func parseCorrelation(n *yaml.Node) (*Correlation, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "correlation must be a mapping")
	}
	c := &Correlation{Cond: map[string]float64{}, Aliases: map[string]map[string]string{}}
	c.Type = scalarOf(mapGet(n, "type"))
	if !correlationTypes[c.Type] {
		return nil, errAt(n, "correlation type %q is not one of event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile", c.Type)
	}
	rules := mapGet(n, "rules")
	if rules == nil {
		return nil, errAt(n, "correlation has no rules")
	}
	if rules.Kind == yaml.ScalarNode {
		c.Rules = []string{rules.Value}
	} else {
		for _, r := range rules.Content {
			c.Rules = append(c.Rules, r.Value)
		}
	}
	if g := mapGet(n, "group-by"); g != nil {
		if g.Kind == yaml.ScalarNode {
			c.GroupBy = []string{g.Value}
		} else {
			for _, x := range g.Content {
				c.GroupBy = append(c.GroupBy, x.Value)
			}
		}
	}
	ts := mapGet(n, "timespan")
	if ts == nil {
		ts = mapGet(n, "timeframe")
	}
	if ts == nil {
		return nil, errAt(n, "correlation has no timespan")
	}
	d, err := ParseTimespan(ts.Value)
	if err != nil {
		return nil, errAt(ts, "%v", err)
	}
	c.Timespan = d
	if cond := mapGet(n, "condition"); cond != nil {
		if cond.Kind != yaml.MappingNode {
			return nil, errAt(cond, "correlation condition must be a mapping such as {gte: 10}")
		}
		for i := 0; i+1 < len(cond.Content); i += 2 {
			k, v := cond.Content[i].Value, cond.Content[i+1]
			if k == "field" {
				c.Field = v.Value
				continue
			}
			switch k {
			case "gt", "gte", "lt", "lte", "eq", "neq":
			default:
				return nil, errAt(cond.Content[i], "unknown correlation condition operator %q", k)
			}
			f, err := strconv.ParseFloat(v.Value, 64)
			if err != nil {
				return nil, errAt(v, "condition %s: %q is not a number", k, v.Value)
			}
			c.Cond[k] = f
		}
	} else if c.Type != "temporal" && c.Type != "temporal_ordered" {
		return nil, errAt(n, "%s correlation needs a condition", c.Type)
	}
	if strings.HasPrefix(c.Type, "value_") && c.Field == "" {
		return nil, errAt(n, "%s correlation needs condition.field", c.Type)
	}
	if a := mapGet(n, "aliases"); a != nil && a.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(a.Content); i += 2 {
			m := map[string]string{}
			v := a.Content[i+1]
			for j := 0; j+1 < len(v.Content); j += 2 {
				m[v.Content[j].Value] = v.Content[j+1].Value
			}
			c.Aliases[a.Content[i].Value] = m
		}
	}
	if g := mapGet(n, "generate"); g != nil {
		c.Generate = g.Value == "true"
	}
	return c, nil
}

// ParseTimespan reads a Sigma timespan such as 30s, 5m, 1h, 2d or 1w.
func ParseTimespan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return 0, fmt.Errorf("timespan %q: want a number and one of s, m, h, d, w", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("timespan %q: want a positive number and one of s, m, h, d, w", s)
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("timespan %q: unit must be one of s, m, h, d, w", s)
	}
	return time.Duration(n) * unit, nil
}

// Hit is one match of a rule that correlations may refer to.
type Hit struct {
	Rule   *Rule
	Time   time.Time
	Fields map[string]string // values of the fields correlations need
	Ref    any               // caller's handle on the event (for output)
}

// CorrelationMatch is one firing of a correlation rule.
type CorrelationMatch struct {
	Rule  *Rule
	Time  time.Time // time of the event that completed the correlation
	First time.Time // earliest event in the window
	Group map[string]string
	Value float64 // the count, sum, average or percentage that met the condition
	Hits  []*Hit  // base events in the window
}

// Correlator evaluates correlation rules over the hits of their base rules.
// Correlations may refer to other correlations (chains); they are evaluated
// in dependency order.
type Correlator struct {
	corrs  []*Rule
	byRef  map[string]*Rule
	order  []*Rule
	needs  map[*Rule][]string // base rule -> event fields to keep
	hidden map[*Rule]bool     // base rules whose own matches are not reported
	Errors []*LoadError
}

// NewCorrelator links correlation rules to the rules they name. Rules that
// cannot be linked (unknown reference, cycle) are reported in Errors and left out.
func NewCorrelator(rules []*Rule) *Correlator {
	c := &Correlator{byRef: map[string]*Rule{}, needs: map[*Rule][]string{}, hidden: map[*Rule]bool{}}
	for _, r := range rules {
		if r.Filter != nil {
			continue
		}
		if r.ID != "" {
			c.byRef[r.ID] = r
		}
		if r.Name != "" {
			c.byRef[r.Name] = r
		}
		if r.Correlation != nil {
			c.corrs = append(c.corrs, r)
		}
	}
	state := map[*Rule]int{} // 1 visiting, 2 done, 3 failed
	var visit func(r *Rule) error
	visit = func(r *Rule) error {
		switch state[r] {
		case 1:
			return fmt.Errorf("correlation cycle through %q", r.Title)
		case 2:
			return nil
		case 3:
			return fmt.Errorf("depends on a correlation that failed to load")
		}
		state[r] = 1
		for _, ref := range r.Correlation.Rules {
			b := c.byRef[ref]
			if b == nil {
				state[r] = 3
				return fmt.Errorf("correlation refers to rule %q, which is not loaded", ref)
			}
			if b.Correlation != nil {
				if err := visit(b); err != nil {
					state[r] = 3
					return err
				}
			}
		}
		state[r] = 2
		c.order = append(c.order, r)
		return nil
	}
	for _, r := range c.corrs {
		if err := visit(r); err != nil {
			if state[r] == 3 || state[r] == 1 {
				state[r] = 3
			}
			c.Errors = append(c.Errors, &LoadError{Path: r.Path, Doc: r.Doc, ID: r.ID, Title: r.Title, Reason: err.Error()})
		}
	}
	for _, r := range c.order {
		for _, ref := range r.Correlation.Rules {
			b := c.byRef[ref]
			for _, f := range c.fieldsFor(r, b) {
				if !slices.Contains(c.needs[b], f) {
					c.needs[b] = append(c.needs[b], f)
				}
			}
			if !r.Correlation.Generate && b.Detection != nil {
				c.hidden[b] = true
			}
		}
	}
	return c
}

// fieldsFor returns the event field names correlation r reads from hits of b,
// after resolving aliases.
func (c *Correlator) fieldsFor(r, b *Rule) []string {
	var out []string
	for _, g := range r.Correlation.GroupBy {
		out = append(out, c.resolve(r, b, g))
	}
	if r.Correlation.Field != "" {
		out = append(out, c.resolve(r, b, r.Correlation.Field))
	}
	return out
}

func (c *Correlator) resolve(r, b *Rule, field string) string {
	if m, ok := r.Correlation.Aliases[field]; ok {
		if f, ok := m[b.Name]; ok {
			return f
		}
		if f, ok := m[b.ID]; ok {
			return f
		}
	}
	return field
}

// Loaded returns the correlation rules that were linked successfully.
func (c *Correlator) Loaded() []*Rule { return c.order }

// Needs returns the event fields to keep in a Hit of base rule r; ok is false
// when no correlation refers to r.
func (c *Correlator) Needs(r *Rule) ([]string, bool) {
	f, ok := c.needs[r]
	return f, ok
}

// Hidden reports whether the matches of base rule r are only inputs to a
// correlation (generate: false) and should not be reported on their own.
func (c *Correlator) Hidden(r *Rule) bool { return c.hidden[r] }

// Run evaluates every correlation over hits (in any order) and returns the
// firings ordered by time.
func (c *Correlator) Run(hits []*Hit) []*CorrelationMatch {
	byRule := map[*Rule][]*Hit{}
	for _, h := range hits {
		byRule[h.Rule] = append(byRule[h.Rule], h)
	}
	var all []*CorrelationMatch
	for _, r := range c.order {
		var in []*Hit
		for _, ref := range r.Correlation.Rules {
			b := c.byRef[ref]
			for _, h := range byRule[b] {
				// present the hit under the correlation's own group-by names
				nh := &Hit{Rule: b, Time: h.Time, Ref: h.Ref, Fields: map[string]string{}}
				for _, g := range r.Correlation.GroupBy {
					nh.Fields[g] = h.Fields[c.resolve(r, b, g)]
				}
				if f := r.Correlation.Field; f != "" {
					nh.Fields[f] = h.Fields[c.resolve(r, b, f)]
				}
				in = append(in, nh)
			}
		}
		sort.SliceStable(in, func(i, j int) bool { return in[i].Time.Before(in[j].Time) })
		out := evalCorrelation(r, in)
		all = append(all, out...)
		// a firing is itself a hit for correlations further up the chain
		for _, m := range out {
			byRule[r] = append(byRule[r], &Hit{Rule: r, Time: m.Time, Fields: m.Group})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time.Before(all[j].Time) })
	return all
}

func groupKey(h *Hit, by []string) string {
	var b strings.Builder
	for _, g := range by {
		b.WriteString(h.Fields[g])
		b.WriteByte(0)
	}
	return b.String()
}

func condOK(cond map[string]float64, v float64) bool {
	for op, x := range cond {
		ok := true
		switch op {
		case "gt":
			ok = v > x
		case "gte":
			ok = v >= x
		case "lt":
			ok = v < x
		case "lte":
			ok = v <= x
		case "eq":
			ok = v == x
		case "neq":
			ok = v != x
		}
		if !ok {
			return false
		}
	}
	return true
}

// evalCorrelation runs one correlation over time-ordered hits with a sliding
// window per group. After a firing the group's window starts afresh, so one
// burst gives one firing rather than one per event.
func evalCorrelation(r *Rule, hits []*Hit) []*CorrelationMatch {
	co := r.Correlation
	windows := map[string][]*Hit{}
	var out []*CorrelationMatch
	for _, h := range hits {
		k := groupKey(h, co.GroupBy)
		w := append(windows[k], h)
		for len(w) > 0 && h.Time.Sub(w[0].Time) > co.Timespan {
			w = w[1:]
		}
		windows[k] = w
		v, ok := windowValue(r, w)
		if !ok {
			continue
		}
		group := map[string]string{}
		for _, g := range co.GroupBy {
			group[g] = h.Fields[g]
		}
		out = append(out, &CorrelationMatch{Rule: r, Time: h.Time, First: w[0].Time, Group: group, Value: v, Hits: append([]*Hit(nil), w...)})
		windows[k] = nil
	}
	return out
}

// windowValue computes the correlation's measure over one window and says
// whether the condition holds.
func windowValue(r *Rule, w []*Hit) (float64, bool) {
	co := r.Correlation
	switch co.Type {
	case "event_count":
		v := float64(len(w))
		return v, condOK(co.Cond, v)
	case "value_count":
		seen := map[string]bool{}
		for _, h := range w {
			if v, ok := h.Fields[co.Field]; ok && v != "" {
				seen[v] = true
			}
		}
		v := float64(len(seen))
		return v, condOK(co.Cond, v)
	case "temporal", "temporal_ordered":
		need := len(distinct(co.Rules))
		var v float64
		if co.Type == "temporal" {
			seen := map[*Rule]bool{}
			for _, h := range w {
				seen[h.Rule] = true
			}
			v = float64(len(seen))
		} else {
			v = float64(orderedSteps(co.Rules, w))
		}
		if len(co.Cond) > 0 {
			return v, condOK(co.Cond, v)
		}
		return v, int(v) >= need
	case "value_sum", "value_avg":
		var sum float64
		n := 0
		for _, h := range w {
			f, err := parseNumber(h.Fields[co.Field])
			if err == nil && !math.IsNaN(f) {
				sum += f
				n++
			}
		}
		if n == 0 {
			return 0, false
		}
		v := sum
		if co.Type == "value_avg" {
			v = sum / float64(n)
		}
		return v, condOK(co.Cond, v)
	case "value_percentile":
		// the share (in percent) of the window's events that carry the
		// newest event's value: a low share marks a rare value
		last := w[len(w)-1].Fields[co.Field]
		same := 0
		for _, h := range w {
			if h.Fields[co.Field] == last {
				same++
			}
		}
		v := 100 * float64(same) / float64(len(w))
		return v, condOK(co.Cond, v)
	}
	return 0, false
}

func distinct(a []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range a {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// orderedSteps counts how many of the referenced rules occur in the window
// in the order the correlation lists them.
func orderedSteps(refs []string, w []*Hit) int {
	step := 0
	for _, h := range w {
		if step < len(refs) && (h.Rule.ID == refs[step] || h.Rule.Name == refs[step]) {
			step++
		}
	}
	return step
}
