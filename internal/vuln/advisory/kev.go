package advisory

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"renkei/internal/vuln/product"
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
		addKEV(set, fmt.Sprintf("%s: vulnerabilities[%d] (%s)", source, i, v.CVEID), kevRow{
			cve: v.CVEID, vendor: v.VendorProject, product: v.Product, name: v.VulnerabilityName,
			added: v.DateAdded, desc: v.ShortDescription, action: v.RequiredAction, due: v.DueDate,
			ransomware: v.KnownRansomwareCampaignUse, notes: v.Notes,
		})
	}
	return set, nil
}

// kevRow is one catalog entry, from JSON or CSV.
type kevRow struct {
	cve, vendor, product, name, added, desc, action, due, ransomware, notes string
}

func addKEV(set *Set, at string, v kevRow) {
	if !cveID.MatchString(v.cve) {
		set.Problems = append(set.Problems, Problem{at, fmt.Sprintf("cveID %q is not a CVE id", v.cve)})
		return
	}
	for _, d := range []struct{ field, val string }{{"dateAdded", v.added}, {"dueDate", v.due}} {
		if _, err := time.Parse("2006-01-02", d.val); err != nil {
			set.Problems = append(set.Problems, Problem{at + "." + d.field, fmt.Sprintf("%q is not YYYY-MM-DD", d.val)})
		}
	}
	set.KEV[v.cve] = KEV{
		CVE: v.cve, VendorProject: v.vendor, Product: v.product, Name: v.name,
		DateAdded: v.added, DueDate: v.due, RequiredAction: v.action,
		RansomwareCampaignUse: strings.EqualFold(v.ransomware, "Known"), Notes: v.notes,
	}
	adv := Advisory{ID: v.cve, Source: "CISA KEV", Document: set.Source, Summary: cmp.Or(v.name, v.desc)}
	adv.Published, _ = time.Parse("2006-01-02", v.added)
	// The row's product as the catalogue knows it: every product a row
	// names ("FortiOS and FortiProxy"), under its current name (Pulse
	// Connect Secure is Ivanti Connect Secure), and the name as written.
	// A vendor-wide row ("Multiple Products") names its products in its
	// description only: those it states, and no other (product.Named).
	keys := product.Default().Keys(v.vendor, v.product)
	if product.VendorWide(v.product) {
		for _, n := range product.Named(v.vendor, v.desc) {
			for _, k := range product.Default().NameKeys(v.vendor, n) {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
	}
	if len(keys) > 0 {
		for _, k := range keys {
			adv.Affected = append(adv.Affected, Affected{Key: k, AllVersions: true})
		}
	} else {
		set.Problems = append(set.Problems, Problem{at, "vendorProject or product empty: no product to match"})
	}
	set.Advisories = append(set.Advisories, adv)
}

// isKEVCSV recognizes the CSV edition of the KEV catalog by its header.
func isKEVCSV(b []byte) bool { return bytes.HasPrefix(b, []byte("cveID,vendorProject,product,")) }

func parseKEVCSV(data []byte, source string) (*Set, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("CISA KEV CSV: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	set := &Set{Source: source, Format: FormatKEV, KEV: map[string]KEV{}}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		at := fmt.Sprintf("%s: record %d", source, line-1)
		if err != nil {
			set.Problems = append(set.Problems, Problem{at, err.Error()})
			continue
		}
		addKEV(set, at, kevRow{
			cve: get(rec, "cveID"), vendor: get(rec, "vendorProject"), product: get(rec, "product"), name: get(rec, "vulnerabilityName"),
			added: get(rec, "dateAdded"), desc: get(rec, "shortDescription"), action: get(rec, "requiredAction"), due: get(rec, "dueDate"),
			ransomware: get(rec, "knownRansomwareCampaignUse"), notes: get(rec, "notes"),
		})
	}
	return set, nil
}
