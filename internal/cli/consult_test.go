package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"renkei/internal/audit"
)

// TestHandOffNeedsAskerConsent from the command line: a hand-off to a third
// organization waits for the asker's consent, and the consent given with
// `consult reply --kind consent` is recorded in the audit log
// (consult.handoff, naming who consented) before the hand-off takes
// effect, as through the API and the console.
func TestHandOffNeedsAskerConsent(t *testing.T) {
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
	must("org", "add", "Minato City Hall", "--kind", "local-government", "--sector", "local-government")
	must("org", "add", "Kanto Support Desk", "--kind", "research")
	must("user", "add", "town", "--org", "Minato City Hall", "--role", "analyst")
	center := ""
	for _, l := range strings.Split(must("org", "list"), "\n") {
		if strings.Contains(l, "center") {
			center = strings.Fields(l)[0]
		}
	}
	must("user", "add", "kanshi", "--org", center, "--role", "analyst")
	must("consult", "designate", "--as", "kanshi", "--topic", "support", "Kanto Support Desk")
	id := strings.TrimSpace(must("consult", "ask", "--as", "town", "--kind", "support", "--subject", "VPN alert", "--body", "How do we check for compromise?"))
	if out := must("consult", "reply", "--as", "kanshi", id, "--kind", "handoff", "--to", "Kanto Support Desk"); !strings.Contains(out, "handoff.awaiting-consent") {
		t.Fatalf("hand-off to a third organization: %q, want it to wait for consent", out)
	}
	if out := must("consult", "reply", "--as", "town", id, "--kind", "consent"); !strings.Contains(out, "handoff.consented") {
		t.Fatalf("consent: %q", out)
	}
	keys, err := audit.LoadKeys(filepath.Join(dir, "audit-keys"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := audit.NewVerifier(keys.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	f, err := audit.NewFetcher(filepath.Join(dir, "audit"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var handoffs []audit.Entry
	if _, err := audit.Scan(context.Background(), f, []note.Verifier{v}, func(_ uint64, e audit.Entry) error {
		if e.Action == audit.ActionConsultHandoff {
			handoffs = append(handoffs, e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(handoffs) != 1 || handoffs[0].Detail["consent"] != "town" || handoffs[0].User != "town" || handoffs[0].ObjectID != "consultation:"+id {
		t.Fatalf("hand-off entries in the audit log %+v: want one, recording town's consent", handoffs)
	}
}
