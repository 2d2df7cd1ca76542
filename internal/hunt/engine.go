package hunt

import (
	"fmt"
	"sort"
	"strings"

	"renkei/internal/sigma"
)

// Levels in increasing severity, as Sigma defines them.
var Levels = []string{"informational", "low", "medium", "high", "critical"}

// LevelRank orders levels; unknown levels rank as informational.
func LevelRank(l string) int {
	for i, x := range Levels {
		if x == strings.ToLower(l) {
			return i
		}
	}
	return 0
}

// Engine is a loaded set of rules, compiled for one mapping and ready to
// hunt. It is read-only once built and can run many hunts at once.
type Engine struct {
	Mapping *Mapping
	Rules   []*sigma.Rule // loaded detection and correlation rules
	// NotLoaded lists every rule or file that could not be loaded, with the reason.
	NotLoaded []*sigma.LoadError
	// Unmapped lists loaded rules whose log source has no mapping entry;
	// they run only on events without a channel (plain JSON lines).
	Unmapped []*sigma.Rule
	// BelowLevel counts rules left out by the minimum level.
	BelowLevel int

	rs   *sigma.Ruleset
	corr *sigma.Correlator
}

// EngineOptions are the choices made when loading rules.
type EngineOptions struct {
	Mapping   *Mapping // nil: the embedded default
	MinLevel  string   // rules below this level are not run
	NoPrefilt bool     // evaluate every routed rule (for tests)
}

// LoadEngine parses the rules under paths and builds an engine.
func LoadEngine(paths []string, opt EngineOptions) (*Engine, error) {
	rules, errs := sigma.LoadPaths(paths)
	return NewEngine(rules, errs, opt)
}

// NewEngine compiles parsed rules. Parse errors passed in are kept in
// NotLoaded next to the compile errors.
func NewEngine(rules []*sigma.Rule, parseErrs []*sigma.LoadError, opt EngineOptions) (*Engine, error) {
	m := opt.Mapping
	if m == nil {
		m = DefaultMapping()
	}
	e := &Engine{Mapping: m, NotLoaded: parseErrs}
	e.NotLoaded = append(e.NotLoaded, sigma.ApplyFilters(rules)...)
	fields := sigma.NewFields()
	// header fields are always known, so events can be routed and reported
	for _, f := range []string{"Channel", "EventID", "Computer", "EventRecordID", "TimeCreated_SystemTime", "Provider_Name"} {
		fields.ID(f)
	}
	rs := sigma.NewRuleset(fields)
	rs.Prefilter = !opt.NoPrefilt
	minRank := LevelRank(opt.MinLevel)

	e.corr = sigma.NewCorrelator(rules)
	e.NotLoaded = append(e.NotLoaded, e.corr.Errors...)
	for _, r := range rules {
		if r.Filter != nil {
			continue
		}
		if r.Correlation != nil {
			continue
		}
		_, needed := e.corr.Needs(r)
		if LevelRank(r.Level) < minRank && !needed {
			e.BelowLevel++
			continue
		}
		sources := m.Resolve(r.Logsource)
		var variants []*sigma.Compiled
		var routes []sigma.Route
		var err error
		if len(sources) == 0 {
			var c *sigma.Compiled
			c, err = sigma.Compile(r, sigma.CompileOptions{Fields: fields, Placeholders: m.Placeholders})
			variants, routes = append(variants, c), append(routes, sigma.Route{Channels: []string{""}})
		} else {
			for _, s := range sources {
				var c *sigma.Compiled
				c, err = sigma.Compile(r, sigma.CompileOptions{Fields: fields, Rename: s.Fields, Where: s.Where, Placeholders: m.Placeholders})
				if err != nil {
					break
				}
				variants, routes = append(variants, c), append(routes, s.Route())
			}
		}
		if err != nil {
			e.NotLoaded = append(e.NotLoaded, &sigma.LoadError{Path: r.Path, Doc: r.Doc, ID: r.ID, Title: r.Title, Reason: err.Error()})
			continue
		}
		if len(sources) == 0 {
			e.Unmapped = append(e.Unmapped, r)
		}
		for i, c := range variants {
			rs.Add(c, routes[i])
		}
		e.Rules = append(e.Rules, r)
	}
	for _, r := range e.corr.Loaded() {
		if LevelRank(r.Level) >= minRank || r.Level == "" {
			e.Rules = append(e.Rules, r)
		}
	}
	if err := rs.Build(); err != nil {
		return nil, err
	}
	e.rs = rs
	sort.SliceStable(e.NotLoaded, func(i, j int) bool { return e.NotLoaded[i].Path < e.NotLoaded[j].Path })
	return e, nil
}

// Ruleset exposes the compiled rules (for benchmarks that feed events directly).
func (e *Engine) Ruleset() *sigma.Ruleset { return e.rs }

// Describe is a one-line account of what was loaded.
func (e *Engine) Describe() string {
	return fmt.Sprintf("%d rules loaded (%d compiled variants, %d with unmapped log source), %d not loaded, %d below minimum level",
		len(e.Rules), e.rs.Len(), len(e.Unmapped), len(e.NotLoaded), e.BelowLevel)
}
