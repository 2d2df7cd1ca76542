package match

import (
	"fmt"
	"strings"
)

// ValueKinds are the kinds of plain value ValuesToPattern takes, in the order
// the submit form offers them: "auto" recognizes each value with Classify.
// The hash kinds are named as Kind.String names them.
var ValueKinds = []string{"auto", "ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256", "sha512"}

// ValueError says which line of the values was not understood.
type ValueError struct {
	Line  int
	Value string
	Kind  string // the kind asked for, "auto" when guessed
}

func (e *ValueError) Error() string {
	if e.Kind == "auto" {
		return fmt.Sprintf("line %d: %q is not an IP address, CIDR, domain, URL, e-mail address or MD5/SHA-1/SHA-256/SHA-512 hash", e.Line, e.Value)
	}
	return fmt.Sprintf("line %d: %q is not a valid %s", e.Line, e.Value, e.Kind)
}

// ValuesToPattern turns plain values, one per line, into one STIX pattern
// whose comparisons are joined by OR: [ipv4-addr:value = '198.51.100.7' OR
// domain-name:value = 'evil.example']. kind is one of ValueKinds ("" is
// "auto"). Each value is recognized by Classify, the classifier sweeps use,
// so that what the form accepts is what a sweep matches; an explicit kind
// must agree with it. Values are written in the form the sets store
// (lower-case domains in punycode, masked CIDRs, lower-case hashes); URLs are
// kept as given. Blank lines are skipped.
func ValuesToPattern(values, kind string) (string, error) {
	if kind == "" {
		kind = "auto"
	}
	var cmps []string
	seen := map[string]bool{}
	for i, line := range strings.Split(values, "\n") {
		v := strings.TrimSpace(line)
		if v == "" {
			continue
		}
		c, ok := comparison(kind, v)
		if !ok {
			return "", &ValueError{Line: i + 1, Value: v, Kind: kind}
		}
		if !seen[c] {
			seen[c] = true
			cmps = append(cmps, c)
		}
	}
	if len(cmps) == 0 {
		return "", fmt.Errorf("no values given")
	}
	return "[" + strings.Join(cmps, " OR ") + "]", nil
}

// comparison returns the STIX comparison for one value, which must be of
// kind want (one of ValueKinds).
func comparison(want, v string) (string, bool) {
	fits := func(k string) bool { return want == "auto" || want == k }
	switch k := Classify(v); {
	case k == IP || k == CIDR:
		p, ok := parsePrefixLoose(v) // no port, no zone
		if !ok {
			return "", false
		}
		typ := "ipv6"
		if p.Addr().Is4() {
			typ = "ipv4"
		}
		s := p.Addr().String()
		if k == CIDR {
			s = p.String()
		}
		return typ + "-addr:value = " + quote(s), fits(typ)
	case k == Domain:
		_, port := stripPort(v) // a sweep reads "evil.example:443" as the domain; a pattern names it alone
		d, err := NormalizeDomain(v)
		return "domain-name:value = " + quote(d), err == nil && !port && fits("domain")
	case k == URL:
		ok := !strings.ContainsAny(v, " \t") && fits("url")
		return "url:value = " + quote(v), ok
	case k == Email:
		e, err := NormalizeEmail(v)
		return "email-addr:value = " + quote(e), err == nil && fits("email")
	case k.IsHash():
		algo := map[Kind]string{MD5: "MD5", SHA1: "'SHA-1'", SHA256: "'SHA-256'", SHA512: "'SHA-512'"}[k]
		return "file:hashes." + algo + " = " + quote(strings.ToLower(v)), fits(k.String())
	}
	return "", false
}

// quote writes a STIX pattern string literal: single quotes, with ' and \
// escaped by a backslash.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
