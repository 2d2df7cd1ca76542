package vuln

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// WriteJSON writes one JSON object per line per finding (JSON Lines), so
// that CI pipelines can stream and filter them.
func WriteJSON(w io.Writer, fs []Finding) error {
	enc := json.NewEncoder(w)
	for i := range fs {
		if err := enc.Encode(&fs[i]); err != nil {
			return fmt.Errorf("write finding %d: %w", i, err)
		}
	}
	return nil
}

// WriteTable writes findings for a person: most urgent first, one line
// each, and the suppressed ones after, marked with who suppressed them.
func WriteTable(w io.Writer, fs []Finding) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tKEV\tEPSS\tCOMPONENT\tVERSION\tVULNERABILITY\tFIXED\tSTATUS")
	for i := range fs {
		f := &fs[i]
		kev := ""
		if f.KnownExploited {
			kev = "due " + f.KEVDueDate
		}
		epss := ""
		if f.EPSS != nil {
			epss = strconv.FormatFloat(*f.EPSS, 'f', 3, 64)
		}
		status := f.Status
		if f.SuppressedBy != nil {
			status = "suppressed: " + f.SuppressedBy.Status + " (" + cmp.Or(f.SuppressedBy.Author, "author not named") + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", orDash(f.Severity), orDash(kev), orDash(epss),
			f.Component, orDash(f.Version), f.Vulnerability, orDash(f.FixedVersion), status)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Summary is one line counting the findings.
func Summary(res *ScanResult) string {
	var active, kev, possibly, suppressed int
	for i := range res.Findings {
		f := &res.Findings[i]
		switch {
		case f.Suppressed():
			suppressed++
		default:
			active++
			if f.KnownExploited {
				kev++
			}
			if f.Status == StatusPossibly {
				possibly++
			}
		}
	}
	return fmt.Sprintf("%d findings in %d components of %s (%s): %d known exploited, %d possibly affected (confirm the version), %d suppressed by VEX; %d advisory documents; %d problems",
		active, res.Components, res.SBOM.Source, res.SBOM.Describe(), kev, possibly, suppressed, len(res.Sets), res.NProblems)
}

// WriteVDR writes a CycloneDX 1.6 vulnerability disclosure report: the
// affected components and one vulnerability entry per finding, with the
// VEX analysis when a statement decided it and Renkei's enrichment (KEV,
// EPSS, what to do) as properties.
func WriteVDR(w io.Writer, res *ScanResult, now time.Time) error {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.Metadata = &cdx.Metadata{
		Timestamp: now.UTC().Format(time.RFC3339),
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "renkei"}}},
	}
	if p := res.SBOM.Product; p != nil {
		bom.Metadata.Component = &cdx.Component{Type: cdx.ComponentTypeApplication, BOMRef: "product", Name: p.Name, Version: p.Version, PackageURL: p.PURL, CPE: p.CPE}
	}
	refs := map[string]string{}
	var comps []cdx.Component
	var vulns []cdx.Vulnerability
	for i := range res.Findings {
		f := &res.Findings[i]
		ck := f.Kind + "|" + f.Component + "|" + f.Version + "|" + f.PURL
		ref, ok := refs[ck]
		if !ok {
			ref = "c" + strconv.Itoa(len(refs)+1)
			refs[ck] = ref
			comps = append(comps, cdx.Component{Type: cdx.ComponentTypeLibrary, BOMRef: ref, Name: f.Component, Version: f.Version, PackageURL: f.PURL, CPE: f.CPE})
		}
		v := cdx.Vulnerability{
			BOMRef:         "v" + strconv.Itoa(i+1),
			ID:             f.Vulnerability,
			Description:    f.Summary,
			Recommendation: f.Action,
			Source:         vulnSource(f.Vulnerability),
			Affects:        &[]cdx.Affects{{Ref: ref, Range: &[]cdx.AffectedVersions{{Version: f.Version, Status: cdx.VulnerabilityStatusAffected}}}},
		}
		if f.Status == StatusPossibly {
			(*v.Affects)[0].Range = &[]cdx.AffectedVersions{{Version: f.Version, Status: cdx.VulnerabilityStatusUnknown}}
		}
		var refsOut []cdx.VulnerabilityReference
		for _, a := range f.Aliases {
			// CycloneDX 1.6 requires a reference's source.
			refsOut = append(refsOut, cdx.VulnerabilityReference{ID: a, Source: vulnSource(a)})
		}
		if len(refsOut) > 0 {
			v.References = &refsOut
		}
		if f.Severity != "" || f.CVSSScore > 0 {
			r := cdx.VulnerabilityRating{Severity: cdx.Severity(f.Severity), Vector: f.CVSSVector}
			if f.CVSSScore > 0 {
				s := f.CVSSScore
				r.Score = &s
			}
			switch {
			case strings.HasPrefix(f.CVSSVector, "CVSS:3.1"):
				r.Method = cdx.ScoringMethodCVSSv31
			case strings.HasPrefix(f.CVSSVector, "CVSS:3.0"):
				r.Method = cdx.ScoringMethodCVSSv3
			case strings.HasPrefix(f.CVSSVector, "CVSS:4"):
				r.Method = cdx.ScoringMethodCVSSv4
			}
			v.Ratings = &[]cdx.VulnerabilityRating{r}
		}
		if s := f.SuppressedBy; s != nil {
			a := &cdx.VulnerabilityAnalysis{Detail: strings.TrimSpace(s.Impact + " (" + s.Author + ", " + s.Document + ")")}
			if s.Status == "fixed" {
				a.State = cdx.IASResolved
			} else {
				a.State = cdx.IASNotAffected
				a.Justification = cdxJustification(s.Justification)
				if a.Justification == "" && s.Justification != "" {
					a.Detail = s.Justification + ": " + a.Detail
				}
			}
			if !s.Timestamp.IsZero() {
				a.LastUpdated = s.Timestamp.UTC().Format(time.RFC3339)
			}
			v.Analysis = a
		} else if f.VEXStatus == "affected" {
			v.Analysis = &cdx.VulnerabilityAnalysis{State: cdx.IASExploitable}
		} else if f.VEXStatus == "under_investigation" {
			v.Analysis = &cdx.VulnerabilityAnalysis{State: cdx.IASInTriage}
		}
		if v.Analysis != nil && len(f.VEXResponse) > 0 {
			rs := make([]cdx.ImpactAnalysisResponse, len(f.VEXResponse))
			for i, r := range f.VEXResponse {
				rs[i] = cdx.ImpactAnalysisResponse(r)
			}
			v.Analysis.Response = &rs
		}
		props := []cdx.Property{{Name: "renkei:status", Value: f.Status}, {Name: "renkei:known_exploited", Value: strconv.FormatBool(f.KnownExploited)}}
		if f.KnownExploited {
			props = append(props, cdx.Property{Name: "renkei:kev_due_date", Value: f.KEVDueDate})
		}
		if f.EPSS != nil {
			props = append(props, cdx.Property{Name: "renkei:epss", Value: strconv.FormatFloat(*f.EPSS, 'f', -1, 64)})
		}
		if f.FixedVersion != "" {
			props = append(props, cdx.Property{Name: "renkei:fixed_version", Value: f.FixedVersion})
		}
		sort.Slice(props, func(i, j int) bool { return props[i].Name < props[j].Name })
		v.Properties = &props
		vulns = append(vulns, v)
	}
	bom.Components = &comps
	bom.Vulnerabilities = &vulns
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	return enc.EncodeVersion(bom, cdx.SpecVersion1_6)
}

