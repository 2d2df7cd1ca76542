package web

import (
	"encoding/hex"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
)

// ValueKinds are the kinds of plain value the submit form turns into a STIX
// pattern, in the order the form offers them.
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
// domain-name:value = 'evil.example']. kind is one of ValueKinds; "auto"
// recognizes each line by its form. Blank lines are skipped.
func ValuesToPattern(values, kind string) (string, error) {
	var cmps []string
	seen := map[string]bool{}
	for i, line := range strings.Split(values, "\n") {
		v := strings.TrimSpace(line)
		if v == "" {
			continue
		}
		k := kind
		if k == "" || k == "auto" {
			k = guessKind(v)
		}
		c, ok := comparison(k, v)
		if !ok {
			return "", &ValueError{Line: i + 1, Value: v, Kind: orAuto(kind)}
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

func orAuto(k string) string {
	if k == "" {
		return "auto"
	}
	return k
}

// guessKind recognizes a value by its form; "" when nothing fits.
func guessKind(v string) string {
	if p, err := netip.ParsePrefix(v); err == nil {
		if p.Addr().Is4() {
			return "ipv4"
		}
		return "ipv6"
	}
	if a, err := netip.ParseAddr(v); err == nil {
		if a.Is4() || a.Is4In6() {
			return "ipv4"
		}
		return "ipv6"
	}
	if isHex(v) {
		switch len(v) {
		case 32:
			return "md5"
		case 40:
			return "sha1"
		case 64:
			return "sha256"
		case 128:
			return "sha512"
		}
	}
	if strings.Contains(v, "://") {
		return "url"
	}
	if strings.Contains(v, "@") {
		return "email"
	}
	return "domain"
}

// comparison returns the comparison expression for one value of kind k.
func comparison(k, v string) (string, bool) {
	switch k {
	case "ipv4", "ipv6":
		norm, ok := normalizeIP(v, k == "ipv4")
		if !ok {
			return "", false
		}
		return k + "-addr:value = " + quote(norm), true
	case "domain":
		d := strings.TrimSuffix(strings.ToLower(v), ".")
		if !isDomain(d) {
			return "", false
		}
		return "domain-name:value = " + quote(d), true
	case "url":
		u, err := url.Parse(v)
		if err != nil || u.Scheme == "" || u.Host == "" || strings.ContainsAny(v, " \t") {
			return "", false
		}
		return "url:value = " + quote(v), true
	case "email":
		a, err := mail.ParseAddress(v)
		if err != nil || a.Address != v || a.Name != "" {
			return "", false
		}
		at := strings.LastIndexByte(v, '@')
		if at <= 0 || !isDomain(strings.ToLower(v[at+1:])) {
			return "", false
		}
		return "email-addr:value = " + quote(v), true
	case "md5", "sha1", "sha256", "sha512":
		want := map[string]int{"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}[k]
		if len(v) != want || !isHex(v) {
			return "", false
		}
		algo := map[string]string{"md5": "MD5", "sha1": "'SHA-1'", "sha256": "'SHA-256'", "sha512": "'SHA-512'"}[k]
		return "file:hashes." + algo + " = " + quote(strings.ToLower(v)), true
	}
	return "", false
}

// normalizeIP accepts an address or a CIDR of the wanted family and returns
// its canonical text (a CIDR with host bits cleared).
func normalizeIP(v string, want4 bool) (string, bool) {
	if p, err := netip.ParsePrefix(v); err == nil {
		if p.Addr().Is4() != want4 || p.Addr().Zone() != "" {
			return "", false
		}
		return p.Masked().String(), true
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return "", false
	}
	a = a.Unmap()
	if a.Is4() != want4 {
		return "", false
	}
	return a.String(), true
}

func isHex(v string) bool {
	if v == "" || len(v)%2 != 0 {
		return false
	}
	_, err := hex.DecodeString(v)
	return err == nil
}

// isDomain checks a host name: dot-separated labels of letters, digits and
// hyphens (or punycode), at least two labels, at most 253 characters.
func isDomain(d string) bool {
	if len(d) == 0 || len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// quote writes a STIX pattern string literal: single quotes, with ' and \
// escaped by a backslash.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
