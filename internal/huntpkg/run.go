package huntpkg

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gopkg.in/yaml.v3"

	"renkei/internal/hunt"
	"renkei/internal/sigma"
)

// IndicatorRuleID is the rule id under which indicator sweep hits are
// counted in a report.
const IndicatorRuleID = "indicators"

// indicatorSources are the log sources the indicator sweep is compiled for,
// so that it meets every event the default mapping knows: Windows events of
// any channel, syslog and auditd lines, Zeek logs, and plain JSON lines
// (no log source).
var indicatorSources = []map[string]string{
	nil,
	{"product": "windows"},
	{"product": "linux", "service": "syslog"},
	{"product": "linux", "service": "auditd"},
	{"product": "zeek", "service": "conn"}, {"product": "zeek", "service": "dns"}, {"product": "zeek", "service": "http"},
	{"product": "zeek", "service": "ssl"}, {"product": "zeek", "service": "x509"}, {"product": "zeek", "service": "files"},
	{"product": "zeek", "service": "smtp"}, {"product": "zeek", "service": "notice"}, {"product": "zeek", "service": "ssh"},
	{"product": "zeek", "service": "rdp"}, {"product": "zeek", "service": "smb_files"}, {"product": "zeek", "service": "kerberos"},
}

// escapeSigma makes a value literal in a Sigma string: '*' and '?' are
// wildcards and '\' escapes them.
func escapeSigma(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`)
	return r.Replace(s)
}

// indicatorRuleIDs returns the ids of the generated indicator documents,
// derived from the package id so that every member's run names them alike.
func indicatorRuleIDs(pkgID string) []string {
	ids := make([]string, len(indicatorSources))
	for i := range indicatorSources {
		// The version 5 layout over SHA-256 without a namespace, not
		// uuid.NewSHA1: the ids predate google/uuid here and reports store them.
		h := sha256.Sum256([]byte(fmt.Sprintf("%s/indicators/%d", pkgID, i)))
		u := uuid.UUID(h[:16])
		u[6] = u[6]&0x0f | 0x50
		u[8] = u[8]&0x3f | 0x80
		ids[i] = u.String()
	}
	return ids
}

// IndicatorRulesYAML turns the package's indicators into a Sigma rule
// collection: one keyword search (a case-insensitive match anywhere in any
// field) compiled once per log source, so the indicators run with the same
// engine, routing and prefilter as the package's rules. Nil when the
// package has no indicators.
func (p *Package) IndicatorRulesYAML() ([]byte, error) {
	if len(p.Indicators) == 0 {
		return nil, nil
	}
	kw := make([]string, 0, len(p.Indicators))
	for _, in := range p.Indicators {
		kw = append(kw, escapeSigma(in.Value))
	}
	slices.Sort(kw)
	kw = slices.Compact(kw)
	type doc map[string]any
	docs := []doc{{
		"action":      "global",
		"title":       "Indicator sweep: " + p.Title,
		"description": fmt.Sprintf("The %d indicators of hunting package %s, searched in every field.", len(kw), p.ID),
		"level":       "high",
		"status":      "experimental",
		"detection":   map[string]any{"keywords": kw, "condition": "keywords"},
	}}
	for i, id := range indicatorRuleIDs(p.ID) {
		d := doc{"id": id}
		if src := indicatorSources[i]; src != nil {
			d["logsource"] = src
		} else {
			d["logsource"] = map[string]string{"category": "renkei-indicator-sweep"}
		}
		docs = append(docs, d)
	}
	var b strings.Builder
	for i, d := range docs {
		if i > 0 {
			b.WriteString("---\n")
		}
		y, err := yaml.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("indicator rule of package %s: %w", p.ID, err)
		}
		b.Write(y)
	}
	return []byte(b.String()), nil
}

// ParseRules parses the package's rule files and its indicator sweep.
// Documents that cannot be parsed come back as load errors naming the file.
func (p *Package) ParseRules() ([]*sigma.Rule, []*sigma.LoadError) {
	var rules []*sigma.Rule
	var errs []*sigma.LoadError
	for _, f := range p.Rules {
		r, e := sigma.Parse([]byte(f.YAML), f.Name)
		rules, errs = append(rules, r...), append(errs, e...)
	}
	y, err := p.IndicatorRulesYAML()
	if err != nil {
		errs = append(errs, &sigma.LoadError{Path: "indicators", Doc: -1, Reason: err.Error()})
	} else if y != nil {
		r, e := sigma.Parse(y, "indicators")
		rules, errs = append(rules, r...), append(errs, e...)
	}
	return rules, errs
}

// Engine compiles the package with the hunt engine.
func (p *Package) Engine(opt hunt.EngineOptions) (*hunt.Engine, error) {
	rules, errs := p.ParseRules()
	e, err := hunt.NewEngine(rules, errs, opt)
	if err != nil {
		return nil, fmt.Errorf("compile package %s: %w", p.ID, err)
	}
	return e, nil
}

// RuleHits is how often one rule matched in a run.
type RuleHits struct {
	RuleID string `json:"rule_id"`
	Title  string `json:"title"`
	Hits   int64  `json:"hits"`
}

// Tally counts matches per rule for a report. Hits of the generated
// indicator documents are counted together under IndicatorRuleID. Call Add
// from the hunt's emit function (which hunt serialises) and Result at the end.
type Tally struct {
	indicator map[string]bool
	counts    map[string]*RuleHits
	order     []string
}

// NewTally starts counting for package p. Every rule of the engine is
// listed in the result, with zero hits when it never matched, so the
// publisher sees which rules ran.
func NewTally(p *Package, e *hunt.Engine) *Tally {
	t := &Tally{indicator: map[string]bool{}, counts: map[string]*RuleHits{}}
	for _, id := range indicatorRuleIDs(p.ID) {
		t.indicator[id] = true
	}
	for _, r := range e.Rules {
		t.entry(r.ID, r.Title)
	}
	return t
}

func (t *Tally) entry(id, title string) *RuleHits {
	if t.indicator[id] {
		id, title = IndicatorRuleID, "Indicator sweep"
	}
	rh := t.counts[id]
	if rh == nil {
		rh = &RuleHits{RuleID: id, Title: title}
		t.counts[id] = rh
		t.order = append(t.order, id)
	}
	return rh
}

// Add counts one match.
func (t *Tally) Add(m *hunt.Match) { t.entry(m.RuleID, m.RuleTitle).Hits++ }

// IsIndicator reports whether a rule id is one of the generated indicator documents.
func (t *Tally) IsIndicator(ruleID string) bool { return t.indicator[ruleID] }

// Result returns the counts, most hits first.
func (t *Tally) Result() []RuleHits {
	out := make([]RuleHits, 0, len(t.order))
	for _, id := range t.order {
		out = append(out, *t.counts[id])
	}
	slices.SortStableFunc(out, func(a, b RuleHits) int {
		if a.Hits != b.Hits {
			if a.Hits > b.Hits {
				return -1
			}
			return 1
		}
		return strings.Compare(a.RuleID, b.RuleID)
	})
	return out
}

// LocalRun is the outcome of running a package on a member's logs.
type LocalRun struct {
	Engine  *hunt.Engine
	Summary *hunt.Summary
	// Report is what goes back to the hub: counts per rule, and the
	// matches when they were asked for (at most MaxMatches).
	Report ReportRequest
	// MatchesDropped counts matches beyond MaxMatches not put in the report.
	MatchesDropped int64
}

// RunLocal runs a verified package over the member's inputs with the hunt
// engine, calling emit (serialised) for every match, and prepares the report.
// keepMatches puts the matches themselves into the report.
func (p *Package) RunLocal(ctx context.Context, e *hunt.Engine, inputs []hunt.Input, opt hunt.RunOptions, keepMatches bool, emit func(*hunt.Match)) (*LocalRun, error) {
	t := NewTally(p, e)
	lr := &LocalRun{Engine: e}
	start := time.Now().UTC()
	// The indicator sweep is compiled once per log source, and an event can
	// meet more than one of them (a mapping entry without channels routes
	// every event): each event counts and prints once.
	swept := map[string]bool{}
	sum, err := e.Run(ctx, inputs, opt, func(m *hunt.Match) {
		if t.IsIndicator(m.RuleID) {
			k := m.File + "\x00" + strconv.FormatInt(m.Record, 10)
			if swept[k] {
				return
			}
			swept[k] = true
		}
		t.Add(m)
		if keepMatches {
			if len(lr.Report.Matches) < MaxMatches {
				if b, err := json.Marshal(m); err == nil {
					lr.Report.Matches = append(lr.Report.Matches, b)
				}
			} else {
				lr.MatchesDropped++
			}
		}
		if emit != nil {
			emit(m)
		}
	})
	lr.Summary = sum
	if sum != nil {
		lr.Report.RanAt, lr.Report.Events, lr.Report.Files, lr.Report.Bytes = start, sum.Events, sum.Files, sum.Bytes
		lr.Report.ReadErrors, lr.Report.DurationMS = len(sum.ReadErrors), sum.Duration.Milliseconds()
	}
	lr.Report.Rules = t.Result()
	return lr, err
}
