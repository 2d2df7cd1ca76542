package huntpkg_test

import (
	"context"
	"testing"

	"renkei/internal/auth"
	"renkei/internal/huntpkg"
	"renkei/internal/store/storetest"
)

// TestStoryStep4: a package goes to the energy and water sectors, three
// members run it and report back, and the center sees full coverage.
func TestStoryStep4(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, kind)
			var runners []auth.Caller
			for _, login := range []string{"water", "power", "grid"} {
				c, err := huntpkg.CallerOf(ctx, w.h.DB, login)
				if err != nil {
					t.Fatal(err)
				}
				runners = append(runners, c)
			}
			res, err := w.svc.Story(ctx, w.callers["center"], runners, 20000)
			if err != nil {
				t.Fatal(err)
			}
			if res.Alerted != 3 || len(res.Runs) != 3 {
				t.Fatalf("alerted %d, runs %d", res.Alerted, len(res.Runs))
			}
			for _, r := range res.Runs {
				if r.Events != 20000 || r.Hits == 0 {
					t.Errorf("%s: %d events, %d hits", r.OrgName, r.Events, r.Hits)
				}
			}
			if res.Runs[0].MatchCount == 0 || res.Runs[1].MatchCount != 0 {
				t.Errorf("only the first runner sends matches: %d, %d", res.Runs[0].MatchCount, res.Runs[1].MatchCount)
			}
			cov, err := w.svc.Coverage(ctx, w.callers["center"], res.Package.ID)
			if err != nil {
				t.Fatal(err)
			}
			if cov.InScope != 3 || cov.Ran != 3 || cov.NotRan != 0 || len(cov.Rules) != 4 {
				t.Fatalf("coverage %d/%d, rules %+v", cov.Ran, cov.InScope, cov.Rules)
			}
			if n := len(w.alerts(t, "center", "hunt-findings")); n != 3 {
				t.Fatalf("center got %d findings alerts, want 3", n)
			}
		})
	}
}
