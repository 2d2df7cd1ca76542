package match

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"renkei/internal/corpora"
)

func TestAddSTIXAtomic(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		hit     []string
		miss    []string
		wantErr bool
	}{
		{"ipv4", "[ipv4-addr:value = '198.51.100.1']", []string{"198.51.100.1"}, []string{"198.51.100.2"}, false},
		{"ipv4 cidr value", "[ipv4-addr:value = '198.51.100.0/24']", []string{"198.51.100.77"}, []string{"198.51.101.1"}, false},
		{"issubset", "[ipv4-addr:value ISSUBSET '10.0.0.0/8']", []string{"10.1.1.1"}, []string{"11.0.0.1"}, false},
		{"ipv6", "[ipv6-addr:value = '2001:db8::/32']", []string{"2001:db8::9"}, []string{"2001:db9::1"}, false},
		{"or of observations", "[domain-name:value = 'evil.example'] OR [url:value = 'http://x.example/a']",
			[]string{"www.evil.example", "http://x.example/a"}, []string{"x.example"}, false},
		{"or inside observation and IN", "[email-addr:value = 'a@b.example' OR email-addr:value IN ('c@d.example', 'e@f.example')]",
			[]string{"a@b.example", "E@F.example"}, []string{"b.example"}, false},
		{"file hashes", "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' OR file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
			[]string{"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "d41d8cd98f00b204e9800998ecf8427e"}, nil, false},
		{"x509 hash", "[x509-certificate:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']", []string{"da39a3ee5e6b4b0d3255bfef95601890afd80709"}, nil, false},
		{"network traffic dst ref", "[network-traffic:dst_ref.value = '203.0.113.5']", []string{"203.0.113.5"}, nil, false},
		{"syntax error", "[ipv4-addr:value = ", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBuilder()
			err := b.AddSTIX(Indicator{ID: "indicator--1", Pattern: tt.pattern})
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := b.Build()
			if len(s.Rules()) != 0 {
				t.Fatalf("atomic pattern compiled to a rule")
			}
			for _, v := range tt.hit {
				if _, n := s.MatchValue(v, time.Time{}, func(h Hit) {
					if h.Indicator.ID != "indicator--1" {
						t.Errorf("hit carries %q", h.Indicator.ID)
					}
				}); n == 0 {
					t.Errorf("%q not matched", v)
				}
			}
			for _, v := range tt.miss {
				if _, n := s.MatchValue(v, time.Time{}, func(Hit) {}); n != 0 {
					t.Errorf("%q matched", v)
				}
			}
		})
	}
}

type flowEv struct {
	sec      int
	src, dst string
	dport    uint16
}

func TestRules(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		pattern string
		flows   []flowEv
		fires   []int // indexes of flows at which the rule fires
	}{
		{"and inside observation needs both on one record",
			"[network-traffic:dst_ref.value = '198.51.100.1' AND network-traffic:dst_port = 4444]",
			[]flowEv{{0, "10.0.0.1", "198.51.100.1", 443}, {1, "10.0.0.1", "198.51.100.2", 4444}, {2, "10.0.0.1", "198.51.100.1", 4444}}, []int{2}},
		{"port range",
			"[network-traffic:dst_port >= 6660 AND network-traffic:dst_port <= 6669]",
			[]flowEv{{0, "a", "b", 6659}, {1, "a", "b", 6667}}, []int{1}},
		{"followedby within",
			"([ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.2']) WITHIN 60 SECONDS",
			[]flowEv{{0, "10.0.0.1", "192.0.2.2", 80}, {10, "10.0.0.1", "192.0.2.1", 80}, {200, "10.0.0.1", "192.0.2.2", 80},
				{300, "10.0.0.1", "192.0.2.1", 80}, {320, "10.0.0.1", "192.0.2.2", 80}}, []int{4}},
		{"and between observations in any order",
			"[domain-name:value = 'a.example'] AND [ipv4-addr:value = '192.0.2.9']",
			[]flowEv{{0, "10.0.0.1", "192.0.2.9", 80}, {5, "10.0.0.1", "a.example", 80}}, []int{1}},
		{"repeats",
			"[network-traffic:dst_port = 22] REPEATS 3 TIMES WITHIN 10 SECONDS",
			[]flowEv{{0, "a", "b", 22}, {1, "a", "b", 22}, {30, "a", "b", 22}, {31, "a", "b", 22}, {32, "a", "b", 22}}, []int{4}},
		{"start stop",
			"[ipv4-addr:value = '192.0.2.7'] START t'2026-11-01T00:01:00Z' STOP t'2026-11-01T00:02:00Z'",
			[]flowEv{{30, "a", "192.0.2.7", 1}, {90, "a", "192.0.2.7", 1}, {150, "a", "192.0.2.7", 1}}, []int{1}},
		{"negation and like",
			"[domain-name:value LIKE '%.bad.example' AND domain-name:value NOT = 'ok.bad.example']",
			[]flowEv{{0, "a", "ok.bad.example", 1}, {1, "a", "x.bad.example", 1}}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBuilder()
			if err := b.AddSTIX(Indicator{ID: "indicator--r", Pattern: tt.pattern}); err != nil {
				t.Fatal(err)
			}
			s := b.Build()
			if len(s.Rules()) != 1 {
				t.Fatalf("%d rules, want 1", len(s.Rules()))
			}
			st := NewRuleState(s)
			var o Observed
			var fired []int
			for i, f := range tt.flows {
				src, _ := netip.ParseAddr(f.src)
				dst, _ := netip.ParseAddr(f.dst)
				ObservedFlow(&o, int64(i), t0.Add(time.Duration(f.sec)*time.Second), src, dst, 50000, f.dport, 6)
				if !dst.IsValid() { // a domain standing in for a resolved name
					o.Fields = append(o.Fields, ObservedField{Path: "domain-name:value", Str: f.dst})
				}
				if st.Advance(0, int64(i), o.Time, s.Rules()[0].LeafHits(&o, nil)) {
					fired = append(fired, i)
				}
			}
			if !slices.Equal(fired, tt.fires) {
				t.Errorf("fired at %v, want %v", fired, tt.fires)
			}
		})
	}
}

// TestSTIXExamplesCompile compiles every indicator pattern of the OASIS STIX
// 2.1 examples.
func TestSTIXExamplesCompile(t *testing.T) {
	dir := corpora.Path(t, "stix2-json-schemas/examples")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	files = append(files, more...)
	b := NewBuilder()
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var bundle struct {
			Objects []struct{ Type, ID, Pattern, PatternType string } `json:"objects"`
		}
		if json.Unmarshal(data, &bundle) != nil {
			continue
		}
		for _, o := range bundle.Objects {
			if o.Type != "indicator" || o.Pattern == "" {
				continue
			}
			n++
			if err := b.AddSTIX(Indicator{ID: o.ID, Pattern: o.Pattern}); err != nil {
				// poisonivy.json has one bad value upstream: 'domain autuo.xicp.net'.
				if o.ID != "indicator--4e4c4ad7-4909-456a-b6fa-e24a6f682a40" {
					t.Errorf("%s: %v", filepath.Base(f), err)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no indicators in the examples")
	}
	s := b.Build()
	t.Logf("%d indicators: %d values, %d rules", n, s.Len()-len(s.Rules()), len(s.Rules()))
}
