package huntpkg

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/alert"
	"renkei/internal/auth"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/sigma"
	"renkei/internal/store"
)

// ReportRequest is what a member sends back after a run.
type ReportRequest struct {
	RanAt      time.Time         `json:"ran_at"`
	Events     int64             `json:"events"`
	Files      int               `json:"files"`
	Bytes      int64             `json:"bytes"`
	ReadErrors int               `json:"read_errors"`
	DurationMS int64             `json:"duration_ms"`
	Rules      []RuleHits        `json:"rules"`
	Matches    []json.RawMessage `json:"matches,omitempty"` // hunt.Match objects, only when the member chose to send them
}

// Run is one stored report.
type Run struct {
	ID int64 `json:"-"` // the row id: a sequence over every organization's runs, never shown outside the hub
	// PublicID is the run's id outside the hub: 128 random bits in hex.
	PublicID   string     `json:"id"`
	PackageID  string     `json:"package"`
	OrgID      string     `json:"org"`
	OrgName    string     `json:"org_name"`
	User       string     `json:"user"`
	RanAt      time.Time  `json:"ran_at"`
	Reported   time.Time  `json:"reported_at"`
	Events     int64      `json:"events"`
	Files      int        `json:"files"`
	Bytes      int64      `json:"bytes"`
	ReadErrors int        `json:"read_errors"`
	Hits       int64      `json:"hits"`
	DurationMS int64      `json:"duration_ms"`
	MatchCount int        `json:"match_count"`
	Rules      []RuleHits `json:"rules,omitempty"`
	// Matches are present only for readers the package's TLP allows.
	Matches []json.RawMessage `json:"matches,omitempty"`
}

// ruleIDs returns the ids a report may name: the package's rules and the
// indicator sweep.
func (p *Package) ruleIDs() map[string]bool {
	ids := map[string]bool{IndicatorRuleID: true}
	for _, f := range p.Rules {
		rules, _ := sigma.Parse([]byte(f.YAML), f.Name)
		for _, r := range rules {
			ids[r.ID] = true
		}
	}
	return ids
}

// Report stores a member's run of a package the member may see, and alerts
// the publisher when it found something.
func (s *Service) Report(ctx context.Context, c auth.Caller, id string, r ReportRequest) (Run, error) {
	st, v, err := s.visibleOne(ctx, c, id)
	if err != nil {
		return Run{}, err
	}
	if !policy.MayReportHuntRun(v) {
		return Run{}, fmt.Errorf("%w: the oversight committee does not run hunting packages", ErrNotAllowed)
	}
	now := s.now()
	switch {
	case r.Events < 0 || r.Files < 0 || r.Bytes < 0 || r.ReadErrors < 0 || r.DurationMS < 0:
		return Run{}, problem.Field("events", "counts cannot be negative")
	case r.RanAt.IsZero():
		r.RanAt = now
	case r.RanAt.After(now.Add(10 * time.Minute)):
		return Run{}, problem.Field("ran_at", "%s is in the future", r.RanAt.Format(time.RFC3339))
	case len(r.Matches) > MaxMatches:
		return Run{}, problem.Field("matches", "%d matches; at most %d are accepted in one report (send counts only)", len(r.Matches), MaxMatches)
	}
	known := st.pkg.ruleIDs()
	var hits int64
	seen := map[string]bool{}
	for i, rh := range r.Rules {
		if !known[rh.RuleID] {
			return Run{}, problem.Field("rules", "entry %d: rule %q is not in package %s", i+1, rh.RuleID, id)
		}
		if seen[rh.RuleID] {
			return Run{}, problem.Field("rules", "entry %d: rule %q is counted twice", i+1, rh.RuleID)
		}
		if rh.Hits < 0 {
			return Run{}, problem.Field("rules", "entry %d: negative hits", i+1)
		}
		seen[rh.RuleID] = true
		hits += rh.Hits
	}
	var lines bytes.Buffer
	for i, m := range r.Matches {
		var compact bytes.Buffer
		if err := json.Compact(&compact, m); err != nil || !bytes.HasPrefix(compact.Bytes(), []byte("{")) {
			return Run{}, problem.Field("matches", "match %d is not a JSON object", i+1)
		}
		lines.Write(compact.Bytes())
		lines.WriteByte('\n')
	}
	run := Run{PublicID: store.NewPublicID(), PackageID: id, OrgID: c.Org.ID, OrgName: c.Org.Name, User: c.User.Login, RanAt: r.RanAt.UTC(), Reported: now,
		Events: r.Events, Files: r.Files, Bytes: r.Bytes, ReadErrors: r.ReadErrors, Hits: hits, DurationMS: r.DurationMS,
		MatchCount: len(r.Matches), Rules: r.Rules}
	rules := make([]store.HuntRuleHits, len(r.Rules))
	for i, rh := range r.Rules {
		rules[i] = store.HuntRuleHits(rh)
	}
	run.ID, err = s.DB.ReportHuntRun(ctx, store.HuntRun{PublicID: run.PublicID, PackageID: id, OrgID: c.Org.ID, UserID: c.User.ID, User: c.User.Login, RanAt: run.RanAt,
		Reported: now, Events: r.Events, Files: r.Files, Bytes: r.Bytes, ReadErrors: r.ReadErrors, Hits: hits, DurationMS: r.DurationMS,
		Matches: lines.String(), MatchCount: len(r.Matches)}, rules)
	if err != nil {
		return Run{}, err
	}
	if hits > 0 && c.Org.ID != st.pkg.PublisherOrg {
		body := []i18n.Message{i18n.M("alert.hunt.findings.what", c.Org.Name, st.pkg.Title, strconv.FormatInt(r.Events, 10), strconv.FormatInt(hits, 10))}
		for _, rh := range r.Rules {
			if rh.Hits > 0 && len(body) <= 5 {
				body = append(body, i18n.M("alert.hunt.findings.rule", rh.Title, strconv.FormatInt(rh.Hits, 10)))
			}
		}
		body = append(body, alert.Blank, i18n.M("alert.hunt.findings.todo"))
		data, _ := json.Marshal(map[string]any{"package": id, "run": run.PublicID, "org": c.Org.ID, "hits": hits, "events": r.Events})
		title := i18n.M("alert.hunt.findings", st.pkg.Title, strconv.FormatInt(hits, 10), c.Org.Name)
		if _, err := s.Alerts.Raise(ctx, store.Alert{OrgID: st.pkg.PublisherOrg, Kind: "hunt-findings", Severity: "high",
			TitleKey: title.Key, TitleParams: title.Params, BodyMsgs: alert.Lines(body...),
			ObjectRef: id, Data: string(data)}); err != nil {
			return run, err
		}
	}
	s.Log.Info("hunting report", "package", id, "org", c.Org.ID, "events", r.Events, "hits", hits, "run", run.PublicID)
	return run, nil
}

