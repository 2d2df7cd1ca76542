package vuln

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/corpora"
	"renkei/internal/vuln/advisory"
	"renkei/internal/vuln/pkgid"
	"renkei/internal/vuln/sbom"
)

var advisoryFiles = []string{
	"advisory/testdata/osv-log4j.json",
	"advisory/testdata/osv-mixed.json",
	"advisory/testdata/csaf-vex.json",
	"advisory/testdata/openvex.json",
	"advisory/testdata/epss.csv",
	"advisory/testdata/jvn-vuldef.xml",
	"testdata/kev-mini.json",
}

func loadSets(t *testing.T, files ...string) []*advisory.Set {
	t.Helper()
	var sets []*advisory.Set
	for _, f := range files {
		s, err := advisory.LoadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, s)
	}
	return sets
}

func loadSBOM(t *testing.T, path string) *sbom.Document {
	t.Helper()
	d, err := sbom.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func find(fs []Finding, component, vuln string) *Finding {
	for i := range fs {
		if strings.Contains(fs[i].Component, component) && fs[i].Vulnerability == vuln {
			return &fs[i]
		}
	}
	return nil
}

func scan(t *testing.T, sbomPath string, files ...string) []Finding {
	t.Helper()
	e := New()
	e.AddTargets(TargetsFromSBOM("org", sbomPath, loadSBOM(t, sbomPath)))
	for _, s := range loadSets(t, files...) {
		e.AddSet(s)
	}
	return e.Findings()
}

func TestScanAppliance(t *testing.T) {
	fs := scan(t, "sbom/testdata/appliance.cdx.json", advisoryFiles...)
	cases := []struct {
		name, component, vuln string
		check                 func(t *testing.T, f *Finding)
	}{
		{"log4j by purl and Maven ranges, enriched by KEV and EPSS", "log4j-core", "CVE-2021-44228", func(t *testing.T, f *Finding) {
			if f.Status != StatusAffected || f.FixedVersion != "2.15.0" || f.MatchedOn != "purl:maven/org.apache.logging.log4j/log4j-core" {
				t.Errorf("status %s fixed %q on %s", f.Status, f.FixedVersion, f.MatchedOn)
			}
			if !f.KnownExploited || f.KEVDueDate != "2021-12-24" || !f.Ransomware {
				t.Errorf("KEV not applied: %+v", f)
			}
			if f.EPSS == nil || *f.EPSS != 0.94358 || !slices.Contains(f.Aliases, "GHSA-jfh8-c2jp-5v3q") || f.Severity != "critical" {
				t.Errorf("epss/aliases/severity: %v %v %s", f.EPSS, f.Aliases, f.Severity)
			}
			if f.Suppressed() {
				t.Errorf("suppressed by %+v: the CSAF not_affected names log4j only inside SecureGate 6.4.9", f.SuppressedBy)
			}
			if !strings.Contains(f.Action, "Upgrade") || !strings.Contains(f.Action, "2021-12-24") {
				t.Errorf("action %q", f.Action)
			}
		}},
		{"Go pseudo-version before the fix", "golang.org/x/net", "CVE-2022-27664", func(t *testing.T, f *Finding) {
			if f.Status != StatusAffected || f.FixedVersion != "0.0.0-20220906165146-f3363e06e74c" {
				t.Errorf("%+v", f)
			}
		}},
		{"Debian tilde revision before the fix, OpenVEX affected does not suppress", "openssl", "CVE-2099-0002", func(t *testing.T, f *Finding) {
			if f.Status != StatusAffected || f.FixedVersion != "3.0.11-1~deb12u2" || f.VEXStatus != "affected" || f.Suppressed() {
				t.Errorf("%+v", f)
			}
			if !strings.Contains(f.Action, "Supplier: Upgrade openssl") {
				t.Errorf("VEX action statement not carried: %q", f.Action)
			}
		}},
		{"PEP 440 last_affected includes the post release boundary", "Example_Pkg", "CVE-2099-0001", func(t *testing.T, f *Finding) {
			if f.Status != StatusAffected || f.FixedVersion != "" || !strings.Contains(f.Action, "No fixed version") {
				t.Errorf("%+v", f)
			}
		}},
		{"CSAF product version by CPE, fixed from the fixed status", "SecureGate", "CVE-2021-44228", func(t *testing.T, f *Finding) {
			if f.Kind != "product" || f.Status != StatusAffected || f.FixedVersion != "7.0.2" || !f.KnownExploited {
				t.Errorf("%+v", f)
			}
		}},
		{"JVN names the product without versions", "SecureGate", "CVE-2099-1111", func(t *testing.T, f *Finding) {
			if f.Status != StatusPossibly || !strings.Contains(f.Action, "Possibly affected, confirm the version") || !f.KnownExploited {
				t.Errorf("%+v", f)
			}
			if !slices.Contains(f.Aliases, "JVNDB-2099-000123") {
				t.Errorf("JVN id not an alias: %v", f.Aliases)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := find(fs, tc.component, tc.vuln)
			if f == nil {
				t.Fatalf("no finding for %s %s among %d", tc.component, tc.vuln, len(fs))
			}
			tc.check(t, f)
		})
	}
	if f := find(fs, "SecureGate", "CVE-2099-2222"); f != nil {
		t.Errorf("KEV entry of another vendor with the same product name matched: %+v", f)
	}
	if !fs[0].KnownExploited {
		t.Errorf("first finding is not known exploited: %+v", fs[0])
	}
}

func TestCSAFRelationshipSuppressesComponentInThatProductOnly(t *testing.T) {
	fs := scan(t, "testdata/appliance-6.4.9.cdx.json", advisoryFiles...)
	f := find(fs, "log4j-core", "CVE-2021-44228")
	if f == nil || !f.Suppressed() {
		t.Fatalf("log4j in SecureGate 6.4.9 not suppressed: %+v", f)
	}
	if f.SuppressedBy.Justification != "vulnerable_code_not_in_execute_path" || f.SuppressedBy.Author != "Example Networks K.K." || f.SuppressedBy.Timestamp.IsZero() {
		t.Errorf("provenance %+v", f.SuppressedBy)
	}
	if !strings.HasPrefix(f.Action, "None:") {
		t.Errorf("action %q", f.Action)
	}
	if fs[len(fs)-1].Vulnerability != "CVE-2021-44228" || !fs[len(fs)-1].Suppressed() {
		t.Errorf("suppressed findings must sort last")
	}
}

// TestAdvisoryOrderDoesNotMatter: an advisory that arrives after the SBOM
// and one that arrives before it give the same findings, in any order of
// documents.
func TestAdvisoryOrderDoesNotMatter(t *testing.T) {
	doc := loadSBOM(t, "sbom/testdata/appliance.cdx.json")
	sets := loadSets(t, advisoryFiles...)

	before := New()
	for _, s := range sets {
		before.AddSet(s)
	}
	before.AddTargets(TargetsFromSBOM("org", "a", doc))

	after := New()
	after.AddTargets(TargetsFromSBOM("org", "a", doc))
	for i := len(sets) - 1; i >= 0; i-- {
		after.AddSet(sets[i])
	}

	mixed := New()
	mixed.AddSet(sets[0])
	mixed.AddSet(sets[6])
	mixed.AddTargets(TargetsFromSBOM("org", "a", doc))
	for _, s := range sets[1:6] {
		mixed.AddSet(s)
	}

	want := before.Findings()
	if len(want) < 6 {
		t.Fatalf("only %d findings", len(want))
	}
	for name, e := range map[string]*Engine{"after": after, "mixed": mixed} {
		got := e.Findings()
		if !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Errorf("%s: findings differ:\n got %+v\nwant %+v", name, got, want)
		}
	}
}

// normalize sorts the order-dependent lists inside findings.
func normalize(fs []Finding) []Finding {
	out := append([]Finding(nil), fs...)
	for i := range out {
		out[i].Aliases = sorted(out[i].Aliases)
		out[i].Sources = sorted(out[i].Sources)
	}
	return out
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j] < c[j-1]; j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
	return c
}

