package advisory

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"renkei/internal/vuln/pkgid"
	"renkei/internal/vuln/product"
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
	Vulnerabilities []csafVulnerability `json:"vulnerabilities"`
}

// csafVulnerability is one entry of a CSAF document's vulnerabilities.
type csafVulnerability struct {
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
	version   string // exact version, from the purl, CPE or a product_version branch
	vers      string // a product_version_range branch ("vers:…" or free text)
	// also are the other keys the product catalogue (package product)
	// resolves the product to: its current name's key and families, for a
	// name written under a former name or vendor, or a CPE the catalogue
	// lists ("Pulse Secure" "Pulse Connect Secure" is Ivanti Connect Secure).
	also      []pkgid.Key
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
	c := &csafReader{
		set: set, source: source, doc: &doc, products: map[string]*csafProductInfo{}, groups: map[string][]string{},
		author: doc.Document.Publisher.Name,
		issued: parseCSAFTime(cmp.Or(doc.Document.Tracking.CurrentReleaseDate, doc.Document.Tracking.InitialReleaseDate)),
	}
	c.readProductTree()
	for i, v := range doc.Vulnerabilities {
		c.readVulnerability(i, v)
	}
	return set, nil
}

// csafReader holds what reading one CSAF document needs across its parts:
// the product tree resolved to package keys, and the document's author and time.
type csafReader struct {
	set      *Set
	source   string
	doc      *csafDoc
	products map[string]*csafProductInfo // by product id
	groups   map[string][]string         // product group id → product ids
	author   string
	issued   time.Time
}

// readProductTree resolves every product id of the tree: branches (vendor,
// product name, version or version range above a product), full product
// names, and relationships (a component inside another product).
func (c *csafReader) readProductTree() {
	tree := &c.doc.ProductTree
	c.walk(tree.Branches, "", "", "")
	for _, p := range tree.FullProductNames {
		c.products[p.ProductID] = csafIdentify(p, "", "")
	}
	for _, r := range tree.Relationships {
		comp, ok := c.products[r.ProductReference]
		if !ok {
			c.set.Problems = append(c.set.Problems, Problem{c.source + ": product_tree.relationships", fmt.Sprintf("product_reference %q is not in the product tree", r.ProductReference)})
			continue
		}
		info := *comp
		info.name = r.FullProductName.Name
		if parent, ok := c.products[r.RelatesToProductReference]; ok {
			info.parent, info.parentVer = parent.key, parent.version
		}
		c.products[r.FullProductName.ProductID] = &info
	}
	for _, g := range tree.ProductGroups {
		c.groups[g.GroupID] = g.ProductIDs
	}
}

// walk reads branches with the vendor, product name and version of the
// branches above them.
func (c *csafReader) walk(bs []csafBranch, vendor, name, ver string) {
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
			c.products[b.Product.ProductID] = info
		}
		c.walk(b.Branches, v, n, vv)
	}
}

// expand returns product ids with the members of the groups added.
func (c *csafReader) expand(ids, gids []string) []string {
	out := append([]string{}, ids...)
	for _, g := range gids {
		out = append(out, c.groups[g]...)
	}
	return out
}

// csafNotes is what a vulnerability says about each product id besides its
// status: the flag's justification, the impact threat, the remediations.
type csafNotes struct {
	justification, impact, action map[string]string
	response                      map[string][]string
}

// cdxResponseOfCSAF maps CSAF 2.0 remediation categories (section 3.2.3.12.1)
// onto CycloneDX analysis.response values; "optional_patch" has none.
var cdxResponseOfCSAF = map[string]string{
	"vendor_fix":     "update",
	"workaround":     "workaround_available",
	"mitigation":     "workaround_available",
	"no_fix_planned": "will_not_fix",
	"none_available": "can_not_fix",
}

func (c *csafReader) notes(v csafVulnerability) csafNotes {
	n := csafNotes{justification: map[string]string{}, impact: map[string]string{}, action: map[string]string{}, response: map[string][]string{}}
	for _, f := range v.Flags {
		for _, pid := range c.expand(f.ProductIDs, f.GroupIDs) {
			n.justification[pid] = f.Label
		}
	}
	for _, t := range v.Threats {
		if t.Category == "impact" {
			for _, pid := range c.expand(t.ProductIDs, t.GroupIDs) {
				n.impact[pid] = t.Details
			}
		}
	}
	for _, r := range v.Remediations {
		text := r.Category + ": " + r.Details
		if r.URL != "" {
			text += " (" + r.URL + ")"
		}
		for _, pid := range c.expand(r.ProductIDs, r.GroupIDs) {
			if n.action[pid] != "" {
				n.action[pid] += "; "
			}
			n.action[pid] += text
			if r, ok := cdxResponseOfCSAF[r.Category]; ok && !slices.Contains(n.response[pid], r) {
				n.response[pid] = append(n.response[pid], r)
			}
		}
	}
	return n
}

