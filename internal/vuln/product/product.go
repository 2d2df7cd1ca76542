// Package product is the catalogue of product names that vulnerability
// matching uses: who makes a product, the names it has gone by (Pulse
// Connect Secure is now Ivanti Connect Secure; Citrix ADC is now NetScaler
// ADC), the families a product belongs to ("Zyxel Multiple Firewalls"), and
// the CPE names sources give it. A registered device and an advisory row
// each name a product as people write it; both are resolved here to the same
// keys, so that "Ivanti" / "Connect Secure" 22.7 meets KEV's "Ivanti" /
// "Pulse Connect Secure", and "Fortinet" / "FortiOS" meets "FortiOS and
// FortiProxy".
//
// Every name in the catalogue cites where it is attested (a CISA KEV row,
// the vendor's own bulletin, a JVN or NVD CPE name): nothing here is
// guessed. The names KEV rows use need no entry of their own: a row naming
// several products is split ("FortiOS and FortiProxy", "Connect Secure,
// Policy Secure, and ZTA Gateways"), an abbreviation in parentheses is a
// name too ("Endpoint Manager Mobile (EPMM)"), and words that follow a
// product's name ("IOS XE Software", "SMA100 Appliances", "FortiOS SSL-VPN")
// do not hide it. This package must not resolve a product by its name alone,
// without its vendor: "Gateway" names nothing, "Citrix" "Gateway" names
// NetScaler Gateway. It reads nothing at run time; the catalogue ships in
// the binary.
package product

import (
	"slices"
	"sort"
	"strings"
	"unicode"

	"renkei/internal/vuln/pkgid"
)

// Product is one entry of the catalogue.
type Product struct {
	Vendor string // the vendor's current name, as it writes it
	Name   string // the product's current name, without the vendor
	// Aliases are other names of the same product: former names, names
	// under a former vendor, abbreviations. Each cites its source.
	Aliases []Alias
	// Families are the families the product belongs to, by their key
	// (Family entries): a row naming the family names the product.
	Families []string
	// CPE lists CPE vendor:product pairs sources give the product (JVN and
	// NVD use the same dictionary), each with its source.
	CPE []Alias
	// Family marks an entry that names a family of products ("Multiple
	// Firewalls"), not a product a device can be.
	Family bool
}

// Alias is a name of a product and where it is attested. For a CPE alias,
// Vendor and Name are the CPE vendor and product fields.
type Alias struct {
	Vendor string // "" for the product's own vendor (or its aliases)
	Name   string
	Source string
}

// Key is the product's matching key: the CPE-style key of its current
// vendor and name (pkgid.VendorProduct), the same kind of key the
// product–supplier register and the engine use.
func (p *Product) Key() pkgid.Key { return pkgid.VendorProduct(p.Vendor, p.Name) }

// Title is the product as people name it: vendor and product.
func (p *Product) Title() string { return p.Vendor + " " + p.Name }

// Vendor is a vendor and the other names it is written with.
type Vendor struct {
	Name    string
	Aliases []Alias
}

// Catalogue resolves names to products.
type Catalogue struct {
	products []*Product
	vendors  map[string][][]string  // vendor (folded) → token lists of its names
	names    map[string][]entry     // vendor (folded) → product names
	byCPE    map[pkgid.Key]*Product // CPE key → product
	byKey    map[pkgid.Key]*Product // product key → product
}

type entry struct {
	toks []string
	p    *Product
}

