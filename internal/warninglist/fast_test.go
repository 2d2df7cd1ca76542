package warninglist

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"renkei/internal/match"
)

// TestNetworkHitsAreEveryListHoldingARelatedNetwork checks the IP index
// against a scan of every entry: for a value, each list holding a network
// that contains it, equals it or lies inside it is named once, with one of
// those networks and the right relation, and no other list is.
func TestNetworkHitsAreEveryListHoldingARelatedNetwork(t *testing.T) {
	lists := append(Builtin(), corpusLists(t)...)
	m := New(lists)
	type entry struct {
		list string
		p    netip.Prefix
	}
	var entries []entry
	for _, l := range lists {
		if l.Type != TypeCIDR {
			continue
		}
		for _, e := range l.List {
			if p, ok := parsePrefix(e); ok {
				entries = append(entries, entry{l.ID, p})
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	values := []string{"0.0.0.0/0", "::/0", "8.0.0.0/8", "10.0.0.0/8", "2001:db8::/32", "8.8.8.8", "2606:4700:4700::1111"}
	for range 300 {
		a := netip.AddrFrom4([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
		values = append(values, a.String(), netip.PrefixFrom(a, 8+r.IntN(25)).Masked().String())
		var b [16]byte
		b[0], b[1], b[2], b[3] = 0x20, byte(r.IntN(16)), byte(r.IntN(256)), byte(r.IntN(256))
		a6 := netip.AddrFrom16(b)
		values = append(values, a6.String(), netip.PrefixFrom(a6, 12+r.IntN(40)).Masked().String())
	}
	for _, v := range values {
		k, c, _ := Canonical(v)
		p, _ := parsePrefix(c)
		want := map[string]bool{}
		for _, e := range entries {
			if e.p.Overlaps(p) {
				want[e.list] = true
			}
		}
		got := map[string]bool{}
		for _, h := range m.Check(k, c) {
			if h.How != "exact" && h.How != "within" && h.How != "contains" {
				continue
			}
			if got[h.List] {
				t.Errorf("%s: list %s named twice", v, h.List)
			}
			got[h.List] = true
			e, ok := parsePrefix(h.Entry)
			rel := map[bool]string{true: "exact"}[e == p]
			if rel == "" && e.Bits() < p.Bits() && e.Contains(p.Addr()) {
				rel = "within"
			} else if rel == "" && e.Bits() > p.Bits() && p.Contains(e.Addr()) {
				rel = "contains"
			}
			if !ok || rel != h.How {
				t.Errorf("%s: hit %+v names an entry that is not %s the value", v, h, h.How)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: lists %v, want %v", v, got, want)
		}
	}
}

// TestFilterPassesAllItHoldsAndFewItDoesNot checks the filter in front of
// the name maps: it never turns away a text it holds, and lets through
// fewer than one in a thousand of those it does not.
func TestFilterPassesAllItHoldsAndFewItDoesNot(t *testing.T) {
	const n = 200_000
	f := newFilter(n)
	for i := range n {
		f.add(fmt.Sprintf("host%d.example.jp", i))
	}
	for i := range n {
		if !f.mayHold(fmt.Sprintf("host%d.example.jp", i)) {
			t.Fatalf("host%d.example.jp held but turned away", i)
		}
	}
	passed := 0
	for i := range n {
		if f.mayHold(fmt.Sprintf("other%d.example.jp", i)) {
			passed++
		}
	}
	t.Logf("%d of %d texts not held passed the filter", passed, n)
	if passed*1000 >= n {
		t.Errorf("%d of %d texts not held passed the filter, want fewer than one in a thousand", passed, n)
	}
}

// FuzzURLHost checks that the host read from a canonical URL, the value
// Check is given, is the one match.NormalizeURL gives for it (when it gives
// one), and that no input makes urlHost fail.
func FuzzURLHost(f *testing.F) {
	for _, s := range []string{"http://evil.example.jp/gate.php?id=1", "https://8.8.8.8:8443/x", "http://[2001:db8::1]/a",
		"HTTP://User@Example.COM:80/a#f", "http://xn--ggle-55da.com/", "ftp://a..b/", "http://.a./", "http://[::1/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		urlHost(u)
		norm, _, err := match.NormalizeURL(u)
		if err != nil {
			return
		}
		_, host, err := match.NormalizeURL(norm)
		if err != nil || host == "" {
			return // Check looks up no host then
		}
		if got, ok := urlHost(norm); !ok || got != host {
			t.Errorf("urlHost(%q) = %q, %v; NormalizeURL's host is %q", norm, got, ok, host)
		}
	})
}
