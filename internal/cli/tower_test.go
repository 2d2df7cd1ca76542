package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"renkei/internal/jst"
	"strings"
	"testing"
	"time"
)

// TestTowerCommands files a report from JSON, refuses a bad one with every
// field named and exit 1, opens and works a case, publishes an advisory that
// is acknowledged, and prints the picture as CSV.
func TestTowerCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := []string{"--data", dir}
	must := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errOut := run(t, stdin, append(args, d...)...)
		if code != 0 {
			t.Fatalf("renkei %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	must("", "org", "add", "Suido Water", "--kind", "operator", "--sector", "water")
	must("", "user", "add", "mizu", "--org", "Suido Water", "--role", "analyst")
	out := must("", "org", "list")
	center := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "center") {
			center = strings.Fields(l)[0]
		}
	}
	must("", "user", "add", "kanshi", "--org", center, "--role", "analyst")

	detected := time.Now().Add(-time.Hour).Format(time.RFC3339)
	file := filepath.Join(dir, "r.json")
	os.WriteFile(file, []byte(`{"duties":["art5","personal-data"],"type":"art5","stage":"initial","category":"ransomware","title":"Historian",
		"what_happened":"Encrypted","detected_at":"`+detected+`","current_status":"contained","tlp":"amber"}`), 0o600)
	out = must("", "report", "file", "--as", "mizu", file)
	// Incidents, reports, cases and advisories are named by public ids.
	filed := regexp.MustCompile(`incident ([0-9a-f]{32}) report [0-9a-f]{32} \(art5 initial\) filed`).FindStringSubmatch(out)
	if filed == nil || !strings.Contains(out, "personal-data") || !strings.Contains(out, "JST") {
		t.Fatalf("report file:\n%s", out)
	}
	inc := filed[1]
	code, _, errOut := run(t, `{"duties":["art5"],"type":"art5","stage":"initial","what_happened":"","current_status":"ongoing"}`, append([]string{"report", "file", "--as", "mizu", "-"}, d...)...)
	if code != 1 || !strings.HasPrefix(errOut, "renkei: file: -: invalid report:") || !strings.Contains(errOut, "title: is required") || !strings.Contains(errOut, "detected_at: is required") {
		t.Fatalf("bad report: %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "", append([]string{"report", "list"}, d...)...); code != 1 || !strings.Contains(errOut, "--as") {
		t.Fatalf("list without --as: %d %q", code, errOut)
	}
	k := strings.TrimSpace(must("", "case", "open", "--as", "kanshi", "--title", "Ransomware", "--source", "report:"+inc, "--severity", "high"))
	must("", "case", "act", "--as", "kanshi", k, "--status", "investigating", "--note", "advice sent", "--shared")
	if out := must("", "case", "list", "--as", "mizu"); !strings.Contains(out, "investigating") {
		t.Fatalf("the reporter's case list:\n%s", out)
	}
	due := time.Now().Add(48 * time.Hour).In(jst.Zone).Format("2006-01-02 15:04")
	adv := strings.Fields(must("", "advisory", "publish", "--as", "kanshi", "--title", "Patch", "--action", "apply 7.2.11", "--sectors", "water", "--due", due))[0]
	must("", "advisory", "ack", "--as", "mizu", adv)
	if out := must("", "advisory", "status", "--as", "kanshi", adv); !strings.Contains(out, "1 addressed, 1 acknowledged, 0 completed") {
		t.Fatalf("advisory status:\n%s", out)
	}
	if code, _, errOut := run(t, "", append([]string{"advisory", "publish", "--as", "kanshi", "--title", "x", "--action", "y", "--all", "--due", "2020-01-01 00:00"}, d...)...); code != 1 || !strings.Contains(errOut, "in the past") {
		t.Fatalf("advisory due in the past: %d %q", code, errOut)
	}
	if out := must("", "cop", "--as", "kanshi", "--csv", "--days", "3"); !strings.Contains(out, "incidents_by_sector,,water,1") {
		t.Fatalf("cop CSV:\n%s", out)
	}
	if out := must("", "cop", "--as", "mizu"); !strings.Contains(out, `"whole": false`) {
		t.Fatalf("a member's picture:\n%s", out)
	}
}
