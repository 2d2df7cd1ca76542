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
	if bom.Vulnerabilities == nil {
		return set
	}
	d := cdxDoc{source: source, refs: cdxComponents(bom), serial: bom.SerialNumber}
	d.author, d.issued = cdxProvenance(bom)
	for i, v := range *bom.Vulnerabilities {
		d.readVulnerability(set, i, v)
	}
	return set
}

// cdxDoc is what reading one vulnerability of a CycloneDX BOM needs to know
// of the whole BOM.
type cdxDoc struct {
	source string
	refs   map[string]cdx.Component // components by bom-ref
	serial string                   // the BOM's serial number, for BOM-Links
	author string                   // provenance of its VEX statements
	issued time.Time
}

// cdxComponents indexes the BOM's components, nested ones and the
// metadata's component included, by bom-ref.
func cdxComponents(bom *cdx.BOM) map[string]cdx.Component {
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
	return refs
}

// readVulnerability adds vulnerability i of the BOM to set: its VEX
// statements, and an advisory for what it affects, or a problem when it has
// no id or names no product.
func (d cdxDoc) readVulnerability(set *Set, i int, v cdx.Vulnerability) {
	at := fmt.Sprintf("%s: vulnerabilities[%d] (%s)", d.source, i, v.ID)
	if v.ID == "" {
		set.Problems = append(set.Problems, Problem{at, "vulnerability has no id"})
		return
	}
	adv := cdxAdvisory(v, d.source)
	if v.Affects == nil {
		set.Problems = append(set.Problems, Problem{at, "no affects: the vulnerability names no product"})
		return
	}
	for j, a := range *v.Affects {
		where := fmt.Sprintf("%s.affects[%d]", at, j)
		key, name, ver, ok := resolveCDXRef(a.Ref, d.refs, d.serial)
		if !ok {
			set.Problems = append(set.Problems, Problem{where, fmt.Sprintf("ref %q names no component of this BOM and is neither a package URL nor a BOM-Link", a.Ref)})
			continue
		}
		vs := cdxAffectedVersions(a, ver)
		if v.Analysis != nil && v.Analysis.State != "" {
			st := d.statement(v, adv.Aliases, key, name, vs)
			set.Statements = append(set.Statements, st)
			if st.Status != StatusAffected {
				continue
			}
			// "exploitable" is a finding as well as a statement.
		}
		adv.Affected = append(adv.Affected, cdxAffected(a.Ref, d.refs, key, vs))
	}
	if len(adv.Affected) > 0 {
		set.Advisories = append(set.Advisories, adv)
	}
}

// cdxAdvisory is a vulnerability's advisory without what it affects: its
// summary, source, times, aliases, references, scores and severity.
func cdxAdvisory(v cdx.Vulnerability, source string) Advisory {
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
			cdxRate(&adv, r)
		}
	}
	return adv
}

// cdxRate adds a rating's CVSS score to adv and raises its severity to the
// rating's (or to its score's, when the rating names none).
func cdxRate(adv *Advisory, r cdx.VulnerabilityRating) {
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

// cdxVersions are the versions and ranges an affects entry lists: all of
// them, what a VEX analysis is about whatever their per-version status, and
// those not marked unaffected, what a VDR entry is about.
type cdxVersions struct {
	versions, ranges       []string // not marked unaffected
	allVersions, allRanges []string
}

// cdxAffectedVersions reads an affects entry's versions; without any, the
// version of the component it names (ver), if known.
func cdxAffectedVersions(a cdx.Affects, ver string) cdxVersions {
	var vs cdxVersions
	if a.Range == nil {
		if ver != "" {
			vs.versions, vs.allVersions = []string{ver}, []string{ver}
		}
		return vs
	}
	for _, av := range *a.Range {
		if av.Version != "" {
			vs.allVersions = append(vs.allVersions, av.Version)
		}
		if av.Range != "" {
			vs.allRanges = append(vs.allRanges, av.Range)
		}
		if av.Status == cdx.VulnerabilityStatusNotAffected {
			continue
		}
		if av.Version != "" {
			vs.versions = append(vs.versions, av.Version)
		}
		if av.Range != "" {
			vs.ranges = append(vs.ranges, av.Range)
		}
	}
	return vs
}

// statement is the VEX statement of v's analysis about product key (named
// name) at the versions of one affects entry; its time is the analysis'
// lastUpdated or firstIssued, else the BOM's.
func (d cdxDoc) statement(v cdx.Vulnerability, aliases []string, key pkgid.Key, name string, vs cdxVersions) Statement {
	st := Statement{
		Vulnerability: v.ID, Aliases: aliases, Product: key, Versions: vs.allVersions, Vers: vs.allRanges,
		Status: cdxState(v.Analysis.State), Justification: string(v.Analysis.Justification),
		Impact: v.Analysis.Detail, Author: d.author, Timestamp: d.issued, Document: d.source, ProductName: name,
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
		st.Response = rs
	}
	if st.Action == "" {
		st.Action = v.Recommendation
	}
	return st
}

// cdxAffected is what an affects entry (ref, resolved to key) says is
// affected: the versions and ranges not marked unaffected, or every version
// when it lists none.
func cdxAffected(ref string, refs map[string]cdx.Component, key pkgid.Key, vs cdxVersions) Affected {
	af := Affected{Key: key, Versions: vs.versions}
	if p, err := pkgid.ParsePURL(keyPURL(ref, refs)); err == nil {
		af.Ecosystem = p.Ecosystem
	}
	af.Vers = append(af.Vers, vs.ranges...)
	if len(af.Versions) == 0 && len(af.Vers) == 0 {
		af.AllVersions = true
	}
	return af
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
