package incident

import (
	_ "embed"
	"fmt"
	"renkei/internal/i18n"
	"renkei/internal/jst"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed deadlines.yaml
var defaultDeadlines []byte

// Deadlines is the deadline configuration: which reports exist and how long
// each stage may take. The values come from ministerial orders and change by
// order, so they are configuration, not code.
type Deadlines struct {
	Types []ReportType `yaml:"types"`
}

// ReportType is one kind of report an incident may owe.
type ReportType struct {
	ID     string  `yaml:"id"`
	JA     string  `yaml:"ja"`
	EN     string  `yaml:"en"`
	Stages []Stage `yaml:"stages"`
}

// Stage is one report of a type (initial, update, final) and its clock.
type Stage struct {
	Stage  string        `yaml:"stage"`
	JA     string        `yaml:"ja"`
	EN     string        `yaml:"en"`
	Within time.Duration `yaml:"within"`
	Days   int           `yaml:"days"`
}

// HasDeadline reports whether the stage must be filed by a time.
func (s Stage) HasDeadline() bool { return s.Within > 0 || s.Days > 0 }

// Due computes the stage's deadline for a clock started at start.
//
// With days, the period is counted in JST calendar days as the Civil Code
// does (Art. 140: the first day is not counted; Art. 141: the period ends at
// the end of its last day), so the deadline is 24:00 JST — 00:00 of the next
// day — of the day start's JST date + days. A start given in any zone gives
// the same instant. Zero when the stage has no deadline.
func (s Stage) Due(start time.Time) time.Time {
	switch {
	case s.Within > 0:
		return start.Add(s.Within).UTC()
	case s.Days > 0:
		j := start.In(jst.Zone)
		return time.Date(j.Year(), j.Month(), j.Day()+s.Days+1, 0, 0, 0, 0, jst.Zone).UTC()
	}
	return time.Time{}
}

// DefaultDeadlines returns the embedded configuration (deadlines.yaml),
// parsed once; callers must not modify it.
func DefaultDeadlines() *Deadlines { return embeddedDeadlines() }

var embeddedDeadlines = sync.OnceValue(func() *Deadlines {
	d, err := ParseDeadlines(defaultDeadlines)
	if err != nil {
		panic("incident: embedded deadlines.yaml: " + err.Error())
	}
	return d
})

// ParseDeadlines reads and checks a deadline configuration.
func ParseDeadlines(b []byte) (*Deadlines, error) {
	var d Deadlines
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("deadlines: %w", err)
	}
	if len(d.Types) == 0 {
		return nil, fmt.Errorf("deadlines: no report types")
	}
	seen := map[string]bool{}
	for i, t := range d.Types {
		if t.ID == "" || seen[t.ID] {
			return nil, fmt.Errorf("deadlines: types[%d]: missing or repeated id %q", i, t.ID)
		}
		seen[t.ID] = true
		if t.Stage("initial") == nil {
			return nil, fmt.Errorf("deadlines: type %s: no initial stage", t.ID)
		}
		for j, s := range t.Stages {
			if s.Within < 0 || s.Days < 0 || (s.Within > 0 && s.Days > 0) {
				return nil, fmt.Errorf("deadlines: type %s stage[%d] %s: give either within (a positive duration) or days, not both", t.ID, j, s.Stage)
			}
			if !slices.Contains(Stages, s.Stage) {
				return nil, fmt.Errorf("deadlines: type %s stage[%d]: unknown stage %q (want %s)", t.ID, j, s.Stage, strings.Join(Stages, ", "))
			}
		}
	}
	return &d, nil
}

// Stages are the stages a report may be, in order.
var Stages = []string{"initial", "update", "final"}

// Type finds a report type by id.
func (d *Deadlines) Type(id string) *ReportType {
	for i := range d.Types {
		if d.Types[i].ID == id {
			return &d.Types[i]
		}
	}
	return nil
}

// TypeIDs lists the configured report types.
func (d *Deadlines) TypeIDs() []string {
	out := make([]string, len(d.Types))
	for i, t := range d.Types {
		out[i] = t.ID
	}
	return out
}

// Stage finds a stage of the type.
func (t *ReportType) Stage(name string) *Stage {
	for i := range t.Stages {
		if t.Stages[i].Stage == name {
			return &t.Stages[i]
		}
	}
	return nil
}

// TypeName is report type id as a parameter of a catalog message: its name
// in the reader's language (report.type.<id>), or the id itself for a type
// the catalog does not name (one from a deadlines file given at start).
func TypeName(id string) string {
	if i18n.Has("report.type." + id) {
		return i18n.Ref(i18n.M("report.type." + id))
	}
	return id
}

// StageName is stage of report type typ as a parameter of a catalog
// message: its name in the reader's language (report.stage.<type>.<stage>,
// since the same stage has different names under different laws), or the
// stage's id for a stage the catalog does not name.
func StageName(typ, stage string) string {
	if i18n.Has("report.stage." + typ + "." + stage) {
		return i18n.Ref(i18n.M("report.stage." + typ + "." + stage))
	}
	return stage
}
