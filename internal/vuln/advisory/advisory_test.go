package advisory

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"renkei/internal/corpora"
	"renkei/internal/vuln/pkgid"
)

func load(t *testing.T, name string) *Set {
	t.Helper()
	s, err := LoadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func findAdv(s *Set, id string) *Advisory {
	for i := range s.Advisories {
		if s.Advisories[i].ID == id {
			return &s.Advisories[i]
		}
	}
	return nil
}

func problemsContain(s *Set, where, what string) bool {
	for _, p := range s.Problems {
		if strings.Contains(p.Where, where) && strings.Contains(p.Err, what) {
			return true
		}
	}
	return false
}

func TestFormatsRecognizedByContent(t *testing.T) {
	cases := []struct {
		file   string
		format Format
		count  int
	}{
		{"osv-log4j.json", FormatOSV, 1},
		{"osv-mixed.json", FormatOSV, 3},
		{"csaf-vex.json", FormatCSAF, 4}, // 1 advisory + 3 statements
		{"openvex.json", FormatOpenVEX, 3},
		{"epss.csv", FormatEPSS, 4},
		{"jvn-vuldef.xml", FormatJVNVULDEF, 1},
		{"jvnrss.rdf", FormatJVNRSS, 1},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			s := load(t, tc.file)
			if s.Format != tc.format {
				t.Errorf("format %q, want %q", s.Format, tc.format)
			}
			if s.Count() != tc.count {
				t.Errorf("count %d, want %d (problems: %v)", s.Count(), tc.count, s.Problems)
			}
		})
	}
}

func TestOSV(t *testing.T) {
	s := load(t, "osv-log4j.json")
	a := s.Advisories[0]
	if a.ID != "GHSA-jfh8-c2jp-5v3q" || a.Aliases[0] != "CVE-2021-44228" {
		t.Errorf("ids %s %v", a.ID, a.Aliases)
	}
	if a.Severity != SeverityCritical || a.CVSS[0].Score != 10.0 {
		t.Errorf("severity %q score %v, want critical 10.0 computed from the vector", a.Severity, a.CVSS)
	}
	if len(a.Affected) != 3 || a.Affected[1].Key != "purl:maven/org.apache.logging.log4j/log4j-core" || a.Affected[1].Ecosystem != "Maven" {
		t.Errorf("affected %+v", a.Affected)
	}

	m := load(t, "osv-mixed.json")
	if g := findAdv(m, "GO-2022-0969"); g == nil || g.Affected[0].Key != "purl:golang/golang.org/x/net" || g.Affected[0].Ecosystem != "Go" {
		t.Errorf("Go advisory %+v", g)
	}
	if d := findAdv(m, "DSA-9999-1"); d == nil || d.Affected[0].Key != "purl:deb/debian/openssl" || d.Affected[0].Ecosystem != "Debian" {
		t.Errorf("Debian advisory %+v", d)
	}
	p := findAdv(m, "PYSEC-2099-1")
	if p == nil || p.Affected[0].Key != "purl:pypi/example-pkg" || len(p.Affected[0].Ranges) != 2 {
		t.Fatalf("PyPI advisory %+v", p)
	}
	if len(p.Affected) != 1 {
		t.Errorf("GIT-only package kept: %+v", p.Affected)
	}
	for _, want := range []struct{ where, what string }{
		{"PYSEC-2099-1.affected[1].ranges[0]", "GIT range without a versions list"},
		{"[3]", "not an OSV record"},
		{"GHSA-wthd-rawn-0000", "withdrawn"},
	} {
		if !problemsContain(m, want.where, want.what) {
			t.Errorf("no problem %q at %q in %v", want.what, want.where, m.Problems)
		}
	}
}

