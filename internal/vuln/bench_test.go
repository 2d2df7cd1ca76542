package vuln

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"renkei/internal/corpora"
	"renkei/internal/vuln/advisory"
	"renkei/internal/vuln/pkgid"
	"renkei/internal/vuln/sbom"
	"renkei/internal/vuln/version"
)

// BenchmarkIngestSBOM measures reading, normalizing and indexing the
// largest example SBOM (keycloak, 903 components, 2.2 MB of JSON).
func BenchmarkIngestSBOM(b *testing.B) {
	path := corpora.Path(b, "cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	components := 0
	for i := 0; i < b.N; i++ {
		doc, err := sbom.Parse(data, path)
		if err != nil {
			b.Fatal(err)
		}
		e := New()
		e.AddTargets(TargetsFromSBOM("org", path, doc))
		components += len(doc.Components)
	}
	b.ReportMetric(float64(components)/b.Elapsed().Seconds(), "components/s")
}

// hub builds the synthetic community of the KEV benchmark: 10,000 SBOMs of
// 100 components each (1M components drawn from 20,000 packages in four
// ecosystems) owned by 2,000 organizations, and 50,000 devices from 200
// vendor products.
func hub(b *testing.B) *Engine {
	b.Helper()
	const (
		sboms, perSBOM, packages = 10_000, 100, 20_000
		devices, products, orgs  = 50_000, 200, 2_000
	)
	ecos := []struct{ typ, eco string }{{"npm", version.NPM}, {"maven", version.Maven}, {"pypi", version.PyPI}, {"golang", version.Go}}
	type pkg struct {
		keys []pkgid.Key
		eco  string
		purl string
	}
	pool := make([]pkg, packages)
	for i := range pool {
		e := ecos[i%len(ecos)]
		k := pkgid.Key(fmt.Sprintf("purl:%s/pkg%05d", e.typ, i))
		pool[i] = pkg{keys: []pkgid.Key{k}, eco: e.eco, purl: fmt.Sprintf("pkg:%s/pkg%05d", e.typ, i)}
	}
	popular := pkg{keys: []pkgid.Key{"purl:maven/org.apache.logging.log4j/log4j-core"}, eco: version.Maven, purl: "pkg:maven/org.apache.logging.log4j/log4j-core"}
	versions := []string{"2.12.1", "2.14.1", "2.15.0", "2.17.1", "2.3"}
	orgNames := make([]string, orgs)
	for i := range orgNames {
		orgNames[i] = fmt.Sprintf("org-%04d", i)
	}
	e := New()
	ts := make([]Target, 0, sboms*perSBOM)
	for s := 0; s < sboms; s++ {
		asset := fmt.Sprintf("sbom-%05d", s)
		pk := []pkgid.Key{pkgid.VendorProduct(fmt.Sprintf("vendor%03d", s%products), fmt.Sprintf("product%03d", s%products))}
		for c := 0; c < perSBOM; c++ {
			p := &pool[(s*7919+c*104729)%packages]
			if c == 0 && s%2 == 0 {
				p = &popular // half of the SBOMs ship log4j-core
			}
			ts = append(ts, Target{Org: orgNames[s%orgs], Asset: asset, Kind: "component", Name: p.purl, Version: versions[(s+c)%len(versions)],
				PURL: p.purl, Ecosystem: p.eco, Keys: p.keys, ProductKeys: pk})
		}
	}
	for d := 0; d < devices; d++ {
		ts = append(ts, TargetFromDevice(Device{Org: orgNames[(d*d+d/7)%orgs], ID: fmt.Sprintf("dev-%05d", d),
			Vendor: fmt.Sprintf("vendor%03d", d%products), Product: fmt.Sprintf("product%03d", d%products), Version: "7.0.1"}))
	}
	e.AddTargets(ts)
	return e
}

// alertsByOrg groups hits into one alert per organization, as the hub's
// alert path receives them.
func alertsByOrg(hits []Hit) map[string][]Hit {
	out := map[string][]Hit{}
	for _, h := range hits {
		out[h.Target.Org] = append(out[h.Target.Org], h)
	}
	return out
}

// BenchmarkKEVAgainst1MComponents measures a new KEV entry for a vendor
// product (registered on 250 devices, CPE of nothing else) against the
// index of 1M SBOM components and 50,000 devices: the time until the list
// of affected (organization, device) pairs is ready, grouped per
// organization.
func BenchmarkKEVAgainst1MComponents(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e := hub(b)
	runtime.GC()
	runtime.ReadMemStats(&after)
	perTarget := float64(after.HeapAlloc-before.HeapAlloc) / float64(len(e.targets))
	b.ResetTimer()
	var orgs, pairs int
	for i := 0; i < b.N; i++ {
		cve := fmt.Sprintf("CVE-2099-%05d", i)
		set := &advisory.Set{
			KEV:        map[string]advisory.KEV{cve: {CVE: cve, VendorProject: "vendor042", Product: "product042", DueDate: "2099-02-01"}},
			Advisories: []advisory.Advisory{{ID: cve, Source: "CISA KEV", Affected: []advisory.Affected{{Key: pkgid.VendorProduct("vendor042", "product042"), AllVersions: true}}}},
		}
		alerts := alertsByOrg(e.AddSet(set))
		orgs, pairs = len(alerts), 0
		for _, hs := range alerts {
			pairs += len(hs)
		}
	}
	b.ReportMetric(float64(orgs), "orgs")
	b.ReportMetric(float64(pairs), "pairs")
	b.ReportMetric(perTarget, "heapB/target")
}

// BenchmarkOSVAgainst1MComponents measures a new OSV advisory with
// version ranges (Log4Shell's three) on a package present in 5,000 of the
// SBOMs: every touched component's version is evaluated with Maven's rules.
func BenchmarkOSVAgainst1MComponents(b *testing.B) {
	e := hub(b)
	b.ResetTimer()
	var pairs int
	for i := 0; i < b.N; i++ {
		set := &advisory.Set{Advisories: []advisory.Advisory{{ID: fmt.Sprintf("GHSA-bench-%05d", i), Affected: []advisory.Affected{{
			Key: "purl:maven/org.apache.logging.log4j/log4j-core", Ecosystem: version.Maven,
			Ranges: []version.Range{
				{Type: "ECOSYSTEM", Events: []version.Event{{Introduced: "2.13.0"}, {Fixed: "2.15.0"}}},
				{Type: "ECOSYSTEM", Events: []version.Event{{Introduced: "2.0-beta9"}, {Fixed: "2.3.1"}}},
				{Type: "ECOSYSTEM", Events: []version.Event{{Introduced: "2.4"}, {Fixed: "2.12.2"}}},
			},
		}}}}}
		pairs = len(e.AddSet(set))
	}
	b.ReportMetric(float64(pairs), "pairs")
}
