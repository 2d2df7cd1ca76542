package relevance_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"renkei/internal/relevance"
	"renkei/internal/store/storetest"
)

// kevRows is a KEV catalogue of the rows that missed before the product
// catalogue: a former name (Pulse Connect Secure, now Ivanti Connect
// Secure), rows naming several products, and the ADC's former name.
const kevRows = `{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2025.08.25","dateReleased":"2025-08-25T00:00:00Z","count":4,"vulnerabilities":[
{"cveID":"CVE-2019-11510","vendorProject":"Ivanti","product":"Pulse Connect Secure","vulnerabilityName":"Ivanti Pulse Connect Secure Arbitrary File Read","dateAdded":"2021-11-03","shortDescription":"…","requiredAction":"Apply updates per vendor instructions.","dueDate":"2022-05-03","knownRansomwareCampaignUse":"Known","notes":""},
{"cveID":"CVE-2025-0282","vendorProject":"Ivanti","product":"Connect Secure, Policy Secure, and ZTA Gateways","vulnerabilityName":"Ivanti Connect Secure, Policy Secure, and ZTA Gateways Stack-Based Buffer Overflow","dateAdded":"2025-01-08","shortDescription":"…","requiredAction":"Apply mitigations per vendor instructions.","dueDate":"2025-01-15","knownRansomwareCampaignUse":"Unknown","notes":""},
{"cveID":"CVE-2024-55591","vendorProject":"Fortinet","product":"FortiOS and FortiProxy","vulnerabilityName":"Fortinet FortiOS and FortiProxy Authentication Bypass","dateAdded":"2025-01-14","shortDescription":"…","requiredAction":"Apply mitigations per vendor instructions.","dueDate":"2025-01-21","knownRansomwareCampaignUse":"Known","notes":""},
{"cveID":"CVE-2022-27518","vendorProject":"Citrix","product":"Application Delivery Controller (ADC) and Gateway","vulnerabilityName":"Citrix ADC and Gateway Authentication Bypass","dateAdded":"2022-12-13","shortDescription":"…","requiredAction":"Apply updates per vendor instructions.","dueDate":"2023-01-03","knownRansomwareCampaignUse":"Unknown","notes":""}]}`

// TestDeviceMatchedThroughTheCatalogue: a connection point registered
// under the product's current name, as an administrator types it, is
// alerted for KEV rows that name it under a former name or beside other
// products — and a device named in none of them is not.
func TestDeviceMatchedThroughTheCatalogue(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, kind)
			for _, d := range []struct{ org, vendor, product, version string }{
				{e.town.ID, "Ivanti", "Connect Secure", "22.7"},
				{e.town.ID, "Fortinet", "FortiOS", "7.2.3"},
				{e.hosp.ID, "Citrix", "NetScaler ADC", "13.1"},
				{e.hosp.ID, "SonicWall", "SMA 100", "10.2.1"},
			} {
				if _, _, err := e.s.AddConnectionPoint(ctx, e.as(d.org), relevance.ConnectionPoint{OrgID: d.org, Kind: "vpn", Vendor: d.vendor, Product: d.product, Version: d.version}); err != nil {
					t.Fatal(err)
				}
			}
			res, err := e.s.ImportDocuments(ctx, []relevance.Input{{Source: "kev.json", Data: []byte(kevRows)}})
			if err != nil || res.Alerts != 2 {
				t.Fatalf("import: %+v %v, want one alert for each organization", res, err)
			}
			want := map[string][]string{
				e.town.ID: {"CVE-2019-11510", "CVE-2025-0282", "CVE-2024-55591"},
				e.hosp.ID: {"CVE-2022-27518"},
			}
			for org, cves := range want {
				fs, err := e.s.Findings(ctx, e.as(org))
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range fs {
					got = append(got, f.Vulnerability)
				}
				if len(got) != len(cves) {
					t.Errorf("%s: findings %v, want %v", org, got, cves)
				}
				a := alertsOf(t, e, org)
				if len(a) != 1 {
					t.Fatalf("%s: %d alerts", org, len(a))
				}
				for _, c := range cves {
					if !strings.Contains(a[0].Body, c) {
						t.Errorf("%s: alert lacks %s:\n%s", org, c, a[0].Body)
					}
				}
			}
		})
	}
}

// TestSupplierSpeaksForEveryNameOfItsProduct: the supplier registered for
// a product's key publishes VEX about the product under a former CPE name
// the catalogue lists (Pulse Connect Secure, now Ivanti Connect Secure);
// another vendor is still refused.
func TestSupplierSpeaksForEveryNameOfItsProduct(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e, rival, c, v, _ := story5(t, kind)
			if _, err := e.s.AddSupplier(ctx, c, v, relevance.SupplierInput{Org: e.vendor.ID, Name: "Connect Secure", CPE: "ivanti:connect_secure"}); err != nil {
				t.Fatal(err)
			}
			doc := []byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.org/vex/ics-1", "author": "PSIRT",
  "timestamp": "2026-11-26T12:00:00Z", "version": 1,
  "statements": [{"vulnerability": {"name": "CVE-2019-11510"}, "products": [{"@id": "cpe:2.3:a:pulsesecure:pulse_connect_secure:9.1:*:*:*:*:*:*:*"}],
    "status": "fixed"}]}`)
			if _, _, err := e.s.Publish(ctx, e.as(e.vendor.ID), e.vendor, relevance.PublishInput{Kind: "vex", Product: "Connect Secure", Source: "upload", Data: doc}); err != nil {
				t.Fatalf("the supplier of Ivanti Connect Secure about Pulse Connect Secure: %v", err)
			}
			var ns *relevance.NotSupplierError
			if _, _, err := e.s.Publish(ctx, e.as(rival.ID), rival, relevance.PublishInput{Kind: "vex", Product: "Connect Secure", Source: "upload", Data: doc}); !errors.As(err, &ns) {
				t.Fatalf("another vendor about Pulse Connect Secure: %v, want a refusal", err)
			}
		})
	}
}
