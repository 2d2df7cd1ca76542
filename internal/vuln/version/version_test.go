package version

import (
	"testing"
)

// compareCases are edge cases of each ecosystem's ordering; want is the
// sign of Compare(a, b).
var compareCases = []struct {
	name string
	eco  string
	a, b string
	want int
}{
	// Semantic Versioning 2.0.0 §11.
	{"semver pre-release before release", SemVer, "1.0.0-alpha", "1.0.0", -1},
	{"semver numeric identifiers numerically", SemVer, "1.0.0-alpha.2", "1.0.0-alpha.10", -1},
	{"semver numeric before alphanumeric", SemVer, "1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
	{"semver longer pre-release set is newer", SemVer, "1.0.0-alpha", "1.0.0-alpha.1", -1},
	{"semver rc before release", SemVer, "1.0.0-rc.1", "1.0.0", -1},
	{"semver build metadata ignored", SemVer, "1.0.0+build.1", "1.0.0+build.2", 0},
	{"semver leading v", SemVer, "v2.0.0", "2.0.0", 0},
	{"semver minor numeric", SemVer, "1.9.0", "1.10.0", -1},
	{"crates.io uses semver", Cargo, "0.9.9", "0.10.0", -1},

	// Go modules.
	{"go pseudo-version before release", Go, "0.0.0-20220314234659-1baeb1ce4c0b", "0.0.1", -1},
	{"go pseudo-version after earlier tag", Go, "v1.2.4-0.20220314234659-1baeb1ce4c0b", "v1.2.3", 1},
	{"go pseudo-version before its base", Go, "v1.2.4-0.20220314234659-1baeb1ce4c0b", "v1.2.4", -1},
	{"go pseudo-versions by time", Go, "v0.0.0-20210101000000-aaaaaaaaaaaa", "v0.0.0-20220101000000-000000000000", -1},
	{"go +incompatible is build metadata", Go, "v2.0.0+incompatible", "2.0.0", 0},
	{"go incompatible ordered by version", Go, "v2.1.0+incompatible", "v2.0.5+incompatible", 1},
	{"go stdlib release names", Go, "go1.21.3", "1.21.10", -1},
	{"go stdlib rc before release", Go, "go1.22rc1", "go1.22", -1},

	// npm.
	{"npm pre-release", NPM, "1.2.3-beta.2", "1.2.3-beta.11", -1},
	{"npm build ignored", NPM, "1.2.3+a", "1.2.3", 0},

	// PEP 440.
	{"pep440 dev before pre", PyPI, "1.0.dev1", "1.0a1", -1},
	{"pep440 alpha before beta", PyPI, "1.0a2", "1.0b1", -1},
	{"pep440 rc before release", PyPI, "1.0rc1", "1.0", -1},
	{"pep440 post after release", PyPI, "1.0.post1", "1.0", 1},
	{"pep440 pre-release dev before pre-release", PyPI, "1.0a1.dev1", "1.0a1", -1},
	{"pep440 post dev before post", PyPI, "1.0.post1.dev1", "1.0.post1", -1},
	{"pep440 epoch wins", PyPI, "1!0.1", "2000.0", 1},
	{"pep440 local after public", PyPI, "1.0+ubuntu1", "1.0", 1},
	{"pep440 implicit zeros", PyPI, "1.0", "1.0.0", 0},
	{"pep440 normalized spelling", PyPI, "1.0-alpha1", "1.0a1", 0},
	{"pep440 c is rc", PyPI, "1.0c1", "1.0rc1", 0},

	// Maven ComparableVersion.
	{"maven alpha before beta", Maven, "1.0-alpha-1", "1.0-beta-1", -1},
	{"maven beta before milestone", Maven, "1.0-beta", "1.0-milestone", -1},
	{"maven milestone before rc", Maven, "1.0-M1", "1.0-RC1", -1},
	{"maven rc before snapshot", Maven, "1.0-rc1", "1.0-SNAPSHOT", -1},
	{"maven snapshot before release", Maven, "1.0-SNAPSHOT", "1.0", -1},
	{"maven release equals ga", Maven, "1.0", "1.0-ga", 0},
	{"maven final equals release", Maven, "1.0.Final", "1.0", 0},
	{"maven sp after release", Maven, "1.0", "1.0-sp1", -1},
	{"maven numeric padding", Maven, "1", "1.0.0", 0},
	{"maven numbers numerically", Maven, "1.9", "1.10", -1},
	{"maven cr equals rc", Maven, "1.0-cr1", "1.0-rc1", 0},

	// Debian policy 5.6.12.
	{"debian tilde before release", Debian, "1.0~rc1", "1.0", -1},
	{"debian tilde before tilde-less pre", Debian, "1.0~~", "1.0~", -1},
	{"debian epoch wins", Debian, "1:0.1", "2.0", 1},
	{"debian revision compared", Debian, "2.30-1", "2.30-10", -1},
	{"debian security revision", Debian, "1.1.1n-0+deb11u5", "1.1.1n-0+deb11u4", 1},
	{"debian letters before non-letters", Debian, "1.0a", "1.0+", -1},
	{"debian ubuntu same rules", Ubuntu, "2.34-0ubuntu3.2", "2.34-0ubuntu3.10", -1},

	// rpmvercmp.
	{"rpm tilde pre-release", RPM, "1.0~rc1-1", "1.0-1", -1},
	{"rpm caret post-release", RPM, "1.0^git1-1", "1.0-1", 1},
	{"rpm caret before next segment", RPM, "1.0^git1", "1.0.1", -1},
	{"rpm epoch wins", RPM, "1:1.0-1", "2.0-1", 1},
	{"rpm digits newer than letters", RPM, "1.0a", "1.01", -1},
	{"rpm leading zeros", RPM, "1.001", "1.1", 0},
	{"rpm release compared", RPM, "3.0.7-16.el9_2", "3.0.7-24.el9", -1},
	{"red hat family uses rpm", "Red Hat", "0:1.2-3", "1.2-3", 0},

	// apk-tools.
	{"alpine alpha before release", Alpine, "1.0_alpha1", "1.0", -1},
	{"alpine rc before release", Alpine, "1.0_rc1", "1.0", -1},
	{"alpine p after release", Alpine, "1.0_p1", "1.0", 1},
	{"alpine revision", Alpine, "1.0-r2", "1.0-r10", -1},
	{"alpine letter suffix", Alpine, "1.0a", "1.0b", -1},
	{"alpine release suffix", "Alpine:v3.20", "3.1.4-r5", "3.1.4-r6", -1},

	// NuGet.
	{"nuget four parts", NuGet, "1.0.0.1", "1.0.0", 1},
	{"nuget padding", NuGet, "1.0", "1.0.0.0", 0},
	{"nuget leading zeros", NuGet, "01.02", "1.2", 0},
	{"nuget case-insensitive pre-release", NuGet, "1.0.0-Beta", "1.0.0-beta", 0},
	{"nuget pre-release before release", NuGet, "1.0.0-rc.1", "1.0.0", -1},
	{"nuget numeric pre-release identifiers", NuGet, "1.0.0-rc.2", "1.0.0-rc.10", -1},
	{"nuget metadata ignored", NuGet, "1.0.0+abc", "1.0.0+def", 0},

	// RubyGems.
	{"gem prerelease letter segment", RubyGems, "1.0.a", "1.0", -1},
	{"gem rc before release", RubyGems, "6.1.0.rc1", "6.1.0", -1},
	{"gem trailing zeros", RubyGems, "1.0", "1", 0},
	{"gem numeric segments", RubyGems, "1.10", "1.9", 1},
}

func TestCompareEdgeCases(t *testing.T) {
	for _, tc := range compareCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Compare(tc.eco, tc.a, tc.b)
			if err != nil {
				t.Fatalf("Compare(%s, %q, %q): %v", tc.eco, tc.a, tc.b, err)
			}
			if got != tc.want {
				t.Errorf("Compare(%s, %q, %q) = %d, want %d", tc.eco, tc.a, tc.b, got, tc.want)
			}
			back, err := Compare(tc.eco, tc.b, tc.a)
			if err != nil || back != -tc.want {
				t.Errorf("Compare(%s, %q, %q) = %d, %v; not antisymmetric", tc.eco, tc.b, tc.a, back, err)
			}
		})
	}
}