// readVulnerability turns one vulnerability into VEX statements and, when a
// product is affected, an advisory.
func (c *csafReader) readVulnerability(i int, v csafVulnerability) {
	id := v.CVE
	var aliases []string
	for _, x := range v.IDs {
		if id == "" {
			id = x.Text
		} else if x.Text != id {
			aliases = append(aliases, x.Text)
		}
	}
	at := fmt.Sprintf("%s: vulnerabilities[%d] (%s)", c.source, i, id)
	if id == "" {
		c.set.Problems = append(c.set.Problems, Problem{at, "neither cve nor ids"})
		return
	}
	adv := Advisory{ID: id, Aliases: aliases, Source: c.author, Document: c.source, Summary: cmp.Or(v.Title, c.doc.Document.Title), Published: c.issued}
	for _, r := range v.References {
		adv.References = append(adv.References, r.URL)
	}
	csafScores(&adv, v)
	notes := c.notes(v)
	fixed := c.fixedVersions(v)
	for status, ids := range v.ProductStatus {
		vexStatus, ok := csafStatus(status)
		if !ok {
			continue // "recommended" is advice, not a status
		}
		for _, pid := range ids {
			p := c.product(fmt.Sprintf("%s.product_status.%s[%s]", at, status, pid), pid)
			if p == nil {
				continue
			}
			keys := []pkgid.Key{p.key}
			if p.parent == "" {
				keys = append(keys, p.also...) // every name the catalogue knows the product by
			}
			for _, k := range keys {
				st := Statement{
					Vulnerability: id, Aliases: aliases, Product: k, Versions: nonEmpty(p.version),
					Status: vexStatus, Justification: notes.justification[pid], Impact: notes.impact[pid], Action: notes.action[pid], Response: notes.response[pid],
					Author: c.author, Timestamp: c.issued, Document: c.source, ProductName: p.name,
				}
				if p.parent != "" {
					// A component of a larger product: the statement is about
					// the component inside that product.
					st.Product, st.Subcomponents, st.Versions = p.parent, []pkgid.Key{p.key}, nonEmpty(p.parentVer)
				}
				c.set.Statements = append(c.set.Statements, st)
				if vexStatus == StatusAffected {
					af := p.affected(fixed[p.key])
					af.Key = k
					adv.Affected = append(adv.Affected, af)
				}
			}
		}
	}
	if len(adv.Affected) > 0 {
		c.set.Advisories = append(c.set.Advisories, adv)
	}
}

// product returns the product a status names, or nil after recording the
// problem when it is not in the tree or has no package key.
func (c *csafReader) product(where, pid string) *csafProductInfo {
	p := c.products[pid]
	switch {
	case p == nil:
		c.set.Problems = append(c.set.Problems, Problem{where, "product id is not in the product tree"})
		return nil
	case p.key == "":
		c.set.Problems = append(c.set.Problems, Problem{where, "product " + p.name + " has no purl or CPE with a vendor: " + p.err})
		return nil
	}
	return p
}

// fixedVersions returns the versions the vulnerability's fixed products
// name, by package.
func (c *csafReader) fixedVersions(v csafVulnerability) map[pkgid.Key][]string {
	fixed := map[pkgid.Key][]string{}
	for _, st := range []string{"fixed", "first_fixed"} {
		for _, pid := range v.ProductStatus[st] {
			if p := c.products[pid]; p != nil && p.key != "" && p.version != "" {
				fixed[p.key] = append(fixed[p.key], p.version)
			}
		}
	}
	return fixed
}

// affected is the advisory's entry for an affected product: its exact
// version, its version range, or all versions.
func (p *csafProductInfo) affected(fixed []string) Affected {
	af := Affected{Key: p.key, Ecosystem: p.ecosystem, Fixed: fixed}
	switch {
	case p.version != "":
		af.Versions = []string{p.version}
	case strings.HasPrefix(p.vers, "vers:"):
		af.Vers = []string{p.vers}
	default:
		af.AllVersions = true
	}
	return af
}

// csafScores adds the vulnerability's CVSS scores to the advisory, its
// severity from the highest CVSS v3 score.
func csafScores(adv *Advisory, v csafVulnerability) {
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
}

func csafIdentify(p csafProduct, vendor, name string) *csafProductInfo {
	info := &csafProductInfo{name: cmp.Or(p.Name, name)}
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
				info.also = product.Default().CPEKeys(cpe.Key)[1:]
				return info
			} else if err != nil {
				info.err = err.Error()
			}
		}
	}
	// Without a helper, the vendor and product branch names are the
	// CPE-style key, and the keys of the catalogue's product they name.
	if keys := product.Default().Keys(vendor, name); len(keys) > 0 {
		info.key, info.also = keys[0], keys[1:]
		return info
	}
	// A full product name without branches names its vendor in its text
	// ("Ivanti Connect Secure 22.7"): the catalogue's product it begins with.
	if vendor == "" {
		for _, p := range product.Default().ResolveTitle(info.name) {
			if info.key == "" {
				info.key = p.Key()
			} else {
				info.also = append(info.also, p.Key())
			}
			for _, f := range p.Families {
				info.also = append(info.also, pkgid.Key(f))
			}
		}
	}
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
