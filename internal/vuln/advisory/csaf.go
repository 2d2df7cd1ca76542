package advisory

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"renkei/internal/vuln/pkgid"
)

// csafDoc is a CSAF 2.0 document (https://docs.oasis-open.org/csaf/csaf/v2.0/),
// the parts matching needs.
type csafDoc struct {
	Document struct {
		Category    string `json:"category"`
		CSAFVersion string `json:"csaf_version"`
		Title       string `json:"title"`
		Publisher   struct {
			Name      string `json:"name"`
			Category  string `json:"category"`
			Namespace string `json:"namespace"`
		} `json:"publisher"`
		Tracking struct {
			ID                 string `json:"id"`
			CurrentReleaseDate string `json:"current_release_date"`
			InitialReleaseDate string `json:"initial_release_date"`
			Status             string `json:"status"`
		} `json:"tracking"`
	} `json:"document"`
	ProductTree struct {
		Branches         []csafBranch  `json:"branches"`
		FullProductNames []csafProduct `json:"full_product_names"`
		Relationships    []struct {
			Category                  string      `json:"category"`
			ProductReference          string      `json:"product_reference"`
			RelatesToProductReference string      `json:"relates_to_product_reference"`
			FullProductName           csafProduct `json:"full_product_name"`
		} `json:"relationships"`
		ProductGroups []struct {
			GroupID    string   `json:"group_id"`
			ProductIDs []string `json:"product_ids"`
		} `json:"product_groups"`
	} `json:"product_tree"`
	Vulnerabilities []struct {
		CVE   string `json:"cve"`
		Title string `json:"title"`
		IDs   []struct {
			SystemName string `json:"system_name"`
			Text       string `json:"text"`
		} `json:"ids"`
		ProductStatus map[string][]string `json:"product_status"`
		Flags         []struct {
			Label      string   `json:"label"`
			Date       string   `json:"date"`
			ProductIDs []string `json:"product_ids"`
			GroupIDs   []string `json:"group_ids"`
		} `json:"flags"`
		Threats []struct {
			Category   string   `json:"category"`
			Details    string   `json:"details"`
			ProductIDs []string `json:"product_ids"`
			GroupIDs   []string `json:"group_ids"`
		} `json:"threats"`
		Remediations []struct {
			Category   string   `json:"category"`
			Details    string   `json:"details"`
			URL        string   `json:"url"`
			ProductIDs []string `json:"product_ids"`
			GroupIDs   []string `json:"group_ids"`
		} `json:"remediations"`
		Scores []struct {
			Products []string `json:"products"`
			CVSSv3   *struct {
				Version      string  `json:"version"`
				VectorString string  `json:"vectorString"`
				BaseScore    float64 `json:"baseScore"`
				BaseSeverity string  `json:"baseSeverity"`
			} `json:"cvss_v3"`
			CVSSv2 *struct {
				VectorString string  `json:"vectorString"`
				BaseScore    float64 `json:"baseScore"`
			} `json:"cvss_v2"`
		} `json:"scores"`
		References []struct {
			URL string `json:"url"`
		} `json:"references"`
	} `json:"vulnerabilities"`
}

type csafBranch struct {
	Category string       `json:"category"`
	Name     string       `json:"name"`
	Product  *csafProduct `json:"product"`
	Branches []csafBranch `json:"branches"`
}

type csafProduct struct {
	ProductID string `json:"product_id"`
	Name      string `json:"name"`
	Helper    *struct {
		PURL string `json:"purl"`
		CPE  string `json:"cpe"`
	} `json:"product_identification_helper"`
}

// csafProductInfo is what a product id resolves to.
type csafProductInfo struct {
	name      string
	key       pkgid.Key
	ecosystem string
	version   string    // exact version, from the purl, CPE or a product_version branch
	vers      string    // a product_version_range branch ("vers:…" or free text)
	parent    pkgid.Key // for relationship products: the product the component belongs to
	parentVer string    // and that product's version
	err       string
}

