package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runHuntCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	g := &globals{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}
	root := newRoot(g)
	root.SetArgs(args)
	code := 0
	if err := root.Execute(); err != nil {
		code = 1
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

const huntData = "../hunt/testdata"

func TestHuntOutputs(t *testing.T) {
	rules := filepath.Join(huntData, "rules")
	logs := filepath.Join(huntData, "logs")
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, out string)
	}{
		{"jsonl", []string{"hunt", "--rules", rules, logs}, func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 7 {
				t.Fatalf("%d records, want 7:\n%s", len(lines), out)
			}
			for _, l := range lines {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatal(err)
				}
				for _, k := range []string{"rule_id", "rule_title", "level", "file", "record", "timestamp", "computer", "channel", "event_id", "tags"} {
					if _, ok := m[k]; !ok {
						t.Errorf("record lacks %s: %s", k, l)
					}
				}
			}
		}},
		{"csv", []string{"hunt", "--rules", rules, "--output", "csv", "--min-level", "medium", logs}, func(t *testing.T, out string) {
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], ",") != "timestamp,rule_id,rule_title,level,computer,channel,event_id,file,record,tags" {
				t.Errorf("header %v", rows[0])
			}
			if len(rows) != 1+5 {
				t.Errorf("%d rows, want 5 at medium or above", len(rows)-1)
			}
		}},
		{"timeline", []string{"hunt", "--rules", rules, "--output", "timeline", logs}, func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if !strings.HasPrefix(lines[0], "TIME") || len(lines) != 8 {
				t.Fatalf("timeline:\n%s", out)
			}
			if lines[1] > lines[len(lines)-1] && !strings.HasPrefix(lines[1], " ") {
				t.Errorf("timeline is not in time order:\n%s", out)
			}
		}},
		{"stdin", []string{"hunt", "--rules", filepath.Join(rules, "whoami.yml"), "-"}, func(t *testing.T, out string) {
			if n := strings.Count(out, "\n"); n != 2 {
				t.Errorf("%d matches from stdin, want 2", n)
			}
		}},
		{"print mapping", []string{"hunt", "--print-mapping"}, func(t *testing.T, out string) {
			if !strings.Contains(out, "logsources:") {
				t.Error("mapping not printed")
			}
		}},
	}
	stdin, _ := os.ReadFile(filepath.Join(logs, "winlogbeat.jsonl"))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runHuntCLI(t, string(stdin), tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			tc.check(t, out)
			if tc.name == "jsonl" && !strings.Contains(errOut, "matches") {
				t.Errorf("no summary on stderr: %s", errOut)
			}
		})
	}
}

func TestHuntReportsUnloadedRules(t *testing.T) {
	dir := t.TempDir()
	bad := "title: Bad\nid: x\nlogsource: {product: windows}\ndetection:\n  sel: {A|nosuch: 1}\n  condition: sel\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.yml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runHuntCLI(t, "", "hunt", "--rules", dir, "--list-unloaded")
	if code != 0 {
		t.Fatal(errOut)
	}
	if !strings.Contains(out, "bad.yml:5") || !strings.Contains(out, `unknown modifier "nosuch"`) {
		t.Errorf("unloaded list %q should give file, line and reason", out)
	}
	_, _, code = runHuntCLI(t, "", "hunt", "--rules", dir, "--output", "xml", "x.evtx")
	if code == 0 {
		t.Error("an unknown output format must fail")
	}
}

// TestHuntFailsWithoutRules shows that a hunt with nothing to hunt with
// exits 2 with the reason instead of reporting "0 matches": --rules on a
// missing path, an empty folder, or files that are no Sigma rule.
func TestHuntFailsWithoutRules(t *testing.T) {
	logs := filepath.Join(huntData, "logs")
	empty := t.TempDir()
	notRules := t.TempDir()
	if err := os.WriteFile(filepath.Join(notRules, "readme.yml"), []byte("just: a note\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "hunt", "--rules", filepath.Join(huntData, "rules"), logs); code != 0 {
		t.Fatalf("rules and logs: exit %d\n%s", code, errs)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		reason string
	}{
		{"missing path", []string{"--rules", filepath.Join(empty, "nope")}, "no Sigma rule could be loaded"},
		{"empty folder", []string{"--rules", empty}, "no Sigma rule could be loaded"},
		{"no rule in the files", []string{"--rules", notRules}, "1 not loaded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCLI(t, append(append([]string{"hunt"}, tc.args...), logs)...)
			if code != 2 || !strings.Contains(errs, tc.reason) {
				t.Fatalf("exit %d, want 2 with %q:\n%s", code, tc.reason, errs)
			}
		})
	}
}

// TestHuntFailsWhenNoInputParses shows that a hunt over inputs none of
// which yields an event (corrupt JSON lines, binary files) exits 2 with the
// reason, while one readable input among bad ones is enough to run.
func TestHuntFailsWhenNoInputParses(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	bin := filepath.Join(dir, "blob.bin")
	if err := os.WriteFile(bad, []byte("{bad json\n{also bad\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, bytes.Repeat([]byte{0, 0xff, 0x13, 0x37}, 1024), 0o600); err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(huntData, "rules")
	code, _, errs := runCLI(t, "hunt", "--rules", rules, bad, bin)
	if code != 2 || !strings.Contains(errs, "no event could be read from any of the 2 inputs") {
		t.Fatalf("exit %d, want 2 with the reason:\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, "hunt", "--rules", rules, bad, bin, filepath.Join(huntData, "logs")); code != 0 {
		t.Fatalf("with one readable input: exit %d\n%s", code, errs)
	}
}
