package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestAdminActsRefusedWithoutAuditLog: when the audit log cannot record an
// administrative act of the command line, the act is refused — one line on
// stderr saying that the log could not record it and that nothing was done,
// a non-zero exit — and the store is left unchanged.
func TestAdminActsRefusedWithoutAuditLog(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dsn := storetest.DSN(t, kind)
			args := func(a ...string) []string { return append(a, "--data", dir, "--database", dsn) }
			if code, _, stderr := run(t, "", args("org", "add", "Kanto Electric", "--kind", "operator")...); code != 0 {
				t.Fatalf("org add with a log: %d %s", code, stderr)
			}
			// The log's directory becomes a file, and on PostgreSQL (where the
			// log is the cluster's, journaled in the store) its journal is
			// gone: nothing can be appended.
			if err := os.RemoveAll(filepath.Join(dir, "audit")); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "audit"), []byte("not a log"), 0o600); err != nil {
				t.Fatal(err)
			}
			if kind == "postgres" {
				db, err := store.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.Exec(context.Background(), "ALTER TABLE audit_entries RENAME TO audit_entries_gone"); err != nil {
					t.Fatal(err)
				}
				db.Close()
			}
			for _, c := range []struct {
				name, stdin string
				args        []string
			}{
				{"org add", "", args("org", "add", "Unlogged Co", "--kind", "operator")},
				{"user add", "a long enough passphrase\n", args("user", "add", "unlogged", "--org", "Kanto Electric", "--role", "analyst", "--password-stdin")},
				{"group add", "", args("group", "add", "Unlogged ISAC", "--members", "Kanto Electric")},
			} {
				code, out, stderr := run(t, c.stdin, c.args...)
				if code == 0 || out != "" || strings.Count(stderr, "\n") != 1 ||
					!strings.Contains(stderr, "audit log") || !strings.Contains(stderr, "nothing was done") {
					t.Errorf("%s without a log: exit %d, stdout %q, stderr %q; want a non-zero exit and one line saying the log could not record it", c.name, code, out, stderr)
				}
			}
			ctx := context.Background()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Org(ctx, "Unlogged Co"); err == nil {
				t.Error("org add changed the store without a log")
			}
			if _, err := db.UserByLogin(ctx, "unlogged"); err == nil {
				t.Error("user add changed the store without a log")
			}
			if _, err := db.Group(ctx, "Unlogged ISAC"); err == nil {
				t.Error("group add changed the store without a log")
			}
		})
	}
}
