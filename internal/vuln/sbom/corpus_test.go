package sbom

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"renkei/internal/corpora"
)

// refusedCorpus lists every corpus file that must be refused, with the
// reason the refusal must give. Every other file must load.
var refusedCorpus = map[string]string{
	"spdx-spec-2.3.1/examples/SPDXXMLExample-v2.3.spdx.xml": "SPDX XML is not supported",
	// tools-golang v0.5.7 cannot read these two official examples; the
	// refusal names the reader and its reason.
	"spdx-spec-2.3.1/examples/SPDXRdfExample-v2.3.spdx.rdf.xml": "SPDX RDF/XML: the SPDX reader (tools-golang) refused it",
	"spdx-spec-2.3.1/examples/SPDXTagExample-v2.3.spdx":         "SPDX tag-value: the SPDX reader (tools-golang) refused it: received unknown tag SnippetSPDXID",
	"spdx-spec-2.3.1/schemas/spdx-schema.json":                  "JSON without bomFormat or spdxVersion",
	"spdx-examples/software/example10/spdx2.3/shas":             "not a CycloneDX or SPDX document",
}

func TestCorpusLoadsOrIsRefusedForTheRightReason(t *testing.T) {
	var loaded, refused int
	for _, root := range []string{"cyclonedx-bom-examples", "spdx-examples", "spdx-spec-2.3.1"} {
		dir := corpora.Path(t, root)
		base := filepath.Dir(dir)
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := d.Name()
			if strings.HasSuffix(name, ".md") || name == "LICENSE" || name == "COPYING" || strings.HasSuffix(name, ".sha256") {
				return nil
			}
			rel := filepath.ToSlash(strings.TrimPrefix(path, base+string(filepath.Separator)))
			t.Run(rel, func(t *testing.T) {
				doc, err := LoadFile(path)
				want, mustRefuse := refusedCorpus[rel]
				if strings.Contains(rel, "/spdx3.0/") || strings.HasSuffix(rel, ".spdx3.json") {
					want, mustRefuse = "SPDX 3.0 (JSON-LD) is not supported", true
				}
				switch {
				case mustRefuse && err == nil:
					t.Fatalf("loaded as %s, want refusal %q", doc.Describe(), want)
				case mustRefuse && !strings.Contains(err.Error(), want):
					t.Fatalf("refused with %q, want %q", err, want)
				case mustRefuse:
					refused++
				case err != nil:
					t.Fatalf("refused: %v", err)
				default:
					loaded++
					if len(doc.Problems) > 0 {
						t.Errorf("%d problems, first: %s", len(doc.Problems), doc.Problems[0])
					}
				}
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d documents loaded, %d refused", loaded, refused)
}

func TestCorpusContents(t *testing.T) {
	cases := []struct {
		name       string
		path       string
		describe   string
		components int
		check      func(t *testing.T, d *Document)
	}{
		{name: "keycloak JSON 1.2", path: "cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json", describe: "CycloneDX 1.2 JSON", components: 903,
			check: func(t *testing.T, d *Document) {
				n := 0
				for _, c := range d.Components {
					if c.Package.Type == "maven" && c.Ecosystem == "Maven" && c.Version != "" {
						n++
					}
				}
				if n < 800 {
					t.Errorf("only %d maven components with versions", n)
				}
			}},
		{name: "keycloak XML agrees with JSON", path: "cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.xml", describe: "CycloneDX 1.2 XML", components: 903},
		{name: "laravel 1.1 XML", path: "cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.1.xml", describe: "CycloneDX 1.1 XML", components: 62},
		{name: "CBOM algorithm keeps crypto", path: "cyclonedx-bom-examples/CBOM/Algorithm/bom.json", describe: "CycloneDX 1.6 JSON", components: 2,
			check: func(t *testing.T, d *Document) {
				for _, c := range d.Components {
					if c.Crypto != nil && c.Crypto.AssetType == "algorithm" && c.Crypto.Primitive != "" {
						return
					}
				}
				t.Error("no algorithm asset with a primitive")
			}},
		{name: "CBOM protocol keeps cipher suites", path: "cyclonedx-bom-examples/CBOM/Protocol/bom.json", describe: "CycloneDX 1.6 JSON", components: 8,
			check: func(t *testing.T, d *Document) {
				for _, c := range d.Components {
					if c.Crypto != nil && c.Crypto.ProtocolType == "tls" && len(c.Crypto.CipherSuites) > 0 {
						return
					}
				}
				t.Error("no TLS protocol asset with cipher suites")
			}},
		{name: "SPDX 2.2 tag-value keeps declared version", path: "spdx-examples/software/example6/spdx2.2/example6-lib.spdx", describe: "SPDX 2.2 tag-value", components: 5},
		{name: "SPDX 2.3 JSON with purls", path: "spdx-examples/software/example11/spdx2.3/sbom.spdx.json", describe: "SPDX 2.3 JSON", components: 4,
			check: func(t *testing.T, d *Document) {
				for _, c := range d.Components {
					if c.Package.Key == "purl:deb/debian/libselinux1-dev" && c.Ecosystem == "Debian" {
						return
					}
				}
				t.Error("no deb purl read from externalRefs")
			}},
		{name: "SPDX 2.3 YAML", path: "spdx-spec-2.3.1/examples/SPDXYAMLExample-2.3.spdx.yaml", describe: "SPDX 2.3 YAML", components: 4},
		{name: "SPDX 2.3 JSON spec example CPE", path: "spdx-spec-2.3.1/examples/SPDXJSONExample-v2.3.spdx.json", describe: "SPDX 2.3 JSON", components: 4,
			check: func(t *testing.T, d *Document) {
				for _, c := range d.Components {
					if c.CPEKey != "" {
						return
					}
				}
				t.Error("no CPE read from SECURITY externalRefs")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := LoadFile(corpora.Path(t, tc.path))
			if err != nil {
				t.Fatal(err)
			}
			if d.Describe() != tc.describe {
				t.Errorf("Describe() = %q, want %q", d.Describe(), tc.describe)
			}
			if len(d.Components) != tc.components {
				t.Errorf("%d components, want %d", len(d.Components), tc.components)
			}
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name, input, want string
		notSBOM           bool
	}{
		{"empty", "  \n", "empty file", true},
		{"plain text", "hello", "not a CycloneDX or SPDX document", true},
		{"json other", `{"foo": 1}`, "JSON without bomFormat or spdxVersion", true},
		{"broken json", "{\n\"bomFormat\": \"CycloneDX\",\n", "JSON: line", false},
		{"spdx3", `{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}`, "SPDX 3.0 (JSON-LD) is not supported", false},
		{"wrong bom namespace", `<bom xmlns="http://example.com/bom"/>`, "not a CycloneDX schema namespace", true},
		{"xml other", `<html/>`, "XML root element <html>", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.input), "x")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if errors.Is(err, ErrNotSBOM) != tc.notSBOM {
				t.Errorf("errors.Is(ErrNotSBOM) = %v", !tc.notSBOM)
			}
		})
	}
}

func TestBadComponentIsReportedAndRestKept(t *testing.T) {
	in := `{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,
	"components":[
	 {"type":"library","name":"ok","version":"1.0.0","purl":"pkg:npm/ok@1.0.0","bom-ref":"a"},
	 {"type":"library","name":"badpurl","version":"1","purl":"pkg:/nonsense"},
	 {"type":"library","name":"","version":"2"},
	 {"type":"library","name":"nested","components":[{"type":"library","name":"inner","purl":"pkg:pypi/Django_Rest@3.1"}]}]}`
	d, err := Parse([]byte(in), "mixed.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Components) != 5 {
		t.Fatalf("%d components, want 5 (nested flattened)", len(d.Components))
	}
	if len(d.Problems) != 2 {
		t.Fatalf("problems = %v, want 2 (bad purl, no name)", d.Problems)
	}
	if !strings.Contains(d.Problems[0].Where, "mixed.json: components[1].purl") {
		t.Errorf("problem location %q", d.Problems[0].Where)
	}
	inner := d.Components[4]
	if inner.Package.Key != "purl:pypi/django-rest" || inner.Version != "3.1" || inner.Ecosystem != "PyPI" {
		t.Errorf("inner = %+v", inner.Package)
	}
	if d.Components[0].BOMLink != "bomlink:3e671687-395b-41f5-a30f-a58921a69b79#a" {
		t.Errorf("BOMLink = %q", d.Components[0].BOMLink)
	}
}