// New builds a catalogue from vendors and products.
func New(vendors []Vendor, products []Product) *Catalogue {
	c := &Catalogue{vendors: map[string][][]string{}, names: map[string][]entry{}, byCPE: map[pkgid.Key]*Product{}, byKey: map[pkgid.Key]*Product{}}
	for _, v := range vendors {
		f := fold(v.Name)
		c.vendors[f] = append(c.vendors[f], tokens(v.Name))
		for _, a := range v.Aliases {
			c.vendors[f] = append(c.vendors[f], tokens(a.Name))
		}
	}
	for i := range products {
		p := &products[i]
		c.products = append(c.products, p)
		f := fold(p.Vendor)
		if _, ok := c.vendors[f]; !ok {
			c.vendors[f] = [][]string{tokens(p.Vendor)}
		}
		c.byKey[p.Key()] = p
		add := func(name string) {
			if t := tokens(name); len(t) > 0 {
				c.names[f] = append(c.names[f], entry{t, p})
			}
		}
		add(p.Name)
		for _, a := range p.Aliases {
			if a.Vendor != "" && fold(a.Vendor) != f {
				// A name under another vendor (Pulse Secure): that vendor
				// becomes a name of this one for this product only.
				af := fold(a.Vendor)
				c.names[af] = append(c.names[af], entry{tokens(a.Name), p})
				if _, ok := c.vendors[af]; !ok {
					c.vendors[af] = [][]string{tokens(a.Vendor)}
				}
				continue
			}
			add(a.Name)
		}
		for _, a := range p.CPE {
			c.byCPE[pkgid.VendorProduct(a.Vendor, a.Name)] = p
		}
	}
	for f := range c.names {
		// Longest names first: "IOS XE" before "IOS".
		sort.SliceStable(c.names[f], func(i, j int) bool { return len(c.names[f][i].toks) > len(c.names[f][j].toks) })
	}
	return c
}

// Products returns the catalogue's products (families included), in order.
func (c *Catalogue) Products() []*Product { return c.products }

