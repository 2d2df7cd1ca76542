package huntpkg

import (
	"slices"
	"testing"
)

// The generated indicator documents keep their ids across releases: members
// running different versions report hits under the same rule ids, and
// reports already stored name them.
func TestIndicatorRuleIDsStable(t *testing.T) {
	got := indicatorRuleIDs("pkg-2026-0001")
	want := []string{"5372f48d-e93f-5eb7-a066-7b1960280bfc", "54f0bf9a-aa88-59b8-809e-d099fd7d4fa7", "4343bb5b-cca7-57c1-a1dc-f3057fb336e5"}
	if !slices.Equal(got[:len(want)], want) {
		t.Errorf("ids changed:\n got %q\nwant %q", got, want)
	}
}
