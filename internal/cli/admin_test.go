package cli

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/server"
	"renkei/internal/store"
)

func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(args, strings.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

// TestAdminCommands follows the CLI contract of the hub core: org add prints
// the identity id, token create prints only the token, and every command
// works while a server runs on the same store.
func TestAdminCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := []string{"--data", dir}

	// A server is running on the store the whole time.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code, _, stderr := run(t, "", append([]string{"org", "list"}, data...)...)
	if code != 0 || !strings.Contains(stderr, `Log in once as "admin"`) {
		t.Fatalf("first use must bootstrap and say how to log in: %d %s", code, stderr)
	}
	db, err := store.Open(ctx, filepath.Join(dir, "renkei.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := server.New(ctx, server.Config{Listen: "127.0.0.1:0", DataDir: dir}, slog.New(slog.DiscardHandler), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	go s.Run(ctx, nil)

	code, out, _ := run(t, "", append([]string{"org", "add", "Kanto Electric", "--kind", "operator", "--sector", "energy"}, data...)...)
	if code != 0 || !regexp.MustCompile(`^identity--[0-9a-f-]{36}\n$`).MatchString(out) {
		t.Fatalf("org add must print the identity id only: %d %q", code, out)
	}
	if code, _, stderr := run(t, "", append([]string{"org", "add", "X", "--kind", "bank"}, data...)...); code == 0 || !strings.Contains(stderr, `unknown kind "bank"`) {
		t.Fatalf("bad kind: %d %s", code, stderr)
	}
	run(t, "", append([]string{"org", "add", "Chubu Power", "--kind", "operator"}, data...)...)
	if code, out, _ := run(t, "", append([]string{"group", "add", "Energy ISAC", "--members", "Kanto Electric,Chubu Power"}, data...)...); code != 0 || !strings.HasPrefix(out, "group--") {
		t.Fatalf("group add: %d %q", code, out)
	}
	if code, _, stderr := run(t, "", append([]string{"group", "add", "Lifelines", "--members", "Energy ISAC,Nobody"}, data...)...); code == 0 || !strings.Contains(stderr, `"Nobody"`) {
		t.Fatalf("unknown member: %d %s", code, stderr)
	}
	if code, _, stderr := run(t, "a long enough passphrase\n", append([]string{"user", "add", "tanaka", "--org", "Kanto Electric", "--role", "analyst", "--password-stdin"}, data...)...); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	if code, _, stderr := run(t, "", append([]string{"user", "add", "x", "--org", "Kanto Electric", "--role", "king"}, data...)...); code == 0 || !strings.Contains(stderr, "unknown role") {
		t.Fatalf("bad role: %d %s", code, stderr)
	}
	code, out, stderr = run(t, "", append([]string{"token", "create", "tanaka", "--expires", "90d", "--read-only"}, data...)...)
	tok := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(tok, "rk_") || strings.Count(out, "\n") != 1 || stderr != "" {
		t.Fatalf("token create must print the token and only the token: %d %q %q", code, out, stderr)
	}
	// Both acts were logged, by the command line, before they took effect (C7).
	logged := loggedByCLI(t, dir)
	if logged["role.change user:tanaka"] == nil || logged["token.create user:tanaka"] == nil {
		t.Fatalf("the command line's user add and token create are not in the audit log: %v", logged)
	}
	a := &auth.Authenticator{DB: db}
	c, err := a.Token(ctx, tok)
	if err != nil || !c.ReadOnly || c.User.Login != "tanaka" {
		t.Fatalf("the printed token must authenticate: %+v %v", c, err)
	}
	// The token is stored hashed: its text is nowhere in the store.
	var n int
	db.QueryRow(ctx, "SELECT COUNT(*) FROM tokens WHERE hash = ?", tok).Scan(&n)
	if n != 0 {
		t.Fatal("the token is stored in clear")
	}
	code, out, _ = run(t, "", append([]string{"token", "list", "tanaka"}, data...)...)
	if code != 0 || strings.Contains(out, tok) {
		t.Fatalf("token list must never show secrets: %q", out)
	}
	fields := strings.Fields(strings.SplitN(out, "\n", 3)[1])
	if len(fields) < 2 || !store.ValidPublicID(fields[0]) || fields[1] != "tanaka" {
		t.Fatalf("token list names a token by its public id and its user by login: %q", out)
	}
	if code, _, stderr := run(t, "", append([]string{"token", "revoke", "1"}, data...)...); code == 0 {
		t.Fatalf("revoking by a row id: %s", stderr)
	}
	if code, _, stderr := run(t, "", append([]string{"token", "revoke", fields[0]}, data...)...); code != 0 {
		t.Fatalf("revoke: %s", stderr)
	}
	// A running server remembers a resolved token for at most its cache TTL
	// (2 s); without the cache the revocation is seen at once.
	if _, err := (&auth.Authenticator{DB: db, CacheTTL: -1}).Token(ctx, tok); err == nil {
		t.Fatal("a revoked token still works")
	}
	if code, _, stderr := run(t, "", append([]string{"token", "create", "tanaka", "--expires", "soon"}, data...)...); code == 0 || !strings.Contains(stderr, "expiry") {
		t.Fatalf("bad expiry: %s", stderr)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if code, _, stderr := run(t, "", append([]string{"backup", "--out", backup}, data...)...); code != 0 {
		t.Fatalf("backup: %s", stderr)
	}
	copyDB, err := store.Open(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if _, err := copyDB.Org(ctx, "Kanto Electric"); err != nil {
		t.Fatalf("the backup lacks data: %v", err)
	}
}

func TestEnvironmentVariables(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("RENKEI_DATA", dir)
	if code, _, stderr := run(t, "", "org", "add", "Env Org", "--kind", "sme"); code != 0 {
		t.Fatal(stderr)
	}
	if code, out, _ := run(t, "", "org", "list", "--data", dir); code != 0 || !strings.Contains(out, "Env Org") {
		t.Fatalf("RENKEI_DATA was not used: %q", out)
	}
}

// loggedByCLI reads the audit log of the data folder dir, verified with its
// keys, and returns the command line's entries as "action object" → their
// details.
func loggedByCLI(t *testing.T, dir string) map[string]map[string]string {
	t.Helper()
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
	logged := map[string]map[string]string{}
	if _, err := audit.Scan(context.Background(), f, []note.Verifier{v}, func(_ uint64, e audit.Entry) error {
		if strings.HasPrefix(e.User, "cli:") && e.Detail["via"] == "cli" {
			logged[e.Action+" "+e.ObjectID] = e.Detail
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return logged
}
