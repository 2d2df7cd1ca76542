package relevance

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"renkei/internal/alert"
	"renkei/internal/corpora"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/vuln"
	"renkei/internal/vuln/pkgid"
	"renkei/internal/vuln/version"
)

// community stores the synthetic community of the KEV benchmark in db:
// 10,000 registered SBOMs of 100 components (1M components from 20,000
// packages in four ecosystems; the SBOMs' products come from 200 vendor
// products) and 50,000 connection points of the same 200 products, owned
// by 2,000 organizations.
func community(b *testing.B, db *store.DB) {
	b.Helper()
	ctx := context.Background()
	const (
		sboms, perSBOM, packages = 10_000, 100, 20_000
		devices, products, orgs  = 50_000, 200, 2_000
	)
	ecos := []struct{ typ, eco string }{{"npm", version.NPM}, {"maven", version.Maven}, {"pypi", version.PyPI}, {"golang", version.Go}}
	versions := []string{"1.0.0", "1.2.3", "2.0.1", "2.14.1", "3.1.4"}
	now := time.Now().UTC()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		stmt, err := tx.Prepare(ctx, "INSERT INTO vuln_sboms(public_id, org_id, name, format, serial, components, document, targets, created_at) VALUES(?, ?, ?, 'CycloneDX 1.6 JSON', '', ?, ?, ?, ?)")
		if err != nil {
			return err
		}
		defer stmt.Close()
		for s := 0; s < sboms; s++ {
			org := fmt.Sprintf("org-%04d", s%orgs)
			vendor, product := fmt.Sprintf("vendor%03d", s%products), fmt.Sprintf("product%03d", s%products)
			pk := []pkgid.Key{pkgid.VendorProduct(vendor, product)}
			pub := store.NewPublicID()
			asset := "sbom-" + pub
			ts := make([]vuln.Target, 0, perSBOM+1)
			ts = append(ts, vuln.Target{Org: org, Asset: asset, Kind: "product", Name: vendor + " " + product, Version: "7.0.1", Keys: pk, ProductKeys: pk, ProductVersion: "7.0.1"})
			for c := 0; c < perSBOM; c++ {
				i := (s*7919 + c*104729) % packages
				e := ecos[i%len(ecos)]
				purl := fmt.Sprintf("pkg:%s/pkg%05d", e.typ, i)
				ts = append(ts, vuln.Target{Org: org, Asset: asset, Kind: "component", Name: purl, Version: versions[(s+c)%len(versions)],
					PURL: purl, Ecosystem: e.eco, Keys: []pkgid.Key{pkgid.Key("purl:" + purl[4:])}, ProductKeys: pk, ProductVersion: "7.0.1"})
			}
			blob, err := encodeTargets(ts)
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, pub, org, vendor+" "+product, len(ts), []byte{}, blob, store.Micros(now)); err != nil {
				return err
			}
		}
		for d := 0; d < devices; d++ {
			c := ConnectionPoint{OrgID: fmt.Sprintf("org-%04d", int((uint32(d)*2654435761)>>16)%orgs), Kind: "vpn", Vendor: fmt.Sprintf("vendor%03d", d%products),
				Product: fmt.Sprintf("product%03d", d%products), Version: "7.0.1", Address: "192.0.2.1", LastConfirmed: now, Created: now, Updated: now}
			if _, err := tx.Exec(ctx, "INSERT INTO vuln_connection_points(public_id, org_id, kind, vendor, product, version, purl, cpe, address, owner, last_confirmed, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				store.NewPublicID(), c.OrgID, c.Kind, c.Vendor, c.Product, c.Version, c.PURL, c.CPE, c.Address, c.Owner, store.Micros(c.LastConfirmed), store.Micros(c.Created), store.Micros(c.Updated)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkKEVAgainstStore measures, on a store holding 10,000 registered
// SBOMs (1M components) and 50,000 connection points, the time from a new
// KEV catalog document arriving (parse, store, match) until every affected
// organization's alert is stored: 250 devices and 50 SBOM products of
// about 300 organizations per entry.
func BenchmarkKEVAgainstStore(b *testing.B) {
	ctx := context.Background()
	db := storetest.Open(b, "sqlite")
	start := time.Now()
	community(b, db)
	b.Logf("store filled in %s", time.Since(start))
	s := New(db, &alert.Service{DB: db}, nil)
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start = time.Now()
	if err := s.Load(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("engine loaded from the store in %s", time.Since(start))
	runtime.GC()
	runtime.ReadMemStats(&m1)
	b.Logf("engine heap: %d MiB", (m1.HeapAlloc-m0.HeapAlloc)>>20)
	b.ResetTimer()
	var alerts, hits int
	for i := 0; i < b.N; i++ {
		p := (42 + i) % 200
		doc := fmt.Sprintf(`{"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2099.01.%02d", "count": 1, "vulnerabilities": [
  {"cveID": "CVE-2099-%05d", "vendorProject": "vendor%03d", "product": "product%03d", "vulnerabilityName": "x", "dateAdded": "2099-01-15",
   "shortDescription": "x", "requiredAction": "Apply updates per vendor instructions.", "dueDate": "2099-02-05", "knownRansomwareCampaignUse": "Unknown", "notes": ""}]}`, i%28, i, p, p)
		res, err := s.ImportDocuments(ctx, []Input{{Source: fmt.Sprintf("kev-%d", i), Data: []byte(doc)}})
		if err != nil {
			b.Fatal(err)
		}
		alerts, hits = res.Alerts, res.Hits
	}
	b.ReportMetric(float64(alerts), "orgs-alerted")
	b.ReportMetric(float64(hits), "pairs")
}

// BenchmarkRegisterSBOM measures registering the largest example SBOM
// (keycloak, 903 components) on the hub: parse, store compressed with its
// normalized components, index and match against a KEV catalog.
func BenchmarkRegisterSBOM(b *testing.B) {
	path := corpora.Path(b, "cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db := storetest.Open(b, "sqlite")
	s := New(db, &alert.Service{DB: db}, nil)
	kev, err := os.ReadFile(corpora.Path(b, "cisa-kev/known_exploited_vulnerabilities.json"))
	if err == nil {
		if _, err := s.ImportDocuments(ctx, []Input{{Source: "kev", Data: kev}}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	components := int64(0)
	for i := 0; i < b.N; i++ {
		sb, _, err := s.RegisterSBOM(ctx, policy.Operator(fmt.Sprintf("org-%d", i), false), "", "keycloak.json", data)
		if err != nil {
			b.Fatal(err)
		}
		components += sb.Components
	}
	b.ReportMetric(float64(components)/b.Elapsed().Seconds(), "components/s")
}
