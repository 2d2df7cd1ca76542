package product

import (
	"maps"
	"slices"
	"strings"

	"renkei/internal/vuln/pkgid"
)

// Rows that name no product in their product field. KEV writes some rows
// for a vendor as a whole — "Multiple Products", "Multiple Routers",
// "MobileIron Multiple Products" — and names the products only in the
// row's description: "Fortinet FortiOS, FortiPAM, FortiProxy, and FortiWeb
// contain a format string vulnerability …" (CVE-2024-23113). Such a row
// names exactly the products its description's subject lists, and no
// other: nothing is read into "Multiple Crestron products".

// VendorWide reports whether a product field names no product but a
// vendor's products as a whole ("Multiple Products", "Multiple Devices").
func VendorWide(product string) bool {
	for _, w := range tokens(product) {
		if w == "multiple" {
			return true
		}
	}
	return false
}

// subjectVerbs end the subject of a description's first sentence: what
// comes before "contain", "allow", "is" … names what is vulnerable.
var subjectVerbs = []string{"contain", "contains", "allow", "allows", "expose", "exposes", "is", "are", "has", "have", "could", "can",
	"may", "does", "do", "fail", "fails", "suffer", "suffers", "improperly", "mishandle", "mishandles", "lack", "lacks", "use", "uses"}

// Named returns the product names the description of a vendor-wide row
// states, as written, without the vendor: the subject of its first
// sentence ("Apple iOS, iPadOS, and macOS contain …" → iOS, iPadOS, macOS;
// "The GDrv low-level driver in GIGABYTE App Center, AORUS Graphics Engine
// … exposes …" → App Center, AORUS Graphics Engine …), a list in
// parentheses read as its items ("Zyxel firewalls (ATP, USG, VM)" → ATP,
// USG, VM), and the lists after "impacts" or "Impacted … products:"
// ("This vulnerability impacts Ruckus ZoneDirector, SmartZone, and Solo
// APs"). A subject that only says "Multiple Crestron products" names
// nothing.
func Named(vendor, desc string) []string {
	var out []string
	add := func(list string) {
		if VendorWide(firstWord(list)) {
			return // "multiple D-Link and TRENDnet devices": no product named
		}
		for _, n := range listItems(strings.ReplaceAll(list, "'s ", " ")) {
			n = strings.TrimSpace(trimVendor(n, vendor))
			if n == "" || VendorWide(n) || isGeneric(n) {
				continue
			}
			dup := false
			for _, o := range out {
				dup = dup || fold(o) == fold(n)
			}
			if !dup {
				out = append(out, n)
			}
		}
	}
	first, _, _ := strings.Cut(desc, ". ")
	add(subject(first))
	// Lower-cased byte for byte (ASCII only), so that an index in low is
	// one in desc: strings.ToLower (and strings.Map) change lengths (invalid
	// UTF-8, some letters), and a description comes from outside (FuzzNamed).
	b := []byte(desc)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	low := string(b)
	for _, lead := range []string{" impacts ", "products: "} {
		if i := strings.Index(low, lead); i >= 0 {
			rest := desc[i+len(lead):]
			rest, _, _ = strings.Cut(rest, ". ")
			add(strings.TrimSuffix(strings.TrimSpace(rest), "."))
		}
	}
	return out
}

