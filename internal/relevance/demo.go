package relevance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"renkei/internal/policy"
)

// Story5 plays step 5 of DESIGN.md's story on a hub: a town hall and a
// hospital (organization ids) register the same VPN appliance as a
// connection point; a KEV entry for it lands together with the vendor's
// advisory (the center's daily feed import); each receives exactly one
// alert, in Japanese and English, naming the patch and the due date. The
// product, vendor and CVE are made up (CVE-2026-99001, "Example Networks
// SecureGate"); addresses are documentation ranges.
func (s *Service) Story5(ctx context.Context, townHall, hospital string, now time.Time) (Outcome, error) {
	v := StoryVuln(now)
	for _, c := range []ConnectionPoint{
		{OrgID: townHall, Kind: "vpn", Vendor: v.Vendor, Product: v.Product, Version: v.Affected, Address: "203.0.113.7", Owner: "情報政策課 / IT policy division", LastConfirmed: now},
		{OrgID: hospital, Kind: "vpn", Vendor: v.Vendor, Product: v.Product, Version: v.Affected, Address: "198.51.100.20", Owner: "医療情報部 / medical informatics", LastConfirmed: now},
		{OrgID: hospital, Kind: "remote-desktop", Vendor: "Example Networks", Product: "RemoteDesk Gateway", Version: "3.2", Address: "198.51.100.21", Owner: "医療情報部 / medical informatics", LastConfirmed: now.AddDate(0, -5, 0)},
	} {
		if _, _, err := s.AddConnectionPoint(ctx, policy.Operator(c.OrgID, false), c); err != nil {
			return Outcome{}, fmt.Errorf("story step 5: register %s: %w", c.Product, err)
		}
	}
	kev, csaf := StoryDocuments(now)
	res, err := s.ImportDocuments(ctx, []Input{{Source: "demo:known_exploited_vulnerabilities.json", Data: kev}, {Source: "demo:example-networks-csaf.json", Data: csaf}})
	if err != nil {
		return res.Outcome, fmt.Errorf("story step 5: %w", err)
	}
	for _, d := range res.Documents {
		if d.Error != "" {
			return res.Outcome, fmt.Errorf("story step 5: %s: %s", d.Source, d.Error)
		}
	}
	return res.Outcome, nil
}

// StoryVulnerability is what step 5 says of the VPN appliance's
// vulnerability: the one source of the KEV entry and the vendor's CSAF
// advisory (StoryDocuments) and of the center's advisory to the members
// (advisory.Demo, given these facts by the demo), so that the alert and the
// advisory name the same fixed version and due date.
type StoryVulnerability struct {
	CVE, Vendor, Product string
	Affected, Fixed      string // versions
	Added, Due           string // KEV dates, YYYY-MM-DD (UTC)
}

// StoryVuln returns step 5's vulnerability as of now: added today, due in
// three weeks, 7.0.1 affected, fixed in 7.0.2.
func StoryVuln(now time.Time) StoryVulnerability {
	return StoryVulnerability{CVE: "CVE-2026-99001", Vendor: "Example Networks", Product: "SecureGate", Affected: "7.0.1", Fixed: "7.0.2",
		Added: now.UTC().Format("2006-01-02"), Due: now.UTC().AddDate(0, 0, 21).Format("2006-01-02")}
}

// StoryDocuments returns the KEV catalog update and the vendor's CSAF
// advisory of step 5, dated now, saying what StoryVuln(now) says.
func StoryDocuments(now time.Time) (kev, csaf []byte) {
	v := StoryVuln(now)
	ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
	facts := []string{"{{cve}}", v.CVE, "{{vendor}}", v.Vendor, "{{product}}", v.Product, "{{affected}}", v.Affected, "{{fixed}}", v.Fixed, "{{ts}}", ts}
	kev = []byte(strings.NewReplacer(append(facts, "{{day}}", v.Added, "{{due}}", v.Due)...).Replace(`{
  "title": "CISA Catalog of Known Exploited Vulnerabilities",
  "catalogVersion": "{{day}}",
  "dateReleased": "{{ts}}",
  "count": 1,
  "vulnerabilities": [
    {"cveID": "{{cve}}", "vendorProject": "{{vendor}}", "product": "{{product}}",
     "vulnerabilityName": "Example Networks SecureGate SSL-VPN Authentication Bypass",
     "dateAdded": "{{day}}", "shortDescription": "An authentication bypass in the SSL-VPN portal lets a remote attacker run commands.",
     "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
     "dueDate": "{{due}}", "knownRansomwareCampaignUse": "Known", "notes": "https://example.com/psirt/EXN-2026-0007", "cwes": ["CWE-287"]}
  ]
}`))
	csaf = []byte(strings.NewReplacer(facts...).Replace(`{
  "document": {
    "category": "csaf_security_advisory", "csaf_version": "2.0",
    "title": "{{product}} SSL-VPN authentication bypass",
    "publisher": {"category": "vendor", "name": "Example Networks K.K.", "namespace": "https://example.com"},
    "tracking": {"id": "EXN-2026-0007", "status": "final", "version": "1",
      "initial_release_date": "{{ts}}", "current_release_date": "{{ts}}",
      "revision_history": [{"date": "{{ts}}", "number": "1", "summary": "Initial"}]}
  },
  "product_tree": {"branches": [{"category": "vendor", "name": "{{vendor}}", "branches": [{"category": "product_name", "name": "{{product}}", "branches": [
    {"category": "product_version", "name": "{{affected}}", "product": {"product_id": "SG-{{affected}}", "name": "{{vendor}} {{product}} {{affected}}",
      "product_identification_helper": {"cpe": "cpe:2.3:o:example_networks:securegate:{{affected}}:*:*:*:*:*:*:*"}}},
    {"category": "product_version", "name": "{{fixed}}", "product": {"product_id": "SG-{{fixed}}", "name": "{{vendor}} {{product}} {{fixed}}",
      "product_identification_helper": {"cpe": "cpe:2.3:o:example_networks:securegate:{{fixed}}:*:*:*:*:*:*:*"}}}]}]}]},
  "vulnerabilities": [{
    "cve": "{{cve}}", "title": "SSL-VPN authentication bypass",
    "product_status": {"known_affected": ["SG-{{affected}}"], "fixed": ["SG-{{fixed}}"]},
    "remediations": [{"category": "vendor_fix", "details": "Update to {{product}} {{fixed}}.", "product_ids": ["SG-{{affected}}"], "url": "https://example.com/psirt/EXN-2026-0007"}],
    "scores": [{"products": ["SG-{{affected}}"], "cvss_v3": {"version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8, "baseSeverity": "CRITICAL"}}],
    "notes": [{"category": "description", "text": "An authentication bypass in the SSL-VPN portal lets a remote attacker run commands."}]
  }]
}`))
	return kev, csaf
}
