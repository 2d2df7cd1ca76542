package cli

import (
	"strings"
	"testing"

	"renkei/internal/i18n"
)

// TestWarninglistCommandsActAsTheOperator: without --as, the warninglists
// commands act as this machine's operator, whom the policy sees as the hub
// itself (policy.System), not as an anonymous reader; each change is logged
// by the command line before it takes effect.
func TestWarninglistCommandsActAsTheOperator(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := []string{"--data", dir}
	cli := func(args ...string) string {
		t.Helper()
		code, out, stderr := run(t, "", append(args, data...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		return out
	}
	hits := func(value string) string {
		t.Helper()
		return cli("warninglists", "check", value)
	}

	cli("warninglists", "add", "center-top-sites", "google.com", "yahoo.co.jp")
	// What it says to people comes from the catalog, in the language chosen.
	if out, want := cli("warninglists", "add", "center-top-sites", "example.jp", "--lang", "ja"), i18n.Text("ja", "cli.warninglists.edited", "center-top-sites", "2", "3")+"\n"; out != want {
		t.Errorf("add says %q, want %q", out, want)
	}
	if out := cli("warninglists", "list"); !strings.Contains(out, "center-top-sites") || !strings.Contains(out, "renkei-documentation") {
		t.Fatalf("list lacks the center's list or a built-in one:\n%s", out)
	}
	if !strings.Contains(hits("www.google.com"), "center-top-sites") {
		t.Error("a name under a listed name is in no list")
	}
	if !strings.Contains(hits("192.0.2.7"), "renkei-documentation") {
		t.Fatal("a documentation address is not in the built-in list")
	}
	cli("warninglists", "disable", "renkei-documentation")
	if strings.Contains(hits("192.0.2.7"), "renkei-documentation") {
		t.Error("a disabled list still holds its values")
	}
	cli("warninglists", "import", "../../../shared/corpora/misp-warninglists/lists/google-gmail-sending-ips/list.json")
	if !strings.Contains(hits("209.85.128.9"), "google-gmail-sending-ips") {
		t.Error("an imported list holds none of its values")
	}

	logged := loggedByCLI(t, dir)
	for key, op := range map[string]string{
		"warninglist.change warninglist:center-top-sites":         "add",
		"warninglist.change warninglist:renkei-documentation":     "disable",
		"warninglist.change warninglist:google-gmail-sending-ips": "import",
	} {
		if logged[key]["op"] != op {
			t.Errorf("%s (%s) is not logged by the command line: %v", key, op, logged[key])
		}
	}
}
