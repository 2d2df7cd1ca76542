package pattern

import (
	"testing"
	"time"
)

func str(s string) Value { return Value{Kind: KindString, Str: s} }
func num(i int64) Value  { return Value{Kind: KindInt, Int: i} }

func TestEvaluate(t *testing.T) {
	at := time.Date(2016, 6, 15, 0, 0, 0, 0, time.UTC)
	ip := Observed{Type: "ipv4-addr", Fields: map[string][]Value{"value": {str("198.51.100.7")}}, Time: at}
	file := Observed{Type: "file", Fields: map[string][]Value{
		"name":                {str("Final Report 2016.exe")},
		"size":                {num(371712)},
		"hashes.'SHA-256'":    {str("aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f")},
		"hashes.MD5":          {str("cead3f77f6cda6ec00f57d76c9a6879f")},
		"created":             {str("2014-01-13T07:03:17Z")},
		"magic_number_hex":    {{Kind: KindHex, Bytes: []byte{0xff, 0xd8}}},
		"sections[*].entropy": {{Kind: KindFloat, Float: 6.5}, {Kind: KindFloat, Float: 7.2}},
	}}
	dns := Observed{Type: "domain-name", Fields: map[string][]Value{
		"value":                     {str("www.5z8.info")},
		"resolves_to_refs[*].value": {str("203.0.113.1"), str("198.51.100.1")},
	}}
	tests := []struct {
		name    string
		pattern string
		obs     Observed
		want    bool
	}{
		{"exact address", "[ipv4-addr:value = '198.51.100.7']", ip, true},
		{"other address", "[ipv4-addr:value = '198.51.100.8']", ip, false},
		{"CIDR value contains the address", "[ipv4-addr:value = '198.51.100.0/24']", ip, true},
		{"CIDR value does not contain it", "[ipv4-addr:value = '198.51.101.0/24']", ip, false},
		{"ISSUBSET", "[ipv4-addr:value ISSUBSET '198.51.0.0/16']", ip, true},
		{"NOT ISSUBSET", "[ipv4-addr:value NOT ISSUBSET '198.51.0.0/16']", ip, false},
		{"ISSUPERSET needs the observed range to contain the literal", "[ipv4-addr:value ISSUPERSET '198.51.100.0/24']", ip, false},
		{"other object type never matches", "[ipv6-addr:value = '198.51.100.7']", ip, false},
		{"OR across types", "[ipv6-addr:value = '::1' OR ipv4-addr:value = '198.51.100.7']", ip, true},
		{"hash", "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", file, true},
		{"AND inside an observation", "[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f' AND file:size = 371712]", file, true},
		{"AND with one side false", "[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f' AND file:size = 1]", file, false},
		{"number compared with a decimal", "[file:size > 371711.5]", file, true},
		{"!=", "[file:size != 1]", file, true},
		{"NOT =", "[file:size NOT = 371712]", file, false},
		{"missing property is false even when negated", "[file:mime_type != 'x']", file, false},
		{"type mismatch is false even when negated", "[file:size NOT = 'big']", file, false},
		{"IN", "[file:size IN (1, 371712)]", file, true},
		{"NOT IN", "[file:size NOT IN (1, 2)]", file, true},
		{"LIKE", "[file:name LIKE 'Final%.exe']", file, true},
		{"LIKE single character", "[file:name LIKE 'Final Report 201_.exe']", file, true},
		{"LIKE is case-sensitive", "[file:name LIKE 'final%']", file, false},
		{"MATCHES", "[file:name MATCHES '^Final Report.+\\\\.exe$']", file, true},
		{"MATCHES fails", "[file:name MATCHES '^Draft']", file, false},
		{"timestamp against an RFC 3339 string", "[file:created = t'2014-01-13T07:03:17Z']", file, true},
		{"timestamp order", "[file:created < t'2015-01-01T00:00:00Z']", file, true},
		{"hex", "[file:magic_number_hex = h'ffd8']", file, true},
		{"any list element", "[file:sections[*].entropy > 7.0]", file, true},
		{"no list element", "[file:sections[*].entropy > 8.0]", file, false},
		{"EXISTS", "[EXISTS file:hashes.MD5]", file, true},
		{"EXISTS missing", "[EXISTS file:mime_type]", file, false},
		{"reference values", "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']", dns, true},
		{"observation OR", "[file:name = 'x'] OR [ipv4-addr:value = '198.51.100.7']", ip, true},
		{"observation AND needs both on one object", "[ipv4-addr:value = '198.51.100.7'] AND [file:name = 'x']", ip, false},
		{"FOLLOWEDBY needs two observations", "[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.7']", ip, false},
		{"WITHIN is met by one observation", "[ipv4-addr:value = '198.51.100.7'] WITHIN 60 SECONDS", ip, true},
		{"REPEATS 2 needs two observations", "[ipv4-addr:value = '198.51.100.7'] REPEATS 2 TIMES", ip, false},
		{"REPEATS 1", "[ipv4-addr:value = '198.51.100.7'] REPEATS 1 TIMES", ip, true},
		{"inside START/STOP", "[ipv4-addr:value = '198.51.100.7'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", ip, true},
		{"outside START/STOP", "[ipv4-addr:value = '198.51.100.7'] START t'2016-07-01T00:00:00Z' STOP t'2016-08-01T00:00:00Z'", ip, false},
		{"STOP is exclusive", "[ipv4-addr:value = '198.51.100.7'] START t'2016-06-01T00:00:00Z' STOP t'2016-06-15T00:00:00Z'", ip, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := Evaluate(p, tc.obs); got != tc.want {
				t.Errorf("Evaluate(%s) = %v, want %v", tc.pattern, got, tc.want)
			}
		})
	}
}

func TestMatchLike(t *testing.T) {
	tests := []struct {
		s, pattern string
		want       bool
	}{
		{"", "", true},
		{"", "%", true},
		{"abc", "abc", true},
		{"abc", "ab", false},
		{"abc", "a%", true},
		{"abc", "%c", true},
		{"abc", "%b%", true},
		{"abc", "a_c", true},
		{"abc", "a__c", false},
		{"日本語", "_本_", true},
		{"aaab", "%a%b", true},
		{"mississippi", "m%iss%pi", true},
		{"mississippi", "m%iss%pix", false},
		{"C:\\Windows\\x\\foo", "C:\\Windows\\%\\foo", true},
	}
	for _, tc := range tests {
		t.Run(tc.s+" LIKE "+tc.pattern, func(t *testing.T) {
			if got := MatchLike(tc.s, tc.pattern); got != tc.want {
				t.Errorf("MatchLike(%q, %q) = %v", tc.s, tc.pattern, got)
			}
		})
	}
}
