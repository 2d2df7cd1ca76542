package pkgid

import "strings"

// BOMLink returns the key of a component in a CycloneDX BOM with the given
// serial number ("urn:uuid:…") and bom-ref, so that a VEX document can
// name it with a BOM-Link (urn:cdx:<uuid>/<version>#<ref>). The BOM
// version is left out: a statement about a product holds across
// re-issues of its BOM. It returns "" when serial or ref is empty.
func BOMLink(serial, ref string) Key {
	uuid := strings.TrimPrefix(strings.ToLower(serial), "urn:uuid:")
	if uuid == "" || ref == "" {
		return ""
	}
	return Key("bomlink:" + uuid + "#" + ref)
}

// ParseBOMLink reads a CycloneDX BOM-Link to a component
// (urn:cdx:<uuid>/<version>#<ref>).
func ParseBOMLink(s string) (Key, bool) {
	rest, ok := strings.CutPrefix(s, "urn:cdx:")
	if !ok {
		return "", false
	}
	doc, ref, ok := strings.Cut(rest, "#")
	if !ok || ref == "" {
		return "", false
	}
	uuid, _, _ := strings.Cut(doc, "/")
	k := BOMLink(uuid, ref)
	return k, k != ""
}

// Name returns the weakest key, a component's bare name, used only to
// connect a VEX or VDR document to an SBOM when neither names the
// component with a purl, CPE or BOM-Link (the CycloneDX VEX examples do
// this). Advisories from feeds never carry name keys.
func Name(name string) Key {
	n := strings.Join(strings.Fields(strings.ToLower(name)), " ")
	if n == "" {
		return ""
	}
	return Key("name:" + n)
}
