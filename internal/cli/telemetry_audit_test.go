package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTelemetryCommandsLoggedFirst: registering a source, loading the
// domestic ranges and registering a member's address space from the command
// line are policy changes of the communications-information pipeline, logged
// (policy.change, by the command line) before they take effect, as the same
// acts are through the API.
func TestTelemetryCommandsLoggedFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := []string{"--data", dir}
	code, out, stderr := run(t, "", append([]string{"org", "add", "Bayside Water Utility", "--kind", "operator"}, data...)...)
	if code != 0 {
		t.Fatalf("org add: %s", stderr)
	}
	org := strings.TrimSpace(out)
	if code, _, stderr := run(t, "", append([]string{"telemetry", "source-add", "bay-border", "--basis", "agreement", "--approval", "approval-1",
		"--retention", "30d", "--operator", "Bayside Water Utility"}, data...)...); code != 0 {
		t.Fatalf("source-add: %s", stderr)
	}
	ranges := filepath.Join(t.TempDir(), "jp.txt")
	if err := os.WriteFile(ranges, []byte("203.0.113.0/24\n2001:db8::/32\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, "", append([]string{"telemetry", "ranges-import", ranges}, data...)...); code != 0 {
		t.Fatalf("ranges-import: %s", stderr)
	}
	if code, _, stderr := run(t, "", append([]string{"telemetry", "address-space", "Bayside Water Utility", "198.51.100.0/25", "2001:db8:40::/48"}, data...)...); code != 0 {
		t.Fatalf("address-space: %s", stderr)
	}

	logged := loggedByCLI(t, dir)
	if d := logged["policy.change source:bay-border"]; d["change"] != "telemetry source registered" || d["legal_basis"] != "agreement" || d["approval"] != "approval-1" {
		t.Errorf("source-add is not logged as the API logs it: %v", d)
	}
	var rangesLogged bool
	for k, d := range logged {
		if strings.HasPrefix(k, "policy.change domestic-ranges:") && d["change"] == "domestic ranges loaded" && d["ranges"] == "2" {
			rangesLogged = true
		}
	}
	if !rangesLogged {
		t.Errorf("ranges-import is not logged: %v", logged)
	}
	if d := logged["policy.change org:"+org]; d["change"] != "member address space registered" || d["prefix"] == "" {
		t.Errorf("address-space is not logged: %v", logged)
	}

}
