// Package sbom reads software bills of materials — CycloneDX 1.1–1.6 (JSON
// and XML, including embedded VEX/VDR vulnerabilities and CBOM
// cryptographic assets) and SPDX 2.1–2.3 (JSON, YAML, tag-value and RDF) —
// into one normalized model of a product and its components.
//
// Load recognizes the format by content. A document it cannot read is
// refused with the reason (SPDX 3.0, SPDX XML, not an SBOM); a bad
// component inside a readable document is reported as a Problem and the
// rest is kept. This package only reads: it does not match vulnerabilities
// and does not store anything.
package sbom

import (
	"time"

	"renkei/internal/vuln/advisory"
	"renkei/internal/vuln/pkgid"
)

// Document is one SBOM, normalized.
type Document struct {
	Source      string // file name it was read from
	Format      string // "CycloneDX" or "SPDX"
	SpecVersion string // "1.6", "2.3"
	Encoding    string // "JSON", "XML", "tag-value", "YAML", "RDF/XML"
	Serial      string // CycloneDX serialNumber or SPDX documentNamespace
	Created     time.Time

	// Product is what the SBOM describes (CycloneDX metadata.component,
	// SPDX documentDescribes), if it says.
	Product *Component

	Components []Component

	// Vulnerabilities holds what a CycloneDX BOM says about vulnerabilities
	// (VEX analysis or a VDR), nil when it says nothing.
	Vulnerabilities *advisory.Set

	Problems []advisory.Problem
}

// Describe names the document for messages: "CycloneDX 1.6 JSON".
func (d *Document) Describe() string {
	return d.Format + " " + d.SpecVersion + " " + d.Encoding
}

// Component is one package, file, device or cryptographic asset.
type Component struct {
	Ref       string // bom-ref or SPDXID
	Type      string // CycloneDX component type or SPDX primaryPackagePurpose, lower case
	Group     string
	Name      string
	Version   string
	PURL      string
	CPE       string
	Package   pkgid.Package // parsed PURL; zero when there is none or it did not parse
	CPEKey    pkgid.Key     // vendor:product key of CPE; "" when none or wildcard vendor
	BOMLink   pkgid.Key     // CycloneDX BOM-Link key when the BOM has a serial number and the component a bom-ref
	Ecosystem string        // OSV ecosystem of the purl type, "" when unknown
	Hashes    []Hash
	Licenses  []string
	Supplier  string
	Crypto    *Crypto // CBOM cryptographic properties, nil for other components
}

// Hash is a checksum of a component.
type Hash struct {
	Algorithm string
	Value     string
}

// Crypto keeps the CycloneDX 1.6 cryptographic properties that
// post-quantum migration tracking needs: what kind of asset, which
// algorithm and parameters, and its quantum security level.
type Crypto struct {
	AssetType                string // algorithm, certificate, protocol, related-crypto-material
	OID                      string
	Primitive                string // e.g. "signature", "kem", "ae"
	AlgorithmFamily          string
	ParameterSet             string
	Curve                    string
	Mode                     string
	Padding                  string
	Functions                []string
	ClassicalSecurityLevel   int
	NISTQuantumSecurityLevel int
	ProtocolType             string
	ProtocolVersion          string
	CipherSuites             []string
	CertificateSubject       string
	CertificateIssuer        string
	CertificateNotAfter      string
	CertificateFormat        string
	MaterialType             string // related crypto material: public-key, secret-key …
	MaterialSize             int
	// Refs are the bom-refs of the assets this one names: a certificate's
	// signature algorithm and subject public key, a key's algorithm, a
	// protocol's cryptoRefArray and its cipher suites' algorithms (for
	// package pqc, which classifies a certificate by its key).
	Refs []string
	// TLSGroups are the key-exchange groups a protocol's cipher suites name.
	TLSGroups []string
}

// Keys returns every key the component can be named by, strongest first:
// its purl, its CPE vendor:product, its BOM-Link, and — only when it has
// neither purl nor CPE — its bare name.
func (c *Component) Keys() []pkgid.Key {
	var keys []pkgid.Key
	for _, k := range []pkgid.Key{c.Package.Key, c.CPEKey, c.BOMLink} {
		if k != "" {
			keys = append(keys, k)
		}
	}
	if c.Package.Key == "" && c.CPEKey == "" {
		if k := pkgid.Name(c.Name); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}
