package match

import (
	"net/netip"
	"slices"
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

// FuzzCompilePattern: any pattern the STIX parser accepts compiles (or is
// rejected with an error) and evaluates on records without panicking, and the
// rule index agrees with testing every rule.
func FuzzCompilePattern(f *testing.F) {
	for _, p := range []string{
		"[ipv4-addr:value = '198.51.100.1']",
		"[network-traffic:dst_port > 1024 AND network-traffic:dst_ref.value ISSUBSET '10.0.0.0/8'] REPEATS 2 TIMES WITHIN 10 SECONDS",
		"([domain-name:value LIKE 'a%'] FOLLOWEDBY [url:value MATCHES '^http']) START t'2026-01-01T00:00:00Z' STOP t'2027-01-01T00:00:00Z'",
		"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' OR file:size NOT = 3] AND [email-addr:value IN ('a@b.example')]",
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		b := NewBuilder()
		if err := b.AddSTIX(Indicator{ID: "indicator--f", Pattern: p}); err != nil {
			return
		}
		s := b.Build()
		st := NewRuleState(s)
		var o Observed
		for i, d := range []string{"10.1.2.3", "198.51.100.1"} {
			ObservedFlow(&o, int64(i), time.Unix(int64(1767225600+i), 0), netip.MustParseAddr("192.0.2.9"), netip.MustParseAddr(d), 5555, 2048, 6)
			o.Fields = append(o.Fields, ObservedField{Path: "domain-name:value", Str: "a.example"}, ObservedField{Path: "url:value", Str: "http://a.example/"})
			var brute []RuleLeaf
			for ri, r := range s.Rules() {
				leaves := r.LeafHits(&o, nil)
				for _, l := range leaves {
					brute = append(brute, RuleLeaf{ri, l})
				}
				st.Advance(ri, o.Seq, o.Time, leaves)
			}
			if got := s.RuleLeafHits(&o, nil); !slices.Equal(got, brute) {
				t.Fatalf("pattern %q: index %v, brute force %v", p, got, brute)
			}
			s.MatchValue(d, o.Time, func(Hit) {})
		}
	})
}
