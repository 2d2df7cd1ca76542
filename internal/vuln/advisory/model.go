// Package advisory reads vulnerability advisories, exploitation feeds and
// VEX statements into one model: OSV JSON, the CISA KEV catalog, CSAF 2.0
// (including the VEX profile), OpenVEX, CycloneDX VEX/VDR, EPSS scores and
// JVN (MyJVN VULDEF and JVNRSS). Load recognizes the format by content, not
// by file name.
//
// A bad record is reported as a Problem naming the document and the element
// and the rest of the document is kept. This package does not decide what
// is affected: it only says what each source claims, with the source's own
// version data and provenance; matching belongs to package vuln. It must not
// fetch anything from the network.
package advisory

import (
	"time"

	"renkei/internal/vuln/pkgid"
	"renkei/internal/vuln/version"
)

// Format names a recognized document format.
type Format string

const (
	FormatOSV          Format = "OSV"
	FormatKEV          Format = "CISA KEV"
	FormatCSAF         Format = "CSAF 2.0"
	FormatOpenVEX      Format = "OpenVEX"
	FormatCycloneDXVEX Format = "CycloneDX VEX"
	FormatEPSS         Format = "EPSS"
	FormatJVNVULDEF    Format = "MyJVN VULDEF"
	FormatJVNRSS       Format = "JVNRSS"
)

// Set is what one document contributed.
type Set struct {
	Source     string // file name or URL it came from
	Format     Format
	Advisories []Advisory
	Statements []Statement
	EPSS       map[string]EPSS // by CVE id
	KEV        map[string]KEV  // by CVE id
	Problems   []Problem
}

// Count is the number of records the set holds, for reports.
func (s *Set) Count() int {
	return len(s.Advisories) + len(s.Statements) + len(s.EPSS) + len(s.KEV)
}

// Problem is one record that could not be used, and why.
type Problem struct {
	Where string // document and element, e.g. "osv.json: affected[2].ranges[0]"
	Err   string
}

func (p Problem) String() string { return p.Where + ": " + p.Err }

// Advisory says that a vulnerability affects some packages or products.
type Advisory struct {
	ID         string
	Aliases    []string
	Source     string // who published it (OSV database, vendor, JVN …)
	Document   string // the file or URL it came from
	Summary    string
	Published  time.Time
	Modified   time.Time
	Severity   Severity
	CVSS       []CVSS
	Affected   []Affected
	References []string
}

// Affected names one package or product and the versions concerned.
type Affected struct {
	// Key is the package (purl) or product (cpe vendor:product) key.
	Key pkgid.Key
	// Ecosystem selects the version rules; "" for CPE products, whose
	// versions are compared only for equality.
	Ecosystem string
	// Ranges are OSV SEMVER/ECOSYSTEM ranges (GIT ranges are dropped with a
	// Problem; their versions list is used instead).
	Ranges []version.Range
	// Versions lists affected versions exactly.
	Versions []string
	// Vers are version ranges in the package-URL "vers" syntax
	// (vers:npm/>=1.0.0|<1.2.3), as CycloneDX and CSAF give them.
	Vers []string
	// Distro and Release name the distribution release the entry is for
	// ("debian", "12" from OSV's "Debian:12"); empty when it is not
	// release-specific.
	Distro, Release string
	// Fixed lists fixed versions the source names outside of ranges.
	Fixed []string
	// AllVersions is true when the source names the product without any
	// version data (a KEV entry, a CSAF product without version): the
	// finding is "possibly affected, confirm the version".
	AllVersions bool
}

// Severity is the qualitative severity, lower case as CVSS v3 names it.
type Severity string

const (
	SeverityNone     Severity = "none"
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Rank orders severities; unknown is 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityNone:
		return 1
	case SeverityLow:
		return 2
	case SeverityMedium:
		return 3
	case SeverityHigh:
		return 4
	case SeverityCritical:
		return 5
	}
	return 0
}

// SeverityOfScore maps a CVSS v3/v4 base score to its qualitative rating.
func SeverityOfScore(score float64) Severity {
	switch {
	case score >= 9.0:
		return SeverityCritical
	case score >= 7.0:
		return SeverityHigh
	case score >= 4.0:
		return SeverityMedium
	case score > 0:
		return SeverityLow
	}
	return SeverityNone
}

// CVSS is one CVSS rating as the source gave it.
type CVSS struct {
	Version string // "2.0", "3.0", "3.1", "4.0"
	Vector  string
	Score   float64 // 0 when the source gave only a vector
}

// KEV is one entry of CISA's Known Exploited Vulnerabilities catalog.
type KEV struct {
	CVE                   string
	VendorProject         string
	Product               string
	Name                  string
	DateAdded             string // YYYY-MM-DD
	DueDate               string // YYYY-MM-DD
	RequiredAction        string
	RansomwareCampaignUse bool // "Known" in the catalog
	Notes                 string
}

// EPSS is the FIRST Exploit Prediction Scoring System score of a CVE.
type EPSS struct {
	Score        float64
	Percentile   float64
	ModelVersion string
	Date         string
}

// Status is a VEX status, as OpenVEX, CSAF and CycloneDX map onto each other.
type Status string

const (
	StatusNotAffected        Status = "not_affected"
	StatusAffected           Status = "affected"
	StatusFixed              Status = "fixed"
	StatusUnderInvestigation Status = "under_investigation"
)

// Statement is one VEX statement: what an author says about one
// vulnerability in one product, with its provenance.
type Statement struct {
	Vulnerability string
	Aliases       []string
	// Product is the package or product the statement is about.
	Product pkgid.Key
	// Versions and Vers ("vers:" ranges) restrict the statement to those
	// versions; both empty means every version of Product.
	Versions []string
	Vers     []string
	// Subcomponents, when set, restrict the statement to these packages
	// inside Product (OpenVEX subcomponents, CSAF relationships).
	Subcomponents []pkgid.Key
	Status        Status
	Justification string // e.g. "vulnerable_code_not_in_execute_path"
	Impact        string // impact statement, free text
	Action        string // action statement or remediation
	// Response is what the supplier does about it, as CycloneDX's
	// analysis.response values (can_not_fix, will_not_fix, update, rollback,
	// workaround_available): from a CycloneDX VEX, or mapped from CSAF
	// remediation categories (cdxResponseOfCSAF).
	Response []string
	Author   string // who said it
	// Supplier is set by the hub when it verified that the author is the
	// registered supplier of Product; such a statement has a supplier's rank
	// whatever its author string says.
	Supplier    bool
	Timestamp   time.Time
	Document    string // where it was said
	ProductName string // as the document names it, for messages
}
