package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// TestAdminChangesLoggedFirst: the CLI renames, disables and deletes
// organizations and groups, changes a user's role, disables a user and
// gives a member user the right to register connection points, as the
// console does; each act is in the audit log, by the command line; an
// organization with a user is not deleted (disable it instead), nor is a
// capability given to a role it does not fit, nor a role to an
// organization that may not hold it.
func TestAdminChangesLoggedFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := []string{"--data", dir}
	must := func(stdin string, args ...string) string {
		t.Helper()
		code, out, stderr := run(t, stdin, append(args, data...)...)
		if code != 0 {
			t.Fatalf("renkei %s: %d %s", strings.Join(args, " "), code, stderr)
		}
		return strings.TrimSpace(out)
	}
	refused := func(want string, args ...string) {
		t.Helper()
		code, _, stderr := run(t, "", append(args, data...)...)
		if code == 0 || !strings.Contains(stderr, want) {
			t.Fatalf("renkei %s: %d %q, want a refusal saying %q", strings.Join(args, " "), code, stderr, want)
		}
	}
	must("", "org", "add", "Kanto Electric", "--kind", "operator", "--sector", "energy")
	town := must("", "org", "add", "Minato City", "--kind", "local-government")
	mistake := must("", "org", "add", "Typo KK", "--kind", "sme")
	must("pass phrase long enough\n", "user", "add", "suzuki", "--org", "Minato City", "--role", "viewer", "--password-stdin")
	must("", "user", "add", "town-admin", "--org", "Minato City", "--role", "org-admin")
	group := must("", "group", "add", "Lifelines", "--members", "Kanto Electric")

	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "renkei.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mayRegister := func() bool {
		t.Helper()
		u, err := db.UserByLogin(ctx, "suzuki")
		if err != nil {
			t.Fatal(err)
		}
		o, _ := db.Org(ctx, u.OrgID)
		return policy.MayWriteAssets(auth.Caller{User: u, Org: o}.Viewer())
	}
	if mayRegister() {
		t.Fatal("a viewer registers connection points without the capability")
	}
	must("", "user", "grant", "suzuki", "register-assets")
	if !mayRegister() {
		t.Fatal("the register-assets capability does not let the viewer register connection points")
	}
	refused("not given to a user with the org-admin role", "user", "grant", "town-admin", "register-assets")
	refused("unknown capability", "user", "grant", "suzuki", "admin-everything")
	must("", "user", "revoke", "suzuki", "register-assets")
	if mayRegister() {
		t.Fatal("the capability taken back still lets the viewer register")
	}
	must("", "user", "set-role", "suzuki", "analyst")
	refused("role not held", "user", "set-role", "suzuki", "handler")
	must("", "user", "disable", "suzuki")
	if u, _ := db.UserByLogin(ctx, "suzuki"); u.Role != "analyst" || !u.Disabled {
		t.Fatalf("suzuki after set-role and disable: %+v", u)
	}

	must("", "org", "change", "Minato City", "--name", "みなと市役所")
	refused("disable it instead", "org", "delete", "みなと市役所")
	must("", "org", "change", "みなと市役所", "--disable")
	if o, _ := db.Org(ctx, town); o.Name != "みなと市役所" || !o.Disabled {
		t.Fatalf("the town after rename and disable: %+v", o)
	}
	refused("never disabled", "org", "change", "国家サイバー統括室 (National Cybersecurity Office)", "--disable")
	must("", "org", "delete", "Typo KK")
	if _, err := db.Org(ctx, mistake); err == nil {
		t.Fatal("the organization added by mistake is still there")
	}
	must("", "group", "change", "Lifelines", "--name", "Lifeline operators", "--members", "Kanto Electric,みなと市役所")
	if g, _ := db.Group(ctx, group); g.Name != "Lifeline operators" || len(g.MemberOrgs) != 2 {
		t.Fatalf("the group after change: %+v", g)
	}
	must("", "group", "delete", "Lifeline operators")

	logged := loggedByCLI(t, dir)
	for _, k := range []string{"org.change org:" + town, "org.delete org:" + mistake, "group.change group:" + group, "group.delete group:" + group, "role.change user:suzuki"} {
		if logged[k] == nil {
			t.Errorf("not logged by the command line: %s", k)
		}
	}
	if d := logged["role.change user:suzuki"]; d["change"] != "disable" {
		t.Errorf("the last change of suzuki logged: %v", d)
	}
}
