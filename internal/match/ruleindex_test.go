package match

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestRuleIndexEqualsBruteForce: the index finds exactly the observations
// that testing every rule finds, on records built from the rules' own values
// (hits) and others (misses).
func TestRuleIndexEqualsBruteForce(t *testing.T) {
	patterns := []string{
		"[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 4444]",
		"[network-traffic:dst_port = 22] REPEATS 2 TIMES",
		"[domain-name:value = 'A.Example' OR domain-name:value = 'b.example'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.1']",
		"[ipv4-addr:value = '10.0.0.0/8' AND ipv4-addr:value != '10.1.1.1'] AND [domain-name:value IN ('c.example', 'd.example')]",
		"[domain-name:value LIKE '%.bad.example'] AND [url:value = 'http://x.example/Path']",
		"[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e'] AND [ipv4-addr:value = '192.0.2.2']",
	}
	b := NewBuilder()
	for i, p := range patterns {
		if err := b.AddSTIX(Indicator{ID: fmt.Sprintf("indicator--%d", i), Pattern: p}); err != nil {
			t.Fatal(err)
		}
	}
	s := b.Build()
	if len(s.Rules()) != len(patterns) {
		t.Fatalf("%d rules", len(s.Rules()))
	}
	values := []ObservedField{
		{Path: "network-traffic:dst_ref.value", Str: "198.51.100.7"}, {Path: "network-traffic:dst_ref.value", Str: "198.51.100.7:4444"},
		{Path: "network-traffic:dst_port", Int: 4444, IsInt: true}, {Path: "network-traffic:dst_port", Int: 22, IsInt: true},
		{Path: "domain-name:value", Str: "a.example"}, {Path: "domain-name:value", Str: "B.EXAMPLE"}, {Path: "domain-name:value", Str: "x.bad.example"},
		{Path: "domain-name:value", Str: "c.example"}, {Path: "ipv4-addr:value", Str: "192.0.2.1"}, {Path: "ipv4-addr:value", Str: "10.2.3.4"},
		{Path: "ipv4-addr:value", Str: "10.1.1.1"}, {Path: "ipv4-addr:value", Str: "192.0.2.2"}, {Path: "url:value", Str: "http://x.example/Path"},
		{Path: "url:value", Str: "http://x.example/path"},
		{Path: "file:hashes.SHA-256", Str: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{Path: "file:hashes.MD5", Str: "D41D8CD98F00B204E9800998ECF8427E"}, {Path: "domain-name:value", Str: "other.example"},
	}
	r := rand.New(rand.NewPCG(7, 7))
	hits := 0
	defer func() {
		if hits < 1000 {
			t.Errorf("only %d observation hits: the records do not exercise the rules", hits)
		}
	}()
	for n := range 5000 {
		o := Observed{Seq: int64(n), Time: time.Unix(int64(n), 0)}
		for range 1 + r.IntN(4) {
			o.Fields = append(o.Fields, values[r.IntN(len(values))])
		}
		var want []RuleLeaf
		for ri, rule := range s.Rules() {
			for _, li := range rule.LeafHits(&o, nil) {
				want = append(want, RuleLeaf{ri, li})
			}
		}
		got := s.RuleLeafHits(&o, nil)
		hits += len(got)
		if !slices.Equal(got, want) {
			t.Fatalf("record %v: index %v, brute force %v", o.Fields, got, want)
		}
	}
}

// BenchmarkRuleLeafHits10k: a record against 10,000 stateful rules through
// the rule index (each rule anchored on an address).
func BenchmarkRuleLeafHits10k(b *testing.B) {
	bl := NewBuilder()
	for i := range 10_000 {
		p := fmt.Sprintf("[network-traffic:dst_ref.value = '10.%d.%d.1' AND network-traffic:dst_port = 4444] FOLLOWEDBY [domain-name:value = 'c%d.example']", i>>8, i&255, i)
		if err := bl.AddSTIX(Indicator{ID: fmt.Sprint(i), Pattern: p}); err != nil {
			b.Fatal(err)
		}
	}
	s := bl.Build()
	var o Observed
	var dst []RuleLeaf
	r := rand.New(rand.NewPCG(1, 1))
	for b.Loop() {
		ObservedFlow(&o, 0, time.Time{}, randAddr4(r), randAddr4(r), 5000, 443, 6)
		dst = s.RuleLeafHits(&o, dst[:0])
	}
}