// parseCSAF reads a CSAF 2.0 document. known_affected (and first/last
// affected) products become advisories; every product status becomes a VEX
// statement with the publisher as author and the current release date as
// time, the justification taken from the product's flag, the impact from
// its "impact" threat and the action from its remediations.
func parseCSAF(data []byte, source string) (*Set, error) {
	var doc csafDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("CSAF: %w", jsonErrorAt(data, err))
	}
	set := &Set{Source: source, Format: FormatCSAF}
	products := map[string]*csafProductInfo{}
	var walk func([]csafBranch, string, string, string)
	walk = func(bs []csafBranch, vendor, name, ver string) {
		for _, b := range bs {
			v, n, vv, rng := vendor, name, ver, ""
			switch b.Category {
			case "vendor":
				v = b.Name
			case "product_name", "product_family":
				n = b.Name
			case "product_version":
				vv = b.Name
			case "product_version_range":
				rng = b.Name
			}
			if b.Product != nil {
				info := csafIdentify(*b.Product, v, n)
				if info.version == "" {
					info.version = vv
				}
				info.vers = rng
				products[b.Product.ProductID] = info
			}
			walk(b.Branches, v, n, vv)
		}
	}
	walk(doc.ProductTree.Branches, "", "", "")
	for _, p := range doc.ProductTree.FullProductNames {
		products[p.ProductID] = csafIdentify(p, "", "")
	}
	for _, r := range doc.ProductTree.Relationships {
		comp, ok := products[r.ProductReference]
		if !ok {
			set.Problems = append(set.Problems, Problem{source + ": product_tree.relationships", fmt.Sprintf("product_reference %q is not in the product tree", r.ProductReference)})
			continue
		}
		info := *comp
		info.name = r.FullProductName.Name
		if parent, ok := products[r.RelatesToProductReference]; ok {
			info.parent, info.parentVer = parent.key, parent.version
		}
		products[r.FullProductName.ProductID] = &info
	}
	groups := map[string][]string{}
	for _, g := range doc.ProductTree.ProductGroups {
		groups[g.GroupID] = g.ProductIDs
	}
	expand := func(ids, gids []string) []string {
		out := append([]string{}, ids...)
		for _, g := range gids {
			out = append(out, groups[g]...)
		}
		return out
	}
	author := doc.Document.Publisher.Name
	issued := parseCSAFTime(firstNonEmpty(doc.Document.Tracking.CurrentReleaseDate, doc.Document.Tracking.InitialReleaseDate))

	for i, v := range doc.Vulnerabilities {
		id := v.CVE
		var aliases []string
		for _, x := range v.IDs {
			if id == "" {
				id = x.Text
			} else if x.Text != id {
				aliases = append(aliases, x.Text)
			}
		}
		at := fmt.Sprintf("%s: vulnerabilities[%d] (%s)", source, i, id)
		if id == "" {
			set.Problems = append(set.Problems, Problem{at, "neither cve nor ids"})
			continue
		}
		justification := map[string]string{}
		for _, f := range v.Flags {
			for _, pid := range expand(f.ProductIDs, f.GroupIDs) {
				justification[pid] = f.Label
			}
		}
		impact := map[string]string{}
		for _, t := range v.Threats {
			if t.Category == "impact" {
				for _, pid := range expand(t.ProductIDs, t.GroupIDs) {
					impact[pid] = t.Details
				}
			}
		}
		action := map[string]string{}
		for _, r := range v.Remediations {
			text := r.Category + ": " + r.Details
			if r.URL != "" {
				text += " (" + r.URL + ")"
			}
			for _, pid := range expand(r.ProductIDs, r.GroupIDs) {
				if action[pid] != "" {
					action[pid] += "; "
				}
				action[pid] += text
			}
		}
		adv := Advisory{ID: id, Aliases: aliases, Source: author, Document: source, Summary: firstNonEmpty(v.Title, doc.Document.Title), Published: issued}
		for _, r := range v.References {
			adv.References = append(adv.References, r.URL)
		}
		for _, s := range v.Scores {
			if c := s.CVSSv3; c != nil {
				adv.CVSS = append(adv.CVSS, CVSS{Version: c.Version, Vector: c.VectorString, Score: c.BaseScore})
				if sev := SeverityOfScore(c.BaseScore); sev.Rank() > adv.Severity.Rank() {
					adv.Severity = sev
				}
			}
			if c := s.CVSSv2; c != nil {
				adv.CVSS = append(adv.CVSS, CVSS{Version: "2.0", Vector: c.VectorString, Score: c.BaseScore})
			}
		}
		fixedVersions := map[pkgid.Key][]string{}
		for _, st := range []string{"fixed", "first_fixed"} {
			for _, pid := range v.ProductStatus[st] {
				if p := products[pid]; p != nil && p.key != "" && p.version != "" {
					fixedVersions[p.key] = append(fixedVersions[p.key], p.version)
				}
			}
		}
		for status, ids := range v.ProductStatus {
			vexStatus, ok := csafStatus(status)
			if !ok {
				continue // "recommended" is advice, not a status
			}
			for _, pid := range ids {
				p := products[pid]
				where := fmt.Sprintf("%s.product_status.%s[%s]", at, status, pid)
				switch {
				case p == nil:
					set.Problems = append(set.Problems, Problem{where, "product id is not in the product tree"})
					continue
				case p.key == "":
					set.Problems = append(set.Problems, Problem{where, "product " + p.name + " has no purl or CPE with a vendor: " + p.err})
					continue
				}
				st := Statement{
					Vulnerability: id, Aliases: aliases, Product: p.key, Versions: nonEmpty(p.version),
					Status: vexStatus, Justification: justification[pid], Impact: impact[pid], Action: action[pid],
					Author: author, Timestamp: issued, Document: source, ProductName: p.name,
				}
				if p.parent != "" {
					// A component of a larger product: the statement is about
					// the component inside that product.
					st.Product, st.Subcomponents, st.Versions = p.parent, []pkgid.Key{p.key}, nonEmpty(p.parentVer)
				}
				set.Statements = append(set.Statements, st)
				if vexStatus == StatusAffected {
					af := Affected{Key: p.key, Ecosystem: p.ecosystem, Fixed: fixedVersions[p.key]}
					switch {
					case p.version != "":
						af.Versions = []string{p.version}
					case strings.HasPrefix(p.vers, "vers:"):
						af.Vers = []string{p.vers}
					default:
						af.AllVersions = true
					}
					adv.Affected = append(adv.Affected, af)
				}
			}
		}
		if len(adv.Affected) > 0 {
			set.Advisories = append(set.Advisories, adv)
		}
	}
	return set, nil
}

