package version

import (
	"fmt"
	"strings"
)

// versSchemes maps "vers" version schemes
// (https://github.com/package-url/purl-spec/blob/main/VERSION-RANGE-SPEC.rst)
// to ecosystems.
var versSchemes = map[string]string{
	"semver": SemVer, "npm": NPM, "pypi": PyPI, "maven": Maven, "deb": Debian, "rpm": RPM,
	"apk": Alpine, "alpine": Alpine, "gem": RubyGems, "nuget": NuGet, "golang": Go, "go": Go,
	"cargo": Cargo, "composer": Packagist, "hex": Hex, "pub": Pub,
}

// VersContains reports whether v is inside a "vers" range such as
// "vers:npm/>=1.0.0|<1.2.3|!=1.1.0", evaluated as the vers specification
// says: an equal constraint (=, >=, <=) that v meets puts it in, a != it
// meets keeps it out, and otherwise v is in when it falls in an interval
// opened by > or >= and closed by the next < or <= (or is below a leading
// < / <=, or above a trailing > / >=).
func VersContains(vers, v string) (bool, error) {
	rest, ok := strings.CutPrefix(vers, "vers:")
	if !ok {
		return false, fmt.Errorf("range %q does not start with %q", vers, "vers:")
	}
	scheme, constraints, ok := strings.Cut(rest, "/")
	if !ok {
		return false, fmt.Errorf("range %q has no scheme/constraints", vers)
	}
	cmp, err := versComparator(vers, scheme)
	if err != nil {
		return false, err
	}
	if !cmp.Valid(v) {
		return false, fmt.Errorf("%s version %q does not parse", cmp.Ecosystem(), v)
	}
	constraints = strings.TrimSpace(constraints)
	if constraints == "*" {
		return true, nil
	}
	cons, err := versConstraints(vers, cmp, constraints)
	if err != nil {
		return false, err
	}
	in, decided, ranged := versEqualities(cmp, v, cons)
	if decided {
		return in, nil
	}
	return versInterval(cmp, v, ranged), nil
}

// versConstraint is one constraint of a vers range: an operator and a version.
type versConstraint struct{ op, ver string }

// versComparator is the comparator of a vers range's scheme.
func versComparator(vers, scheme string) (Comparator, error) {
	if strings.EqualFold(scheme, "generic") {
		return genericComparator{}, nil
	}
	eco, ok := versSchemes[strings.ToLower(scheme)]
	if !ok {
		return nil, fmt.Errorf("range %q: version scheme %q is not supported", vers, scheme)
	}
	cmp, _ := For(eco)
	return cmp, nil
}

// versConstraints reads the constraints of a vers range, separated by |; a
// version without an operator is an equality.
func versConstraints(vers string, cmp Comparator, constraints string) ([]versConstraint, error) {
	var cons []versConstraint
	for _, c := range strings.Split(constraints, "|") {
		c = strings.TrimSpace(c)
		op := ""
		for _, o := range []string{">=", "<=", "!=", "<", ">", "="} {
			if strings.HasPrefix(c, o) {
				op = o
				break
			}
		}
		ver := strings.TrimSpace(strings.TrimPrefix(c, op))
		if op == "" {
			op = "="
		}
		if !cmp.Valid(ver) {
			return nil, fmt.Errorf("range %q: %s version %q does not parse", vers, cmp.Ecosystem(), ver)
		}
		cons = append(cons, versConstraint{op, ver})
	}
	return cons, nil
}

// versEqualities applies the constraints that decide on their own: an
// equal constraint (=, >=, <=) that v meets puts it in, a != it meets keeps
// it out (decided, in order). It returns the others, the bounds of
// intervals.
func versEqualities(cmp Comparator, v string, cons []versConstraint) (in, decided bool, ranged []versConstraint) {
	for _, c := range cons {
		d := mustCmp(cmp, v, c.ver)
		switch c.op {
		case "=":
			if d == 0 {
				return true, true, nil
			}
		case "!=":
			if d == 0 {
				return false, true, nil
			}
		default:
			if d == 0 && (c.op == ">=" || c.op == "<=") {
				return true, true, nil
			}
			ranged = append(ranged, c)
		}
	}
	return false, false, ranged
}

// versInterval reports whether v falls in an interval of the bounds: opened
// by > or >= and closed by the next < or <=, or below a leading < / <=, or
// above a trailing > / >=.
func versInterval(cmp Comparator, v string, ranged []versConstraint) bool {
	// Constraints are sorted by version in a valid vers; sort defensively.
	for i := 1; i < len(ranged); i++ {
		for j := i; j > 0 && mustCmp(cmp, ranged[j].ver, ranged[j-1].ver) < 0; j-- {
			ranged[j], ranged[j-1] = ranged[j-1], ranged[j]
		}
	}
	for i, c := range ranged {
		d := mustCmp(cmp, v, c.ver)
		lower := c.op == ">" || c.op == ">="
		if i == 0 && !lower && d < 0 {
			return true
		}
		if i == len(ranged)-1 && lower && d > 0 {
			return true
		}
		if lower && i+1 < len(ranged) {
			next := ranged[i+1]
			if (next.op == "<" || next.op == "<=") && d > 0 && mustCmp(cmp, v, next.ver) < 0 {
				return true
			}
		}
	}
	return false
}
