package version

import "testing"

func TestRangeContains(t *testing.T) {
	intro := func(v string) Event { return Event{Introduced: v} }
	fixed := func(v string) Event { return Event{Fixed: v} }
	last := func(v string) Event { return Event{LastAffected: v} }
	limit := func(v string) Event { return Event{Limit: v} }
	cases := []struct {
		name   string
		eco    string
		events []Event
		v      string
		want   bool
	}{
		{"introduced zero covers the oldest", SemVer, []Event{intro("0"), fixed("1.2.0")}, "0.0.1", true},
		{"fixed version itself is not affected", SemVer, []Event{intro("1.0.0"), fixed("1.2.0")}, "1.2.0", false},
		{"introduced version itself is affected", SemVer, []Event{intro("1.0.0"), fixed("1.2.0")}, "1.0.0", true},
		{"below introduced", SemVer, []Event{intro("1.0.0"), fixed("1.2.0")}, "0.9.9", false},
		{"pre-release of the fix is still affected", SemVer, []Event{intro("1.0.0"), fixed("1.2.0")}, "1.2.0-rc.1", true},
		{"last_affected is affected", SemVer, []Event{intro("1.0.0"), last("1.1.5")}, "1.1.5", true},
		{"after last_affected", SemVer, []Event{intro("1.0.0"), last("1.1.5")}, "1.1.6", false},
		{"reintroduced after a fix", SemVer, []Event{intro("1.0.0"), fixed("1.1.0"), intro("2.0.0"), fixed("2.0.3")}, "2.0.1", true},
		{"between two affected spans", SemVer, []Event{intro("1.0.0"), fixed("1.1.0"), intro("2.0.0"), fixed("2.0.3")}, "1.5.0", false},
		{"events out of order are sorted", SemVer, []Event{fixed("2.0.3"), intro("2.0.0"), fixed("1.1.0"), intro("1.0.0")}, "1.0.5", true},
		{"open range with no fix", SemVer, []Event{intro("3.0.0")}, "9.9.9", true},
		{"limit caps an open range", SemVer, []Event{intro("0"), limit("2.0.0")}, "2.0.0", false},
		{"below limit", SemVer, []Event{intro("0"), limit("2.0.0")}, "1.9.9", true},
		{"limit star is unbounded", SemVer, []Event{intro("1.0.0"), limit("*")}, "7.0.0", true},
		{"introduced equals fixed is empty", SemVer, []Event{intro("1.0.0"), fixed("1.0.0")}, "1.0.0", false},
		{"debian epoch inside range", Debian, []Event{intro("0"), fixed("1:1.2-1")}, "2.0-1", true},
		{"debian tilde pre-release before fix", Debian, []Event{intro("0"), fixed("1.2-1")}, "1.2~rc1-1", true},
		{"pypi post release is fixed", PyPI, []Event{intro("0"), fixed("2.0.post1")}, "2.0.post1", false},
		{"pypi dev of fix is affected", PyPI, []Event{intro("0"), fixed("2.0")}, "2.0.dev3", true},
		{"pypi local of affected", PyPI, []Event{intro("1.0"), fixed("2.0")}, "1.5+ubuntu1", true},
		{"maven snapshot of fix is affected", Maven, []Event{intro("0"), fixed("2.17.1")}, "2.17.1-SNAPSHOT", true},
		{"maven sp after fix", Maven, []Event{intro("0"), fixed("2.17.1")}, "2.17.1-sp1", false},
		{"go pseudo-version before fix", Go, []Event{intro("0"), fixed("0.0.0-20220315000000-aaaaaaaaaaaa")}, "0.0.0-20220101000000-bbbbbbbbbbbb", true},
		{"go incompatible at fix", Go, []Event{intro("2.0.0+incompatible"), fixed("2.3.0+incompatible")}, "2.3.0+incompatible", false},
		{"rpm caret build after fix", RPM, []Event{intro("0"), fixed("1.0-1")}, "1.0^20230101-1", false},
		{"alpine revision fix", Alpine, []Event{intro("0"), fixed("3.1.4-r6")}, "3.1.4-r5", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := For(tc.eco)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Range{Type: "ECOSYSTEM", Events: tc.events}.Contains(c, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Contains(%q) = %v, want %v", tc.v, got, tc.want)
			}
		})
	}
}

func TestRangeErrors(t *testing.T) {
	c, _ := For(SemVer)
	if _, err := (Range{Type: "GIT", Events: []Event{{Introduced: "abc"}}}).Contains(c, "1.0.0"); err != ErrGitRange {
		t.Errorf("GIT range: err = %v", err)
	}
	if _, err := (Range{Type: "SEMVER", Events: []Event{{Introduced: "x.y"}}}).Contains(c, "1.0.0"); err == nil {
		t.Error("bad event version gave no error")
	}
	if _, err := (Range{Type: "SEMVER", Events: []Event{{Introduced: "0"}}}).Contains(c, "banana"); err == nil {
		t.Error("bad subject version gave no error")
	}
}

func TestFixedAfter(t *testing.T) {
	c, _ := For(SemVer)
	r := Range{Type: "SEMVER", Events: []Event{{Introduced: "1.0.0"}, {Fixed: "1.1.0"}, {Introduced: "2.0.0"}, {Fixed: "2.0.3"}}}
	if got := r.FixedAfter(c, "2.0.1"); got != "2.0.3" {
		t.Errorf("FixedAfter(2.0.1) = %q", got)
	}
	if got := r.FixedAfter(c, "1.0.1"); got != "1.1.0" {
		t.Errorf("FixedAfter(1.0.1) = %q", got)
	}
}
