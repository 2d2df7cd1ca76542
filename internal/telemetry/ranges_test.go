package telemetry

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseRanges(t *testing.T) {
	t.Parallel()
	in := `# delegated-apnic-extended sample
2|apnic|20261125|1|19830613|20261124|+1000
apnic|*|ipv4|*|3|summary
apnic|JP|ipv4|1.0.16.0|4096|20110412|allocated|A92E1062
apnic|JP|ipv4|1.1.64.0|768|20110412|allocated|A92E1062
apnic|AU|ipv4|1.0.0.0|256|20110811|assigned|A91872ED
apnic|JP|ipv6|2001:200::|35|19990813|allocated|A91A7381
apnic|JP|asn|173|1|20020801|allocated|A91A7381
apnic|JP|ipv4|bogus|256|20110412|allocated|x
203.0.113.0/24
10.0.0.0/33
`
	ps, version, bad, err := ParseRanges(strings.NewReader(in), "JP")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1.0.16.0/20", "1.1.64.0/23", "1.1.66.0/24", "2001:200::/35", "203.0.113.0/24"}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("prefixes %v, want %v", got, want)
	}
	if len(bad) != 2 || !strings.Contains(bad[0].Error(), "line 9") || !strings.Contains(bad[1].Error(), "line 11") {
		t.Fatalf("bad lines must be reported with their numbers: %v", bad)
	}
	r := NewRanges(version, ps)
	if !r.Domestic(netip.MustParseAddr("1.1.66.200")) || r.Domestic(netip.MustParseAddr("1.1.67.1")) || r.Domestic(netip.MustParseAddr("1.0.0.1")) {
		t.Fatal("a 768-address block must be covered exactly")
	}
	if _, v2, _, _ := ParseRanges(strings.NewReader("203.0.113.0/24\n"), "JP"); v2 == version {
		t.Fatal("different lists must have different versions")
	}
}

func FuzzParseRanges(f *testing.F) {
	f.Add("apnic|JP|ipv4|1.0.16.0|4096|20110412|allocated\n192.0.2.0/24\n")
	f.Add("apnic|JP|ipv4|255.255.255.0|512|0|assigned\n")
	f.Fuzz(func(t *testing.T, s string) {
		ps, _, _, err := ParseRanges(strings.NewReader(s), "JP")
		if err != nil {
			return
		}
		for _, p := range ps {
			if !p.IsValid() || p.Masked() != p {
				t.Fatalf("invalid or unmasked prefix %v", p)
			}
		}
	})
}
