package advisory

import (
	"os"
	"path/filepath"
	"testing"
)

// fuzzParser feeds arbitrary bytes to Parse, seeded with the fixtures: it
// must never panic, and whatever it accepts must be internally consistent.
func fuzzParser(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		data, err := os.ReadFile(filepath.Join("testdata", s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		for _, a := range set.Advisories {
			if a.ID == "" {
				t.Fatalf("advisory without id: %+v", a)
			}
			for _, af := range a.Affected {
				if af.Key == "" {
					t.Fatalf("affected without key in %s", a.ID)
				}
			}
		}
		for _, s := range set.Statements {
			if s.Vulnerability == "" || s.Product == "" || s.Status == "" {
				t.Fatalf("incomplete statement %+v", s)
			}
		}
	})
}

func FuzzOSV(f *testing.F)     { fuzzParser(f, "osv-log4j.json", "osv-mixed.json") }
func FuzzCSAF(f *testing.F)    { fuzzParser(f, "csaf-vex.json") }
func FuzzOpenVEX(f *testing.F) { fuzzParser(f, "openvex.json") }
func FuzzJVN(f *testing.F)     { fuzzParser(f, "jvn-vuldef.xml", "jvnrss.rdf") }
func FuzzEPSS(f *testing.F)    { fuzzParser(f, "epss.csv") }
func FuzzKEV(f *testing.F)     { fuzzParser(f, "kev-mini.json") }
func FuzzCycloneDXVEX(f *testing.F) {
	fuzzParser(f, "cyclonedx-vex.json")
}
