package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func runMatchCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	code := Run(args, strings.NewReader(""), &o, &e)
	return code, o.String(), e.String()
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSweepCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ioc := writeFile(t, dir, "ioc.txt", "# test\n10.0.0.0/8\nevil.example\n10.0.0.0/33\n")
	logDir := filepath.Join(dir, "logs")
	os.Mkdir(logDir, 0o755)
	logf := writeFile(t, logDir, "app.jsonl", `{"src":"10.1.2.3","q":"a.evil.example"}`+"\n"+`{"x":1`+"\n"+`{"ok":"192.0.2.1"}`+"\n")
	writeFile(t, logDir, "dns.jsonl", `{"q":"b.evil.example"}`+"\n")
	// These indicators are a private range and a documentation name, which
	// the export gate's warninglists hold: the sweep mechanics are tested
	// without it (TestSweepAndExportLeaveOutWarninglistedValues tests it).
	tests := []struct {
		name     string
		args     []string
		code     int
		matches  int
		inStderr []string
	}{
		{"matches and summary", []string{"sweep", "--no-warninglists", "-i", ioc, logf}, 0, 2, []string{
			`ioc.txt line 4: "10.0.0.0/33" is not an IP, CIDR, domain, URL, e-mail or hash`,
			"1 files, 3 lines, 3 records", "2 matches, 1 bad lines",
			"app.jsonl line 2: offset 6: unexpected end of line"}},
		{"fail on match", []string{"sweep", "--no-warninglists", "--fail-on-match", "-i", ioc, logf}, 3, 2, nil},
		{"directory", []string{"sweep", "--no-warninglists", "-i", ioc, logDir}, 0, 3, []string{"2 files, 4 lines"}},
		{"no indicators", []string{"sweep", logf}, 1, 0, []string{"renkei: sweep: no indicators"}},
		{"missing log", []string{"sweep", "-i", ioc, filepath.Join(dir, "nope.jsonl")}, 1, 0, []string{"no such file", "1 of 1 files could not be read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runMatchCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, errOut)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if out == "" {
				lines = nil
			}
			if len(lines) != tt.matches {
				t.Fatalf("%d matches, want %d:\n%s", len(lines), tt.matches, out)
			}
			for _, l := range lines {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("not JSON: %q", l)
				}
				for _, k := range []string{"file", "line", "value", "indicator"} {
					if _, ok := m[k]; !ok {
						t.Errorf("match without %q: %s", k, l)
					}
				}
			}
			for _, s := range tt.inStderr {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errOut)
				}
			}
		})
	}
}

func TestSweepReportAndExport(t *testing.T) {
	t.Parallel()
	const amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	var mu sync.Mutex
	var posted []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
			return
		}
		w.Header().Set("Content-Type", "application/taxii+json;version=2.1")
		switch {
		case r.URL.Path == "/taxii2/":
			io.WriteString(w, `{"title":"t","default":"/taxii2/api/"}`)
		case r.Method == "GET" && r.URL.Path == "/taxii2/api/collections/c1/objects/":
			io.WriteString(w, `{"more":false,"objects":[{"type":"indicator","id":"indicator--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa","pattern_type":"stix","pattern":"[ipv4-addr:value = '192.0.2.1']","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["`+amber+`"]}]}`)
		case r.Method == "POST" && r.URL.Path == "/taxii2/api/collections/c1/objects/":
			var env struct{ Objects []map[string]any }
			json.NewDecoder(r.Body).Decode(&env)
			mu.Lock()
			posted = append(posted, env.Objects...)
			mu.Unlock()
			w.WriteHeader(202)
			io.WriteString(w, `{"id":"s","status":"complete","success_count":1,"failure_count":0,"pending_count":0}`)
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	logf := writeFile(t, dir, "a.jsonl", `{"dst":"192.0.2.1"}`+"\n")
	code, out, errOut := runMatchCLI(t, "sweep", "--no-warninglists", "--hub", srv.URL, "--token", "tok", "--collection", "c1", "--report", logf)
	if code != 0 || !strings.Contains(out, `"indicator":"indicator--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"`) || !strings.Contains(out, `"tlp":"amber"`) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "reported 1 sightings to collection c1") || len(posted) != 1 || posted[0]["sighting_of_ref"] != "indicator--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa" {
		t.Fatalf("report: %s %v", errOut, posted)
	}

	edl := filepath.Join(dir, "edl.txt")
	code, _, errOut = runMatchCLI(t, "export", "--no-warninglists", "--format", "edl", "--hub", srv.URL, "--token", "tok", "--collection", "c1", "-o", edl)
	data, _ := os.ReadFile(edl)
	if code != 0 || string(data) != "192.0.2.1\n" {
		t.Fatalf("export exit %d: %s\n%s", code, errOut, data)
	}
	code, _, errOut = runMatchCLI(t, "export", "--format", "pdf", "-i", logf)
	if code != 1 || !strings.Contains(errOut, "unknown export format") {
		t.Errorf("bad format: exit %d %s", code, errOut)
	}
}

