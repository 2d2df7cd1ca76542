package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAssetAndFeedCommands registers connection points by flag and CSV,
// imports a KEV catalog offline and reads the exposure: one alert per
// device, never repeated, and a bad CSV imports nothing and names its line.
func TestAssetAndFeedCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := []string{"--data", dir}
	for _, o := range [][]string{{"Town", "local-government"}, {"Hospital", "medical"}} {
		if code, _, e := run(t, "", append([]string{"org", "add", o[0], "--kind", o[1], "--sector", o[1]}, d...)...); code != 0 {
			t.Fatalf("org add: %s", e)
		}
	}
	if code, out, e := run(t, "", append([]string{"asset", "add", "--org", "Town", "--kind", "vpn", "--vendor", "Example Networks", "--product", "SecureGate", "--version", "7.0.1", "--address", "203.0.113.7"}, d...)...); code != 0 || !regexp.MustCompile(`connection point [0-9a-f]{32} registered`).MatchString(out) {
		t.Fatalf("asset add: %d %s %s", code, out, e)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("kind,vendor,product,version,last_confirmed\nvpn,Example Networks,SecureGate,7.0.1,2025-01-01\nrouter,x,y,1,\n"), 0o600)
	if code, _, e := run(t, "", append([]string{"asset", "import", "--org", "Hospital", bad}, d...)...); code != 1 || !strings.Contains(e, "line 3: kind") || !strings.Contains(e, "nothing imported") {
		t.Fatalf("bad CSV: %d %s", code, e)
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("kind,vendor,product,version,last_confirmed\nvpn,Example Networks,SecureGate,7.0.1,2025-01-01\n"), 0o600)
	if code, out, e := run(t, "", append([]string{"asset", "import", "--org", "Hospital", good}, d...)...); code != 0 || !strings.Contains(out, "1 connection points imported") {
		t.Fatalf("CSV: %d %s %s", code, out, e)
	}
	if _, out, _ := run(t, "", append([]string{"asset", "list", "--stale"}, d...)...); !strings.Contains(out, "Hospital") || strings.Contains(out, "Town") {
		t.Fatalf("stale list: %s", out)
	}
	kev := "../vuln/testdata/kev-mini.json"
	if code, out, e := run(t, "", append([]string{"feeds", "import", kev}, d...)...); code != 0 || !strings.Contains(out, "2 alerts raised") {
		t.Fatalf("feeds import: %d %s %s", code, out, e)
	}
	if _, out, _ := run(t, "", append([]string{"feeds", "import", kev}, d...)...); !strings.Contains(out, "unchanged") || !strings.Contains(out, "0 alerts raised") {
		t.Fatalf("second import: %s", out)
	}
	if code, out, _ := run(t, "", append([]string{"exposure", "CVE-2099-1111"}, d...)...); code != 0 || !strings.Contains(out, "2 members") || strings.Contains(out, "Town") {
		t.Fatalf("exposure: %s", out)
	}
}

// TestAssetCommandsUseTheCatalogue: the CLI accepts catalogue names, says
// which product a device is matched as, and searches the catalogue.
func TestAssetCommandsUseTheCatalogue(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := []string{"--data", dir}
	if code, _, e := run(t, "", append([]string{"org", "add", "Town", "--kind", "local-government", "--sector", "local-government"}, d...)...); code != 0 {
		t.Fatalf("org add: %s", e)
	}
	if code, out, e := run(t, "", append([]string{"asset", "add", "--org", "Town", "--kind", "vpn", "--vendor", "Pulse Secure", "--product", "Pulse Connect Secure", "--version", "9.1R18"}, d...)...); code != 0 || !strings.Contains(out, "matched as Ivanti Connect Secure") {
		t.Fatalf("asset add: %d %s %s", code, out, e)
	}
	if code, out, e := run(t, "", "asset", "products", "netscaler"); code != 0 || !strings.Contains(out, "NetScaler ADC") || !strings.Contains(out, "Citrix ADC") || strings.Contains(out, "FortiOS") {
		t.Fatalf("asset products: %d %s %s", code, out, e)
	}
}
