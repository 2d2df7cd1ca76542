package cli

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"renkei/internal/bus"
	"renkei/internal/policy"
	"renkei/internal/server"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

// TestServeSeesWhatTheCLIChanges: while a hub server runs, `renkei asset
// add`, `renkei feeds import` and `renkei asset import` — each a process of
// its own on the same store — change what the server shows within seconds,
// without a restart, on SQLite and PostgreSQL.
func TestServeSeesWhatTheCLIChanges(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			flags, database := []string{"--data", dir}, ""
			if kind == "postgres" {
				database = storetest.DSN(t, kind)
				flags = append(flags, "--database", database)
			}
			cli := func(args ...string) string {
				t.Helper()
				code, out, stderr := run(t, "", append(args, flags...)...)
				if code != 0 {
					t.Fatalf("renkei %s: %d %s", strings.Join(args, " "), code, stderr)
				}
				return out
			}
			cli("org", "add", "Town", "--kind", "local-government", "--sector", "local-government")

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			db, err := store.Open(ctx, server.DSN(dir, database))
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
			town, err := db.Org(ctx, "Town")
			if err != nil {
				t.Fatal(err)
			}
			rel, op := s.App.Relevance, policy.Operator(town.ID, false)
			findings := func() int {
				fs, err := rel.Findings(ctx, op)
				if err != nil {
					t.Fatal(err)
				}
				return len(fs)
			}
			testwait.For(t, 30*time.Second, "the server to load its engine", func() bool { return findings() == 0 })

			cli("asset", "add", "--org", "Town", "--kind", "vpn", "--vendor", "Example Networks", "--product", "SecureGate", "--version", "7.0.1")
			cli("feeds", "import", "../vuln/testdata/kev-mini.json")
			testwait.For(t, 15*time.Second, "the running server to show the finding of what the CLI registered and imported", func() bool { return findings() == 1 })
			before := findings()
			if out := cli("asset", "import", "--org", "Town", writeFile(t, dir, "more.csv", "kind,vendor,product,version\nfirewall,Example Networks,SecureGate,7.0.1\n")); !strings.Contains(out, "1 connection points imported") {
				t.Fatalf("asset import: %s", out)
			}
			testwait.For(t, 15*time.Second, "the running server to show the finding of the point the CLI imported", func() bool { return findings() == before+1 })
		})
	}
}

// TestServeHearsTheCLIThroughNATS: a serve whose NATS other processes can
// reach (--nats-listen) leaves its URL in the data directory; `renkei asset
// add` and `renkei feeds import`, run as processes of their own (the binary
// built here), announce their changes there and the server shows them at
// once — its poll of the change counter is set to an hour, so only the
// announcement can explain it. Both stores.
func TestServeHearsTheCLIThroughNATS(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "renkei")
	if out, err := exec.Command("go", "build", "-o", bin, "renkei/cmd/renkei").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			flags, database := []string{"--data", dir}, ""
			if kind == "postgres" {
				database = storetest.DSN(t, kind)
				flags = append(flags, "--database", database)
			}
			cli := func(args ...string) string {
				t.Helper()
				cmd := exec.Command(bin, append(args, flags...)...)
				cmd.Env = append(os.Environ(), "RENKEI_LANG=en")
				out, err := cmd.Output()
				if err != nil {
					var stderr []byte
					if ee, ok := err.(*exec.ExitError); ok {
						stderr = ee.Stderr
					}
					t.Fatalf("renkei %s: %v %s", strings.Join(args, " "), err, stderr)
				}
				return string(out)
			}
			cli("org", "add", "Town", "--kind", "local-government", "--sector", "local-government")

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			db, err := store.Open(ctx, server.DSN(dir, database))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			s, err := server.New(ctx, server.Config{Listen: "127.0.0.1:0", DataDir: dir, NATSListen: "127.0.0.1:0"}, slog.New(slog.DiscardHandler), db)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := os.Stat(filepath.Join(dir, bus.URLFile)); err != nil {
				t.Fatalf("serve left no NATS URL for the command line: %v", err)
			}
			s.App.Relevance.RefreshEvery = time.Hour
			go s.Run(ctx, nil)
			town, err := db.Org(ctx, "Town")
			if err != nil {
				t.Fatal(err)
			}
			rel, op := s.App.Relevance, policy.Operator(town.ID, false)
			findings := func() int {
				fs, err := rel.Findings(ctx, op)
				if err != nil {
					t.Fatal(err)
				}
				return len(fs)
			}
			testwait.For(t, 30*time.Second, "the server to load its engine", func() bool { return findings() == 0 })

			cli("asset", "add", "--org", "Town", "--kind", "vpn", "--vendor", "Example Networks", "--product", "SecureGate", "--version", "7.0.1")
			start := time.Now()
			cli("feeds", "import", "../vuln/testdata/kev-mini.json")
			testwait.For(t, 10*time.Second, "the running server to show, without polling, the finding of what the CLI processes registered and imported", func() bool { return findings() == 1 })
			t.Logf("%s: seen %v after the import process began", kind, time.Since(start).Round(time.Millisecond))
		})
	}
}