func TestVEXConflicts(t *testing.T) {
	comp := pkgid.Key("purl:npm/left-pad")
	product := pkgid.Key("cpe:example_networks:securegate")
	day := func(d int) time.Time { return time.Date(2099, 1, d, 0, 0, 0, 0, time.UTC) }
	st := func(status advisory.Status, author string, d int, mod func(*advisory.Statement)) advisory.Statement {
		s := advisory.Statement{Vulnerability: "CVE-2099-0003", Product: comp, Status: status, Author: author, Timestamp: day(d)}
		if status == advisory.StatusNotAffected {
			s.Justification = "component_not_present"
		}
		if mod != nil {
			mod(&s)
		}
		return s
	}
	cases := []struct {
		name       string
		statements []advisory.Statement
		suppressed bool
		vex        string
	}{
		{"no statement", nil, false, ""},
		{"supplier says not affected", []advisory.Statement{st("not_affected", "Example Networks", 1, nil)}, true, "not_affected"},
		{"not affected without justification does not count", []advisory.Statement{st("not_affected", "Example Networks", 1, func(s *advisory.Statement) { s.Justification = "" })}, false, ""},
		{"latest statement from the same author wins", []advisory.Statement{
			st("not_affected", "Example Networks", 1, nil), st("affected", "Example Networks", 2, nil)}, false, "affected"},
		{"supplier outranks a later third party", []advisory.Statement{
			st("affected", "Example Networks", 1, nil), st("not_affected", "Some Scanner Vendor", 5, nil)}, false, "affected"},
		{"supplier not_affected outranks a later third party affected", []advisory.Statement{
			st("not_affected", "Example Networks PSIRT", 1, nil), st("affected", "Researcher", 5, nil)}, true, "not_affected"},
		{"third parties: latest wins", []advisory.Statement{
			st("affected", "Researcher A", 1, nil), st("not_affected", "Researcher B", 3, nil)}, true, "not_affected"},
		{"exact tie: the non-suppressing one wins", []advisory.Statement{
			st("not_affected", "Researcher A", 3, nil), st("under_investigation", "Researcher B", 3, nil)}, false, "under_investigation"},
		{"statement for another version does not apply", []advisory.Statement{
			st("not_affected", "Example Networks", 1, func(s *advisory.Statement) { s.Versions = []string{"1.2.0"} })}, false, ""},
		{"statement by alias applies", []advisory.Statement{
			st("fixed", "Example Networks", 1, func(s *advisory.Statement) { s.Vulnerability = "GHSA-xxxx-0003" })}, true, "fixed"},
		{"product statement naming the component as subcomponent", []advisory.Statement{
			st("not_affected", "Example Networks", 1, func(s *advisory.Statement) {
				s.Product, s.Subcomponents = product, []pkgid.Key{comp}
			})}, true, "not_affected"},
		{"product statement naming another subcomponent", []advisory.Statement{
			st("not_affected", "Example Networks", 1, func(s *advisory.Statement) {
				s.Product, s.Subcomponents = product, []pkgid.Key{"purl:npm/other"}
			})}, false, ""},
		{"statement about the component alone does not need subcomponents", []advisory.Statement{
			st("not_affected", "Example Networks", 1, func(s *advisory.Statement) { s.Subcomponents = []pkgid.Key{"purl:npm/x"} })}, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := New()
			e.AddTargets([]Target{{Org: "o", Asset: "a", Kind: "component", Name: "left-pad", Version: "1.3.0", PURL: "pkg:npm/left-pad@1.3.0",
				Ecosystem: "npm", Keys: []pkgid.Key{comp}, ProductKeys: []pkgid.Key{product}, ProductVersion: "7.0.1", ProductSupplier: "Example Networks"}})
			e.AddSet(&advisory.Set{
				Advisories: []advisory.Advisory{{ID: "GHSA-xxxx-0003", Aliases: []string{"CVE-2099-0003"}, Affected: []advisory.Affected{{Key: comp, Ecosystem: "npm", Versions: []string{"1.3.0"}}}}},
				Statements: tc.statements,
			})
			fs := e.Findings()
			if len(fs) != 1 {
				t.Fatalf("%d findings", len(fs))
			}
			if fs[0].Suppressed() != tc.suppressed || fs[0].VEXStatus != tc.vex {
				t.Errorf("suppressed=%v vex=%q, want %v %q", fs[0].Suppressed(), fs[0].VEXStatus, tc.suppressed, tc.vex)
			}
		})
	}
}

