package relevance_test

import (
	"strings"
	"testing"

	"renkei/internal/relevance"
)

// FuzzConnectionPointsCSV: any input either imports points that all
// validate, or fails with nothing imported; it never panics.
func FuzzConnectionPointsCSV(f *testing.F) {
	f.Add("kind,vendor,product,version,address,owner,last_confirmed\nvpn,Example Networks,SecureGate,7.0.1,203.0.113.7,IT,2026-10-01\n")
	f.Add("product,vendor,kind,purl,cpe\nB,A,firewall,pkg:generic/a@1,cpe:2.3:o:a:b:1:*:*:*:*:*:*:*\n")
	f.Add("kind,vendor,product\n\"vpn,A,B\n")
	f.Fuzz(func(t *testing.T, in string) {
		cps, err := relevance.ParseConnectionPointsCSV(strings.NewReader(in), "fuzz.csv", "org")
		if err != nil {
			if cps != nil {
				t.Fatal("an error with points returned: half an import")
			}
			return
		}
		for i := range cps {
			if err := cps[i].Validate(); err != nil {
				t.Fatalf("point %d does not validate after parsing: %v", i, err)
			}
		}
	})
}
