package version

import (
	"errors"
	"strconv"
	"strings"
)

// nugetComparator follows NuGet.Versioning: one to four numeric parts
// (missing parts are zero, so 1.0 == 1.0.0.0 and leading zeros are
// ignored), an optional SemVer 2.0.0 pre-release compared case-insensitively
// (1.0.0-Beta == 1.0.0-beta), and build metadata that never changes the
// order. No library for these rules is served here, so they are written out
// following https://learn.microsoft.com/nuget/concepts/package-versioning.
type nugetComparator struct{}

func (nugetComparator) Ecosystem() string { return NuGet }

type nugetVersion struct {
	parts [4]uint64
	pre   []string // lower-cased dot-separated identifiers; nil for a release
}

func parseNuGet(v string) (nugetVersion, error) {
	var nv nugetVersion
	s, _, _ := strings.Cut(strings.TrimSpace(v), "+")
	s, pre, hasPre := strings.Cut(s, "-")
	if s == "" {
		return nv, errors.New("empty version")
	}
	nums := strings.Split(s, ".")
	if len(nums) > 4 {
		return nv, errors.New("more than four numeric parts")
	}
	for i, n := range nums {
		if n == "" || strings.TrimLeft(n, "0123456789") != "" {
			return nv, errors.New("part " + strconv.Itoa(i+1) + " is not a number")
		}
		x, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			return nv, errors.New("part " + strconv.Itoa(i+1) + " is out of range")
		}
		nv.parts[i] = x
	}
	if hasPre {
		if pre == "" {
			return nv, errors.New("empty pre-release label")
		}
		for _, id := range strings.Split(pre, ".") {
			if id == "" {
				return nv, errors.New("empty pre-release identifier")
			}
			for _, r := range id {
				if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
					return nv, errors.New("pre-release identifier " + strconv.Quote(id) + " has a character other than [0-9A-Za-z-]")
				}
			}
			nv.pre = append(nv.pre, strings.ToLower(id))
		}
	}
	return nv, nil
}

func compareNuGet(a, b nugetVersion) int {
	for i := range a.parts {
		if a.parts[i] != b.parts[i] {
			if a.parts[i] < b.parts[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case a.pre == nil && b.pre == nil:
		return 0
	case a.pre == nil:
		return 1
	case b.pre == nil:
		return -1
	}
	for i := 0; i < len(a.pre) && i < len(b.pre); i++ {
		if c := comparePreID(a.pre[i], b.pre[i]); c != 0 {
			return c
		}
	}
	return sign(len(a.pre) - len(b.pre))
}

// comparePreID compares SemVer pre-release identifiers: numeric ones by
// value and before alphanumeric ones, alphanumeric ones in ASCII order.
func comparePreID(x, y string) int {
	xn, xerr := strconv.ParseUint(x, 10, 64)
	yn, yerr := strconv.ParseUint(y, 10, 64)
	switch {
	case xerr == nil && yerr == nil:
		if xn == yn {
			return 0
		}
		if xn < yn {
			return -1
		}
		return 1
	case xerr == nil:
		return -1
	case yerr == nil:
		return 1
	}
	return strings.Compare(x, y)
}

func (nugetComparator) Compare(a, b string) (int, error) {
	return compareParsed(NuGet, a, b, parseNuGet, compareNuGet)
}

func (nugetComparator) Valid(v string) bool { _, err := parseNuGet(v); return err == nil }
