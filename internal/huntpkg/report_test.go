package huntpkg_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"renkei/internal/hunt"
	"renkei/internal/huntpkg"
	"renkei/internal/problem"
	"renkei/internal/store/storetest"
)

// TestReportCoverageAndFindings runs a published package for real on
// synthetic Windows events at two members and checks what the publisher and
// each member then see.
func TestReportCoverageAndFindings(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, kind)
			pub, err := w.svc.Publish(ctx, w.callers["center"], huntpkg.PublishRequest{
				Title: "Credential theft", TLP: "amber+strict", Rules: storyRules(t), Indicators: []string{"203.0.113.7"},
				Scope: []huntpkg.ScopeEntry{{Kind: "sector", Value: "energy"}, {Kind: "org", Value: "Water Works"}, {Kind: "org", Value: w.h.Center().Name}},
			})
			if err != nil {
				t.Fatal(err)
			}
			id := pub.Package.ID
			// Fetch as a member would, verify, and run on 20,000 synthetic events.
			_, signed, _, err := w.svc.Get(ctx, w.callers["power"], id)
			if err != nil {
				t.Fatal(err)
			}
			keys, err := w.svc.Keys()
			if err != nil {
				t.Fatal(err)
			}
			p, err := huntpkg.Verify(signed, keys.VerifierKey)
			if err != nil {
				t.Fatal(err)
			}
			lr := runSynthetic(t, p, 20000, true)
			var byRule = map[string]int64{}
			for _, rh := range lr.Report.Rules {
				byRule[rh.RuleID] = rh.Hits
			}
			if byRule["0f6a5b8e-1c7e-4d5e-9c1a-7e2b3c4d5e6f"] == 0 || byRule[huntpkg.IndicatorRuleID] == 0 || len(lr.Report.Matches) == 0 {
				t.Fatalf("the synthetic tradecraft must hit the rule and the indicator: %+v", lr.Report.Rules)
			}
			run, err := w.svc.Report(ctx, w.callers["power"], id, lr.Report)
			if err != nil {
				t.Fatal(err)
			}
			if run.Events != 20000 || run.Hits != byRule["0f6a5b8e-1c7e-4d5e-9c1a-7e2b3c4d5e6f"]+byRule[huntpkg.IndicatorRuleID] {
				t.Fatalf("stored run %+v", run)
			}
			quiet := lr.Report
			quiet.Rules = []huntpkg.RuleHits{{RuleID: huntpkg.IndicatorRuleID, Title: "Indicator sweep", Hits: 0}}
			quiet.Matches = nil
			if _, err := w.svc.Report(ctx, w.callers["water"], id, quiet); err != nil {
				t.Fatal(err)
			}

			for _, tc := range []struct {
				name  string
				login string
				req   huntpkg.ReportRequest
				field string
			}{
				{"unknown rule", "grid", huntpkg.ReportRequest{Rules: []huntpkg.RuleHits{{RuleID: "nope", Hits: 1}}}, "rules"},
				{"counted twice", "grid", huntpkg.ReportRequest{Rules: []huntpkg.RuleHits{{RuleID: "indicators"}, {RuleID: "indicators"}}}, "rules"},
				{"negative", "grid", huntpkg.ReportRequest{Events: -1}, "events"},
				{"future", "grid", huntpkg.ReportRequest{RanAt: time.Now().Add(time.Hour)}, "ran_at"},
				{"match not an object", "grid", huntpkg.ReportRequest{Matches: []json.RawMessage{json.RawMessage(`[1]`)}}, "matches"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, err := w.svc.Report(ctx, w.callers[tc.login], id, tc.req)
					var fe problem.Problems
					if !errors.As(err, &fe) || fe[0].Field != tc.field {
						t.Fatalf("want a %s error, got %v", tc.field, err)
					}
				})
			}
			if _, err := w.svc.Report(ctx, w.callers["hospital"], id, quiet); err == nil {
				t.Fatal("an organization out of scope reported a run")
			}

			cov, err := w.svc.Coverage(ctx, w.callers["center"], id)
			if err != nil {
				t.Fatal(err)
			}
			if cov.InScope != 3 || cov.Ran != 2 || cov.NotRan != 1 || cov.Events != 40000 || cov.Hits != run.Hits {
				t.Fatalf("coverage: in scope %d ran %d not ran %d events %d hits %d", cov.InScope, cov.Ran, cov.NotRan, cov.Events, cov.Hits)
			}
			if cov.Orgs[0].Name != "Power Co" || !cov.Orgs[0].Ran || cov.Orgs[2].Name != "Grid Co" || cov.Orgs[2].Ran {
				t.Fatalf("coverage order (ran first, then not ran): %+v", cov.Orgs)
			}
			if _, err := w.svc.Coverage(ctx, w.callers["power"], id); !errors.Is(err, huntpkg.ErrNotAllowed) {
				t.Fatalf("a member reads coverage: %v", err)
			}
			if a := w.alerts(t, "center", "hunt-findings"); len(a) != 1 || !strings.Contains(a[0].Title, "Power Co") {
				t.Fatalf("publisher alerts: %+v", a)
			}

			// Findings under AMBER+STRICT: the publisher (addressed) and the
			// reporter see matches; another member in scope sees none of them.
			for _, tc := range []struct {
				login       string
				runs        int
				withMatches int
			}{{"center", 2, 1}, {"power", 1, 1}, {"grid", 0, 0}} {
				runs, _, err := w.svc.Findings(ctx, w.callers[tc.login], id)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, r := range runs {
					if len(r.Matches) > 0 {
						n++
					}
				}
				if len(runs) != tc.runs || n != tc.withMatches {
					t.Errorf("%s: %d runs, %d with matches; want %d, %d", tc.login, len(runs), n, tc.runs, tc.withMatches)
				}
			}
		})
	}
}

func runSynthetic(t *testing.T, p *huntpkg.Package, n int, keep bool) *huntpkg.LocalRun {
	t.Helper()
	dir := t.TempDir()
	path := dir + "/events.jsonl"
	f, err := createFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := hunt.WriteSyntheticEvents(f, n, 7); err != nil {
		t.Fatal(err)
	}
	f.Close()
	e, err := p.Engine(hunt.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inputs, _, errs := hunt.ListInputs([]string{path})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	lr, err := p.RunLocal(context.Background(), e, inputs, hunt.RunOptions{Workers: 2}, keep, nil)
	if err != nil {
		t.Fatal(err)
	}
	return lr
}