func TestKEVReachesDevicesAndExistingFindings(t *testing.T) {
	e := New()
	e.AddTargets([]Target{
		TargetFromDevice(Device{Org: "town-hall", ID: "vpn-1", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1"}),
		TargetFromDevice(Device{Org: "hospital", ID: "fw-9", Vendor: "example networks", Product: "securegate", Version: "6.4.9"}),
		TargetFromDevice(Device{Org: "school", ID: "gw-2", Vendor: "Other", Product: "Gateway", Version: "1"}),
		TargetFromDevice(Device{Org: "clinic", ID: "x", Vendor: "", Product: "SecureGate", Version: "7.0.1"}),
	})
	e.AddTargets(TargetsFromSBOM("vendor-org", "sbom", loadSBOM(t, "sbom/testdata/appliance.cdx.json")))
	e.AddSet(loadSets(t, "advisory/testdata/osv-log4j.json")[0])

	hits := e.AddSet(loadSets(t, "testdata/kev-mini.json")[0])
	orgs := map[string][]string{}
	for _, h := range hits {
		orgs[h.Target.Org] = append(orgs[h.Target.Org], h.Vulnerability+" "+h.Reason)
	}
	want := map[string][]string{
		"town-hall": {"CVE-2099-1111 new match"},
		"hospital":  {"CVE-2099-1111 new match"},
		// The vendor's own SBOM: its product by CPE, and the log4j match that just became known exploited.
		"vendor-org": {"CVE-2021-44228 now known exploited", "CVE-2099-1111 new match"},
	}
	for org, w := range want {
		if !reflect.DeepEqual(sorted(orgs[org]), sorted(w)) {
			t.Errorf("%s: hits %v, want %v", org, orgs[org], w)
		}
	}
	if _, ok := orgs["school"]; ok {
		t.Error("school matched")
	}
	if _, ok := orgs["clinic"]; ok {
		t.Error("device without vendor matched on product name alone")
	}
}

func TestUnparseableVersionIsAProblemNotAFinding(t *testing.T) {
	e := New()
	e.AddTargets([]Target{{Asset: "a", Name: "left-pad", Version: "not.a.version", Ecosystem: "npm", Keys: []pkgid.Key{"purl:npm/left-pad"}}})
	e.AddSet(loadSets(t, "advisory/testdata/osv-mixed.json")[0])
	e.AddAdvisory(advisory.Advisory{ID: "X-1", Affected: []advisory.Affected{{Key: "purl:npm/left-pad", Ecosystem: "npm",
		Ranges: nil, Vers: []string{"vers:npm/<2.0.0"}}}})
	if fs := e.Findings(); len(fs) != 0 {
		t.Errorf("findings %+v", fs)
	}
	ps, n := e.Problems()
	if n != 1 || !strings.Contains(ps[0].Err, `"not.a.version" does not parse`) || !strings.Contains(ps[0].Where, "X-1") {
		t.Errorf("problems %d %v", n, ps)
	}
}

func TestBOMLocalVEXByName(t *testing.T) {
	// The CycloneDX VEX use cases name products by bom-ref only; an SBOM
	// whose product has the same name and version is decided by them.
	e := New()
	e.AddTargets([]Target{{Org: "o", Asset: "a", Kind: "product", Name: "ABC", Version: "4.2", Keys: []pkgid.Key{pkgid.Name("ABC")}, ProductKeys: []pkgid.Key{pkgid.Name("ABC")}, ProductVersion: "4.2"}})
	e.AddAdvisory(advisory.Advisory{ID: "CVE-2021-44228", Affected: []advisory.Affected{{Key: pkgid.Name("ABC"), AllVersions: true}}})
	s, err := advisory.LoadFile(corpora.Path(t, "cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-1/vex-not_affected.json"))
	if err != nil {
		t.Fatal(err)
	}
	e.AddSet(s)
	fs := e.Findings()
	if len(fs) != 1 || !fs[0].Suppressed() || fs[0].SuppressedBy.Justification != "code_not_present" {
		t.Errorf("%+v", fs)
	}
}