// Resolve returns the products a vendor and product name designate: none
// when the vendor is unknown or no name of its products starts the product
// name; several when the name lists several ("FortiOS and FortiProxy").
func (c *Catalogue) Resolve(vendor, product string) []*Product {
	vs := c.vendorsOf(vendor)
	if len(vs) == 0 {
		return nil
	}
	var out []*Product
	for _, part := range split(product) {
		for _, name := range variants(part) {
			toks := tokens(name)
			for _, v := range vs {
				// "Cisco IOS XE Web UI": the vendor written again.
				toks := stripVendor(toks, c.vendors[v])
				if p := c.lookup(v, toks); p != nil && !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// Keys returns the matching keys of a vendor and product name: the keys of
// the products it resolves to and of their families, and the CPE-style key
// of the name as written (which is all there is when the catalogue knows
// nothing of it).
func (c *Catalogue) Keys(vendor, product string) []pkgid.Key {
	var out []pkgid.Key
	add := func(k pkgid.Key) {
		if k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	add(pkgid.VendorProduct(vendor, product))
	for _, p := range c.Resolve(vendor, product) {
		add(p.Key())
		for _, f := range p.Families {
			add(pkgid.Key(f))
		}
	}
	return out
}

// CPEKeys returns the keys a CPE vendor:product key stands for: the key
// itself and, when the catalogue lists the CPE for a product (JVN and NVD
// names such as cpe:/o:fortinet:fortios), that product's key and families.
func (c *Catalogue) CPEKeys(k pkgid.Key) []pkgid.Key {
	out := []pkgid.Key{k}
	p := c.byCPE[k]
	if p == nil {
		return out
	}
	for _, x := range append([]pkgid.Key{p.Key()}, familyKeys(p)...) {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func familyKeys(p *Product) []pkgid.Key {
	out := make([]pkgid.Key, len(p.Families))
	for i, f := range p.Families {
		out[i] = pkgid.Key(f)
	}
	return out
}

// Equivalent returns every key that names the same product as k (k itself,
// the product's key and its CPE keys), for the product–supplier register:
// a supplier registered for cpe:ivanti:connect_secure speaks for
// cpe:pulsesecure:pulse_connect_secure too.
func (c *Catalogue) Equivalent(k pkgid.Key) []pkgid.Key {
	out := []pkgid.Key{k}
	p := c.byKey[k]
	if p == nil {
		p = c.byCPE[k]
	}
	if p == nil {
		return out
	}
	add := func(x pkgid.Key) {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	add(p.Key())
	for _, a := range p.CPE {
		add(pkgid.VendorProduct(a.Vendor, a.Name))
	}
	return out
}

// Suggest returns the titles of products (not families) whose vendor and
// name contain every word of q, at most limit, in catalogue order: what the
// console offers as a member types.
func (c *Catalogue) Suggest(q string, limit int) []*Product {
	words := strings.Fields(strings.ToLower(q))
	var out []*Product
	for _, p := range c.products {
		if p.Family {
			continue
		}
		hay := strings.ToLower(p.Title())
		for _, a := range p.Aliases {
			hay += " " + strings.ToLower(a.Name)
		}
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(hay, w)
		}
		if ok {
			out = append(out, p)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out
}

// vendorsOf returns the canonical vendors whose name or alias starts the
// vendor as written ("Palo Alto Networks Inc." → Palo Alto Networks).
func (c *Catalogue) vendorsOf(vendor string) []string {
	toks := tokens(vendor)
	if len(toks) == 0 {
		return nil
	}
	var out []string
	for f, names := range c.vendors {
		for _, n := range names {
			if len(n) > 0 && hasPrefix(toks, n) {
				out = append(out, f)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// lookup finds the product of vendor v whose name, word by word, starts
// toks; the longest name wins.
func (c *Catalogue) lookup(v string, toks []string) *Product {
	if len(toks) == 0 {
		return nil
	}
	for _, e := range c.names[v] {
		if hasPrefix(toks, e.toks) {
			return e.p
		}
	}
	return nil
}

// stripVendor removes a leading vendor name from a product name, unless
// nothing would be left ("TeamViewer" "TeamViewer").
func stripVendor(toks []string, vendors [][]string) []string {
	for _, v := range vendors {
		if len(v) > 0 && len(toks) > len(v) && hasPrefix(toks, v) {
			return toks[len(v):]
		}
	}
	return toks
}

func hasPrefix(toks, prefix []string) bool {
	if len(prefix) > len(toks) {
		return false
	}
	for i := range prefix {
		if toks[i] != prefix[i] {
			return false
		}
	}
	return true
}

// split cuts a name that lists several products: "A and B", "A, B, and
// C", "A/B". A name that lists one product is returned whole.
func split(s string) []string {
	s = strings.TrimSpace(s)
	var out []string
	for _, a := range strings.Split(s, ",") {
		for _, b := range strings.Split(a, "/") {
			for _, part := range splitWord(b, "and") {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
		}
	}
	return out
}

// splitWord splits s at the word w (case-insensitive), never inside words.
func splitWord(s, w string) []string {
	f := strings.Fields(s)
	var out []string
	start := 0
	for i, x := range f {
		if strings.EqualFold(x, w) {
			out = append(out, strings.Join(f[start:i], " "))
			start = i + 1
		}
	}
	return append(out, strings.Join(f[start:], " "))
}

// variants returns the names one part is written with: "Endpoint Manager
// Mobile (EPMM)" is "Endpoint Manager Mobile" and "EPMM"; a part without
// parentheses is itself.
func variants(part string) []string {
	open := strings.IndexByte(part, '(')
	if open < 0 {
		return []string{part}
	}
	end := strings.IndexByte(part[open:], ')')
	if end < 0 {
		return []string{part}
	}
	inner := part[open+1 : open+end]
	rest := strings.TrimSpace(part[:open] + " " + part[open+end+1:])
	return []string{rest, inner}
}

// tokens folds a name into its words, split at every change between
// letters and digits and at anything else, lower-cased, with a plural "s"
// dropped: "SMA100 Appliances" and "SMA 100 appliance" give the same
// words, as do "PAN-OS" and "pan os".
func tokens(s string) []string {
	var out []string
	var b strings.Builder
	kind := 0 // 1 letter, 2 digit
	flush := func() {
		if b.Len() == 0 {
			return
		}
		w := b.String()
		if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
			w = w[:len(w)-1]
		}
		out = append(out, w)
		b.Reset()
	}
	for _, r := range strings.ToLower(s) {
		k := 0
		switch {
		case unicode.IsLetter(r):
			k = 1
		case unicode.IsDigit(r):
			k = 2
		}
		if k != kind || k == 0 {
			flush()
		}
		kind = k
		if k != 0 {
			b.WriteRune(r)
		}
	}
	flush()
	return out
}

func fold(s string) string { return strings.Join(tokens(s), " ") }

var def = New(vendors, catalogue)

// Default is the catalogue that ships with Renkei (catalogue.go).
func Default() *Catalogue { return def }
