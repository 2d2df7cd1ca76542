package match

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// FuzzClassify: Classify never panics, agrees with netip on addresses, and
// what it calls a domain, URL or e-mail address normalizes without error.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "10.0.0.0/8", "1.2.3.4:80", "[::1]:53", "fe80::1%eth0", "evil.example", "例え.jp",
		"http://a.example/x", "a@b.example", "d41d8cd98f00b204e9800998ecf8427e", "1.2.3", "01.2.3.4", "::ffff:1.2.3.4/120"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		k := Classify(v)
		if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" && k != IP {
			t.Fatalf("Classify(%q) = %v, netip parses it as an address", v, k)
		}
		switch k {
		case IP:
			if _, ok := parseAddrPort(v); !ok {
				t.Fatalf("Classify(%q) = ip but it does not parse", v)
			}
		case CIDR:
			if _, ok := parsePrefixLoose(v); !ok {
				t.Fatalf("Classify(%q) = cidr but it does not parse", v)
			}
		case URL:
			if _, _, err := NormalizeURL(v); err != nil {
				t.Fatalf("Classify(%q) = url but NormalizeURL: %v", v, err)
			}
		}
	})
}

// FuzzParseIndicatorList: any text parses without panicking, every line is
// either added or reported, and every value added from a one-value-per-line
// list is found again when the same text is matched.
func FuzzParseIndicatorList(f *testing.F) {
	f.Add("# c\n192.0.2.1\n10.0.0.0/8\nevil.example\nhxxp://x[.]example/a\nA@B.example\nD41D8CD98F00B204E9800998ECF8427E\n")
	f.Add("10.0.0.0/33\n\n  spaced.example  # note\n")
	f.Add("indicator,type\n1.2.3.4,ip\n")
	f.Fuzz(func(t *testing.T, text string) {
		b := NewBuilder()
		res, err := ParseList(strings.NewReader(text), "fuzz.txt", Indicator{ID: "list:fuzz"}, b)
		if err != nil {
			return // a line too long for the scanner
		}
		if res.Values+res.Bad > res.Lines {
			t.Fatalf("%d values + %d bad > %d lines", res.Values, res.Bad, res.Lines)
		}
		s := b.Build()
		if strings.Contains(text, ",") {
			return // read as CSV
		}
		for _, line := range strings.Split(text, "\n") {
			if i := strings.Index(line, " #"); i >= 0 {
				line = line[:i]
			}
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' {
				continue
			}
			if err := NewBuilder().AddValue(line, Indicator{}); err != nil {
				continue
			}
			v := refang(line)
			if _, n := s.MatchValue(v, time.Time{}, func(Hit) {}); n == 0 {
				t.Fatalf("value %q was added but %q does not match it", line, v)
			}
		}
	})
}
