package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// runCLI runs the command line as Main does and returns its exit code,
// standard output and standard error.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	g := &globals{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	root := newRoot(g)
	root.SetArgs(args)
	code := 0
	if cmd, err := root.ExecuteC(); err != nil {
		code = 1
		if ee, ok := err.(exitError); ok {
			code = ee.code
		}
		errb.WriteString("renkei: " + cmd.Name() + ": " + err.Error() + "\n")
	}
	return code, out.String(), errb.String()
}

const (
	scanSBOM = "../vuln/sbom/testdata/appliance.cdx.json"
	scanAdv  = "../vuln/advisory/testdata"
	scanKEV  = "../vuln/testdata/kev-mini.json"
)

func TestSBOMScanFormatsAndExitCodes(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"table", []string{"sbom", "scan", scanSBOM, "--advisories", scanAdv, "--advisories", scanKEV}, 0, "7 findings in 5 components"},
		{"fail on kev", []string{"sbom", "scan", scanSBOM, "--advisories", scanAdv, "--advisories", scanKEV, "--fail-on", "kev"}, 3, "CVE-2021-44228"},
		{"fail on kev without KEV data", []string{"sbom", "scan", scanSBOM, "--advisories", "../vuln/advisory/testdata/osv-mixed.json", "--fail-on", "kev"}, 0, "CVE-2022-27664"},
		{"fail on high without severities", []string{"sbom", "scan", scanSBOM, "--advisories", "../vuln/advisory/testdata/osv-mixed.json", "--fail-on", "high"}, 0, "Example_Pkg"},
		{"fail on critical", []string{"sbom", "scan", scanSBOM, "--advisories", "../vuln/advisory/testdata/osv-log4j.json", "--fail-on", "critical"}, 3, "log4j-core"},
		{"bad fail-on", []string{"sbom", "scan", scanSBOM, "--fail-on", "soon"}, 1, ""},
		{"bad format", []string{"sbom", "scan", scanSBOM, "--format", "xml"}, 1, ""},
		{"missing sbom", []string{"sbom", "scan", "nope.json"}, 1, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, errs)
			}
			if !strings.Contains(out, tc.contains) {
				t.Errorf("output lacks %q:\n%s", tc.contains, out)
			}
		})
	}
}

func TestSBOMScanJSON(t *testing.T) {
	code, out, _ := runCLI(t, "sbom", "scan", scanSBOM, "--advisories", scanAdv, "--advisories", scanKEV, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines, want one per finding (7)", len(lines))
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"version", "vulnerability", "aliases", "known_exploited", "fixed_version", "suppressed_by", "action"} {
			if _, ok := m[k]; !ok {
				t.Errorf("finding lacks %q: %s", k, l)
			}
		}
		if m["vulnerability"] == "CVE-2022-27664" && m["purl"] != "pkg:golang/golang.org/x/net@v0.0.0-20220722155237-a158d28d115b" {
			t.Errorf("purl %v", m["purl"])
		}
	}
}

func TestSBOMScanVDRIsCycloneDX(t *testing.T) {
	code, out, _ := runCLI(t, "sbom", "scan", "../vuln/testdata/appliance-6.4.9.cdx.json", "--advisories", scanAdv, "--format", "vdr")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(strings.NewReader(out), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.Vulnerabilities == nil {
		t.Fatalf("spec %v", bom.SpecVersion)
	}
	found := false
	for _, v := range *bom.Vulnerabilities {
		if v.ID == "CVE-2021-44228" && v.Analysis != nil && v.Analysis.State == cdx.IASNotAffected && v.Analysis.Justification == cdx.IAJCodeNotReachable {
			found = true
		}
	}
	if !found {
		t.Errorf("suppressed log4j finding not written as not_affected analysis:\n%s", out)
	}
}

func TestFeedsCheck(t *testing.T) {
	code, out, _ := runCLI(t, "feeds", "check", scanAdv, scanKEV)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"csaf-vex.json: CSAF 2.0: 1 advisories, 3 VEX statements", "kev-mini.json: CISA KEV: 3 advisories, 0 VEX statements, 3 KEV entries", "epss.csv: EPSS: 0 advisories, 0 VEX statements, 0 KEV entries, 4 EPSS scores, 2 problems"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, out, _ := runCLI(t, "feeds", "check", scanSBOM+"x"); code != 1 || !strings.Contains(out, "refused") {
		t.Errorf("missing file: exit %d %s", code, out)
	}
}

func TestSBOMInspect(t *testing.T) {
	code, out, _ := runCLI(t, "sbom", "inspect", scanSBOM, "../vuln/sbom/testdata/tool.spdx")
	if code != 0 || !strings.Contains(out, "CycloneDX 1.6 JSON, 5 components, product SecureGate 7.0.1") || !strings.Contains(out, "cryptographic assets: 1") || !strings.Contains(out, "SPDX 2.3 tag-value") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestSbomScanFailsWithoutAdvisories shows that a CI gate never passes on
// feeds it did not read: with --fail-on, an --advisories input that is
// missing, empty, truncated or in no known format ends the scan with exit 1
// and the reason, where the complete feed would have failed the gate with 3.
func TestSbomScanFailsWithoutAdvisories(t *testing.T) {
	kev, err := os.ReadFile(scanKEV)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	folder := filepath.Join(dir, "feeds")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "kev.json"), kev[:len(kev)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "sbom", "scan", scanSBOM, "--advisories", scanKEV, "--fail-on", "kev"); code != 3 {
		t.Fatalf("the complete KEV feed: exit %d, want 3:\n%s", code, errs)
	}
	for _, tc := range []struct {
		name, path, reason string
	}{
		{"missing", filepath.Join(dir, "known_exploited_vulnerabilities.json"), "no such file"},
		{"empty", write("empty.json", nil), "empty"},
		{"truncated", write("truncated.json", kev[:len(kev)/2]), "unexpected end of JSON"},
		{"not a feed", write("error.html", []byte("<html><body>502 Bad Gateway</body></html>")), "XML"},
		{"truncated in a folder", folder, "unexpected end of JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCLI(t, "sbom", "scan", scanSBOM, "--advisories", tc.path, "--fail-on", "kev")
			if code != 1 || !strings.Contains(errs, "were not read") || !strings.Contains(errs, tc.reason) {
				t.Fatalf("exit %d, want 1 with the reason %q:\n%s", code, tc.reason, errs)
			}
			if code, _, errs := runCLI(t, "sbom", "scan", scanSBOM, "--advisories", tc.path); code != 0 {
				t.Fatalf("without --fail-on the scan reports and goes on: exit %d\n%s", code, errs)
			}
		})
	}
}