// vulnSource names who publishes a vulnerability id, and where, from the
// id's form; an id of no known form names its scheme (its prefix).
func vulnSource(id string) *cdx.Source {
	prefix, rest, _ := strings.Cut(id, "-")
	switch {
	case prefix == "CVE":
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case prefix == "GHSA":
		return &cdx.Source{Name: "GitHub Advisories", URL: "https://github.com/advisories/" + id}
	case prefix == "JVNDB":
		year, _, _ := strings.Cut(rest, "-")
		return &cdx.Source{Name: "JVN iPedia", URL: "https://jvndb.jvn.jp/ja/contents/" + year + "/" + id + ".html"}
	case strings.HasPrefix(id, "JVNVU#"):
		return &cdx.Source{Name: "JVN", URL: "https://jvn.jp/vu/JVNVU" + strings.TrimPrefix(id, "JVNVU#") + "/"}
	case strings.HasPrefix(id, "JVN#"):
		return &cdx.Source{Name: "JVN", URL: "https://jvn.jp/jp/JVN" + strings.TrimPrefix(id, "JVN#") + "/"}
	case slices.Contains([]string{"GO", "PYSEC", "RUSTSEC", "OSV", "GSD", "MAL", "PSF", "CURL"}, prefix):
		return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
	}
	return &cdx.Source{Name: prefix}
}

// cdxJustification maps OpenVEX and CSAF justification labels onto
// CycloneDX's; "" when there is no faithful equivalent.
func cdxJustification(j string) cdx.ImpactAnalysisJustification {
	switch j {
	case "component_not_present", "vulnerable_code_not_present", "code_not_present":
		return cdx.IAJCodeNotPresent
	case "vulnerable_code_not_in_execute_path", "code_not_reachable":
		return cdx.IAJCodeNotReachable
	case "inline_mitigations_already_exist", "protected_by_mitigating_control":
		return cdx.IAJProtectedByMitigatingControl
	case "requires_configuration", "requires_dependency", "requires_environment", "protected_by_compiler", "protected_at_runtime", "protected_at_perimeter":
		return cdx.ImpactAnalysisJustification(j)
	}
	return ""
}