func TestInvalidVersionsAreErrors(t *testing.T) {
	cases := []struct {
		name, eco, v string
	}{
		{"semver missing patch", SemVer, "1.2"},
		{"semver leading zero", SemVer, "01.2.3"},
		{"go not semver", Go, "latest"},
		{"pypi garbage", PyPI, "not a version"},
		{"maven empty", Maven, ""},
		{"debian upstream must start with digit", Debian, "a1.0"},
		{"rpm bad epoch", RPM, "x:1.0"},
		{"alpine bad suffix", Alpine, "1.0_foo"},
		{"nuget five parts", NuGet, "1.2.3.4.5"},
		{"nuget empty pre-release", NuGet, "1.0.0-"},
		{"npm garbage", NPM, "one.two"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := For(tc.eco)
			if err != nil {
				t.Fatal(err)
			}
			if c.Valid(tc.v) {
				t.Errorf("%s accepts %q", tc.eco, tc.v)
			}
			if _, err := c.Compare(tc.v, "1.0.0"); err == nil {
				t.Errorf("%s Compare(%q) gave no error", tc.eco, tc.v)
			}
		})
	}
}

func TestUnknownEcosystem(t *testing.T) {
	if _, err := For("Cobol"); err == nil {
		t.Fatal("For(Cobol) succeeded")
	}
	if got := EcosystemOfPURLType("generic"); got != "" {
		t.Fatalf("generic purl type maps to %q", got)
	}
	if got := EcosystemOfPURLType("deb"); got != Debian {
		t.Fatalf("deb purl type maps to %q", got)
	}
}

func TestNPMRange(t *testing.T) {
	cases := []struct {
		name, rng, v string
		want         bool
	}{
		{"caret inside", "^1.2.3", "1.9.0", true},
		{"caret excludes next major", "^1.2.3", "2.0.0", false},
		{"caret zero major pins minor", "^0.2.3", "0.3.0", false},
		{"tilde allows patch", "~1.2.3", "1.2.9", true},
		{"tilde excludes minor", "~1.2.3", "1.3.0", false},
		{"or ranges", "<1.0.0 || >=2.0.0 <2.1.0", "2.0.5", true},
		{"hyphen range", "1.0.0 - 1.5.0", "1.5.0", true},
		{"pre-release excluded by default", ">=1.0.0", "2.0.0-beta.1", false},
		{"pre-release of named tuple", ">=1.0.0-beta.1 <1.0.0", "1.0.0-beta.2", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NPMRange(tc.rng, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("NPMRange(%q, %q) = %v, want %v", tc.rng, tc.v, got, tc.want)
			}
		})
	}
}
