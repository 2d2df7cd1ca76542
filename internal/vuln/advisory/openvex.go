package advisory

import (
	"cmp"
	"encoding/json"
	"fmt"
	"time"

	"renkei/internal/vuln/pkgid"
)

// openVEXDoc is an OpenVEX document (https://github.com/openvex/spec),
// accepting both v0.0.1 (vulnerability and products as strings) and v0.2.0
// (objects with @id and identifiers).
type openVEXDoc struct {
	Context     string `json:"@context"`
	ID          string `json:"@id"`
	Author      string `json:"author"`
	Role        string `json:"role"`
	Timestamp   string `json:"timestamp"`
	LastUpdated string `json:"last_updated"`
	Statements  []struct {
		Vulnerability   json.RawMessage   `json:"vulnerability"`
		Products        []json.RawMessage `json:"products"`
		Subcomponents   []json.RawMessage `json:"subcomponents"` // v0.0.1
		Status          string            `json:"status"`
		Justification   string            `json:"justification"`
		ImpactStatement string            `json:"impact_statement"`
		ActionStatement string            `json:"action_statement"`
		StatusNotes     string            `json:"status_notes"`
		Timestamp       string            `json:"timestamp"`
		LastUpdated     string            `json:"last_updated"`
	} `json:"statements"`
}

type openVEXProduct struct {
	ID          string `json:"@id"`
	Identifiers struct {
		PURL  string `json:"purl"`
		CPE23 string `json:"cpe23"`
		CPE22 string `json:"cpe22"`
	} `json:"identifiers"`
	Subcomponents []openVEXProduct `json:"subcomponents"`
}

func parseOpenVEX(data []byte, source string) (*Set, error) {
	var doc openVEXDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("OpenVEX: %w", jsonErrorAt(data, err))
	}
	set := &Set{Source: source, Format: FormatOpenVEX}
	docTime := parseCSAFTime(cmp.Or(doc.LastUpdated, doc.Timestamp))
	for i, s := range doc.Statements {
		at := fmt.Sprintf("%s: statements[%d]", source, i)
		vuln, aliases, err := openVEXVuln(s.Vulnerability)
		if err != nil {
			set.Problems = append(set.Problems, Problem{at + ".vulnerability", err.Error()})
			continue
		}
		status := Status(s.Status)
		switch status {
		case StatusNotAffected, StatusAffected, StatusFixed, StatusUnderInvestigation:
		default:
			set.Problems = append(set.Problems, Problem{at + ".status", fmt.Sprintf("%q is not an OpenVEX status", s.Status)})
			continue
		}
		if status == StatusNotAffected && s.Justification == "" && s.ImpactStatement == "" {
			set.Problems = append(set.Problems, Problem{at, "not_affected without justification or impact_statement (the OpenVEX spec requires one); statement ignored"})
			continue
		}
		ts := docTime
		if t, err := time.Parse(time.RFC3339, cmp.Or(s.LastUpdated, s.Timestamp)); err == nil {
			ts = t
		}
		var legacySubs []pkgid.Key
		for _, raw := range s.Subcomponents {
			if p, err := openVEXProductOf(raw); err == nil {
				if k, _, _, ok := openVEXKey(p); ok {
					legacySubs = append(legacySubs, k)
				}
			}
		}
		adv := Advisory{ID: vuln, Aliases: aliases, Source: doc.Author, Document: source, Published: ts}
		for j, raw := range s.Products {
			where := fmt.Sprintf("%s.products[%d]", at, j)
			p, err := openVEXProductOf(raw)
			if err != nil {
				set.Problems = append(set.Problems, Problem{where, err.Error()})
				continue
			}
			key, eco, ver, ok := openVEXKey(p)
			if !ok {
				set.Problems = append(set.Problems, Problem{where, fmt.Sprintf("product %q has no purl or CPE with a vendor", p.ID)})
				continue
			}
			st := Statement{
				Vulnerability: vuln, Aliases: aliases, Product: key, Versions: nonEmpty(ver), Status: status,
				Justification: s.Justification, Impact: s.ImpactStatement, Action: s.ActionStatement,
				Author: doc.Author, Timestamp: ts, Document: source, ProductName: p.ID, Subcomponents: legacySubs,
			}
			for _, sc := range p.Subcomponents {
				if k, _, _, ok := openVEXKey(sc); ok {
					st.Subcomponents = append(st.Subcomponents, k)
				}
			}
			set.Statements = append(set.Statements, st)
			if status == StatusAffected && len(st.Subcomponents) == 0 {
				af := Affected{Key: key, Ecosystem: eco, Versions: nonEmpty(ver), AllVersions: ver == ""}
				adv.Affected = append(adv.Affected, af)
			}
		}
		if len(adv.Affected) > 0 {
			set.Advisories = append(set.Advisories, adv)
		}
	}
	return set, nil
}

func openVEXVuln(raw json.RawMessage) (string, []string, error) {
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		if name == "" {
			return "", nil, fmt.Errorf("empty vulnerability")
		}
		return name, nil, nil
	}
	var v struct {
		ID      string   `json:"@id"`
		Name    string   `json:"name"`
		Aliases []string `json:"aliases"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", nil, fmt.Errorf("vulnerability is neither a string nor an object: %w", err)
	}
	if v.Name == "" {
		return "", nil, fmt.Errorf("vulnerability has no name")
	}
	return v.Name, v.Aliases, nil
}

func openVEXProductOf(raw json.RawMessage) (openVEXProduct, error) {
	var id string
	if err := json.Unmarshal(raw, &id); err == nil {
		return openVEXProduct{ID: id}, nil
	}
	var p openVEXProduct
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("product is neither a string nor an object: %w", err)
	}
	return p, nil
}

// openVEXKey identifies an OpenVEX product by its purl (identifiers.purl
// or an @id that is a purl) or, failing that, its CPE.
func openVEXKey(p openVEXProduct) (pkgid.Key, string, string, bool) {
	for _, s := range []string{p.Identifiers.PURL, p.ID} {
		if pkg, err := pkgid.ParsePURL(s); err == nil && len(s) > 4 && s[:4] == "pkg:" {
			return pkg.Key, pkg.Ecosystem, pkg.Version, true
		}
	}
	for _, s := range []string{p.Identifiers.CPE23, p.Identifiers.CPE22, p.ID} {
		if cpe, err := pkgid.ParseCPE(s); err == nil && cpe.Key != "" {
			return cpe.Key, "", cpe.Version, true
		}
	}
	return "", "", "", false
}
