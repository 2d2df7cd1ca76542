package vuln

import (
	"renkei/internal/vuln/pkgid"
	"renkei/internal/vuln/product"
	"renkei/internal/vuln/sbom"
)

// Target is one thing that can be affected: a component of an SBOM or a
// registered device (connection point).
type Target struct {
	Org   string // owning organization; "" in an offline scan
	Asset string // the SBOM (serial or file) or device id it belongs to
	Kind  string // "component" or "device"

	Name      string
	Version   string
	PURL      string
	CPE       string
	Ecosystem string
	Supplier  string
	Keys      []pkgid.Key // every key it can be named by (Component.Keys)

	// Distro and Release come from a deb/apk purl's distro qualifier
	// ("debian", "12" from distro=bookworm), so that release-specific
	// advisories apply only to their release.
	Distro, Release string

	// The product the target is part of (the SBOM's subject), so that a
	// VEX statement about the product and its subcomponents applies.
	ProductKeys     []pkgid.Key
	ProductVersion  string
	ProductSupplier string
}

// TargetsFromSBOM makes one target per component of doc, owned by org.
func TargetsFromSBOM(org, asset string, doc *sbom.Document) []Target {
	var pkeys []pkgid.Key
	var pver, psup string
	if doc.Product != nil {
		pkeys, pver, psup = doc.Product.Keys(), doc.Product.Version, doc.Product.Supplier
	}
	out := make([]Target, 0, len(doc.Components)+1)
	if p := doc.Product; p != nil && len(pkeys) > 0 {
		// The product itself: vendor advisories (CSAF, JVN, KEV) name it.
		out = append(out, Target{
			Org: org, Asset: asset, Kind: "product", Name: componentName(p), Version: p.Version,
			PURL: p.PURL, CPE: p.CPE, Ecosystem: p.Ecosystem, Supplier: p.Supplier, Keys: pkeys,
			ProductKeys: pkeys, ProductVersion: pver, ProductSupplier: psup,
		})
	}
	for i := range doc.Components {
		c := &doc.Components[i]
		if c.Crypto != nil && c.PURL == "" && c.CPE == "" {
			continue // a cryptographic asset, not software with versions
		}
		if doc.Product != nil && len(pkeys) > 0 && c.Ref != "" && c.Ref == doc.Product.Ref {
			continue // SPDX lists the described package among the packages: it is the product target
		}
		t := Target{
			Org: org, Asset: asset, Kind: "component",
			Name: componentName(c), Version: c.Version, PURL: c.PURL, CPE: c.CPE,
			Ecosystem: c.Ecosystem, Supplier: c.Supplier, Keys: c.Keys(),
			ProductKeys: pkeys, ProductVersion: pver, ProductSupplier: psup,
		}
		if c.Package.Distro != "" {
			t.Distro, t.Release = pkgid.ReleaseOfQualifier(c.Package.Namespace, c.Package.Distro)
		}
		out = append(out, t)
	}
	return out
}

func componentName(c *sbom.Component) string {
	if c.Group != "" && c.Package.Type == "" {
		return c.Group + "/" + c.Name
	}
	if c.Package.Namespace != "" {
		return c.Package.Namespace + "/" + c.Package.Name
	}
	return c.Name
}

// Device is an internet-facing device or service a member registered.
type Device struct {
	Org     string
	ID      string
	Vendor  string
	Product string
	Version string
	PURL    string
	CPE     string
}

// TargetFromDevice makes the target of a registered device. Its keys are
// its purl, its CPE vendor:product, the CPE-style key of its vendor and
// product names, and the keys of the product the catalogue resolves them to
// (package product), so that a KEV entry naming "Ivanti" "Pulse Connect
// Secure" finds a device registered as vendor "Ivanti", product "Connect
// Secure".
func TargetFromDevice(d Device) Target {
	t := Target{Org: d.Org, Asset: d.ID, Kind: "device", Name: d.Vendor + " " + d.Product, Version: d.Version, PURL: d.PURL, CPE: d.CPE, Supplier: d.Vendor}
	add := func(k pkgid.Key) {
		for _, x := range t.Keys {
			if x == k {
				return
			}
		}
		if k != "" {
			t.Keys = append(t.Keys, k)
		}
	}
	if d.PURL != "" {
		if p, err := pkgid.ParsePURL(d.PURL); err == nil {
			add(p.Key)
			t.Ecosystem = p.Ecosystem
		}
	}
	if d.CPE != "" {
		if c, err := pkgid.ParseCPE(d.CPE); err == nil && c.Key != "" {
			for _, k := range product.Default().CPEKeys(c.Key) {
				add(k)
			}
		}
	}
	// The name as written, and the product it is in the catalogue: "Ivanti"
	// "Connect Secure" is also Pulse Connect Secure, "Citrix" "NetScaler
	// ADC" also Citrix ADC, a Zyxel USG FLEX one of "Multiple Firewalls".
	for _, k := range product.Default().Keys(d.Vendor, d.Product) {
		add(k)
	}
	t.ProductKeys = t.Keys
	t.ProductVersion = d.Version
	t.ProductSupplier = d.Vendor
	return t
}
