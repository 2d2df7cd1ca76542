package version

import (
	"errors"
	"strconv"
	"strings"
)

// genericComparator is the "generic" scheme of vers ranges, used by
// documents that have no ecosystem (product versions in CycloneDX VEX):
// versions split into runs of digits and of letters at any other
// character; digit runs compare as numbers, letter runs as text, and a
// shorter version that is a prefix of a longer one is older (2.4 < 2.4.1).
// It is not offered through For: package ecosystems have their own rules.
type genericComparator struct{}

func (genericComparator) Ecosystem() string { return "generic" }

func genericParts(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, errors.New("empty version")
	}
	var parts []string
	cur, kind := "", 0 // 1 digits, 2 letters
	flush := func() {
		if cur != "" {
			parts = append(parts, cur)
		}
		cur, kind = "", 0
	}
	for _, r := range v {
		k := 0
		switch {
		case r >= '0' && r <= '9':
			k = 1
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			k = 2
		}
		if k == 0 || k != kind {
			flush()
		}
		if k != 0 {
			cur += string(r)
			kind = k
		}
	}
	flush()
	if len(parts) == 0 {
		return nil, errors.New("no digits or letters")
	}
	return parts, nil
}

func compareGeneric(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, xerr := strconv.ParseUint(a[i], 10, 64)
		y, yerr := strconv.ParseUint(b[i], 10, 64)
		switch {
		case xerr == nil && yerr == nil:
			if x != y {
				if x < y {
					return -1
				}
				return 1
			}
		case xerr == nil:
			return 1 // numbers after letters: 1.0 > 1.beta
		case yerr == nil:
			return -1
		default:
			if c := strings.Compare(strings.ToLower(a[i]), strings.ToLower(b[i])); c != 0 {
				return c
			}
		}
	}
	return sign(len(a) - len(b))
}

func (genericComparator) Compare(a, b string) (int, error) {
	return compareParsed("generic", a, b, genericParts, compareGeneric)
}

func (genericComparator) Valid(v string) bool { _, err := genericParts(v); return err == nil }
