package advisory

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"renkei/internal/vuln/pkgid"
)

// kevCatalog is CISA's Known Exploited Vulnerabilities catalog JSON
// (schema: known_exploited_vulnerabilities_schema.json).
type kevCatalog struct {
	Title           string `json:"title"`
	CatalogVersion  string `json:"catalogVersion"`
	DateReleased    string `json:"dateReleased"`
	Count           int    `json:"count"`
	Vulnerabilities []struct {
		CVEID                      string          `json:"cveID"`
		VendorProject              string          `json:"vendorProject"`
		Product                    string          `json:"product"`
		VulnerabilityName          string          `json:"vulnerabilityName"`
		DateAdded                  string          `json:"dateAdded"`
		ShortDescription           string          `json:"shortDescription"`
		RequiredAction             string          `json:"requiredAction"`
		DueDate                    string          `json:"dueDate"`
		KnownRansomwareCampaignUse string          `json:"knownRansomwareCampaignUse"`
		Notes                      string          `json:"notes"`
		CWEs                       json.RawMessage `json:"cwes"`
	} `json:"vulnerabilities"`
}

var cveID = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

// parseKEV reads the KEV catalog. Every entry becomes a KEV record (which
// marks any finding for that CVE as known exploited) and an advisory on
// the CPE-style vendor:product key with no version data: KEV says which
// product, never which versions, so such a match is only ever "possibly
// affected, confirm the version".
func parseKEV(data []byte, source string) (*Set, error) {
	var cat kevCatalog
	if err := json.Unmarshal(data, &cat); err != nil {
		return nil, fmt.Errorf("CISA KEV: %w", jsonErrorAt(data, err))
	}
	set := &Set{Source: source, Format: FormatKEV, KEV: make(map[string]KEV, len(cat.Vulnerabilities))}
	for i, v := range cat.Vulnerabilities {
		at := fmt.Sprintf("%s: vulnerabilities[%d] (%s)", source, i, v.CVEID)
		if !cveID.MatchString(v.CVEID) {
			set.Problems = append(set.Problems, Problem{at, fmt.Sprintf("cveID %q is not a CVE id", v.CVEID)})
			continue
		}
		for _, d := range []struct{ field, val string }{{"dateAdded", v.DateAdded}, {"dueDate", v.DueDate}} {
			if _, err := time.Parse("2006-01-02", d.val); err != nil {
				set.Problems = append(set.Problems, Problem{at + "." + d.field, fmt.Sprintf("%q is not YYYY-MM-DD", d.val)})
			}
		}
		k := KEV{
			CVE: v.CVEID, VendorProject: v.VendorProject, Product: v.Product, Name: v.VulnerabilityName,
			DateAdded: v.DateAdded, DueDate: v.DueDate, RequiredAction: v.RequiredAction,
			RansomwareCampaignUse: strings.EqualFold(v.KnownRansomwareCampaignUse, "Known"), Notes: v.Notes,
		}
		set.KEV[v.CVEID] = k
		adv := Advisory{
			ID: v.CVEID, Source: "CISA KEV", Document: source,
			Summary: firstNonEmpty(v.VulnerabilityName, v.ShortDescription),
		}
		adv.Published, _ = time.Parse("2006-01-02", v.DateAdded)
		if key := pkgid.VendorProduct(v.VendorProject, v.Product); key != "" {
			adv.Affected = []Affected{{Key: key, AllVersions: true}}
		} else {
			set.Problems = append(set.Problems, Problem{at, "vendorProject or product empty: no product to match"})
		}
		set.Advisories = append(set.Advisories, adv)
	}
	return set, nil
}
