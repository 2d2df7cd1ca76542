package vuln

import (
	"slices"
	"strings"
	"testing"

	"renkei/internal/vuln/advisory"
)

// csafOf is a CSAF 2.0 advisory naming one affected product, given as the
// product tree's JSON.
func csafOf(cve, tree string) string {
	return `{"document": {"category": "csaf_security_advisory", "csaf_version": "2.0", "title": "t",
  "publisher": {"category": "vendor", "name": "Example PSIRT", "namespace": "https://psirt.example"},
  "tracking": {"id": "EX-1", "status": "final", "version": "1", "initial_release_date": "2026-01-01T00:00:00Z", "current_release_date": "2026-01-01T00:00:00Z",
    "revision_history": [{"date": "2026-01-01T00:00:00Z", "number": "1", "summary": "s"}]}},
 "product_tree": ` + tree + `,
 "vulnerabilities": [{"cve": "` + cve + `", "product_status": {"known_affected": ["P1"]}}]}`
}

// TestCSAFNamesMeetTheCatalogue: a CSAF advisory's product names are
// resolved through the product catalogue like KEV rows and registered
// devices — vendor and product_name branches under a former name, a CPE
// from product_identification_helper that the catalogue lists, and a full
// product name that begins with its vendor — so an "Ivanti" "Connect
// Secure" device is reached by an advisory written for "Pulse Secure"
// "Pulse Connect Secure", and a "Fortinet" "FortiOS" device by one naming
// "Fortinet FortiOS 7.2.3" only. A product the catalogue does not know
// still matches by its name as written; nothing matches another vendor's.
func TestCSAFNamesMeetTheCatalogue(t *testing.T) {
	e := New()
	e.AddTargets([]Target{
		TargetFromDevice(Device{Org: "town-hall", ID: "ics", Vendor: "Ivanti", Product: "Connect Secure", Version: "22.7"}),
		TargetFromDevice(Device{Org: "hospital", ID: "fw", Vendor: "Fortinet", Product: "FortiOS", Version: "7.2.3"}),
		TargetFromDevice(Device{Org: "school", ID: "other", Vendor: "Example Networks", Product: "SecureGate", Version: "1"}),
	})
	for _, c := range []struct {
		name, cve, tree string
		want            []string // assets reached
	}{
		{"branches under the former vendor and name", "CVE-2099-0001",
			`{"branches": [{"category": "vendor", "name": "Pulse Secure", "branches": [{"category": "product_name", "name": "Pulse Connect Secure",
			  "product": {"product_id": "P1", "name": "Pulse Secure Pulse Connect Secure"}}]}]}`, []string{"ics"}},
		{"a CPE the catalogue lists", "CVE-2099-0002",
			`{"full_product_names": [{"product_id": "P1", "name": "PCS", "product_identification_helper": {"cpe": "cpe:2.3:a:pulsesecure:pulse_connect_secure:*:*:*:*:*:*:*:*"}}]}`, []string{"ics"}},
		{"a full product name beginning with its vendor", "CVE-2099-0003",
			`{"full_product_names": [{"product_id": "P1", "name": "Fortinet FortiOS 7.2.3"}]}`, []string{"fw"}},
		{"a product the catalogue does not know", "CVE-2099-0004",
			`{"branches": [{"category": "vendor", "name": "Example Networks", "branches": [{"category": "product_name", "name": "SecureGate",
			  "product": {"product_id": "P1", "name": "Example Networks SecureGate"}}]}]}`, []string{"other"}},
	} {
		set, err := advisory.Load(strings.NewReader(csafOf(c.cve, c.tree)), c.name+".json")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(set.Problems) > 0 {
			t.Errorf("%s: problems %v", c.name, set.Problems)
		}
		var got []string
		for _, h := range e.AddSet(set) {
			if h.Vulnerability == c.cve && !slices.Contains(got, h.Target.Asset) {
				got = append(got, h.Target.Asset)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: reached %v, want %v", c.name, got, c.want)
		}
	}
}
