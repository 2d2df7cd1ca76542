package hunt

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"renkei/internal/corpora"
	"renkei/internal/sigma"
)

type regressionTest struct {
	RulePath   string `json:"rule_path"`
	RuleID     string `json:"rule_id"`
	Title      string `json:"title"`
	EVTX       string `json:"evtx"`
	JSON       string `json:"json_sidecar"`
	MatchCount *int   `json:"match_count"`
}

func loadManifest(t *testing.T) (string, []regressionTest) {
	t.Helper()
	root := corpora.Path(t, "sigma")
	data, err := os.ReadFile(filepath.Join(root, "regression-manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Tests []regressionTest `json:"tests"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Tests) == 0 {
		t.Fatal("manifest lists no tests")
	}
	return root, m.Tests
}

// countMatches runs the engine over one input and counts matches of ruleID.
func countMatches(t *testing.T, e *Engine, path, ruleID string) (int, *Summary) {
	t.Helper()
	inputs, _, errs := ListInputs([]string{path})
	if len(errs) > 0 {
		t.Fatalf("list %s: %v", path, errs)
	}
	n := 0
	sum, err := e.Run(context.Background(), inputs, RunOptions{Workers: 2}, func(m *Match) {
		if m.RuleID == ruleID {
			n++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, sum
}

// TestSigmaRegression runs every SigmaHQ regression test in the manifest:
// the rule alone over its EVTX and over its JSON sidecar, with and without
// the prefilter. match_count is a minimum; without it, one match is needed.
func TestSigmaRegression(t *testing.T) {
	root, tests := loadManifest(t)
	passed := 0
	for _, tc := range tests {
		t.Run(filepath.Base(tc.RulePath), func(t *testing.T) {
			want := 1
			if tc.MatchCount != nil {
				want = *tc.MatchCount
			}
			rules, errs := sigma.ParseFile(filepath.Join(root, tc.RulePath))
			if len(errs) > 0 {
				t.Fatalf("rule does not load: %v", errs[0])
			}
			for _, noPrefilter := range []bool{false, true} {
				e, err := NewEngine(rules, nil, EngineOptions{NoPrefilt: noPrefilter})
				if err != nil {
					t.Fatal(err)
				}
				if len(e.NotLoaded) > 0 {
					t.Fatalf("rule not loaded: %v", e.NotLoaded[0])
				}
				for _, in := range []string{tc.EVTX, tc.JSON} {
					got, sum := countMatches(t, e, filepath.Join(root, in), tc.RuleID)
					if got < want {
						t.Errorf("%s (prefilter off: %v): %d matches of %s, want at least %d (events read %d, read errors %v)",
							in, noPrefilter, got, tc.RuleID, want, sum.Events, sum.ReadErrors)
					}
				}
			}
		})
		if !t.Failed() {
			passed++
		}
	}
	t.Logf("%d of %d regression tests run", len(tests), len(tests))
}

// TestSigmaRegressionAllRules loads all SigmaHQ Windows rules (plus the
// manifest's rules from other folders) into one engine, as a real hunt does,
// and runs it once over every regression EVTX: routing and the prefilter
// must not lose any expected match.
func TestSigmaRegressionAllRules(t *testing.T) {
	root, tests := loadManifest(t)
	paths := []string{filepath.Join(root, "rules", "windows")}
	for _, tc := range tests {
		if !strings.HasPrefix(tc.RulePath, "rules/windows/") {
			paths = append(paths, filepath.Join(root, tc.RulePath))
		}
	}
	e, err := LoadEngine(paths, EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(e.Describe())
	var files []string
	for _, tc := range tests {
		files = append(files, filepath.Join(root, tc.EVTX))
	}
	inputs, _, errs := ListInputs(files)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := map[string]int{} // rule id + file
	sum, err := e.Run(context.Background(), inputs, RunOptions{}, func(m *Match) {
		got[m.RuleID+" "+m.File]++
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events, %d matches, %d rule evaluations after routing and prefilter, %v", sum.Events, sum.Matches, sum.Evaluated, sum.Duration)
	for _, tc := range tests {
		want := 1
		if tc.MatchCount != nil {
			want = *tc.MatchCount
		}
		if n := got[tc.RuleID+" "+filepath.Join(root, tc.EVTX)]; n < want {
			t.Errorf("%s: %d matches of %s, want at least %d", tc.EVTX, n, tc.RuleID, want)
		}
	}
}
