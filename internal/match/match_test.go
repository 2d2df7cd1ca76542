package match

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Kind
	}{
		{"ipv4", "192.0.2.1", IP},
		{"ipv4 with port", "192.0.2.1:443", IP},
		{"ipv6", "2001:db8::1", IP},
		{"ipv6 bracket port", "[2001:db8::1]:443", IP},
		{"ipv6 starting with letter", "fe80::1", IP},
		{"cidr4", "10.0.0.0/8", CIDR},
		{"cidr6", "2001:db8::/32", CIDR},
		{"bad cidr", "10.0.0.0/33", Unknown},
		{"domain", "evil.example.com", Domain},
		{"domain trailing dot", "evil.example.com.", Domain},
		{"domain upper", "EVIL.Example.COM", Domain},
		{"domain with port", "evil.example.com:8443", Domain},
		{"domain with bad port", "evil.example.com:99999", Unknown},
		{"domain starting with hex letters", "deadbeef.example", Domain},
		{"idn", "例え.jp", Domain},
		{"punycode", "xn--r8jz45g.jp", Domain},
		{"version number", "1.2.3", Unknown},
		{"single label", "localhost", Unknown},
		{"url", "http://evil.example/a?b=c", URL},
		{"url https upper", "HTTPS://evil.example", URL},
		{"email", "bad.actor@evil.example", Email},
		{"at but no domain", "user@localhost", Unknown},
		{"md5", "d41d8cd98f00b204e9800998ecf8427e", MD5},
		{"sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", SHA1},
		{"sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", SHA256},
		{"sha512", strings.Repeat("ab", 64), SHA512},
		{"hex wrong length", strings.Repeat("a", 33), Unknown},
		{"empty", "", Unknown},
		{"sentence", "GET /index.html HTTP/1.1", Unknown},
		{"timestamp", "2024-01-01T00:00:00Z", Unknown},
		{"label with leading hyphen", "-bad.example", Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.in); got != tt.want {
				t.Errorf("Classify(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// collect returns the canonical indicator values and ids hit by v.
func collect(s *Set, v string, at time.Time) []string {
	var out []string
	s.MatchValue(v, at, func(h Hit) { out = append(out, h.Kind.String()+":"+h.IndicatorValue()+"@"+h.Indicator.ID) })
	slices.Sort(out)
	return out
}

func TestMatchValue(t *testing.T) {
	b := NewBuilder()
	list := Indicator{ID: "list:a"}
	other := Indicator{ID: "list:b"}
	for _, v := range []string{
		"192.0.2.1", "10.0.0.0/8", "10.1.0.0/16", "2001:db8::/32", "2001:db8::5",
		"evil.example", "sub.bad.example", "例え.jp", "hxxp://phish[.]example/login",
		"Bad.Actor@Mail.Example", "D41D8CD98F00B204E9800998ECF8427E", "198.51.100.7/32",
	} {
		if err := b.AddValue(v, list); err != nil {
			t.Fatalf("AddValue(%q): %v", v, err)
		}
	}
	if err := b.AddValue("192.0.2.1", other); err != nil {
		t.Fatal(err)
	}
	s := b.Build()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"exact ip from two lists", "192.0.2.1", []string{"ip:192.0.2.1@list:a", "ip:192.0.2.1@list:b"}},
		{"ip with port", "192.0.2.1:8080", []string{"ip:192.0.2.1@list:a", "ip:192.0.2.1@list:b"}},
		{"mapped ipv4", "::ffff:192.0.2.1", []string{"ip:192.0.2.1@list:a", "ip:192.0.2.1@list:b"}},
		{"nested cidrs both hit", "10.1.2.3", []string{"cidr:10.0.0.0/8@list:a", "cidr:10.1.0.0/16@list:a"}},
		{"outer cidr only", "10.2.0.1", []string{"cidr:10.0.0.0/8@list:a"}},
		{"/32 stored as ip", "198.51.100.7", []string{"ip:198.51.100.7@list:a"}},
		{"ipv6 exact and cidr", "2001:db8::5", []string{"cidr:2001:db8::/32@list:a", "ip:2001:db8::5@list:a"}},
		{"no match ip", "192.0.2.2", nil},
		{"domain exact", "evil.example", []string{"domain:evil.example@list:a"}},
		{"subdomain upper case with dot", "A.B.EVIL.example.", []string{"domain:evil.example@list:a"}},
		{"parent of indicator does not match", "bad.example", nil},
		{"host and port", "www.evil.example:443", []string{"domain:evil.example@list:a"}},
		{"lookalike suffix does not match", "notevil.example", nil},
		{"idn indicator by punycode", "www.xn--r8jz45g.jp", []string{"domain:xn--r8jz45g.jp@list:a"}},
		{"idn indicator by unicode", "例え.jp", []string{"domain:xn--r8jz45g.jp@list:a"}},
		{"url exact", "http://phish.example/login", []string{"url:http://phish.example/login@list:a"}},
		{"url normalized", "HTTP://PHISH.example:80/login#x", []string{"url:http://phish.example/login@list:a"}},
		{"url path case matters", "http://phish.example/LOGIN", nil},
		{"url host is domain", "https://x.evil.example/a", []string{"domain:evil.example@list:a"}},
		{"url host is ip", "http://10.9.9.9/", []string{"cidr:10.0.0.0/8@list:a"}},
		{"email any case", "bad.actor@mail.example", []string{"email:bad.actor@mail.example@list:a"}},
		{"email by domain", "someone@evil.example", []string{"domain:evil.example@list:a"}},
		{"md5 lower", "d41d8cd98f00b204e9800998ecf8427e", []string{"md5:d41d8cd98f00b204e9800998ecf8427e@list:a"}},
		{"md5 upper", "D41D8CD98F00B204E9800998ECF8427E", []string{"md5:d41d8cd98f00b204e9800998ecf8427e@list:a"}},
		{"nothing", "hello world", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := collect(s, tt.in, time.Time{})
			if !slices.Equal(got, tt.want) {
				t.Errorf("MatchValue(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got, want := s.Count(IP), 3; got != want {
		t.Errorf("Count(IP) = %d, want %d", got, want)
	}
	if got, want := s.Count(CIDR), 3; got != want {
		t.Errorf("Count(CIDR) = %d, want %d", got, want)
	}
}

func TestValidityAndRevocation(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := NewBuilder()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.AddValue("192.0.2.10", Indicator{ID: "window", ValidFrom: t0, ValidUntil: t0.Add(time.Hour)}))
	must(b.AddValue("192.0.2.10", Indicator{ID: "revoked", Revoked: true}))
	must(b.AddValue("192.0.2.10", Indicator{ID: "forever"}))
	s := b.Build()
	tests := []struct {
		name string
		at   time.Time
		want []string
	}{
		{"before valid_from", t0.Add(-time.Second), []string{"ip:192.0.2.10@forever"}},
		{"inside window", t0.Add(time.Minute), []string{"ip:192.0.2.10@forever", "ip:192.0.2.10@window"}},
		{"at valid_until is expired", t0.Add(time.Hour), []string{"ip:192.0.2.10@forever"}},
		{"no time checks revocation only", time.Time{}, []string{"ip:192.0.2.10@forever", "ip:192.0.2.10@window"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collect(s, "192.0.2.10", tt.at); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	in := "# comment\n\n192.0.2.1\n10.0.0.0/33\nevil.example # trailing comment\nnot an indicator\nhxxps://x[.]example/p\n"
	b := NewBuilder()
	res, err := ParseList(strings.NewReader(in), "indicators.txt", Indicator{ID: "list:indicators.txt"}, b)
	if err != nil {
		t.Fatal(err)
	}
	if res.Values != 3 || res.Bad != 2 || res.Lines != 7 {
		t.Fatalf("result = %+v, want 3 values, 2 bad, 7 lines", res)
	}
	want := []string{
		`indicators.txt line 4: "10.0.0.0/33" is not an IP, CIDR, domain, URL, e-mail or hash`,
		`indicators.txt line 6: "not an indicator" is not an IP, CIDR, domain, URL, e-mail or hash`,
	}
	for i, e := range res.Errors {
		if e.Error() != want[i] {
			t.Errorf("error %d = %q, want %q", i, e.Error(), want[i])
		}
	}
	s := b.Build()
	if len(s.Indicators()) != 1 {
		t.Errorf("plain list values should share one provenance entry, got %d", len(s.Indicators()))
	}
	if got := collect(s, "https://x.example/p", time.Time{}); len(got) != 1 {
		t.Errorf("defanged URL not matched: %q", got)
	}
}

func TestParseListCSV(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		values    int
		bad       int
		wantMatch string
	}{
		{"header picks column", "type,indicator,comment\nip,192.0.2.1,x\ndomain,evil.example,y\nip,,z\n", 2, 1, "evil.example"},
		{"no header first indicator cell", "first seen,ip,note\n2024-01-01,192.0.2.9,c2\n", 0, 0, ""},
		{"headerless rows", "2024-01-01,192.0.2.9,c2\n2024-01-02,evil.example,phish\nfoo,bar,baz\n", 2, 1, "192.0.2.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBuilder()
			res, err := ParseList(strings.NewReader(tt.in), "feed.csv", Indicator{ID: "list:feed.csv"}, b)
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "no header first indicator cell" {
				// "ip" names the column: 192.0.2.9 is taken from it.
				tt.values, tt.wantMatch = 1, "192.0.2.9"
			}
			if res.Values != tt.values || res.Bad != tt.bad {
				t.Fatalf("got %d values %d bad (%v), want %d and %d", res.Values, res.Bad, res.Errors, tt.values, tt.bad)
			}
			if tt.wantMatch != "" && len(collect(b.Build(), tt.wantMatch, time.Time{})) != 1 {
				t.Errorf("%s not matched", tt.wantMatch)
			}
		})
	}
}

func TestMatcherSwapConcurrent(t *testing.T) {
	var m Matcher
	if m.Set().MatchAddr(netip.MustParseAddr("192.0.2.1"), time.Time{}, func(Hit) {}) != 0 {
		t.Fatal("zero Matcher matched")
	}
	build := func(v string) *Set {
		b := NewBuilder()
		if err := b.AddValue(v, Indicator{ID: v}); err != nil {
			t.Fatal(err)
		}
		return b.Build()
	}
	a, c := build("192.0.2.1"), build("192.0.2.2")
	m.Swap(a)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := m.Set()
				n := s.MatchAddr(netip.MustParseAddr("192.0.2.1"), time.Time{}, func(Hit) {}) +
					s.MatchAddr(netip.MustParseAddr("192.0.2.2"), time.Time{}, func(Hit) {})
				if n != 1 {
					t.Errorf("one set must give exactly one hit, got %d", n)
					return
				}
			}
		}()
	}
	for i := range 1000 {
		if i%2 == 0 {
			m.Swap(c)
		} else {
			m.Swap(a)
		}
	}
	close(stop)
	wg.Wait()
}

func TestMatchDoesNotAllocate(t *testing.T) {
	b := NewBuilder()
	for _, v := range []string{"192.0.2.1", "10.0.0.0/8", "evil.example", "http://x.example/a", "a@b.example", "d41d8cd98f00b204e9800998ecf8427e"} {
		if err := b.AddValue(v, Indicator{ID: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	s := b.Build()
	hits := 0
	fn := func(Hit) { hits++ }
	// Hits on lower-case input and all misses must not allocate (a hit on
	// upper-case input allocates the lower-case copy it reports).
	inputs := []string{"192.0.2.1", "10.3.3.3", "192.0.2.99:80", "www.evil.example", "nothing.EXAMPLE", "http://x.example/a",
		"https://www.evil.example/x?y", "a@b.example", "d41d8cd98f00b204e9800998ecf8427e", "D41D8CD98F00B204E9800998ECF8427F",
		"words", "1.2.3", "deadbeef", "fe80::zz", "x@y", "2024-01-01T00:00:00Z", "/usr/bin/ls", "10.0.0.0/33"}
	for _, v := range inputs {
		if allocs := testing.AllocsPerRun(50, func() { s.MatchValue(v, time.Time{}, fn) }); allocs != 0 {
			t.Errorf("MatchValue(%q) allocates %.1f times, want 0", v, allocs)
		}
	}
	if hits == 0 {
		t.Error("no hits")
	}
}

// TestMatchAddrsEqualsMatchAddr: the batch path gives exactly the hits of the
// one-by-one path, with the right indexes, for IPv4, IPv6, CIDRs and misses.
func TestMatchAddrsEqualsMatchAddr(t *testing.T) {
	b := NewBuilder()
	var addrs []netip.Addr
	for i := range 300 {
		a := netip.AddrFrom4([4]byte{192, 0, byte(i >> 8), byte(i)})
		if i%3 == 0 {
			if err := b.AddValue(a.String(), Indicator{ID: "ip"}); err != nil {
				t.Fatal(err)
			}
		}
		addrs = append(addrs, a, netip.AddrFrom4([4]byte{10, byte(i), 0, 1}))
	}
	for _, v := range []string{"10.0.0.0/12", "10.5.0.0/16", "2001:db8::1", "2001:db8::/48"} {
		if err := b.AddValue(v, Indicator{ID: v}); err != nil {
			t.Fatal(err)
		}
	}
	addrs = append(addrs, netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8:0:1::5"), netip.MustParseAddr("::ffff:192.0.0.3"))
	s := b.Build()
	var want, got []string
	for i, a := range addrs {
		s.MatchAddr(a, time.Time{}, func(h Hit) { want = append(want, fmt.Sprint(i, h.IndicatorValue(), h.Indicator.ID)) })
	}
	n := s.MatchAddrs(addrs, time.Time{}, func(i int, h Hit) { got = append(got, fmt.Sprint(i, h.IndicatorValue(), h.Indicator.ID)) })
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) || n != len(want) || len(want) < 100 {
		t.Errorf("batch gave %d hits (%d returned), one by one %d", len(got), n, len(want))
	}
}

// TestRefangOnlyDefangedSchemes: a name whose first label begins with hxxp
// or fxp is a name; only a scheme followed by "://" is defanged.
func TestRefangOnlyDefangedSchemes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"fxpck.example.jp", "fxpck.example.jp"},
		{"hxxpfoo.jp", "hxxpfoo.jp"},
		{"HXXPS.example", "HXXPS.example"},
		{"hxxp://evil[.]example/a", "http://evil.example/a"},
		{"hXXps://evil(.)example/a", "https://evil.example/a"},
		{"fxp://files[.]example/x", "ftp://files.example/x"},
		{"hxxp[:]//evil[.]example", "http://evil.example"},
		{"hxxps[://]evil[dot]example", "https://evil.example"},
		{"evil[.]example", "evil.example"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := refang(tt.in); got != tt.want {
				t.Errorf("refang(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	b := NewBuilder()
	for _, v := range []string{"fxpck.example.jp", "hxxpfoo.jp"} {
		if err := b.AddValue(v, Indicator{ID: "list:t"}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	b.Build().Each(time.Time{}, func(e Entry) { got = append(got, e.Kind.String()+" "+e.Value) })
	if strings.Join(got, ",") != "domain fxpck.example.jp,domain hxxpfoo.jp" {
		t.Errorf("entries %v, want the two names as domains", got)
	}
}
