package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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
	t.Parallel()
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
				for _, k := range []string{"rule_id", "rule_title", "level", "file", "record", "timestamp", "computer", "channel", "event_id", "tags", "details"} {
					if _, ok := m[k]; !ok {
						t.Errorf("record lacks %s: %s", k, l)
					}
				}
			}
		}},
		{"csv", []string{"hunt", "--rules", rules, "--format", "csv", "--min-level", "medium", logs}, func(t *testing.T, out string) {
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], ",") != "timestamp,rule_id,rule_title,level,computer,channel,event_id,file,record,tags,details" {
				t.Errorf("header %v", rows[0])
			}
			if len(rows) != 1+5 {
				t.Errorf("%d rows, want 5 at medium or above", len(rows)-1)
			}
		}},
		{"timeline", []string{"hunt", "--rules", rules, "--format", "timeline", logs}, func(t *testing.T, out string) {
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
	t.Parallel()
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
	_, _, code = runHuntCLI(t, "", "hunt", "--rules", dir, "--format", "xml", "x.evtx")
	if code == 0 {
		t.Error("an unknown output format must fail")
	}
}

// TestHuntFailsWithoutRules shows that a hunt with nothing to hunt with
// exits 2 with the reason instead of reporting "0 matches": --rules on a
// missing path, an empty folder, or files that are no Sigma rule.
func TestHuntFailsWithoutRules(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// TestHuntDetailsExplainTheEvent: every match carries a Details text, as
// Hayabusa's and Chainsaw's users expect — the fields worth reading for the
// event's kind first (a Sysmon process creation's command line and image),
// the fields the rule tested, and for a correlation its group and count.
func TestHuntDetailsExplainTheEvent(t *testing.T) {
	t.Parallel()
	out, errOut, code := runHuntCLI(t, "", "hunt", "--rules", filepath.Join(huntData, "rules"), filepath.Join(huntData, "logs"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := map[string]string{
		"winlogbeat.jsonl:101": `CommandLine: whoami /all ¦ Image: C:\Windows\System32\whoami.exe`,
		"winlogbeat.jsonl:7":   `CommandLine: whoami ¦ NewProcessName: C:\Windows\System32\WHOAMI.EXE`,
		"dns.log:9":            "id.orig_h: 10.0.0.6 ¦ query: c2.evil.example",
		"winlogbeat.jsonl:203": "TargetUserName: bob ¦ Type: event_count ¦ Value: 3 ¦ Events: 3",
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m struct {
			File    string
			Record  int64
			Details string
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		if m.Details == "" {
			t.Errorf("no details: %s", l)
		}
		k := filepath.Base(m.File) + ":" + strconv.FormatInt(m.Record, 10)
		if w, ok := want[k]; ok {
			if !strings.HasPrefix(m.Details, w) {
				t.Errorf("%s details %q, want them to begin %q", k, m.Details, w)
			}
			delete(want, k)
		}
	}
	for k := range want {
		t.Errorf("no match for %s", k)
	}
}

// outOfOrder is a log whose events were written out of time order, as logs
// gathered from several hosts are.
const outOfOrder = `{"@timestamp":"2026-01-05T12:00:00Z","winlog":{"channel":"Security","event_id":4688,"computer_name":"c","record_id":3,"event_data":{"NewProcessName":"C:\\Windows\\System32\\whoami.exe","CommandLine":"whoami /c"}}}
{"@timestamp":"2026-01-05T10:00:00Z","winlog":{"channel":"Security","event_id":4688,"computer_name":"a","record_id":1,"event_data":{"NewProcessName":"C:\\Windows\\System32\\whoami.exe","CommandLine":"whoami /a"}}}
{"@timestamp":"2026-01-05T11:00:00+00:00","winlog":{"channel":"Security","event_id":4688,"computer_name":"b","record_id":2,"event_data":{"NewProcessName":"C:\\Windows\\System32\\whoami.exe","CommandLine":"whoami /b"}}}
`

// TestHuntSortsByTimeOnRequest: --sort time orders JSON lines and CSV rows
// by the events' time, whatever order the log gave them in; without it they
// come as read.
func TestHuntSortsByTimeOnRequest(t *testing.T) {
	t.Parallel()
	rule := filepath.Join(huntData, "rules", "whoami.yml")
	order := func(out string, csvOut bool) string {
		var got []string
		if csvOut {
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows[1:] {
				got = append(got, r[4])
			}
			return strings.Join(got, "")
		}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var m struct{ Computer string }
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatal(err)
			}
			got = append(got, m.Computer)
		}
		return strings.Join(got, "")
	}
	for _, tc := range []struct {
		name string
		args []string
		csv  bool
		want string
	}{
		{"jsonl as read", []string{"--workers", "1"}, false, "cab"},
		{"jsonl by time", []string{"--sort", "time"}, false, "abc"},
		{"csv by time", []string{"--format", "csv", "--sort", "time"}, true, "abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"hunt", "--rules", rule}, tc.args...), "-")
			out, errOut, code := runHuntCLI(t, outOfOrder, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if got := order(out, tc.csv); got != tc.want {
				t.Errorf("order %q, want %q:\n%s", got, tc.want, out)
			}
		})
	}
	if _, errOut, code := runHuntCLI(t, outOfOrder, "hunt", "--rules", rule, "--sort", "size", "-"); code == 0 || !strings.Contains(errOut, "--sort") {
		t.Errorf("--sort size accepted: %s", errOut)
	}
}

// TestHuntWritesTimesketchLines: --format timesketch writes what
// Timesketch's JSONL import requires of every line (message, datetime in
// ISO 8601, timestamp_desc; the timestamp in microseconds since the epoch),
// ordered by time, with the match's fields beside them; a match without a
// readable time (a syslog line has no year) is left out and counted.
func TestHuntWritesTimesketchLines(t *testing.T) {
	t.Parallel()
	out, errOut, code := runHuntCLI(t, outOfOrder, "hunt", "--rules", filepath.Join(huntData, "rules"), "--format", "timesketch", "--fields",
		filepath.Join(huntData, "logs"), "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var last time.Time
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		msg, _ := m["message"].(string)
		desc, _ := m["timestamp_desc"].(string)
		dt, _ := m["datetime"].(string)
		at, err := time.Parse(time.RFC3339Nano, dt)
		if msg == "" || desc == "" || err != nil {
			t.Fatalf("line lacks message, timestamp_desc or an ISO 8601 datetime: %s", l)
		}
		if us, _ := m["timestamp"].(float64); int64(us) != at.UnixMicro() {
			t.Errorf("timestamp %v is not %s in microseconds", m["timestamp"], dt)
		}
		if at.Before(last) {
			t.Errorf("%s comes after %s", dt, last)
		}
		last = at
		if m["rule_title"] == "Whoami Execution" && (m["CommandLine"] == nil || !strings.Contains(msg, "CommandLine: whoami")) {
			t.Errorf("the event's fields are not beside the message: %s", l)
		}
		n++
	}
	if n != 3+6 {
		t.Errorf("%d lines, want 9 (3 from stdin, 6 timed matches of the test logs)", n)
	}
	if !strings.Contains(errOut, "1 matches without a readable time left out") {
		t.Errorf("the syslog match without a year is not reported: %s", errOut)
	}
}