func TestSweepAndExportLeaveOutWarninglistedValues(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ioc := writeFile(t, dir, "ioc.txt", "8.8.8.8\n0.0.0.0/0\n45.0.0.0/8\n::/0\nco.jp\n10.1.0.0/16\n45.77.1.2\nc2.renkei-test.jp\n")
	logf := writeFile(t, dir, "dns.jsonl", `{"src":"10.1.2.3","dst":"8.8.8.8","q":"x.co.jp"}`+"\n"+`{"dst":"45.77.1.2","q":"c2.renkei-test.jp"}`+"\n")
	code, out, errOut := runMatchCLI(t, "sweep", "-i", ioc, logf)
	if code != 0 || strings.Count(strings.TrimSpace(out), "\n")+1 != 2 || !strings.Contains(out, "45.77.1.2") || !strings.Contains(out, "c2.renkei-test.jp") {
		t.Fatalf("sweep: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "left out by the export gate") {
		t.Fatalf("the sweep does not say what the gate left out:\n%s", errOut)
	}
	for _, format := range []string{"edl", "rpz", "suricata", "zeek"} {
		code, out, errOut := runMatchCLI(t, "export", "--format", format, "-i", ioc)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, errOut)
		}
		// Suricata names address groups by their /8 in msg and metadata:
		// what a rule matches is in its address list and content.
		out = regexp.MustCompile(`msg:"[^"]*";|metadata:[^;]*;|# sid.*`).ReplaceAllString(out, "")
		for _, never := range []string{"8.8.8.8", "0.0.0.0/0", "45.0.0.0", "::/0", "co.jp", "10.1.0.0"} {
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, never) && !strings.Contains(l, "renkei-test.jp") {
					t.Errorf("%s: %s reached the export: %q", format, never, l)
				}
			}
		}
	}
}

// TestOfflineGateThresholdsFromFlags: renkei export and renkei sweep take
// the hostile-scope thresholds from --widest-ipv4 and --public-suffixes: a
// /12 passes the default /8 and is left out at --widest-ipv4 12; github.io
// (a private public suffix) is left out by default and passes with icann.
func TestOfflineGateThresholdsFromFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ioc := writeFile(t, dir, "ioc.txt", "61.0.0.0/12\ngithub.io\nc2.renkei-test.jp\n")
	for _, tc := range []struct {
		name      string
		flags     []string
		want, not []string
	}{
		{"defaults", nil, []string{"61.0.0.0/12"}, []string{"github.io"}},
		{"narrower", []string{"--widest-ipv4", "12", "--public-suffixes", "icann"}, []string{"github.io"}, []string{"61.0.0.0/12"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runMatchCLI(t, append(append([]string{"export", "--format", "csv"}, tc.flags...), "-i", ioc)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, v := range tc.want {
				if !strings.Contains(out, v) {
					t.Errorf("%s missing:\n%s", v, out)
				}
			}
			for _, v := range tc.not {
				if strings.Contains(out, v) {
					t.Errorf("%s exported:\n%s", v, out)
				}
			}
		})
	}
	if code, _, errOut := runMatchCLI(t, "export", "--format", "csv", "--widest-ipv4", "32", "-i", ioc); code == 0 {
		t.Errorf("--widest-ipv4 32 accepted: %s", errOut)
	}
}
