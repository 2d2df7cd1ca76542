package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

// compileSchema compiles the JSON schema at path, with the other schema
// files it refers to registered under their ids.
func compileSchema(t *testing.T, path string, others map[string]string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for id, file := range others {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	return s
}

// cycloneDX16Schema is the official CycloneDX 1.6 JSON schema, as shipped in
// the cyclonedx-go module go.mod requires.
func cycloneDX16Schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/CycloneDX/cyclonedx-go").Output()
	if err != nil {
		t.Fatalf("locate the cyclonedx-go module: %v", err)
	}
	d := filepath.Join(strings.TrimSpace(string(dir)), "schema")
	return compileSchema(t, filepath.Join(d, "bom-1.6.schema.json"), map[string]string{
		"http://cyclonedx.org/schema/spdx.schema.json":     filepath.Join(d, "spdx.schema.json"),
		"http://cyclonedx.org/schema/jsf-0.82.schema.json": filepath.Join(d, "jsf-0.82.schemax.json"),
	})
}

func validateJSON(t *testing.T, s *jsonschema.Schema, doc string) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("invalid: %v", err)
	}
}

// TestSBOMScanVDRValidatesAgainstCycloneDX16: the VDR of scans with every
// kind of finding (affected, possibly affected, KEV, VEX not_affected and
// affected, aliases) is valid CycloneDX 1.6, and keeps the VEX response.
func TestSBOMScanVDRValidatesAgainstCycloneDX16(t *testing.T) {
	t.Parallel()
	schema := cycloneDX16Schema(t)
	for _, sb := range []string{scanSBOM, "../vuln/testdata/appliance-6.4.9.cdx.json"} {
		t.Run(filepath.Base(sb), func(t *testing.T) {
			code, out, _ := runCLI(t, "sbom", "scan", sb, "--advisories", scanAdv, "--advisories", scanKEV, "--format", "vdr")
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			validateJSON(t, schema, out)
			if !strings.Contains(out, `"references": [`) {
				t.Error("no finding with aliases: the test does not cover references")
			}
		})
	}
	// SecureGate 7.0.1 is known_affected in the CSAF VEX, with a vendor_fix
	// remediation: CycloneDX's response "update".
	_, out, _ := runCLI(t, "sbom", "scan", scanSBOM, "--advisories", scanAdv, "--format", "vdr")
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(strings.NewReader(out), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	kept := false
	for _, v := range *bom.Vulnerabilities {
		if v.ID == "CVE-2021-44228" && v.Analysis != nil && v.Analysis.State == cdx.IASExploitable && v.Analysis.Response != nil &&
			slices.Equal(*v.Analysis.Response, []cdx.ImpactAnalysisResponse{cdx.IARUpdate}) {
			kept = true
		}
	}
	if !kept {
		t.Errorf("the VEX response (update) of CVE-2021-44228 is not in the VDR:\n%s", out)
	}
}

// TestSBOMScanSARIFValidatesAgainstSARIF210: --format sarif is valid SARIF
// 2.1.0 (the OASIS schema), one rule per vulnerability and one result per
// finding, VEX-suppressed findings kept as accepted suppressions.
func TestSBOMScanSARIFValidatesAgainstSARIF210(t *testing.T) {
	t.Parallel()
	schema := compileSchema(t, "../vuln/testdata/schema/sarif-schema-2.1.0.json", nil)
	for _, sb := range []string{scanSBOM, "../vuln/testdata/appliance-6.4.9.cdx.json"} {
		t.Run(filepath.Base(sb), func(t *testing.T) {
			code, out, _ := runCLI(t, "sbom", "scan", sb, "--advisories", scanAdv, "--advisories", scanKEV, "--format", "sarif")
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			validateJSON(t, schema, out)
			_, js, _ := runCLI(t, "sbom", "scan", sb, "--advisories", scanAdv, "--advisories", scanKEV, "--format", "json")
			var log struct {
				Runs []struct {
					Results []struct {
						RuleID       string            `json:"ruleId"`
						Level        string            `json:"level"`
						Suppressions []json.RawMessage `json:"suppressions"`
						Locations    []struct {
							PhysicalLocation struct {
								ArtifactLocation struct{ URI string } `json:"artifactLocation"`
							} `json:"physicalLocation"`
						} `json:"locations"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal([]byte(out), &log); err != nil || len(log.Runs) != 1 {
				t.Fatalf("%v:\n%s", err, out)
			}
			rs := log.Runs[0].Results
			if n := strings.Count(strings.TrimSpace(js), "\n") + 1; len(rs) != n {
				t.Errorf("%d results for %d findings", len(rs), n)
			}
			suppressed := 0
			for _, r := range rs {
				suppressed += len(r.Suppressions)
				if r.Locations[0].PhysicalLocation.ArtifactLocation.URI != sb {
					t.Errorf("%s located at %q, want the SBOM %s", r.RuleID, r.Locations[0].PhysicalLocation.ArtifactLocation.URI, sb)
				}
			}
			if want := strings.Count(js, `"suppressed_by":{`); suppressed != want {
				t.Errorf("%d suppressions, want %d (the VEX-suppressed findings)", suppressed, want)
			}
		})
	}
}
