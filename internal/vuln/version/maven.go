package version

import (
	"errors"
	"strings"

	mvn "github.com/masahiro331/go-mvn-version"
)

// mavenComparator orders versions as Maven's ComparableVersion does:
// numeric items compare as numbers with trailing zeros padded away
// (1.0 == 1.0.0 == 1), and known qualifiers sort
// alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp,
// with unknown qualifiers after sp in lexical order.
type mavenComparator struct{}

func (mavenComparator) Ecosystem() string { return Maven }

func parseMaven(v string) (mvn.Version, error) {
	if strings.TrimSpace(v) == "" {
		return mvn.Version{}, errors.New("empty version")
	}
	return mvn.NewVersion(v)
}

func (mavenComparator) Compare(a, b string) (int, error) {
	return compareParsed(Maven, a, b, parseMaven, func(x, y mvn.Version) int { return x.Compare(y) })
}

func (mavenComparator) Valid(v string) bool { _, err := parseMaven(v); return err == nil }