func TestKEVCatalog(t *testing.T) {
	s, err := LoadFile(corpora.Path(t, "cisa-kev/known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != FormatKEV || len(s.KEV) < 1000 {
		t.Fatalf("format %s with %d entries", s.Format, len(s.KEV))
	}
	if len(s.Problems) != 0 {
		t.Errorf("%d problems, first %v", len(s.Problems), s.Problems[0])
	}
	k, ok := s.KEV["CVE-2021-44228"]
	if !ok || k.VendorProject != "Apache" || k.DueDate == "" || !k.RansomwareCampaignUse {
		t.Errorf("Log4Shell entry %+v", k)
	}
	a := findAdv(s, "CVE-2021-44228")
	if a == nil || a.Affected[0].Key != "cpe:apache:log4j2" || !a.Affected[0].AllVersions {
		t.Errorf("Log4Shell advisory %+v", a)
	}
}

func TestCSAF(t *testing.T) {
	s := load(t, "csaf-vex.json")
	a := findAdv(s, "CVE-2021-44228")
	if a == nil {
		t.Fatal("no advisory")
	}
	if a.Source != "Example Networks K.K." || a.Severity != SeverityCritical || a.Aliases[0] != "JVNVU#96768815" {
		t.Errorf("advisory %+v", a)
	}
	if len(a.Affected) != 1 || a.Affected[0].Key != "cpe:example_networks:securegate" || a.Affected[0].Versions[0] != "7.0.1" {
		t.Errorf("affected %+v", a.Affected)
	}
	if len(a.Affected[0].Fixed) != 1 || a.Affected[0].Fixed[0] != "7.0.2" {
		t.Errorf("fixed %v, want [7.0.2] from the fixed status of the same product", a.Affected[0].Fixed)
	}
	var na *Statement
	for i := range s.Statements {
		if s.Statements[i].Status == StatusNotAffected {
			na = &s.Statements[i]
		}
	}
	if na == nil {
		t.Fatal("no not_affected statement")
	}
	if na.Product != "cpe:example_networks:securegate" || len(na.Subcomponents) != 1 || na.Subcomponents[0] != "purl:maven/org.apache.logging.log4j/log4j-core" {
		t.Errorf("relationship not resolved: %+v", na)
	}
	if na.Justification != "vulnerable_code_not_in_execute_path" || na.Impact == "" || na.Author != "Example Networks K.K." || na.Timestamp.IsZero() {
		t.Errorf("provenance or justification missing: %+v", na)
	}
}

func TestOpenVEX(t *testing.T) {
	s := load(t, "openvex.json")
	if len(s.Statements) != 2 {
		t.Fatalf("statements %+v", s.Statements)
	}
	st := s.Statements[0]
	if st.Vulnerability != "CVE-2023-44487" || st.Product != "purl:oci/securegate-ui" || st.Subcomponents[0] != "purl:golang/golang.org/x/net" {
		t.Errorf("statement %+v", st)
	}
	if st.Author == "" || st.Timestamp.IsZero() || st.Aliases[0] != "GHSA-qppj-fm5r-hxr3" {
		t.Errorf("provenance %+v", st)
	}
	if s.Statements[1].Timestamp.Format("2006-01-02") != "2024-03-02" {
		t.Errorf("statement timestamp should override the document's: %v", s.Statements[1].Timestamp)
	}
	if a := findAdv(s, "CVE-2099-0002"); a == nil || a.Affected[0].Versions[0] != "3.0.11-1~deb12u1" {
		t.Errorf("affected statement as advisory: %+v", a)
	}
	if !problemsContain(s, "statements[2]", "not_affected without justification") {
		t.Errorf("missing justification not reported: %v", s.Problems)
	}
	if !problemsContain(s, "statements[3].status", `"maybe"`) {
		t.Errorf("bad status not reported: %v", s.Problems)
	}
}

func TestEPSS(t *testing.T) {
	s := load(t, "epss.csv")
	e := s.EPSS["CVE-2021-44228"]
	if e.Score != 0.94358 || e.Percentile != 0.9996 || e.ModelVersion != "v2025.03.14" || e.Date != "2026-11-25T12:55:00Z" {
		t.Errorf("%+v", e)
	}
	if !problemsContain(s, "line 7", `"not-a-cve"`) || !problemsContain(s, "line 8", "not a probability") {
		t.Errorf("problems %v", s.Problems)
	}
}

func TestJVN(t *testing.T) {
	for _, f := range []string{"jvn-vuldef.xml", "jvnrss.rdf"} {
		t.Run(f, func(t *testing.T) {
			s := load(t, f)
			a := findAdv(s, "JVNDB-2099-000123")
			if a == nil {
				t.Fatal("no advisory")
			}
			if a.Aliases[0] != "CVE-2099-1111" || a.Severity != SeverityCritical || a.Published.IsZero() {
				t.Errorf("%+v", a)
			}
			if a.Affected[0].Key != "cpe:example_networks:securegate" || !a.Affected[0].AllVersions {
				t.Errorf("affected %+v: JVN version text must give possibly-affected", a.Affected)
			}
			if len(s.Problems) != 1 {
				t.Errorf("problems %v, want the item without CPE", s.Problems)
			}
		})
	}
}

func TestCycloneDXVEXCorpus(t *testing.T) {
	cases := []struct {
		path   string
		status Status
		key    pkgid.Key
	}{
		{"VEX/CISA-Use-Cases/Case-1/vex-not_affected.json", StatusNotAffected, "name:abc"},
		{"VEX/CISA-Use-Cases/Case-1/vex-fixed.json", StatusFixed, "name:def"},
		{"VEX/CISA-Use-Cases/Case-1/vex-under_investigation.json", StatusUnderInvestigation, "name:ghi"},
		{"VEX/CISA-Use-Cases/Case-7/vex.json", "", "bomlink:cbb2cd68-2857-43b8-a10b-e8c03d277d18#product-ABC"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			s, err := LoadFile(corpora.Path(t, "cyclonedx-bom-examples/"+tc.path))
			if err != nil {
				t.Fatal(err)
			}
			if s.Format != FormatCycloneDXVEX || len(s.Problems) != 0 {
				t.Fatalf("format %s problems %v", s.Format, s.Problems)
			}
			found := false
			for _, st := range s.Statements {
				if st.Product == tc.key && (tc.status == "" || st.Status == tc.status) {
					found = true
				}
			}
			if !found {
				t.Errorf("no statement %s for %s in %+v", tc.status, tc.key, s.Statements)
			}
		})
	}
}

