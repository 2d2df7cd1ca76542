package vuln

import (
	"strings"
	"testing"

	"renkei/internal/corpora"
	"renkei/internal/vuln/advisory"
	"renkei/internal/vuln/pkgid"
	"renkei/internal/vuln/sbom"
	"renkei/internal/vuln/version"
)

func TestCPEOnlyAsFallback(t *testing.T) {
	log4j := func(v string) Target {
		return Target{Org: "o", Asset: "a", Kind: "component", Name: "log4j-core", Version: v, Ecosystem: "Maven",
			PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@" + v, CPE: "cpe:2.3:a:apache:log4j2:" + v + ":*:*:*:*:*:*:*",
			Keys: []pkgid.Key{"purl:maven/org.apache.logging.log4j/log4j-core", "cpe:apache:log4j2"}}
	}
	cases := []struct {
		name      string
		version   string
		files     []string
		want      int
		status    string
		matchedOn string
	}{
		{"fixed by purl: KEV's product match is dropped", "2.17.1", []string{"advisory/testdata/osv-log4j.json", "testdata/kev-mini.json"}, 0, "", ""},
		{"affected by purl: one finding, on the purl", "2.14.1", []string{"advisory/testdata/osv-log4j.json", "testdata/kev-mini.json"}, 1, StatusAffected, "purl:maven/org.apache.logging.log4j/log4j-core"},
		{"no purl advisory: KEV alone says possibly", "2.17.1", []string{"testdata/kev-mini.json"}, 1, StatusPossibly, "cpe:apache:log4j2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := New()
			e.AddTargets([]Target{log4j(tc.version)})
			for _, s := range loadSets(t, tc.files...) {
				e.AddSet(s)
			}
			fs := e.Findings()
			if len(fs) != tc.want {
				t.Fatalf("%d findings, want %d: %+v", len(fs), tc.want, fs)
			}
			if tc.want == 1 && (fs[0].Status != tc.status || fs[0].MatchedOn != tc.matchedOn || !fs[0].KnownExploited) {
				t.Errorf("%+v", fs[0])
			}
		})
	}
}

