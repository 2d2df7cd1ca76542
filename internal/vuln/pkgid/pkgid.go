// Package pkgid turns the many ways documents name a software product —
// package URLs, OSV ecosystem/name pairs, CPE 2.2 and 2.3 names, free-text
// vendor and product — into the keys the vulnerability engine matches on.
//
// Matching rests on package URLs: a key is the purl type, namespace and name
// normalized as the purl specification says for that type, so that
// "pkg:pypi/Django_REST" and the OSV package "PyPI/django-rest" meet. CPE
// keys carry vendor and product only, and a wildcard or empty vendor yields
// no key at all: matching on product name alone is how scanners drown their
// users in false positives. Nothing here compares versions.
package pkgid

import (
	"errors"
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"

	"renkei/internal/vuln/version"
)

// Key identifies a package or product regardless of its version:
// "purl:<type>/<namespace>/<name>" or "cpe:<vendor>:<product>".
type Key string

// IsCPE reports whether the key came from a CPE or vendor/product pair.
func (k Key) IsCPE() bool { return strings.HasPrefix(string(k), "cpe:") }

// Package is a parsed package URL with its matching key and the OSV
// ecosystem whose version rules apply ("" when unknown, e.g. pkg:generic).
type Package struct {
	Key       Key
	Type      string
	Namespace string
	Name      string
	Version   string
	Ecosystem string
	Distro    string // the "distro" qualifier of deb/rpm/apk purls, e.g. "bookworm"
}

// ParsePURL parses a package URL.
func ParsePURL(s string) (Package, error) {
	p, err := packageurl.FromString(s)
	if err != nil {
		return Package{}, fmt.Errorf("purl %q: %w", s, err)
	}
	if p.Name == "" {
		return Package{}, fmt.Errorf("purl %q: no name", s)
	}
	typ := strings.ToLower(p.Type)
	ns, name := normalize(typ, p.Namespace, p.Name)
	pkg := Package{
		Type: typ, Namespace: ns, Name: name, Version: p.Version,
		Ecosystem: version.EcosystemOfPURLType(typ),
		Key:       purlKey(typ, ns, name),
	}
	for _, q := range p.Qualifiers {
		if q.Key == "distro" {
			pkg.Distro = q.Value
		}
	}
	return pkg, nil
}

func purlKey(typ, ns, name string) Key {
	if ns == "" {
		return Key("purl:" + typ + "/" + name)
	}
	return Key("purl:" + typ + "/" + ns + "/" + name)
}

// normalize applies the purl specification's per-type rules: case-folding
// for types whose registries are case-insensitive, and PEP 503 name
// normalization for PyPI.
func normalize(typ, ns, name string) (string, string) {
	switch typ {
	case "pypi":
		name = strings.ToLower(name)
		name = strings.NewReplacer("_", "-", ".", "-").Replace(name)
	case "npm", "github", "bitbucket", "composer", "deb", "apk", "nuget", "hex", "cargo", "pub":
		ns, name = strings.ToLower(ns), strings.ToLower(name)
	case "golang":
		// Go module paths are case-sensitive but hosts are not.
	}
	return ns, name
}

// osvTypes maps OSV ecosystem names (without ":suffix") to purl types and
// namespaces.
var osvTypes = map[string][2]string{
	"Go": {"golang", ""}, "npm": {"npm", ""}, "PyPI": {"pypi", ""}, "Maven": {"maven", ""},
	"Debian": {"deb", "debian"}, "Ubuntu": {"deb", "ubuntu"}, "Alpine": {"apk", "alpine"},
	"NuGet": {"nuget", ""}, "RubyGems": {"gem", ""}, "crates.io": {"cargo", ""},
	"Packagist": {"composer", ""}, "Hex": {"hex", ""}, "Pub": {"pub", ""},
	"Red Hat": {"rpm", "redhat"}, "AlmaLinux": {"rpm", "almalinux"}, "Rocky Linux": {"rpm", "rocky-linux"},
	"openSUSE": {"rpm", "opensuse"}, "SUSE": {"rpm", "suse"}, "Wolfi": {"apk", "wolfi"}, "Chainguard": {"apk", "chainguard"},
}

// FromOSV returns the package for an OSV affected.package ecosystem and
// name: "Maven" + "org.apache.logging.log4j:log4j-core" becomes
// pkg:maven/org.apache.logging.log4j/log4j-core.
func FromOSV(ecosystem, name string) (Package, error) {
	base, _, _ := strings.Cut(ecosystem, ":")
	t, ok := osvTypes[base]
	if !ok {
		return Package{}, fmt.Errorf("ecosystem %q has no package-URL type", ecosystem)
	}
	if name == "" {
		return Package{}, errors.New("empty package name")
	}
	typ, ns := t[0], t[1]
	switch typ {
	case "maven":
		g, a, ok := strings.Cut(name, ":")
		if !ok {
			return Package{}, fmt.Errorf("maven package %q is not group:artifact", name)
		}
		ns, name = g, a
	case "golang", "npm", "composer":
		if i := strings.LastIndex(name, "/"); i > 0 {
			ns, name = name[:i], name[i+1:]
		}
	}
	ns, name = normalize(typ, ns, name)
	eco := version.EcosystemOfPURLType(typ)
	if c, err := version.For(ecosystem); err == nil {
		eco = c.Ecosystem()
	}
	return Package{Key: purlKey(typ, ns, name), Type: typ, Namespace: ns, Name: name, Ecosystem: eco}, nil
}
