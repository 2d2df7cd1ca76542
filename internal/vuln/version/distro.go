package version

import (
	"errors"
	"strings"

	deb "github.com/knqyf263/go-deb-version"
	rpm "github.com/knqyf263/go-rpm-version"
)

// debianComparator follows Debian Policy §5.6.12: [epoch:]upstream[-revision],
// the epoch compares first as a number, then upstream and revision by
// alternating non-digit and digit runs, where "~" sorts before everything,
// even the end of the string (1.0~rc1 < 1.0), and letters before other
// characters. Ubuntu uses the same rules.
type debianComparator struct{ eco string }

func (c debianComparator) Ecosystem() string { return c.eco }

func (c debianComparator) Compare(a, b string) (int, error) {
	return compareParsed(c.eco, a, b, deb.NewVersion, func(x, y deb.Version) int { return x.Compare(y) })
}

func (debianComparator) Valid(v string) bool { return deb.Valid(v) }

// rpmComparator follows rpmvercmp: [epoch:]version[-release], segments of
// digits or letters, digits newer than letters, "~" older than anything
// (pre-releases) and "^" newer than the end of the string but older than any
// further segment (post-release snapshots).
type rpmComparator struct{}

func (rpmComparator) Ecosystem() string { return RPM }

func parseRPM(v string) (rpm.Version, error) {
	if strings.TrimSpace(v) == "" {
		return rpm.Version{}, errors.New("empty version")
	}
	if e, _, ok := strings.Cut(v, ":"); ok {
		for _, r := range e {
			if r < '0' || r > '9' {
				return rpm.Version{}, errors.New("epoch is not a number")
			}
		}
		if e == "" {
			return rpm.Version{}, errors.New("empty epoch")
		}
	}
	return rpm.NewVersion(v), nil
}

func (rpmComparator) Compare(a, b string) (int, error) {
	return compareParsed(RPM, a, b, parseRPM, func(x, y rpm.Version) int { return x.Compare(y) })
}

func (rpmComparator) Valid(v string) bool { _, err := parseRPM(v); return err == nil }
