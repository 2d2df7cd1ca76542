package sbom

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"renkei/internal/vuln/advisory"
	"renkei/internal/vuln/pkgid"
)

func parseCycloneDX(data []byte, source, encoding string) (*Document, error) {
	format := cdx.BOMFileFormatJSON
	if encoding == "XML" {
		format = cdx.BOMFileFormatXML
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), format).Decode(&bom); err != nil {
		if encoding == "JSON" {
			err = describeJSONError(data, err)
		}
		return nil, fmt.Errorf("CycloneDX %s: %w", encoding, err)
	}
	if encoding == "XML" {
		bom.SpecVersion = xmlSpecVersion(bom.XMLNS)
	}
	if bom.SpecVersion == 0 {
		return nil, &UnsupportedError{"CycloneDX document without a known specVersion"}
	}
	return FromCycloneDX(&bom, source, encoding), nil
}

func xmlSpecVersion(ns string) cdx.SpecVersion {
	v := strings.TrimPrefix(ns, "http://cyclonedx.org/schema/bom/")
	for sv := cdx.SpecVersion1_0; sv <= cdx.SpecVersion1_7; sv++ {
		if sv.String() == v {
			return sv
		}
	}
	return 0
}

// FromCycloneDX normalizes a decoded CycloneDX BOM. Nested components are
// flattened in document order.
func FromCycloneDX(bom *cdx.BOM, source, encoding string) *Document {
	doc := &Document{
		Source: source, Format: "CycloneDX", SpecVersion: bom.SpecVersion.String(),
		Encoding: encoding, Serial: bom.SerialNumber,
	}
	if md := bom.Metadata; md != nil {
		doc.Created, _ = time.Parse(time.RFC3339, md.Timestamp)
		if md.Component != nil {
			p := doc.component(*md.Component, "metadata.component")
			if p.Supplier == "" && md.Supplier != nil {
				p.Supplier = md.Supplier.Name
			}
			doc.Product = &p
		}
	}
	if bom.Components != nil {
		doc.walk(*bom.Components, "components")
	}
	if bom.Vulnerabilities != nil && len(*bom.Vulnerabilities) > 0 {
		doc.Vulnerabilities = advisory.FromCycloneDX(bom, source)
	}
	return doc
}

func (d *Document) walk(list []cdx.Component, where string) {
	for i, c := range list {
		at := fmt.Sprintf("%s[%d]", where, i)
		d.Components = append(d.Components, d.component(c, at))
		if c.Components != nil {
			d.walk(*c.Components, at+".components")
		}
	}
}

func (d *Document) problem(where, format string, args ...any) {
	d.Problems = append(d.Problems, advisory.Problem{Where: d.Source + ": " + where, Err: fmt.Sprintf(format, args...)})
}

func (d *Document) component(c cdx.Component, at string) Component {
	out := Component{
		Ref: c.BOMRef, Type: string(c.Type), Group: c.Group, Name: c.Name, Version: c.Version,
		PURL: c.PackageURL, CPE: c.CPE,
	}
	if c.Name == "" {
		d.problem(at, "component has no name")
	}
	switch {
	case c.Supplier != nil:
		out.Supplier = c.Supplier.Name
	case c.Manufacturer != nil:
		out.Supplier = c.Manufacturer.Name
	case c.Publisher != "":
		out.Supplier = c.Publisher
	}
	d.identify(&out, at)
	out.BOMLink = pkgid.BOMLink(d.Serial, c.BOMRef)
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			out.Hashes = append(out.Hashes, Hash{Algorithm: string(h.Algorithm), Value: h.Value})
		}
	}
	if c.Licenses != nil {
		for _, l := range *c.Licenses {
			switch {
			case l.Expression != "":
				out.Licenses = append(out.Licenses, l.Expression)
			case l.License != nil && l.License.ID != "":
				out.Licenses = append(out.Licenses, l.License.ID)
			case l.License != nil && l.License.Name != "":
				out.Licenses = append(out.Licenses, l.License.Name)
			}
		}
	}
	if cp := c.CryptoProperties; cp != nil {
		out.Crypto = cryptoOf(cp)
	}
	return out
}

// identify parses the component's purl and CPE into matching keys, noting
// what does not parse.
func (d *Document) identify(c *Component, at string) {
	if c.PURL != "" {
		p, err := pkgid.ParsePURL(c.PURL)
		if err != nil {
			d.problem(at+".purl", "%v", err)
		} else {
			c.Package = p
			c.Ecosystem = p.Ecosystem
			if c.Version == "" {
				c.Version = p.Version
			}
		}
	}
	if c.CPE != "" {
		cpe, err := pkgid.ParseCPE(c.CPE)
		if err != nil {
			d.problem(at+".cpe", "%v", err)
		} else {
			c.CPEKey = cpe.Key
			if c.Version == "" {
				c.Version = cpe.Version
			}
		}
	}
}

func cryptoOf(cp *cdx.CryptoProperties) *Crypto {
	c := &Crypto{AssetType: string(cp.AssetType), OID: cp.OID}
	if a := cp.AlgorithmProperties; a != nil {
		c.Primitive = string(a.Primitive)
		c.AlgorithmFamily = a.AlgorithmFamily
		c.ParameterSet = a.ParameterSetIdentifier
		c.Curve = a.EllipticCurve
		if c.Curve == "" {
			c.Curve = a.Curve
		}
		c.Mode = string(a.Mode)
		c.Padding = string(a.Padding)
		if a.CryptoFunctions != nil {
			for _, f := range *a.CryptoFunctions {
				c.Functions = append(c.Functions, string(f))
			}
		}
		if a.ClassicalSecurityLevel != nil {
			c.ClassicalSecurityLevel = *a.ClassicalSecurityLevel
		}
		if a.NistQuantumSecurityLevel != nil {
			c.NISTQuantumSecurityLevel = *a.NistQuantumSecurityLevel
		}
	}
	if p := cp.ProtocolProperties; p != nil {
		c.ProtocolType = string(p.Type)
		c.ProtocolVersion = p.Version
		if p.CipherSuites != nil {
			for _, s := range *p.CipherSuites {
				c.CipherSuites = append(c.CipherSuites, s.Name)
				if s.Algorithms != nil {
					for _, r := range *s.Algorithms {
						c.ref(string(r))
					}
				}
				if s.TLSGroups != nil {
					c.TLSGroups = append(c.TLSGroups, *s.TLSGroups...)
				}
			}
		}
		if p.CryptoRefArray != nil {
			for _, r := range *p.CryptoRefArray {
				c.ref(string(r))
			}
		}
	}
	if cert := cp.CertificateProperties; cert != nil {
		c.CertificateSubject = cert.SubjectName
		c.CertificateIssuer = cert.IssuerName
		c.CertificateNotAfter = cert.NotValidAfter
		c.CertificateFormat = cert.CertificateFormat
		c.ref(string(cert.SignatureAlgorithmRef))
		c.ref(string(cert.SubjectPublicKeyRef))
	}
	if m := cp.RelatedCryptoMaterialProperties; m != nil {
		c.MaterialType = string(m.Type)
		if m.Size != nil {
			c.MaterialSize = *m.Size
		}
		c.ref(string(m.AlgorithmRef))
	}
	return c
}

// ref adds the bom-ref r to c.Refs once, when it is not empty.
func (c *Crypto) ref(r string) {
	if r != "" && !slices.Contains(c.Refs, r) {
		c.Refs = append(c.Refs, r)
	}
}
