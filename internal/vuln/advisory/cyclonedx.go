package advisory

import (
	"bytes"
	"cmp"
	"fmt"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"renkei/internal/vuln/pkgid"
)

// parseCycloneDX reads a CycloneDX BOM used as VEX or VDR.
func parseCycloneDX(data []byte, source string, xml bool) (*Set, error) {
	format := cdx.BOMFileFormatJSON
	if xml {
		format = cdx.BOMFileFormatXML
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), format).Decode(&bom); err != nil {
		return nil, fmt.Errorf("CycloneDX: %w", err)
	}
	return FromCycloneDX(&bom, source), nil
}

// FromCycloneDX reads the vulnerabilities of a CycloneDX BOM. A
// vulnerability with an analysis is a VEX statement about each product it
// affects (its provenance is the BOM's supplier, manufacturer or first
// author, and the analysis' lastUpdated or firstIssued time); one without
// analysis is an advisory (a VDR entry) for the versions it lists.
// affects[].ref is resolved against the BOM's own components; a ref that is
// itself a package URL is used as is; a BOM-link into another BOM is kept
// only when that BOM is included, otherwise reported.
func FromCycloneDX(bom *cdx.BOM, source string) *Set {
	set := &Set{Source: source, Format: FormatCycloneDXVEX}
	refs := map[string]cdx.Component{}
	var index func([]cdx.Component)
	index = func(list []cdx.Component) {
		for _, c := range list {
			if c.BOMRef != "" {
				refs[c.BOMRef] = c
			}
			if c.Components != nil {
				index(*c.Components)
			}
		}
	}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		index([]cdx.Component{*bom.Metadata.Component})
	}
	if bom.Components != nil {
		index(*bom.Components)
	}
	author, issued := cdxProvenance(bom)
	if bom.Vulnerabilities == nil {
		return set
	}
	for i, v := range *bom.Vulnerabilities {
		at := fmt.Sprintf("%s: vulnerabilities[%d] (%s)", source, i, v.ID)
		if v.ID == "" {
			set.Problems = append(set.Problems, Problem{at, "vulnerability has no id"})
			continue
		}
		adv := Advisory{ID: v.ID, Document: source, Summary: cmp.Or(v.Description, v.Detail)}
		if v.Source != nil {
			adv.Source = v.Source.Name
		}
		adv.Published, _ = time.Parse(time.RFC3339, v.Published)
		adv.Modified, _ = time.Parse(time.RFC3339, v.Updated)
		if v.References != nil {
			for _, r := range *v.References {
				if r.ID != "" && r.ID != v.ID {
					adv.Aliases = append(adv.Aliases, r.ID)
				}
			}
		}
		if v.Advisories != nil {
			for _, a := range *v.Advisories {
				adv.References = append(adv.References, a.URL)
			}
		}
		if v.Ratings != nil {
			for _, r := range *v.Ratings {
				c := CVSS{Version: cdxMethodVersion(r.Method), Vector: r.Vector}
				if r.Score != nil {
					c.Score = *r.Score
				}
				if c.Version != "" {
					adv.CVSS = append(adv.CVSS, c)
				}
				sev := Severity(strings.ToLower(string(r.Severity)))
				if sev.Rank() == 0 && c.Score > 0 {
					sev = SeverityOfScore(c.Score)
				}
				if sev.Rank() > adv.Severity.Rank() {
					adv.Severity = sev
				}
			}
		}
		if v.Affects == nil {
			set.Problems = append(set.Problems, Problem{at, "no affects: the vulnerability names no product"})
			continue
		}
		for j, a := range *v.Affects {
			where := fmt.Sprintf("%s.affects[%d]", at, j)
			key, name, ver, ok := resolveCDXRef(a.Ref, refs, bom.SerialNumber)
			if !ok {
				set.Problems = append(set.Problems, Problem{where, fmt.Sprintf("ref %q names no component of this BOM and is neither a package URL nor a BOM-Link", a.Ref)})
				continue
			}
			// A VEX analysis is about every version the affects entry lists,
			// whatever its per-version status; a VDR entry only about the
			// versions it lists as affected.
			var versions, ranges, allVersions, allRanges []string
			if a.Range != nil {
				for _, av := range *a.Range {
					if av.Version != "" {
						allVersions = append(allVersions, av.Version)
					}
					if av.Range != "" {
						allRanges = append(allRanges, av.Range)
					}
					if av.Status == cdx.VulnerabilityStatusNotAffected {
						continue
					}
					if av.Version != "" {
						versions = append(versions, av.Version)
					}
					if av.Range != "" {
						ranges = append(ranges, av.Range)
					}
				}
			}
			if a.Range == nil && ver != "" {
				versions, allVersions = []string{ver}, []string{ver}
			}
			if v.Analysis != nil && v.Analysis.State != "" {
				st := Statement{
					Vulnerability: v.ID, Aliases: adv.Aliases, Product: key, Versions: allVersions, Vers: allRanges,
					Status: cdxState(v.Analysis.State), Justification: string(v.Analysis.Justification),
					Impact: v.Analysis.Detail, Author: author, Timestamp: issued, Document: source, ProductName: name,
				}
				if t, err := time.Parse(time.RFC3339, cmp.Or(v.Analysis.LastUpdated, v.Analysis.FirstIssued)); err == nil {
					st.Timestamp = t
				}
				if v.Analysis.Response != nil {
					var rs []string
					for _, r := range *v.Analysis.Response {
						rs = append(rs, string(r))
					}
					st.Action = strings.Join(rs, ", ")
				}
				if st.Action == "" {
					st.Action = v.Recommendation
				}
				set.Statements = append(set.Statements, st)
				if st.Status != StatusAffected {
					continue
				}
				// "exploitable" is a finding as well as a statement.
			}
			af := Affected{Key: key, Versions: versions}
			if p, err := pkgid.ParsePURL(keyPURL(a.Ref, refs)); err == nil {
				af.Ecosystem = p.Ecosystem
			}
			af.Vers = append(af.Vers, ranges...)
			if len(af.Versions) == 0 && len(af.Vers) == 0 {
				af.AllVersions = true
			}
			adv.Affected = append(adv.Affected, af)
		}
		if len(adv.Affected) > 0 {
			set.Advisories = append(set.Advisories, adv)
		}
	}
	return set
}

