package export

import (
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"renkei/internal/match"
)

var at = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

const amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"

func testSet(t *testing.T) *match.Set {
	t.Helper()
	b := match.NewBuilder()
	list := match.Indicator{ID: "list:feed.txt"}
	for _, v := range []string{"192.0.2.1", "198.51.100.0/24", "2001:db8::/32", "evil.example", "http://phish.example/login?a=1", "d41d8cd98f00b204e9800998ecf8427e", "a@b.example"} {
		if err := b.AddValue(v, list); err != nil {
			t.Fatal(err)
		}
	}
	stix := []match.Indicator{
		{ID: "indicator--11111111-1111-4111-8111-111111111111", Pattern: "[ipv4-addr:value = '192.0.2.1' OR domain-name:value = 'c2.example']", TLP: "amber", Markings: []string{amber}},
		{ID: "indicator--22222222-2222-4222-8222-222222222222", Pattern: "[ipv4-addr:value = '203.0.113.5']", Revoked: true},
		{ID: "indicator--33333333-3333-4333-8333-333333333333", Pattern: "[domain-name:value = 'old.example']", ValidUntil: at.Add(-time.Hour)},
	}
	for _, ind := range stix {
		if err := b.AddSTIX(ind); err != nil {
			t.Fatal(err)
		}
	}
	return b.Build()
}

func export(t *testing.T, format string) (string, Result) {
	t.Helper()
	var buf bytes.Buffer
	res, err := WriteSet(&buf, format, testSet(t), Options{At: at})
	if err != nil {
		t.Fatal(err)
	}
	return buf.String(), res
}

func TestFormats(t *testing.T) {
	tests := []struct {
		format  string
		want    []string // lines that must be present
		notWant []string // substrings that must be absent
		written int
	}{
		{"edl", []string{"192.0.2.1", "198.51.100.0/24", "2001:db8::/32"}, []string{"203.0.113.5", "evil.example"}, 3},
		{"edl-domains", []string{"c2.example", "*.c2.example", "evil.example", "*.evil.example"}, []string{"old.example", "192.0.2.1"}, 2},
		{"edl-urls", []string{"phish.example/login?a=1"}, []string{"http://"}, 1},
		{"zeek", []string{
			"#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc",
			"192.0.2.1\tIntel::ADDR\trenkei\tindicator--11111111-1111-4111-8111-111111111111 TLP:AMBER, list:feed.txt",
			"198.51.100.0/24\tIntel::SUBNET\trenkei\tlist:feed.txt",
			"evil.example\tIntel::DOMAIN\trenkei\tlist:feed.txt",
			"phish.example/login?a=1\tIntel::URL\trenkei\tlist:feed.txt",
			"a@b.example\tIntel::EMAIL\trenkei\tlist:feed.txt",
			"d41d8cd98f00b204e9800998ecf8427e\tIntel::FILE_HASH\trenkei\tlist:feed.txt",
		}, []string{"203.0.113.5", "old.example"}, 8},
		{"rpz", []string{"$TTL 300", "@ IN NS localhost.", "evil.example CNAME .", "*.evil.example CNAME .", "32.1.2.0.192.rpz-ip CNAME .", "24.0.100.51.198.rpz-ip CNAME .", "32.zz.db8.2001.rpz-ip CNAME ."},
			[]string{"old.example", "5.113.0.203"}, 5},
		{"csv", []string{"value,kind,indicator,pattern,tlp,valid_from,valid_until",
			"192.0.2.1,ip,indicator--11111111-1111-4111-8111-111111111111,[ipv4-addr:value = '192.0.2.1' OR domain-name:value = 'c2.example'],amber,,"},
			[]string{"203.0.113.5"}, 9},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out, res := export(t, tt.format)
			lines := map[string]bool{}
			for _, l := range strings.Split(out, "\n") {
				lines[l] = true
			}
			for _, w := range tt.want {
				if !lines[w] {
					t.Errorf("missing line %q in\n%s", w, out)
				}
			}
			if strings.HasPrefix(tt.format, "edl") && strings.Contains(out, "#") {
				t.Errorf("an EDL must hold entries only:\n%s", out)
			}
			for _, n := range tt.notWant {
				if strings.Contains(out, n) {
					t.Errorf("%q present (revoked, expired or wrong kind) in\n%s", n, out)
				}
			}
			if res.Written != tt.written {
				t.Errorf("written %d, want %d", res.Written, tt.written)
			}
		})
	}
}

// TestSuricataRules: the shapes of the rules, and what is left out.
func TestSuricataRules(t *testing.T) {
	out, res := export(t, "suricata")
	for _, w := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^alert ip \[192\.0\.2\.1\] any -> any any \(msg:"Renkei addresses TLP:AMBER 192\.0\.0\.0/8 part 1 \(source address\)"; classtype:trojan-activity; metadata:renkei_group 192\.0\.0\.0/8_part_1, tlp amber; sid:\d+; rev:1;\)$`),
		regexp.MustCompile(`(?m)^# sid \d+ \d+: 192\.0\.2\.1 indicator--11111111-1111-4111-8111-111111111111$`),
		regexp.MustCompile(`(?m)^alert ip any any -> \[192\.0\.2\.1\] any \(msg:"Renkei addresses TLP:UNMARKED 192\.0\.0\.0/8 part 1 \(destination address\)"`),
		regexp.MustCompile(`(?m)^alert ip any any -> \[2001:db8::/32\] any \(`),
		regexp.MustCompile(`(?m)^alert dns any any -> any any \(msg:"Renkei list:feed\.txt evil\.example \(DNS query\)"; dns\.query; dotprefix; content:"\.evil\.example"; nocase; endswith; classtype:trojan-activity; metadata:renkei_indicator list:feed\.txt, tlp unmarked; sid:`),
		regexp.MustCompile(`(?m)^alert http any any -> any any \(msg:"Renkei list:feed\.txt http://phish\.example/login\?a=1 \(URL\)"; http\.host; content:"phish\.example"; bsize:13; http\.uri; content:"/login\?a=1"; bsize:10; classtype:`),
	} {
		if !w.MatchString(out) {
			t.Errorf("missing %s in\n%s", w, out)
		}
	}
	if res.Skipped["md5"] != 1 || res.Skipped["email"] != 1 {
		t.Errorf("skipped %v, want the hash and the e-mail address", res.Skipped)
	}
	if strings.Count(out, "sid:") != res.Written {
		t.Errorf("%d sids for %d rules", strings.Count(out, "sid:"), res.Written)
	}
}

