package sigma

import (
	"testing"

	"renkei/internal/corpora"
)

// TestLoadSigmaHQWindowsRules loads and compiles every SigmaHQ Windows rule
// and lists those that fail with their reasons.
func TestLoadSigmaHQWindowsRules(t *testing.T) {
	dir := corpora.Path(t, "sigma/rules/windows")
	rules, errs := LoadPaths([]string{dir})
	f := NewFields()
	compiled := 0
	for _, r := range rules {
		if r.Detection == nil {
			continue
		}
		if _, err := Compile(r, CompileOptions{Fields: f}); err != nil {
			errs = append(errs, &LoadError{Path: r.Path, ID: r.ID, Reason: err.Error()})
			continue
		}
		compiled++
	}
	for _, e := range errs {
		t.Logf("not loaded: %v", e)
	}
	t.Logf("%d documents parsed, %d compiled, %d not loaded, %d fields", len(rules), compiled, len(errs), f.Len())
	if compiled+len(errs) < 2407 {
		t.Errorf("only %d rules accounted for, want 2407", compiled+len(errs))
	}
	if len(errs) > 0 {
		t.Errorf("%d rules not loaded", len(errs))
	}
}

// TestSpecificationExamples parses every example rule, correlation and filter
// of the Sigma specification's schema tests.
func TestSpecificationExamples(t *testing.T) {
	dir := corpora.Path(t, "sigma-specification/tests/schema")
	rules, errs := LoadPaths([]string{dir})
	for _, e := range errs {
		t.Errorf("not loaded: %v", e)
	}
	var corr, filt, det int
	for _, r := range rules {
		switch {
		case r.Correlation != nil:
			corr++
		case r.Filter != nil:
			filt++
		default:
			det++
			if _, err := Compile(r, CompileOptions{}); err != nil {
				t.Errorf("%s: %v", r.Path, err)
			}
		}
	}
	if corr != 8 || filt != 2 || det != 2 {
		t.Errorf("got %d correlations, %d filters, %d rules; want 8, 2, 2", corr, filt, det)
	}
}