func csafIdentify(p csafProduct, vendor, name string) *csafProductInfo {
	info := &csafProductInfo{name: firstNonEmpty(p.Name, name)}
	if h := p.Helper; h != nil {
		if h.PURL != "" {
			if pkg, err := pkgid.ParsePURL(h.PURL); err == nil {
				info.key, info.ecosystem, info.version = pkg.Key, pkg.Ecosystem, pkg.Version
				return info
			} else {
				info.err = err.Error()
			}
		}
		if h.CPE != "" {
			if cpe, err := pkgid.ParseCPE(h.CPE); err == nil && cpe.Key != "" {
				info.key, info.version = cpe.Key, cpe.Version
				return info
			} else if err != nil {
				info.err = err.Error()
			}
		}
	}
	// Without a helper, the vendor and product branch names are the CPE-style key.
	info.key = pkgid.VendorProduct(vendor, name)
	if info.key == "" && info.err == "" {
		info.err = "no product_identification_helper and no vendor branch"
	}
	return info
}

func csafStatus(s string) (Status, bool) {
	switch s {
	case "known_affected", "first_affected", "last_affected":
		return StatusAffected, true
	case "known_not_affected":
		return StatusNotAffected, true
	case "fixed", "first_fixed":
		return StatusFixed, true
	case "under_investigation":
		return StatusUnderInvestigation, true
	}
	return "", false
}

func parseCSAFTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}