func TestUnknownFormat(t *testing.T) {
	for _, in := range []string{"", "hello", `{"a":1}`, "<html/>"} {
		if _, err := Parse([]byte(in), "x"); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("Parse(%q) err = %v", in, err)
		}
	}
	if _, err := Parse([]byte(`{"document":{"csaf_version":"1.2"}}`), "x"); err == nil || !strings.Contains(err.Error(), "only 2.0") {
		t.Errorf("old CSAF: %v", err)
	}
}

func TestCVSS3BaseScore(t *testing.T) {
	cases := []struct {
		vector string
		want   float64
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", 6.5},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1},
		{"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.8},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9},
	}
	for _, tc := range cases {
		got, err := CVSS3BaseScore(tc.vector)
		if err != nil || got != tc.want {
			t.Errorf("%s = %v, %v; want %v", tc.vector, got, err, tc.want)
		}
	}
	if _, err := CVSS3BaseScore("AV:N/AC:L"); err == nil {
		t.Error("bad vector accepted")
	}
}

func TestKEVCSVAgreesWithJSON(t *testing.T) {
	js, err := LoadFile(corpora.Path(t, "cisa-kev/known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := LoadFile(corpora.Path(t, "cisa-kev/known_exploited_vulnerabilities.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if cs.Format != FormatKEV || len(cs.Problems) != 0 {
		t.Fatalf("format %s problems %v", cs.Format, cs.Problems)
	}
	if len(cs.KEV) != len(js.KEV) {
		t.Fatalf("CSV %d entries, JSON %d", len(cs.KEV), len(js.KEV))
	}
	for cve, k := range js.KEV {
		if c := cs.KEV[cve]; c != k {
			t.Fatalf("%s differs:\n csv %+v\njson %+v", cve, c, k)
		}
	}
}

func TestCycloneDXVEXAndVDR(t *testing.T) {
	s := load(t, "cyclonedx-vex.json")
	if s.Format != FormatCycloneDXVEX || len(s.Statements) != 1 || len(s.Advisories) != 1 {
		t.Fatalf("format %s statements %d advisories %d", s.Format, len(s.Statements), len(s.Advisories))
	}
	st := s.Statements[0]
	if st.Product != "purl:golang/golang.org/x/net" || st.Author != "Example Networks K.K." || st.Justification != "requires_configuration" || st.Timestamp.IsZero() || st.Aliases[0] != "GHSA-qppj-fm5r-hxr3" {
		t.Errorf("statement %+v", st)
	}
	a := s.Advisories[0]
	if a.ID != "CVE-2099-3333" || a.Severity != SeverityCritical || a.Affected[0].Key != "cpe:example_networks:securegate" {
		t.Errorf("VDR advisory %+v", a)
	}
	if af := a.Affected[0]; len(af.Versions) != 1 || af.Versions[0] != "7.0.2" || len(af.Vers) != 1 {
		t.Errorf("VDR versions %+v: the unaffected 7.0.3 must be left out", af)
	}
	if !problemsContain(s, "vulnerabilities[2] (CVE-2099-4444).affects[0]", `ref "nowhere"`) {
		t.Errorf("problems %v", s.Problems)
	}
}
