package pkgid

import (
	"fmt"
	"strings"
)

// CPE is the part of a CPE name that matching uses.
type CPE struct {
	Part    string // "a" application, "o" operating system, "h" hardware
	Vendor  string
	Product string
	Version string // "" when the CPE leaves it open ("*" or "-")
	Key     Key    // "" when vendor or product is a wildcard
}

// ParseCPE parses a CPE 2.3 formatted string (cpe:2.3:a:vendor:product:version:…)
// or a CPE 2.2 URI (cpe:/a:vendor:product:version). Escaped characters
// ("\:" and "\.") are kept in their unescaped form.
func ParseCPE(s string) (CPE, error) {
	var fields []string
	switch {
	case strings.HasPrefix(s, "cpe:2.3:"):
		fields = splitEscaped(s[len("cpe:2.3:"):])
	case strings.HasPrefix(s, "cpe:/"):
		fields = strings.Split(s[len("cpe:/"):], ":")
	default:
		return CPE{}, fmt.Errorf("cpe %q: neither CPE 2.3 (cpe:2.3:) nor CPE 2.2 (cpe:/)", s)
	}
	for len(fields) < 4 {
		fields = append(fields, "")
	}
	c := CPE{Part: fields[0], Vendor: unescape(fields[1]), Product: unescape(fields[2]), Version: unescape(fields[3])}
	if c.Version == "*" || c.Version == "-" {
		c.Version = ""
	}
	c.Key = VendorProduct(c.Vendor, c.Product)
	if c.Part != "" && c.Part != "a" && c.Part != "o" && c.Part != "h" && c.Part != "*" {
		return c, fmt.Errorf("cpe %q: part %q is not a, o or h", s, c.Part)
	}
	return c, nil
}

func splitEscaped(s string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			b.WriteByte('\\')
			b.WriteByte(s[i+1])
			i++
		case s[i] == ':':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(s[i])
		}
	}
	return append(out, b.String())
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// VendorProduct returns the CPE-style key for a vendor and product, as a
// CPE dictionary would spell them: lower case, spaces as underscores. It
// returns "" when either side is empty or a wildcard, because a match on
// product alone is not a match.
func VendorProduct(vendor, product string) Key {
	v, p := cpeWord(vendor), cpeWord(product)
	if v == "" || p == "" || v == "*" || p == "*" || v == "-" || p == "-" {
		return ""
	}
	return Key("cpe:" + v + ":" + p)
}

func cpeWord(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Join(strings.Fields(s), "_")
}