// TestStoryKEVForVPNAppliance plays step 5 of the design's story: a KEV
// entry lands for the VPN appliance that a town hall and a hospital
// registered; each gets exactly one alert, and the center sees two
// organizations exposed.
func TestStoryKEVForVPNAppliance(t *testing.T) {
	e := New()
	e.AddTargets([]Target{
		TargetFromDevice(Device{Org: "town-hall", ID: "vpn-a", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1"}),
		TargetFromDevice(Device{Org: "town-hall", ID: "vpn-b", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1"}),
		TargetFromDevice(Device{Org: "hospital", ID: "gw", Vendor: "Example Networks", Product: "SecureGate", Version: "6.4.9"}),
		TargetFromDevice(Device{Org: "water-utility", ID: "fw", Vendor: "Other Vendor", Product: "Firewall", Version: "1.0"}),
	})
	alerts := Alerts(e.AddSet(loadSets(t, "testdata/kev-mini.json")[0]))
	if len(alerts) != 2 || alerts[0].Org != "hospital" || alerts[1].Org != "town-hall" {
		t.Fatalf("alerts %+v", alerts)
	}
	if len(alerts[1].Hits) != 2 || alerts[1].Hits[0].Target.Asset != "vpn-a" || alerts[1].Hits[0].Vulnerability != "CVE-2099-1111" {
		t.Errorf("town hall alert %+v", alerts[1])
	}
	exp := e.AffectedOrgs("CVE-2099-1111")
	if len(exp) != 2 || exp["town-hall"] != 2 || exp["hospital"] != 1 {
		t.Errorf("exposure %v", exp)
	}
	for _, f := range e.Findings() {
		if f.Status != StatusPossibly || f.KEVDueDate != "2099-02-05" {
			t.Errorf("%+v", f)
		}
	}
}

func TestRemoveAsset(t *testing.T) {
	e := New()
	e.AddTargets(TargetsFromSBOM("vendor", "old", loadSBOM(t, "sbom/testdata/appliance.cdx.json")))
	e.AddSet(loadSets(t, "advisory/testdata/osv-log4j.json")[0])
	if len(e.Findings()) != 1 {
		t.Fatalf("findings %+v", e.Findings())
	}
	if n := e.RemoveAsset("vendor", "old"); n != 5 {
		t.Errorf("removed %d targets, want 5 (product + 4 software components; the RSA key is a crypto asset)", n)
	}
	if fs := e.Findings(); len(fs) != 0 {
		t.Errorf("findings after removal %+v", fs)
	}
	hits := e.AddSet(loadSets(t, "testdata/kev-mini.json")[0])
	if len(hits) != 0 {
		t.Errorf("removed targets still hit: %+v", hits)
	}
	e.AddTargets(TargetsFromSBOM("vendor", "new", loadSBOM(t, "testdata/appliance-6.4.9.cdx.json")))
	if fs := e.Findings(); len(fs) != 2 {
		t.Errorf("new SBOM findings %+v", fs)
	}
}

func TestRangesWithoutVersionRulesAreAProblem(t *testing.T) {
	e := New()
	e.AddTargets([]Target{{Asset: "a", Name: "thing", Version: "1.0", PURL: "pkg:generic/thing@1.0", Keys: []pkgid.Key{"purl:generic/thing"}}})
	e.AddAdvisory(advisory.Advisory{ID: "X-2", Affected: []advisory.Affected{{Key: "purl:generic/thing",
		Ranges: []version.Range{{Type: "ECOSYSTEM", Events: []version.Event{{Introduced: "0"}, {Fixed: "2.0"}}}}}}})
	e.AddAdvisory(advisory.Advisory{ID: "X-3", Affected: []advisory.Affected{{Key: "purl:generic/thing", Versions: []string{"1.0"}}}})
	fs := e.Findings()
	if len(fs) != 1 || fs[0].Vulnerability != "X-3" {
		t.Errorf("findings %+v: only the exact version may match", fs)
	}
	if ps, n := e.Problems(); n != 1 || !strings.Contains(ps[0].Err, "no version rules for purl:generic/thing") {
		t.Errorf("problems %v", ps)
	}
}

// TestCycloneDXVEXCase7 plays CISA's VEX use case 7 (several products and
// versions, several statuses, versions given as vers:generic ranges)
// against product ABC of its bom-1.json at different versions.
func TestCycloneDXVEXCase7(t *testing.T) {
	vex := loadSets(t, corpora.Path(t, "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-7/vex.json"))[0]
	abc := pkgid.BOMLink("urn:uuid:cbb2cd68-2857-43b8-a10b-e8c03d277d18", "product-ABC")
	cases := []struct {
		version    string
		findings   int
		suppressed bool
		status     string
	}{
		{"2.6", 1, false, StatusAffected}, // listed as exploitable
		{"3.0", 1, false, StatusAffected}, // inside the exploitable range 2.9–4.1
		{"4.2", 0, false, ""},             // not in the exploitable list: no finding (and not_affected applies)
		{"", 1, false, StatusPossibly},    // version unknown: possibly affected, no statement applies
	}
	for _, tc := range cases {
		t.Run("ABC "+tc.version, func(t *testing.T) {
			e := New()
			e.AddTargets([]Target{{Asset: "bom-1", Kind: "product", Name: "ABC", Version: tc.version, Keys: []pkgid.Key{abc}, ProductKeys: []pkgid.Key{abc}, ProductVersion: tc.version}})
			e.AddSet(vex)
			fs := e.Findings()
			if len(fs) != tc.findings {
				t.Fatalf("%d findings: %+v", len(fs), fs)
			}
			if tc.findings == 1 && (fs[0].Suppressed() != tc.suppressed || fs[0].Status != tc.status) {
				t.Errorf("%+v", fs[0])
			}
		})
	}
}

func TestDistributionReleaseMustMatch(t *testing.T) {
	cases := []struct {
		name   string
		purl   string
		expect int
	}{
		{"same release by codename", "pkg:deb/debian/openssl@3.0.11-1~deb12u1?distro=bookworm", 1},
		{"same release by number", "pkg:deb/debian/openssl@3.0.11-1~deb12u1?distro=debian-12.4", 1},
		{"other release", "pkg:deb/debian/openssl@3.0.11-1~deb12u1?distro=bullseye", 0},
		{"release unknown: matched", "pkg:deb/debian/openssl@3.0.11-1~deb12u1", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := &sbom.Document{Source: "x", Components: []sbom.Component{{Name: "openssl", PURL: tc.purl}}}
			p, err := pkgid.ParsePURL(tc.purl)
			if err != nil {
				t.Fatal(err)
			}
			doc.Components[0].Package, doc.Components[0].Version, doc.Components[0].Ecosystem = p, p.Version, p.Ecosystem
			e := New()
			e.AddTargets(TargetsFromSBOM("o", "a", doc))
			e.AddSet(loadSets(t, "advisory/testdata/osv-mixed.json")[0])
			if fs := e.Findings(); len(fs) != tc.expect {
				t.Errorf("%d findings, want %d: %+v", len(fs), tc.expect, fs)
			}
		})
	}
}

func TestSPDXProductIsOneTarget(t *testing.T) {
	ts := TargetsFromSBOM("o", "a", loadSBOM(t, "sbom/testdata/tool.spdx"))
	if len(ts) != 2 || ts[0].Kind != "product" || ts[0].Name != "gate-tool" || ts[1].Name != "left-pad" {
		t.Errorf("targets %+v", ts)
	}
}
