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

// inProcess runs a renkei command in this process (Run), as a command of
// its own: it opens the store itself.
func inProcess(t *testing.T, args []string) (string, string, bool) {
	t.Helper()
	code, out, stderr := run(t, "", args...)
	return out, stderr, code == 0
}

// asProcess runs a renkei command as a process of its own: this test
// binary, made the command by TestMain (asRenkei).
func asProcess(t *testing.T, args []string) (string, string, bool) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), asRenkei+"=1", "RENKEI_LANG=en")
	out, err := cmd.Output()
	var stderr []byte
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	return string(out), string(stderr) + errText(err), err == nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}

// servedHub is a hub server running on a data folder, beside which
// commands run on the same store, and what the server shows the town's
// operator.
type servedHub struct {
	t   *testing.T
	cli func(args ...string) string
	// findings are the vulnerability findings the running server shows
	// the town.
	findings func() int
}

// serveBesideCLI adds the organization "Town" with a command, then starts a
// server on the same store with cfg (its DataDir set here) and waits until
// it has loaded its engine. runCmd runs each command; tune, given the
// server and its data folder, changes the server before it runs.
func serveBesideCLI(t *testing.T, kind string, cfg server.Config, runCmd func(*testing.T, []string) (string, string, bool), tune func(s *server.Server, dir string)) *servedHub {
	t.Helper()
	dir := t.TempDir()
	flags, database := []string{"--data", dir}, ""
	if kind == "postgres" {
		database = storetest.DSN(t, kind)
		flags = append(flags, "--database", database)
	}
	h := &servedHub{t: t}
	h.cli = func(args ...string) string {
		t.Helper()
		out, stderr, ok := runCmd(t, append(args, flags...))
		if !ok {
			t.Fatalf("renkei %s: %s", strings.Join(args, " "), stderr)
		}
		return out
	}
	h.cli("org", "add", "Town", "--kind", "local-government", "--sector", "local-government")

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	db, err := store.Open(ctx, server.DSN(dir, database))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg.Listen, cfg.DataDir = "127.0.0.1:0", dir
	s, err := server.New(ctx, cfg, slog.New(slog.DiscardHandler), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if tune != nil {
		tune(s, dir)
	}
	go s.Run(ctx, nil)
	town, err := db.Org(ctx, "Town")
	if err != nil {
		t.Fatal(err)
	}
	rel, op := s.App.Relevance, policy.Operator(town.ID, false)
	h.findings = func() int {
		fs, err := rel.Findings(ctx, op)
		if err != nil {
			t.Fatal(err)
		}
		return len(fs)
	}
	testwait.For(t, 30*time.Second, "the server to load its engine", func() bool { return h.findings() == 0 })
	return h
}

// registerAndImportKEV registers the town's VPN appliance with `renkei
// asset add`, then imports a KEV catalog naming its version with `renkei
// feeds import`: the server should then show one finding.
func (h *servedHub) registerAndImportKEV() {
	h.t.Helper()
	h.cli("asset", "add", "--org", "Town", "--kind", "vpn", "--vendor", "Example Networks", "--product", "SecureGate", "--version", "7.0.1")
	h.cli("feeds", "import", "../vuln/testdata/kev-mini.json")
}

// TestServeSeesWhatTheCLIChanges: while a hub server runs, `renkei asset
// add`, `renkei feeds import` and `renkei asset import` — each a command
// opening the same store itself — change what the server shows within
// seconds, without a restart, on SQLite and PostgreSQL.
func TestServeSeesWhatTheCLIChanges(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := serveBesideCLI(t, kind, server.Config{}, inProcess, nil)
			h.registerAndImportKEV()
			testwait.For(t, 15*time.Second, "the running server to show the finding of what the CLI registered and imported", func() bool { return h.findings() == 1 })
			before := h.findings()
			if out := h.cli("asset", "import", "--org", "Town", writeFile(t, t.TempDir(), "more.csv", "kind,vendor,product,version\nfirewall,Example Networks,SecureGate,7.0.1\n")); !strings.Contains(out, "1 connection points imported") {
				t.Fatalf("asset import: %s", out)
			}
			testwait.For(t, 15*time.Second, "the running server to show the finding of the point the CLI imported", func() bool { return h.findings() == before+1 })
		})
	}
}

// TestServeHearsTheCLIThroughNATS: a serve whose NATS other processes can
// reach (--nats-listen) leaves its URL in the data directory; `renkei asset
// add` and `renkei feeds import`, run as processes of their own (this test
// binary as the command, see asRenkei), announce their changes there and
// the server shows them at once — its poll of the change counter is set to
// an hour, so only the announcement can explain it. Both stores.
func TestServeHearsTheCLIThroughNATS(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := serveBesideCLI(t, kind, server.Config{NATSListen: "127.0.0.1:0"}, asProcess, func(s *server.Server, dir string) {
				if _, err := os.Stat(filepath.Join(dir, bus.URLFile)); err != nil {
					t.Fatalf("serve left no NATS URL for the command line: %v", err)
				}
				s.App.Relevance.RefreshEvery = time.Hour
			})
			start := time.Now()
			h.registerAndImportKEV()
			testwait.For(t, 10*time.Second, "the running server to show, without polling, the finding of what the CLI processes registered and imported", func() bool { return h.findings() == 1 })
			t.Logf("%s: seen %v after the commands began", kind, time.Since(start).Round(time.Millisecond))
		})
	}
}