// subject is what comes before the first verb of subjectVerbs in a
// sentence, from the last " in " before it ("the driver in X" → X), without
// a leading "The".
func subject(s string) string {
	words := strings.Fields(s)
	end := -1
	for i, w := range words {
		for _, v := range subjectVerbs {
			if strings.EqualFold(w, v) && i > 0 {
				end = i
				break
			}
		}
		if end >= 0 {
			break
		}
	}
	if end < 0 {
		return ""
	}
	words = words[:end]
	for i := len(words) - 1; i >= 0; i-- {
		if words[i] == "in" {
			words = words[i+1:]
			break
		}
	}
	if len(words) > 0 && strings.EqualFold(words[0], "the") {
		words = words[1:]
	}
	s = strings.Join(words, " ")
	s, _, _ = strings.Cut(s, ", which") // "Cleo Harmony, VLTrader, and LexiCom, which are … products"
	return s
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// listItems splits a list of names at commas, "and" and "/" outside
// parentheses; a name followed by a list in parentheses ("firewalls (ATP,
// USG, VM)") is replaced by the list's items, while a single word in
// parentheses stays with its name as an abbreviation ("Remote Console
// (VMRC)").
func listItems(s string) []string {
	var items []string
	depth, start := 0, 0
	cut := func(end int) {
		items = append(items, s[start:end])
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth = max(depth-1, 0)
		case ',', '/':
			if depth == 0 {
				cut(i)
				start = i + 1
			}
		}
	}
	cut(len(s))
	var out []string
	for _, it := range items {
		for _, part := range splitWordOutside(it, "and") {
			part = strings.TrimSpace(part)
			open := strings.IndexByte(part, '(')
			if open >= 0 {
				if end := strings.LastIndexByte(part, ')'); end > open {
					inner := part[open+1 : end]
					if strings.ContainsAny(inner, ",/") || len(splitWord(inner, "and")) > 1 {
						out = append(out, listItems(inner)...)
						continue
					}
				}
			}
			if part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// splitWordOutside splits s at the word w outside parentheses.
func splitWordOutside(s, w string) []string {
	var out []string
	depth, start := 0, 0
	f := strings.Fields(s)
	for i, x := range f {
		depth += strings.Count(x, "(") - strings.Count(x, ")")
		if depth == 0 && strings.EqualFold(x, w) {
			out = append(out, strings.Join(f[start:i], " "))
			start = i + 1
		}
	}
	return append(out, strings.Join(f[start:], " "))
}

// trimVendor removes the vendor written before a name ("Fortinet FortiOS").
func trimVendor(name, vendor string) string {
	name = strings.TrimSpace(name)
	written := strings.FieldsFunc(vendor, func(r rune) bool { return r == '(' || r == ')' })
	if f := strings.Fields(vendor); len(f) > 1 {
		written = append(written, f[0]) // "Ruckus ZoneDirector" under "Ruckus Wireless"
	}
	for _, v := range written {
		v = strings.TrimSpace(v)
		if v != "" && len(name) > len(v) && strings.EqualFold(name[:len(v)], v) && name[len(v)] == ' ' {
			return name[len(v)+1:]
		}
	}
	return name
}

// isGeneric reports whether a name is only a kind of thing ("products",
// "devices", "routers"), a hardware revision after a slash ("V4" in
// "TL-WR940N V2/V4"), or says which products only vaguely ("other Apple
// products", "some Zyxel firewall versions"): not a product's name.
func isGeneric(n string) bool {
	switch fold(n) {
	case "product", "device", "router", "firewall", "chipset", "software", "appliance":
		return true
	}
	t := tokens(n)
	if len(t) == 2 && t[0] == "v" && t[1] != "" && t[1][0] >= '0' && t[1][0] <= '9' {
		return true
	}
	for _, w := range t {
		if w == "other" || w == "some" || w == "all" {
			return true
		}
	}
	return false
}

// ResolveTitle returns the products a name that begins with its vendor
// designates ("Ivanti Connect Secure 22.7", "Fortinet FortiOS"): what a
// CSAF full product name without vendor branches writes. A name that does
// not begin with a catalogue vendor's name designates nothing.
func (c *Catalogue) ResolveTitle(title string) []*Product {
	toks := tokens(title)
	var out []*Product
	for _, f := range slices.Sorted(maps.Keys(c.vendors)) {
		for _, v := range c.vendors[f] {
			if len(v) == 0 || len(toks) <= len(v) || !hasPrefix(toks, v) {
				continue
			}
			if p := c.lookup(f, toks[len(v):]); p != nil && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// NameKeys returns the matching keys of one product name a row states: the
// CPE-style key of the name as written and the keys of the catalogue's
// products it designates — not their families, since naming one member
// ("Zyxel ATP") does not name the others.
func (c *Catalogue) NameKeys(vendor, name string) []pkgid.Key {
	var out []pkgid.Key
	if k := pkgid.VendorProduct(vendor, name); k != "" {
		out = append(out, k)
	}
	for _, p := range c.Resolve(vendor, name) {
		if !slices.Contains(out, p.Key()) {
			out = append(out, p.Key())
		}
	}
	return out
}
