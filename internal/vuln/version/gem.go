package version

import (
	"errors"
	"strings"

	gem "github.com/aquasecurity/go-gem-version"
)

// gemComparator orders RubyGems versions as Gem::Version does: segments
// split on "." and between digits and letters, a segment with letters makes
// the version a pre-release (1.0.a < 1.0), and trailing zeros are ignored
// (1.0 == 1). Gem::Version reads "" as "0"; here an empty version is
// missing data and refused.
type gemComparator struct{}

func (gemComparator) Ecosystem() string { return RubyGems }

func parseGem(v string) (gem.Version, error) {
	if strings.TrimSpace(v) == "" {
		return gem.Version{}, errors.New("empty version")
	}
	return gem.NewVersion(v)
}

func (gemComparator) Compare(a, b string) (int, error) {
	return compareParsed(RubyGems, a, b, parseGem, func(x, y gem.Version) int { return x.Compare(y) })
}

func (gemComparator) Valid(v string) bool { _, err := parseGem(v); return err == nil }