// OrgCoverage is one organization's part in a package.
type OrgCoverage struct {
	OrgID    string    `json:"org"`
	Name     string    `json:"name"`
	Kind     string    `json:"kind"`
	Sector   string    `json:"sector,omitempty"`
	InScope  bool      `json:"in_scope"`
	Ran      bool      `json:"ran"`
	Runs     int       `json:"runs"`
	LastRun  time.Time `json:"last_run,omitzero"`
	Events   int64     `json:"events"` // of the latest run
	Hits     int64     `json:"hits"`   // of the latest run
	Reporter string    `json:"reporter,omitempty"`
}

// Coverage is what the publisher sees of a package.
type Coverage struct {
	Package *Package      `json:"package"`
	Orgs    []OrgCoverage `json:"orgs"` // in scope first (ran, then not ran), then others who ran it
	InScope int           `json:"in_scope"`
	Ran     int           `json:"ran"`
	NotRan  int           `json:"not_ran"`
	Events  int64         `json:"events"` // latest run of every organization, summed
	Hits    int64         `json:"hits"`
	Rules   []RuleHits    `json:"rules"` // hits per rule over the latest runs
}

// Coverage tells the publisher (or the center) which organizations in scope
// ran the package, when, on how many events, with how many hits, and which
// have not. Each organization counts with its latest run.
func (s *Service) Coverage(ctx context.Context, c auth.Caller, id string) (*Coverage, error) {
	st, v, err := s.visibleOne(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if !policy.MayReadHuntCoverage(v, st.pkg.PublisherOrg) {
		return nil, fmt.Errorf("%w: coverage is for the publisher of the package and the center", ErrNotAllowed)
	}
	scope, err := s.scopeOrgs(ctx, st.pkg)
	if err != nil {
		return nil, err
	}
	runs, err := s.runs(ctx, v, id) // every run: v reads coverage
	if err != nil {
		return nil, err
	}
	latest := map[string]Run{}
	count := map[string]int{}
	for _, r := range runs { // newest first
		if _, ok := latest[r.OrgID]; !ok {
			latest[r.OrgID] = r.Run
		}
		count[r.OrgID]++
	}
	cov := &Coverage{Package: st.pkg, Orgs: []OrgCoverage{}}
	inScope := map[string]bool{}
	add := func(o store.Org, in bool) {
		oc := OrgCoverage{OrgID: o.ID, Name: o.Name, Kind: o.Kind, Sector: o.Sector, InScope: in}
		if r, ok := latest[o.ID]; ok {
			oc.Ran, oc.Runs, oc.LastRun, oc.Events, oc.Hits, oc.Reporter = true, count[o.ID], r.RanAt, r.Events, r.Hits, r.User
			cov.Events += r.Events
			cov.Hits += r.Hits
		}
		cov.Orgs = append(cov.Orgs, oc)
	}
	for _, o := range scope {
		if o.ID == st.pkg.PublisherOrg {
			continue
		}
		inScope[o.ID] = true
		add(o, true)
		cov.InScope++
		if _, ok := latest[o.ID]; ok {
			cov.Ran++
		} else {
			cov.NotRan++
		}
	}
	for orgID := range latest {
		if !inScope[orgID] {
			o, err := s.DB.Org(ctx, orgID)
			if err != nil {
				return nil, err
			}
			add(o, false)
		}
	}
	slices.SortStableFunc(cov.Orgs, func(a, b OrgCoverage) int {
		rank := func(o OrgCoverage) int {
			switch {
			case o.InScope && o.Ran:
				return 0
			case o.InScope:
				return 1
			}
			return 2
		}
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	var runIDs []int64
	for _, r := range latest {
		runIDs = append(runIDs, r.ID)
	}
	if cov.Rules, err = s.ruleTotals(ctx, runIDs); err != nil {
		return nil, err
	}
	return cov, nil
}

func (s *Service) ruleTotals(ctx context.Context, runIDs []int64) ([]RuleHits, error) {
	stored, err := s.DB.HuntRuleTotals(ctx, runIDs)
	out := make([]RuleHits, len(stored))
	for i, rh := range stored {
		out[i] = RuleHits(rh)
	}
	return out, err
}

// runs lists the reports of a package that v may read (policy.HuntRunFilter),
// newest first, with the user who reported each and the matches sent.
func (s *Service) runs(ctx context.Context, v policy.Viewer, pkgID string) ([]storedRun, error) {
	stored, err := s.DB.HuntRuns(ctx, v, pkgID)
	if err != nil {
		return nil, err
	}
	out := make([]storedRun, len(stored))
	for i, r := range stored {
		out[i] = storedRun{Run: Run{ID: r.ID, PublicID: r.PublicID, PackageID: r.PackageID, OrgID: r.OrgID, OrgName: r.OrgName, User: r.User, RanAt: r.RanAt,
			Reported: r.Reported, Events: r.Events, Files: r.Files, Bytes: r.Bytes, ReadErrors: r.ReadErrors, Hits: r.Hits, DurationMS: r.DurationMS,
			MatchCount: r.MatchCount}, userID: r.UserID, matches: r.Matches}
	}
	return out, nil
}

// storedRun is a run with what only the hub reads of it.
type storedRun struct {
	Run
	userID  int64
	matches string
}

// Findings returns the runs of a package the caller may read, with rule
// counts, and the matches where the package's TLP allows the caller to read
// them: a report is authored by the reporting organization and addressed to
// the publisher, and policy.Decide rules on it as on any object. Reading the
// findings of an AMBER+STRICT or RED package is logged first, as Get is, and
// the entry's index returned.
func (s *Service) Findings(ctx context.Context, c auth.Caller, id string) ([]Run, uint64, error) {
	st, v, err := s.visibleOne(ctx, c, id)
	if err != nil {
		return nil, 0, err
	}
	runs, err := s.runs(ctx, v, id) // a member sees its own reports, the publisher and the center all
	if err != nil {
		return nil, 0, err
	}
	out := []Run{}
	for _, sr := range runs {
		r, matches := sr.Run, sr.matches
		acl := policy.ACL{TLP: st.tlp, AuthorOrg: r.OrgID, SubmitterUser: sr.userID, RecipientOrgs: []string{st.pkg.PublisherOrg}}
		if !policy.Decide(v, acl) {
			continue
		}
		if r.Rules, err = s.ruleTotals(ctx, []int64{r.ID}); err != nil {
			return nil, 0, err
		}
		for _, line := range strings.Split(strings.TrimSpace(matches), "\n") {
			if line != "" {
				r.Matches = append(r.Matches, json.RawMessage(line))
			}
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return out, 0, nil
	}
	idx, err := s.logRead(ctx, c, st, "/findings")
	if err != nil {
		return nil, 0, err
	}
	return out, idx, nil
}
