package relevance

import "renkei/internal/vuln/product"

// CatalogueProduct is a product of the product catalogue (package
// vuln/product) as the doors offer it: what a member may type as vendor
// and product for a connection point to be matched under every name the
// product has had.
type CatalogueProduct struct {
	Vendor  string   `json:"vendor"`
	Name    string   `json:"name"`
	Key     string   `json:"key"`
	Aliases []string `json:"aliases,omitempty"`
}

// Catalogue returns the catalogue's products whose vendor, name or other
// names contain every word of q (all when q is empty), at most limit (0:
// no limit). The catalogue is public knowledge: no viewer is needed.
func Catalogue(q string, limit int) []CatalogueProduct {
	ps := product.Default().Suggest(q, limit)
	out := make([]CatalogueProduct, 0, len(ps))
	for _, p := range ps {
		cp := CatalogueProduct{Vendor: p.Vendor, Name: p.Name, Key: string(p.Key())}
		for _, a := range p.Aliases {
			cp.Aliases = append(cp.Aliases, a.Name)
		}
		out = append(out, cp)
	}
	return out
}

// CatalogueVendors returns the vendors of the catalogue's products, in
// catalogue order, each once: what the console offers for the vendor field.
func CatalogueVendors() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range product.Default().Products() {
		if !seen[p.Vendor] {
			seen[p.Vendor] = true
			out = append(out, p.Vendor)
		}
	}
	return out
}

// Products returns the catalogue products the connection point is matched
// as ("Ivanti Connect Secure" for vendor "Ivanti", product "Pulse Connect
// Secure"); none when the catalogue does not know it, and it is matched by
// its name as written only.
func (c ConnectionPoint) Products() []string {
	var out []string
	for _, p := range product.Default().Resolve(c.Vendor, c.Product) {
		out = append(out, p.Title())
	}
	return out
}
