package pkgid

import (
	"regexp"
	"strings"
)

// Distribution releases: a Debian advisory for bookworm says nothing about
// the same version string in bullseye, where the fix may carry another
// revision. OSV names the release in the ecosystem ("Debian:12",
// "Ubuntu:22.04:LTS", "Alpine:v3.18"); purls in the distro qualifier
// ("bookworm", "debian-12", "ubuntu-22.04", "alpine-3.18.4").

var codenames = map[string]string{
	// Debian
	"stretch": "9", "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
	// Ubuntu
	"xenial": "16.04", "bionic": "18.04", "focal": "20.04", "jammy": "22.04", "noble": "24.04", "oracular": "24.10", "plucky": "25.04",
}

var releaseNumber = regexp.MustCompile(`\d+(\.\d+)?`)

// ReleaseOfEcosystem returns the distribution and release an OSV ecosystem
// names ("debian", "12"), or "" when it names none.
func ReleaseOfEcosystem(ecosystem string) (distro, release string) {
	parts := strings.Split(ecosystem, ":")
	if len(parts) < 2 {
		return "", ""
	}
	d := strings.ToLower(parts[0])
	switch d {
	case "debian", "ubuntu", "alpine":
	default:
		return "", ""
	}
	for _, p := range parts[1:] {
		if m := releaseNumber.FindString(p); m != "" {
			return d, majorMinor(d, m)
		}
	}
	return "", ""
}

// ReleaseOfQualifier reads a purl distro qualifier into the release it
// names, for the distribution of the purl's namespace; "" when it cannot
// tell.
func ReleaseOfQualifier(namespace, qualifier string) (distro, release string) {
	d := strings.ToLower(namespace)
	q := strings.ToLower(strings.TrimSpace(qualifier))
	if q == "" {
		return "", ""
	}
	if r, ok := codenames[q]; ok {
		return d, r
	}
	q = strings.TrimPrefix(q, d+"-")
	if m := releaseNumber.FindString(q); m != "" && strings.HasPrefix(q, m[:1]) {
		return d, majorMinor(d, m)
	}
	return "", ""
}

// majorMinor keeps what identifies a release: Debian's major number,
// Ubuntu's and Alpine's major.minor.
func majorMinor(distro, v string) string {
	if distro == "debian" {
		v, _, _ = strings.Cut(v, ".")
	}
	return v
}