func keyPURL(ref string, refs map[string]cdx.Component) string {
	if c, ok := refs[ref]; ok {
		return c.PackageURL
	}
	return ref
}

// resolveCDXRef finds the product key, display name and version for an
// affects ref: the purl or CPE of the component it names in this BOM,
// else the component's BOM-Link (when the BOM has a serial number) or its
// bare name; a ref that is itself a purl or a BOM-Link into another BOM is
// used as is.
func resolveCDXRef(ref string, refs map[string]cdx.Component, serial string) (pkgid.Key, string, string, bool) {
	if c, ok := refs[ref]; ok {
		if c.PackageURL != "" {
			if p, err := pkgid.ParsePURL(c.PackageURL); err == nil {
				return p.Key, c.Name, cmp.Or(c.Version, p.Version), true
			}
		}
		if c.CPE != "" {
			if cpe, err := pkgid.ParseCPE(c.CPE); err == nil && cpe.Key != "" {
				return cpe.Key, c.Name, cmp.Or(c.Version, cpe.Version), true
			}
		}
		if k := pkgid.BOMLink(serial, ref); k != "" {
			return k, c.Name, c.Version, true
		}
		if k := pkgid.Name(c.Name); k != "" {
			return k, c.Name, c.Version, true
		}
		return "", "", "", false
	}
	if strings.HasPrefix(ref, "pkg:") {
		if p, err := pkgid.ParsePURL(ref); err == nil {
			return p.Key, p.Name, p.Version, true
		}
	}
	if k, ok := pkgid.ParseBOMLink(ref); ok {
		return k, ref, "", true
	}
	return "", "", "", false
}

func cdxProvenance(bom *cdx.BOM) (string, time.Time) {
	var author string
	var at time.Time
	if md := bom.Metadata; md != nil {
		switch {
		case md.Supplier != nil && md.Supplier.Name != "":
			author = md.Supplier.Name
		case md.Manufacturer != nil && md.Manufacturer.Name != "":
			author = md.Manufacturer.Name
		case md.Component != nil && md.Component.Supplier != nil:
			author = md.Component.Supplier.Name
		case md.Authors != nil && len(*md.Authors) > 0:
			author = (*md.Authors)[0].Name
		}
		at, _ = time.Parse(time.RFC3339, md.Timestamp)
	}
	return author, at
}

func cdxState(s cdx.ImpactAnalysisState) Status {
	switch s {
	case cdx.IASNotAffected, cdx.IASFalsePositive:
		return StatusNotAffected
	case cdx.IASResolved, cdx.IASResolvedWithPedigree:
		return StatusFixed
	case cdx.IASExploitable:
		return StatusAffected
	}
	return StatusUnderInvestigation
}

func cdxMethodVersion(m cdx.ScoringMethod) string {
	switch m {
	case cdx.ScoringMethodCVSSv2:
		return "2.0"
	case cdx.ScoringMethodCVSSv3:
		return "3.0"
	case cdx.ScoringMethodCVSSv31:
		return "3.1"
	case cdx.ScoringMethodCVSSv4:
		return "4.0"
	}
	return ""
}
