package warninglist

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"renkei/internal/match"
)

func hitLists(hs []Hit) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.List+":"+h.How)
	}
	slices.Sort(out)
	return out
}

func TestBuiltinListsHoldWhatMustNeverBeBlocked(t *testing.T) {
	m := New(Builtin())
	for _, c := range []struct {
		name, value string
		want        []string
	}{
		{"RFC 1918 address", "10.1.2.3", []string{"renkei-special-ipv4:within"}},
		{"RFC 6598 shared space", "100.64.0.1", []string{"renkei-special-ipv4:within"}},
		{"loopback", "127.0.0.1", []string{"renkei-special-ipv4:within"}},
		{"link-local IPv6", "fe80::1", []string{"renkei-special-ipv6:within"}},
		{"documentation IPv6", "2001:db8::5", []string{"renkei-documentation:within"}},
		{"documentation IPv4", "198.51.100.7", []string{"renkei-documentation:within"}},
		{"Google's resolver", "8.8.8.8", []string{"renkei-public-resolvers:exact"}},
		{"Cloudflare's resolver over IPv6", "2606:4700:4700::1111", []string{"renkei-public-resolvers:exact"}},
		{"a whole /8 holding a resolver", "8.0.0.0/8", []string{"renkei-public-resolvers:contains"}},
		{"0.0.0.0/0 holds every list of IPv4", "0.0.0.0/0", []string{"renkei-documentation:contains", "renkei-public-resolvers:contains", "renkei-special-ipv4:contains"}},
		{"::/0 holds every list of IPv6", "::/0", []string{"renkei-documentation:contains", "renkei-public-resolvers:contains", "renkei-special-ipv6:contains"}},
		{"a resolver's DoH name", "dns.google", []string{"renkei-public-resolver-names:exact"}},
		{"a name under a documentation name", "evil.example.com", []string{"renkei-documentation-names:within"}},
		{"a URL on a resolver's address", "https://8.8.8.8/x", []string{"renkei-public-resolvers:exact"}},
		{"a public address is in no list", "8.8.8.9", nil},
		{"a public domain is in no list", "renkei-test-nothing.jp", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := hitLists(m.CheckValue(c.value))
			if !slices.Equal(got, c.want) {
				t.Fatalf("%s: got %v, want %v", c.value, got, c.want)
			}
		})
	}
}

func TestHostnameListsMatchTheNameItsSubdomainsAndItsParents(t *testing.T) {
	m := New([]*List{
		{Name: "top", Type: TypeHostname, List: []string{"google.com"}, MatchingAttributes: []string{"domain", "url"}},
		{Name: "dotted", Type: TypeString, List: []string{".google.co.jp", "exact.example.jp"}},
		{Name: "sub", Type: TypeSubstring, List: []string{"mobiseclab"}, MatchingAttributes: []string{"domain"}},
		{Name: "warn", Type: TypeHostname, List: []string{"duckdns.org"}, Action: ActionWarn},
	})
	for _, c := range []struct {
		name, value string
		want        []string
	}{
		{"the name", "google.com", []string{"top:exact"}},
		{"a subdomain", "mail.google.com", []string{"top:within"}},
		{"a parent would block the name", "co.jp", []string{"dotted:contains"}},
		{"a dotted string entry is a suffix", "www.google.co.jp", []string{"dotted:within"}},
		{"a string entry is exact", "x.exact.example.jp", nil},
		{"a look-alike is not a subdomain", "evilgoogle.com", nil},
		{"substring", "akana.mobiseclab.org", []string{"sub:substring"}},
		{"a URL's host", "https://google.com/search?q=1", []string{"top:exact"}},
		{"an IDN homograph of a listed name", "gооgle.com", []string{"top:homograph"}},
		{"fullwidth letters fold to the name itself", "ｇｏｏｇｌｅ.com", []string{"top:exact"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := hitLists(m.CheckValue(c.value))
			if !slices.Equal(got, c.want) {
				t.Fatalf("%s: got %v, want %v", c.value, got, c.want)
			}
		})
	}
	hs := m.CheckValue("evil.duckdns.org")
	if len(hs) != 1 || hs[0].Refuses() {
		t.Fatalf("a warn list's hit must not refuse: %+v", hs)
	}
	if hs := m.CheckValue("gооgle.com"); len(hs) != 1 || hs[0].Refuses() || hs[0].Entry != "google.com" {
		t.Fatalf("a homograph is held for review, not refused as the name itself: %+v", hs)
	}
}

func TestSkeletonOfHomographs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"gооgle.com", "google.com"}, // Cyrillic о
		{"аррӏе.com", ""},            // palochka is left out: not a homograph here
		{"microsоft.com", "microsoft.com"},
		{"例え.jp", ""}, // another script is not a homograph
	} {
		d, err := match.NormalizeDomain(c.in)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := Skeleton(d)
		if !ok {
			got = ""
		}
		if got != c.want {
			t.Errorf("Skeleton(%s = %s) = %q, want %q", c.in, d, got, c.want)
		}
	}
}

func TestParseRefusesWhatMISPSchemaRefuses(t *testing.T) {
	for _, c := range []struct{ name, body string }{
		{"no type", `{"name":"x","description":"d","version":1,"list":[]}`},
		{"unknown type", `{"name":"x","description":"d","version":1,"type":"glob","list":[]}`},
		{"no version", `{"name":"x","description":"d","type":"cidr","list":[]}`},
		{"not JSON", `name: x`},
	} {
		if _, err := Parse([]byte(c.body)); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}

// corpusLists reads every MISP warninglist of ../shared/corpora.
func corpusLists(tb testing.TB) []*List {
	dir := filepath.Join("..", "..", "..", "shared", "corpora", "misp-warninglists", "lists")
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("MISP warninglists corpus missing (%v): needs ../shared/corpora/misp-warninglists/lists", err)
	}
	lists, errs, err := ReadPath(dir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range errs {
		tb.Errorf("corpus list refused: %v", e)
	}
	return lists
}

func TestReadPathReadsEveryMISPList(t *testing.T) {
	lists := corpusLists(t)
	if len(lists) < 100 {
		t.Fatalf("%d lists read", len(lists))
	}
	m := New(append(Builtin(), lists...))
	for name, n := range m.Bad {
		if name != "phone_numbers" { // PCRE look-arounds RE2 cannot express; phone numbers are no indicator kind
			t.Logf("%s: %d entries unreadable", name, n)
		}
	}
	for _, c := range []struct {
		value, list string
	}{
		{"google.com", "tranco10k"},
		{"8.8.8.8", "public-dns-v4"},
		{"10.0.0.1", "rfc1918"},
		{"www.google.de", "google"},
		{"gооgle.com", "tranco10k"},
	} {
		found := false
		for _, h := range m.CheckValue(c.value) {
			found = found || h.List == c.list
		}
		if !found {
			t.Errorf("%s: not held by %s: %v", c.value, c.list, m.CheckValue(c.value))
		}
	}
}
