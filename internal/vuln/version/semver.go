package version

import (
	"errors"
	"strings"

	"github.com/Masterminds/semver/v3"
	npm "github.com/aquasecurity/go-npm-version/pkg"
	gosemver "golang.org/x/mod/semver"
)

// semverComparator follows Semantic Versioning 2.0.0 strictly: pre-releases
// sort before their release, identifiers compare numerically when numeric,
// and build metadata ("+build.5") never changes the order. A leading "v" is
// accepted because advisories and tags commonly carry one.
type semverComparator struct{ eco string }

func (c semverComparator) Ecosystem() string {
	if c.eco == "" {
		return SemVer
	}
	return c.eco
}

func parseSemver(v string) (*semver.Version, error) {
	return semver.StrictNewVersion(strings.TrimPrefix(v, "v"))
}

func (c semverComparator) Compare(a, b string) (int, error) {
	return compareParsed(c.Ecosystem(), a, b, parseSemver, func(x, y *semver.Version) int { return x.Compare(y) })
}

func (c semverComparator) Valid(v string) bool { _, err := parseSemver(v); return err == nil }

// goComparator orders Go module versions as the go command does
// (golang.org/x/mod/semver): pseudo-versions such as
// v0.0.0-20220314234659-1baeb1ce4c0b are pre-releases of the next version,
// and "+incompatible" is build metadata that does not change the order.
// OSV's Go ecosystem writes versions without the "v"; the standard library
// is published as "go1.21.3" in some feeds, so both prefixes are accepted.
type goComparator struct{}

func (goComparator) Ecosystem() string { return Go }

func canonicalGo(v string) (string, error) {
	s := v
	switch {
	case strings.HasPrefix(s, "go"):
		s = goToolchainSemver(strings.TrimPrefix(s, "go"))
	case !strings.HasPrefix(s, "v"):
		s = "v" + s
	}
	if !gosemver.IsValid(s) {
		return "", errors.New("not a Go module version")
	}
	return s, nil
}

// goToolchainSemver turns a Go release name (1.21, 1.21.3, 1.21rc2) into
// the semantic version the module system uses for it (v1.21.0, v1.21.3,
// v1.21.0-rc.2).
func goToolchainSemver(s string) string {
	pre := ""
	for _, tag := range []string{"rc", "beta", "alpha"} {
		if i := strings.Index(s, tag); i > 0 {
			pre = "-" + tag + "." + s[i+len(tag):]
			s = s[:i]
			break
		}
	}
	if strings.Count(s, ".") == 1 {
		s += ".0"
	}
	return "v" + s + pre
}

func (goComparator) Compare(a, b string) (int, error) {
	return compareParsed(Go, a, b, canonicalGo, gosemver.Compare)
}

func (goComparator) Valid(v string) bool { _, err := canonicalGo(v); return err == nil }

// npmComparator orders npm versions as node-semver does (SemVer 2.0.0 with
// a tolerated leading "v" or "="). Ranges such as "^1.2.3 || >=2.0.0 <2.1.0"
// are handled by NPMRange.
type npmComparator struct{}

func (npmComparator) Ecosystem() string { return NPM }

func parseNPM(v string) (npm.Version, error) { return npm.NewVersion(strings.TrimPrefix(v, "=")) }

func (npmComparator) Compare(a, b string) (int, error) {
	return compareParsed(NPM, a, b, parseNPM, func(x, y npm.Version) int { return x.Compare(y) })
}

func (npmComparator) Valid(v string) bool { _, err := parseNPM(v); return err == nil }

// NPMRange reports whether version v satisfies an npm range expression
// (node-semver syntax: ^, ~, x-ranges, hyphen ranges, ||). Following
// node-semver, a pre-release only satisfies a range that names a
// pre-release of the same major.minor.patch.
func NPMRange(rng, v string) (bool, error) {
	cs, err := semver.NewConstraint(rng)
	if err != nil {
		return false, fmtErr("npm range", rng, err)
	}
	ver, err := semver.NewVersion(strings.TrimPrefix(v, "="))
	if err != nil {
		return false, fmtErr("npm version", v, err)
	}
	return cs.Check(ver), nil
}
