package sweep

import (
	"strings"
	"testing"

	"renkei/internal/match"
)

// FuzzLoadIndicators: any file given as indicators loads without panicking;
// every object or line is either added or counted as rejected, and the set
// builds.
func FuzzLoadIndicators(f *testing.F) {
	f.Add(`{"type":"bundle","objects":[{"type":"indicator","id":"indicator--1","pattern":"[ipv4-addr:value = '1.2.3.4']","valid_from":"2026-01-01T00:00:00Z"}]}`)
	f.Add(`[{"type":"indicator","pattern":"[x:y = 1] FOLLOWEDBY [a:b = 'c'] WITHIN 5 SECONDS"}]`)
	f.Add(`{"type":"indicator","id":"indicator--2","pattern":"[domain-name:value = 'a.example']","valid_until":"bad"}`)
	f.Add("192.0.2.1\nevil.example\n")
	f.Fuzz(func(t *testing.T, text string) {
		b := match.NewBuilder()
		res, err := LoadIndicators(b, "fuzz", strings.NewReader(text))
		if err != nil {
			return
		}
		if res.Values < 0 || res.Bad < 0 || len(res.Errors) > res.Bad {
			t.Fatalf("result %+v", res)
		}
		b.Build()
	})
}
