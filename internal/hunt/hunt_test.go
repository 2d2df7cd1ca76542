package hunt

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"renkei/internal/corpora"
	"renkei/internal/sigma"
)

func runAll(t *testing.T, e *Engine, paths []string, stdin []byte) ([]*Match, *Summary) {
	t.Helper()
	inputs, _, errs := ListInputs(paths)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var out []*Match
	sum, err := e.Run(context.Background(), inputs, RunOptions{Workers: 2, Stdin: bytes.NewReader(stdin)}, func(m *Match) { out = append(out, m) })
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Record < out[j].Record
	})
	return out, sum
}

func describe(ms []*Match) []string {
	var s []string
	for _, m := range ms {
		s = append(s, fmt.Sprintf("%s %s:%d %s/%s %s", m.RuleID[len(m.RuleID)-2:], filepath.Base(m.File), m.Record, m.Channel, m.EventID, m.Computer))
	}
	return s
}

// TestReadersAndMapping runs the test rules over one log of each format and
// checks exactly which events match, with their record numbers.
func TestReadersAndMapping(t *testing.T) {
	e, err := LoadEngine([]string{"testdata/rules"}, EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.NotLoaded) > 0 {
		t.Fatal(e.NotLoaded)
	}
	ms, sum := runAll(t, e, []string{"testdata/logs"}, nil)
	got := describe(ms)
	want := []string{
		"04 audit.log:2 auditd/ ",
		"02 auth.log:2 syslog/ bastion",
		"02 auth.log:3 syslog/ bastion",
		"03 dns.log:9 zeek:dns/ ",
		"01 winlogbeat.jsonl:7 Security/4688 ws02.corp", // Image mapped to NewProcessName
		"01 winlogbeat.jsonl:101 Microsoft-Windows-Sysmon/Operational/1 ws01.corp",
		"06 winlogbeat.jsonl:203 Security/4625 dc01", // correlation: third failure of bob
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("matches:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if sum.Events != 8+3+3+3-1 { // the broken JSON line is not an event
		t.Errorf("events read %d, want 16", sum.Events)
	}
	if len(sum.Skipped) != 1 || filepath.Base(sum.Skipped[0]) != "capture.pcap" {
		t.Errorf("skipped %v, want the binary capture.pcap", sum.Skipped)
	}
	if len(sum.ReadErrors) != 1 || !strings.Contains(sum.ReadErrors[0].Error(), "winlogbeat.jsonl record 3") {
		t.Errorf("read errors %v, want the broken line 3 of winlogbeat.jsonl", sum.ReadErrors)
	}
	for _, m := range ms {
		if m.RuleID == "8b0f1a2c-0000-4000-8000-000000000006" {
			if m.Correlation == nil || m.Correlation.Group["TargetUserName"] != "bob" || m.Correlation.Value != 3 {
				t.Errorf("correlation firing %+v, want bob with 3 events", m.Correlation)
			}
		}
		if m.RuleID == "8b0f1a2c-0000-4000-8000-000000000005" {
			t.Errorf("base rule of a correlation without generate: true must not be reported: %+v", m)
		}
	}
}

func TestStdinInput(t *testing.T) {
	e, err := LoadEngine([]string{"testdata/rules/whoami.yml"}, EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/logs/winlogbeat.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := runAll(t, e, []string{"-"}, data)
	if len(ms) != 2 || ms[0].File != "-" {
		t.Errorf("got %v, want 2 matches from -", describe(ms))
	}
}

func TestMinLevel(t *testing.T) {
	e, err := LoadEngine([]string{"testdata/rules"}, EngineOptions{MinLevel: "high"})
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := runAll(t, e, []string{"testdata/logs"}, nil)
	for _, m := range ms {
		if LevelRank(m.Level) < LevelRank("high") {
			t.Errorf("match below minimum level: %+v", m)
		}
	}
	if len(ms) != 2 {
		t.Errorf("got %v, want the DNS rule and the correlation", describe(ms))
	}
}

// TestCorruptEVTXChunkIsSkipped damages one record of a real EVTX file: the
// damage is reported with file and chunk, and the other records still match.
func TestCorruptEVTXChunkIsSkipped(t *testing.T) {
	src := corpora.Path(t, "evtx-attack-samples/Credential Access/sysmon_10_11_lsass_memdump.evtx")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	e := loadWindowsRules(t)
	clean, _ := runAll(t, e, []string{src}, nil)

	bad := append([]byte(nil), data...)
	// overwrite the magic of the second record of the first chunk
	first := 0x1000 + 0x200
	size := int(bad[first+4]) | int(bad[first+5])<<8 | int(bad[first+6])<<16
	copy(bad[first+size:], "XXXX")
	// and destroy the header of the second chunk, if there is one
	if len(bad) >= 0x1000+2*0x10000 {
		copy(bad[0x1000+0x10000:], "garbage!")
	}
	p := filepath.Join(t.TempDir(), "damaged.evtx")
	if err := os.WriteFile(p, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	ms, sum := runAll(t, e, []string{p}, nil)
	if len(sum.ReadErrors) == 0 {
		t.Fatal("damage was not reported")
	}
	for _, re := range sum.ReadErrors {
		if re.File != p || re.Chunk < 0 {
			t.Errorf("read error %v should name the file and chunk", re)
		}
	}
	if len(ms) < len(clean)-1 || len(ms) > len(clean) {
		t.Errorf("%d matches after damage, %d before: the rest of the file must still be hunted", len(ms), len(clean))
	}
	t.Logf("clean %d matches, damaged %d matches, errors: %v", len(clean), len(ms), sum.ReadErrors)
}

func TestMappingResolve(t *testing.T) {
	m := DefaultMapping()
	tests := []struct {
		product, category, service string
		want                       int
	}{
		{"windows", "process_creation", "", 2}, // Sysmon 1 and Security 4688
		{"windows", "", "security", 1},
		{"windows", "registry_event", "", 1},
		{"windows", "file_access", "", 0},
		{"linux", "", "auditd", 1},
	}
	for _, tc := range tests {
		got := m.Resolve(sigmaLogsource(tc.product, tc.category, tc.service))
		if len(got) != tc.want {
			t.Errorf("%s/%s/%s: %d entries, want %d", tc.product, tc.category, tc.service, len(got), tc.want)
		}
	}
	if _, err := ParseMapping([]byte("logsources:\n  - match: {vendor: x}\n")); err == nil {
		t.Error("a match key other than product/category/service must be rejected")
	}
}

func sigmaLogsource(p, c, s string) sigma.Logsource {
	return sigma.Logsource{Product: p, Category: c, Service: s}
}

// TestLargeJSONLinesSplitAcrossWorkers checks that a large JSON-lines file
// cut into blocks for several workers gives exactly the matches of reading
// it as one stream, with the same line numbers.
func TestLargeJSONLinesSplitAcrossWorkers(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.jsonl")
	fh, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSyntheticEvents(fh, 16_000, 7); err != nil {
		t.Fatal(err)
	}
	// a broken line in the middle must be reported with its line number
	fmt.Fprintln(fh, `{"broken": `)
	if err := WriteSyntheticEvents(fh, 1_500, 8); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	st, _ := os.Stat(p)
	if st.Size() < 2*lineBlockSize {
		t.Fatalf("test file of %d bytes is too small to be split", st.Size())
	}
	e := loadWindowsRules(t)
	split, sumSplit := runAll(t, e, []string{p}, nil)
	data, _ := os.ReadFile(p)
	whole, sumWhole := runAll(t, e, []string{"-"}, data)
	if sumSplit.Events != 17_500 || sumWhole.Events != 17_500 {
		t.Errorf("events %d split, %d whole; want 17500", sumSplit.Events, sumWhole.Events)
	}
	key := func(ms []*Match) []string {
		var k []string
		for _, m := range ms {
			k = append(k, fmt.Sprintf("%s %d %s", m.RuleID, m.Record, m.Timestamp))
		}
		sort.Strings(k)
		return k
	}
	if a, b := key(split), key(whole); strings.Join(a, "\n") != strings.Join(b, "\n") || len(a) == 0 {
		t.Errorf("split run found %d matches, whole run %d (must be equal and non-zero)", len(a), len(b))
	}
	for _, s := range []*Summary{sumSplit, sumWhole} {
		if len(s.ReadErrors) != 1 || s.ReadErrors[0].Record != 16_001 {
			t.Errorf("read errors %v, want line 16001", s.ReadErrors)
		}
	}
}

// TestPrefilterLosesNothing runs all SigmaHQ Windows rules over synthetic
// events and the EVTX attack samples with and without the prefilter: the
// matches must be the same.
func TestPrefilterLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: evaluates every rule on every event once")
	}
	p := filepath.Join(t.TempDir(), "s.jsonl")
	fh, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSyntheticEvents(fh, 5_000, 3); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	rules := corpora.Path(t, "sigma/rules/windows")
	logs := []string{p, corpora.Path(t, "evtx-attack-samples")}
	count := func(noPrefilter bool) map[string]int {
		e, err := LoadEngine([]string{rules}, EngineOptions{NoPrefilt: noPrefilter})
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := runAll(t, e, logs, nil)
		c := map[string]int{}
		for _, m := range ms {
			c[m.RuleTitle]++
		}
		return c
	}
	with, without := count(false), count(true)
	total := 0
	for k, n := range without {
		total += n
		if with[k] != n {
			t.Errorf("%s: %d matches with the prefilter, %d without", k, with[k], n)
		}
	}
	for k, n := range with {
		if without[k] == 0 {
			t.Errorf("%s: %d matches only with the prefilter", k, n)
		}
	}
	if total == 0 {
		t.Fatal("no matches at all")
	}
}

// TestPrettyJSONResynchronises reads concatenated pretty-printed objects
// (the SigmaHQ sidecar layout) with one broken object in the middle: the
// objects after it are still read.
func TestPrettyJSONResynchronises(t *testing.T) {
	doc := `{
  "Event": {"System": {"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "EventRecordID": 1},
            "EventData": {"Image": "C:\\Windows\\System32\\whoami.exe"}}
}
{
  "Event": {"System": {"Channel": broken
}
{
  "Event": {"System": {"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "EventRecordID": 3},
            "EventData": {"Image": "C:\\Windows\\System32\\whoami.exe"}}
}
`
	p := filepath.Join(t.TempDir(), "pretty.json")
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := LoadEngine([]string{"testdata/rules/whoami.yml"}, EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms, sum := runAll(t, e, []string{p}, nil)
	if got := describe(ms); len(got) != 2 || !strings.Contains(got[1], "pretty.json:3 ") {
		t.Errorf("matches %v, want records 1 and 3", got)
	}
	if len(sum.ReadErrors) != 1 || sum.ReadErrors[0].Record != 2 || !strings.Contains(sum.ReadErrors[0].Reason, "next object") {
		t.Errorf("read errors %v, want object 2 reported", sum.ReadErrors)
	}
}

// TestTruncatedEVTX cuts a real EVTX file in the middle of a chunk (as a copy
// taken while the log was written): the cut is reported and the records
// before it are still hunted.
func TestTruncatedEVTX(t *testing.T) {
	src := corpora.Path(t, "evtx-attack-samples/Credential Access/sysmon_10_11_lsass_memdump.evtx")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cut.evtx")
	if err := os.WriteFile(p, data[:0x1000+0x1000], 0o600); err != nil {
		t.Fatal(err)
	}
	e := loadWindowsRules(t)
	_, full := runAll(t, e, []string{src}, nil)
	_, cut := runAll(t, e, []string{p}, nil)
	if cut.Events == 0 || cut.Events >= full.Events {
		t.Errorf("%d events from the cut file, %d from the whole: want some but fewer", cut.Events, full.Events)
	}
	found := false
	for _, re := range cut.ReadErrors {
		if strings.Contains(re.Reason, "truncated") {
			found = true
		}
	}
	if !found {
		t.Errorf("truncation not reported: %v", cut.ReadErrors)
	}
}

// TestDefenderSpacedFieldsMatch runs a rule written as SigmaHQ writes
// Windows Defender rules (ThreatName, ProcessName) over the real Defender
// log of evtx-attack-samples, whose event data says "Threat Name" and
// "Process Name": the six 1116 detections match.
func TestDefenderSpacedFieldsMatch(t *testing.T) {
	src := corpora.Path(t, "evtx-attack-samples/AutomatedTestingTools/WinDefender_Events_1117_1116_AtomicRedTeam.evtx")
	rule := filepath.Join(t.TempDir(), "defender.yml")
	os.WriteFile(rule, []byte(`title: Defender detection in a PowerShell process
id: 3f0c1c1e-7a55-4a53-9a4f-5d1d7f0f0a01
logsource: {product: windows, service: windefend}
detection:
  sel:
    EventID: 1116
    ThreatName|contains: ':'
    ProcessName|endswith: '\powershell.exe'
  condition: sel
level: high
`), 0o644)
	e, err := LoadEngine([]string{rule}, EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := countMatches(t, e, src, "3f0c1c1e-7a55-4a53-9a4f-5d1d7f0f0a01")
	if n != 6 {
		t.Errorf("%d matches, want the 6 detections (EventID 1116) of the log", n)
	}
}