// TestZeekSameValueKeepsEveryIndicator: Zeek keeps one meta record per
// value, type and source, so two indicators giving the same value (also
// URLs that differ only by scheme) are one line naming both, with their TLPs.
func TestZeekSameValueKeepsEveryIndicator(t *testing.T) {
	b := match.NewBuilder()
	for _, ind := range []match.Indicator{
		{ID: "indicator--aaaaaaaa-0000-4000-8000-000000000000", Pattern: "[ipv4-addr:value = '192.0.2.7' OR url:value = 'http://x.example/a']", TLP: "amber"},
		{ID: "indicator--bbbbbbbb-0000-4000-8000-000000000000", Pattern: "[ipv4-addr:value = '192.0.2.7' OR url:value = 'https://x.example/a']", TLP: "green"},
		{ID: "indicator--cccccccc-0000-4000-8000-000000000000", Pattern: "[domain-name:value = 'y.example' OR url:value = 'http://y.example/b']", TLP: "clear"},
	} {
		if err := b.AddSTIX(ind); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	res, err := WriteSet(&buf, "zeek", b.Build(), Options{At: at})
	if err != nil {
		t.Fatal(err)
	}
	want := "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n" +
		"192.0.2.7\tIntel::ADDR\trenkei\tindicator--aaaaaaaa-0000-4000-8000-000000000000 TLP:AMBER, indicator--bbbbbbbb-0000-4000-8000-000000000000 TLP:GREEN\n" +
		"y.example\tIntel::DOMAIN\trenkei\tindicator--cccccccc-0000-4000-8000-000000000000 TLP:CLEAR\n" +
		"x.example/a\tIntel::URL\trenkei\tindicator--aaaaaaaa-0000-4000-8000-000000000000 TLP:AMBER, indicator--bbbbbbbb-0000-4000-8000-000000000000 TLP:GREEN\n" +
		"y.example/b\tIntel::URL\trenkei\tindicator--cccccccc-0000-4000-8000-000000000000 TLP:CLEAR\n"
	if buf.String() != want || res.Written != 4 {
		t.Errorf("zeek (%d lines):\n%s\nwant:\n%s", res.Written, buf.String(), want)
	}
}

// TestEDLURLsRefuseWildcards: PAN-OS reads '*' and '^' in a URL list as
// wildcards that cannot be escaped; such URLs are left out and counted.
func TestEDLURLsRefuseWildcards(t *testing.T) {
	b := match.NewBuilder()
	for _, v := range []string{"http://x.example/a", "https://x.example/a", "http://x.example/*/login", "http://y.example/p?q=^", "http://z.example/ok"} {
		if err := b.AddValue(v, match.Indicator{ID: "list:f"}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	res, err := WriteSet(&buf, "edl-urls", b.Build(), Options{At: at})
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != "x.example/a\nz.example/ok\n" || res.Skipped["url"] != 2 {
		t.Errorf("edl-urls:\n%s\nskipped %v, want the two URLs with wildcards", buf.String(), res.Skipped)
	}
}

func TestRPZZoneChecks(t *testing.T) {
	out, _ := export(t, "rpz")
	if _, err := exec.LookPath("named-checkzone"); err != nil {
		t.Skip("named-checkzone (bind9-utils) not installed")
	}
	f := filepath.Join(t.TempDir(), "rpz.zone")
	os.WriteFile(f, []byte(out), 0o644)
	if o, err := exec.Command("named-checkzone", "rpz.renkei", f).CombinedOutput(); err != nil {
		t.Errorf("named-checkzone: %v\n%s", err, o)
	}
}

func TestRPZIPv6Names(t *testing.T) {
	tests := []struct{ prefix, want string }{
		{"2001:db8::/32", "32.zz.db8.2001.rpz-ip"},
		{"2001:db8::1/128", "128.1.zz.db8.2001.rpz-ip"},
		{"2001:db8:0:1::/64", "64.zz.1.0.db8.2001.rpz-ip"},
		{"::/0", "0.zz.rpz-ip"},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			got, _ := rpzIP(netip.MustParsePrefix(tt.prefix))
			if got != tt.want {
				t.Errorf("rpzIP(%s) = %s, want %s", tt.prefix, got, tt.want)
			}
		})
	}
}

func TestWriteIndicators(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, "edl", []match.Indicator{{ID: "indicator--1", Pattern: "[ipv4-addr:value = '192.0.2.9']"}, {ID: "x", Given: "10.0.0.0/8"}})
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != "192.0.2.9\n10.0.0.0/8\n" {
		t.Errorf("edl:\n%s", buf.String())
	}
	if err := Write(&buf, "edl", []match.Indicator{{ID: "bad", Given: "not an indicator"}}); err == nil {
		t.Error("bad value accepted")
	}
	if err := Write(&buf, "pdf", nil); err == nil || !strings.Contains(err.Error(), "unknown export format") {
		t.Errorf("unknown format: %v", err)
	}
}
