package cli

import (
	"strings"
	"testing"
)

// TestVendorVEXOnlyForOwnProducts from the command line: only the center
// maintains the product–supplier register; entries are listed and removed;
// only the center designates consultation handlers.
func TestVendorVEXOnlyForOwnProducts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := []string{"--data", dir}
	must := func(args ...string) string {
		t.Helper()
		code, out, errOut := run(t, "", append(args, d...)...)
		if code != 0 {
			t.Fatalf("renkei %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	must("org", "add", "Example Networks KK", "--kind", "vendor", "--sector", "it")
	must("org", "add", "Kanto Support Desk", "--kind", "research")
	must("user", "add", "psirt", "--org", "Example Networks KK", "--role", "org-admin")
	center := ""
	for _, l := range strings.Split(must("org", "list"), "\n") {
		if strings.Contains(l, "center") {
			center = strings.Fields(l)[0]
		}
	}
	must("user", "add", "kanshi", "--org", center, "--role", "analyst")
	if code, _, errOut := run(t, "", append([]string{"supplier", "add", "--as", "psirt", "--org", "Example Networks KK", "--cpe", "example_networks:securegate"}, d...)...); code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("a vendor registered itself: %d %q", code, errOut)
	}
	out := must("supplier", "add", "--as", "kanshi", "--org", "Example Networks KK", "--name", "SecureGate", "--cpe", "example_networks:securegate")
	if !strings.Contains(out, "Example Networks KK is the supplier of cpe:example_networks:securegate") {
		t.Fatalf("add:\n%s", out)
	}
	entry, _, _ := strings.Cut(out, "\t") // its public id
	if out := must("supplier", "list", "--as", "psirt"); !strings.Contains(out, "SecureGate") || !strings.Contains(out, "kanshi") {
		t.Fatalf("list:\n%s", out)
	}
	must("supplier", "remove", "--as", "kanshi", entry)
	if out := must("supplier", "list", "--as", "kanshi"); strings.Contains(out, "SecureGate") {
		t.Fatalf("removed entry still listed:\n%s", out)
	}
	if code, _, errOut := run(t, "", append([]string{"consult", "designate", "--as", "psirt", "--topic", "support", "Kanto Support Desk"}, d...)...); code != 1 || !strings.Contains(errOut, "forbidden") {
		t.Fatalf("a member designated a handler: %d %q", code, errOut)
	}
	must("consult", "designate", "--as", "kanshi", "--topic", "support", "Kanto Support Desk")
	if out := must("consult", "handlers", "--as", "psirt"); !strings.Contains(out, "support  Kanto Support Desk") {
		t.Fatalf("handlers:\n%s", out)
	}
}
