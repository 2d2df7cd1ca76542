package sbom

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	spdxrdf "github.com/spdx/tools-golang/rdf"
	"github.com/spdx/tools-golang/spdx"
	spdxtv "github.com/spdx/tools-golang/tagvalue"
	spdxyaml "github.com/spdx/tools-golang/yaml"
)

func parseSPDX(data []byte, source, encoding string) (*Document, error) {
	var (
		d   *spdx.Document
		err error
	)
	r := bytes.NewReader(data)
	switch encoding {
	case "JSON":
		d, err = spdxjson.Read(r)
	case "tag-value":
		d, err = spdxtv.Read(r)
	case "YAML":
		d, err = spdxyaml.Read(r)
	case "RDF/XML":
		d, err = spdxrdf.Read(r)
	}
	if err != nil {
		if v := spdxVersionOf(data); strings.HasPrefix(v, "SPDX-3") {
			return nil, &UnsupportedError{"SPDX 3.0 is not supported: export the SBOM as SPDX 2.3 or CycloneDX"}
		}
		return nil, fmt.Errorf("SPDX %s: the SPDX reader (tools-golang) refused it: %w", encoding, err)
	}
	if d == nil {
		return nil, fmt.Errorf("SPDX %s: empty document", encoding)
	}
	return FromSPDX(d, source, encoding, spdxVersionOf(data)), nil
}

// spdxVersionOf finds the declared version in a document the reader
// refused, so that the refusal can name the real reason.
func spdxVersionOf(data []byte) string {
	for _, key := range [][]byte{[]byte("SPDXVersion:"), []byte(`"spdxVersion"`), []byte("spdxVersion:")} {
		if i := bytes.Index(data, key); i >= 0 {
			rest := data[i+len(key):]
			if j := bytes.Index(rest, []byte("SPDX-")); j >= 0 && j < 16 {
				end := j + 5
				for end < len(rest) && (rest[end] == '.' || rest[end] >= '0' && rest[end] <= '9') {
					end++
				}
				return string(rest[j:end])
			}
		}
	}
	return ""
}

// FromSPDX normalizes an SPDX 2.x document (tools-golang converts 2.1 and
// 2.2 to the 2.3 model; declared, when not empty, is the version the file
// declared, reported instead of the model's). Every package becomes a component; the packages
// the document DESCRIBES become the product when there is exactly one.
func FromSPDX(s *spdx.Document, source, encoding, declared string) *Document {
	doc := &Document{
		Source: source, Format: "SPDX", SpecVersion: strings.TrimPrefix(s.SPDXVersion, "SPDX-"),
		Encoding: encoding, Serial: s.DocumentNamespace,
	}
	if declared != "" {
		doc.SpecVersion = strings.TrimPrefix(declared, "SPDX-")
	}
	if s.CreationInfo != nil {
		doc.Created, _ = time.Parse(time.RFC3339, s.CreationInfo.Created)
	}
	described := map[string]bool{}
	for _, r := range s.Relationships {
		if r == nil {
			continue
		}
		if strings.EqualFold(r.Relationship, "DESCRIBES") && string(r.RefA.ElementRefID) == "DOCUMENT" {
			described[string(r.RefB.ElementRefID)] = true
		}
		if strings.EqualFold(r.Relationship, "DESCRIBED_BY") && string(r.RefB.ElementRefID) == "DOCUMENT" {
			described[string(r.RefA.ElementRefID)] = true
		}
	}
	for i, p := range s.Packages {
		if p == nil {
			continue
		}
		c := doc.spdxPackage(p, fmt.Sprintf("packages[%d] (SPDXRef-%s)", i, p.PackageSPDXIdentifier))
		doc.Components = append(doc.Components, c)
		if len(described) == 1 && described[string(p.PackageSPDXIdentifier)] {
			product := c
			doc.Product = &product
		}
	}
	return doc
}

func (d *Document) spdxPackage(p *spdx.Package, at string) Component {
	c := Component{
		Ref: "SPDXRef-" + string(p.PackageSPDXIdentifier), Type: strings.ToLower(p.PrimaryPackagePurpose),
		Name: p.PackageName, Version: p.PackageVersion,
	}
	if p.PackageName == "" {
		d.problem(at, "package has no name")
	}
	if p.PackageSupplier != nil && p.PackageSupplier.Supplier != "NOASSERTION" {
		c.Supplier = p.PackageSupplier.Supplier
	}
	for _, ref := range p.PackageExternalReferences {
		if ref == nil {
			continue
		}
		switch strings.ToLower(ref.RefType) {
		case "purl":
			if c.PURL == "" {
				c.PURL = ref.Locator
			}
		case "cpe23type", "cpe22type":
			if c.CPE == "" {
				c.CPE = ref.Locator
			}
		}
	}
	d.identify(&c, at)
	for _, h := range p.PackageChecksums {
		c.Hashes = append(c.Hashes, Hash{Algorithm: string(h.Algorithm), Value: h.Value})
	}
	for _, l := range []string{p.PackageLicenseConcluded, p.PackageLicenseDeclared} {
		if l != "" && l != "NOASSERTION" && l != "NONE" && !slices.Contains(c.Licenses, l) {
			c.Licenses = append(c.Licenses, l)
		}
	}
	return c
}
