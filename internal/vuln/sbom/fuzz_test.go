package sbom

import (
	"os"
	"path/filepath"
	"testing"
)

func fuzzSBOM(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		data, err := os.ReadFile(filepath.Join("testdata", s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		if doc.Format == "" || doc.Encoding == "" {
			t.Fatalf("document without format: %+v", doc)
		}
		for _, c := range doc.Components {
			if c.Package.Key != "" && c.Package.Type == "" {
				t.Fatalf("key without type: %+v", c.Package)
			}
		}
	})
}

func FuzzCycloneDX(f *testing.F) { fuzzSBOM(f, "appliance.cdx.json", "appliance.cdx.xml") }
func FuzzSPDX(f *testing.F)      { fuzzSBOM(f, "tool.spdx") }
