// Package version compares package versions by the rules of each software
// ecosystem and evaluates OSV-style affected ranges over them.
//
// Every ecosystem orders versions its own way: Debian sorts "~" before the
// empty string, PEP 440 puts ".dev" releases before pre-releases, Maven knows
// that "1.0-alpha" < "1.0" < "1.0-sp1", RPM has "^" for post-release
// snapshots. Vulnerability ranges are only meaningful under the rules of the
// ecosystem that published them, so this package picks a Comparator by the
// OSV ecosystem name or the package-URL type and never falls back to a
// generic string comparison: a version it cannot parse is an error the
// caller reports. It must not know about advisories, SBOMs or the store.
package version

import (
	"fmt"
	"strings"
)

// Comparator orders two versions of one ecosystem.
type Comparator interface {
	// Ecosystem is the OSV name of the ecosystem whose rules apply.
	Ecosystem() string
	// Compare returns -1, 0 or +1 as a is older than, equal to or newer
	// than b, or an error naming the version that does not parse.
	Compare(a, b string) (int, error)
	// Valid reports whether v is a version of this ecosystem.
	Valid(v string) bool
}

// Ecosystem names as OSV spells them (https://ossf.github.io/osv-schema/#affectedpackage-field).
const (
	SemVer    = "SEMVER" // OSV range type for plain Semantic Versioning 2.0.0
	Go        = "Go"
	NPM       = "npm"
	PyPI      = "PyPI"
	Maven     = "Maven"
	Debian    = "Debian"
	Ubuntu    = "Ubuntu"
	RPM       = "RPM" // Red Hat, AlmaLinux, Rocky Linux, openSUSE, SUSE, Fedora
	Alpine    = "Alpine"
	NuGet     = "NuGet"
	RubyGems  = "RubyGems"
	Cargo     = "crates.io"
	Packagist = "Packagist"
	Hex       = "Hex"
	Pub       = "Pub"
)

var comparators = map[string]Comparator{
	SemVer:   semverComparator{},
	Go:       goComparator{},
	NPM:      npmComparator{},
	PyPI:     pep440Comparator{},
	Maven:    mavenComparator{},
	Debian:   debianComparator{eco: Debian},
	Ubuntu:   debianComparator{eco: Ubuntu},
	RPM:      rpmComparator{},
	Alpine:   alpineComparator{},
	NuGet:    nugetComparator{},
	RubyGems: gemComparator{},
	// These ecosystems publish Semantic Versioning 2.0.0 versions.
	Cargo:     semverComparator{eco: Cargo},
	Packagist: semverComparator{eco: Packagist},
	Hex:       semverComparator{eco: Hex},
	Pub:       semverComparator{eco: Pub},
}

// rpmFamilies are OSV ecosystems whose versions follow rpmvercmp.
var rpmFamilies = []string{"Red Hat", "AlmaLinux", "Rocky Linux", "openSUSE", "SUSE", "Fedora", "Mageia", "openEuler", "Azure Linux", "Wolfi", "Chainguard"}

// For returns the comparator for an OSV ecosystem name. OSV suffixes such as
// "Debian:12" or "Alpine:v3.20" select the same rules as the bare name.
func For(ecosystem string) (Comparator, error) {
	base, _, _ := strings.Cut(ecosystem, ":")
	if c, ok := comparators[base]; ok {
		return c, nil
	}
	for _, f := range rpmFamilies {
		if strings.EqualFold(base, f) {
			// Wolfi and Chainguard use apk versions, not rpm ones.
			if f == "Wolfi" || f == "Chainguard" {
				return alpineComparator{}, nil
			}
			return rpmComparator{}, nil
		}
	}
	return nil, fmt.Errorf("unknown ecosystem %q", ecosystem)
}

// purlTypes maps package-URL types (https://github.com/package-url/purl-spec)
// to the OSV ecosystem whose version rules apply.
var purlTypes = map[string]string{
	"golang":   Go,
	"npm":      NPM,
	"pypi":     PyPI,
	"maven":    Maven,
	"deb":      Debian,
	"rpm":      RPM,
	"apk":      Alpine,
	"nuget":    NuGet,
	"gem":      RubyGems,
	"cargo":    Cargo,
	"composer": Packagist,
	"hex":      Hex,
	"pub":      Pub,
}

// EcosystemOfPURLType returns the OSV ecosystem for a package-URL type, or ""
// when versions of that type have no known ordering (e.g. "generic").
func EcosystemOfPURLType(purlType string) string {
	return purlTypes[strings.ToLower(purlType)]
}

// Compare orders a and b under the rules of ecosystem.
func Compare(ecosystem, a, b string) (int, error) {
	c, err := For(ecosystem)
	if err != nil {
		return 0, err
	}
	return c.Compare(a, b)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// compareParsed parses both versions with parse and compares them with cmp,
// so that every comparator reports which side failed the same way.
func compareParsed[V any](eco, a, b string, parse func(string) (V, error), cmp func(V, V) int) (int, error) {
	va, err := parse(a)
	if err != nil {
		return 0, fmt.Errorf("%s version %q: %w", eco, a, err)
	}
	vb, err := parse(b)
	if err != nil {
		return 0, fmt.Errorf("%s version %q: %w", eco, b, err)
	}
	return sign(cmp(va, vb)), nil
}
