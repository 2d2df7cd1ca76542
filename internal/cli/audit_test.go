package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/audit"
	"renkei/internal/store/storetest"
)

// runAudit runs the command line as Main does and returns its exit code,
// standard output and standard error.
func runAudit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	g := &globals{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	root := newRoot(g)
	root.SetArgs(args)
	code := 0
	if cmd, err := root.ExecuteC(); err != nil {
		code = 1
		if ee, ok := err.(exitError); ok {
			code = ee.code
		}
		errb.WriteString("renkei: " + cmd.Name() + ": " + err.Error() + "\n")
	}
	return code, out.String(), errb.String()
}

func TestAuditCommandsVerifyShowAndName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	l, err := audit.Open(context.Background(), audit.Options{Dir: filepath.Join(data, "audit"),
		KeyDir: filepath.Join(data, "audit-keys"), Node: "hub-1", CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := l.Append(context.Background(), audit.Entry{User: "u", Org: "o", Role: "handler",
				Action: audit.ActionCommAccess, ObjectID: fmt.Sprint("flow-", i), Purpose: "test"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	code, out, errs := runAudit(t, "audit", "pubkey", "--data", data, "--all")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.HasPrefix(out, l.VerifierKey()+"\n") {
		t.Fatalf("pubkey: %d %q %q", code, out, errs)
	}
	keyFile := filepath.Join(dir, "renkei-audit.pub")
	os.WriteFile(keyFile, []byte(out), 0o644)
	state := filepath.Join(dir, "verify-state")

	steps := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"verify", []string{"audit", "verify", "--data", data, "--key", keyFile, "--state", state}, 0, "OK: renkei.example/audit size 300"},
		{"verify again", []string{"audit", "verify", "--data", data, "--key", keyFile, "--state", state}, 0, "consistent with the checkpoint seen before"},
		{"verify with one key given inline", []string{"audit", "verify", "--data", data, "--key", l.VerifierKey(), "--no-state"}, 0, "hub-1 seq 1..300"},
		{"show", []string{"audit", "show", "--data", data, "--key", keyFile, "--index", "7"}, 0, `"index":7`},
		{"wrong key", []string{"audit", "verify", "--data", data, "--key", "renkei.example/audit+00000000+AQ==", "--no-state"}, 1, "verifier key"},
		{"figures", []string{"audit", "figures", "--data", data, "--key", keyFile, "--from", "2000-01-01"}, 0, "action,count\ncomm.access,300\n"},
		{"figures bad date", []string{"audit", "figures", "--data", data, "--key", keyFile, "--from", "April"}, 1, "want YYYY-MM-DD"},
		{"witness key", []string{"audit", "witness", "--key-dir", filepath.Join(dir, "w"), "--log-key", keyFile, "--print-key"}, 0, "renkei.example/witness+"},
	}
	for _, s := range steps {
		code, out, errs := runAudit(t, s.args...)
		if code != s.code || !strings.Contains(out+errs, s.want) {
			t.Fatalf("%s: exit %d, want %d containing %q\nstdout: %s\nstderr: %s", s.name, code, s.code, s.want, out, errs)
		}
	}

	// Change the first entry on disk: verify names it and exits 1.
	p := filepath.Join(data, "audit", "tile", "entries", "000")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(`"flow-`), []byte(`"flaw-`), 1)
	os.WriteFile(p, b, 0o644)
	code, out, errs = runAudit(t, "audit", "verify", "--data", data, "--key", keyFile, "--state", state)
	if code != 1 || !strings.Contains(errs, "first bad: entry 0: ") {
		t.Fatalf("tampered: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
}

// TestVerifyRemembersEachLogByItsKeys: two hubs on one machine whose logs
// have the same name (the old default origin) but their own keys. The
// verifier remembers each log's checkpoint under its keys, so verifying the
// second, untouched log does not fail on what it remembers of the first.
func TestVerifyRemembersEachLogByItsKeys(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	var logs, keys []string
	for _, hub := range []string{"hub-a", "hub-b"} {
		data := filepath.Join(t.TempDir(), hub)
		l, err := audit.Open(context.Background(), audit.Options{Dir: filepath.Join(data, "audit"), KeyDir: filepath.Join(data, "audit-keys"),
			Origin: audit.DefaultOrigin, Node: hub, CheckpointInterval: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Append(context.Background(), audit.Entry{User: "u", Action: audit.ActionLogin}); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		logs, keys = append(logs, filepath.Join(data, "audit")), append(keys, l.VerifierKey())
	}
	for round := range 2 {
		for i := range logs {
			if code, out, errs := runAudit(t, "audit", "verify", "--log", logs[i], "--key", keys[i]); code != 0 {
				t.Fatalf("round %d, verify log %d: exit %d\n%s%s", round, i, code, out, errs)
			}
		}
	}
}

// TestEachHubNamesItsLog: a new hub's log is named after the hub, so two
// hubs on one machine have two origins.
func TestEachHubNamesItsLog(t *testing.T) {
	t.Parallel()
	var origins []string
	for range 2 {
		data := t.TempDir()
		db := storetest.Open(t, "sqlite")
		l, err := app.OpenAudit(context.Background(), db, app.AuditConfig{DataDir: data})
		if err != nil {
			t.Fatal(err)
		}
		id, _ := db.HubID(context.Background())
		if want := "renkei/" + id + "/audit"; l.Origin() != want {
			t.Errorf("origin %q, want %q", l.Origin(), want)
		}
		origins = append(origins, l.Origin())
		l.Close()
		code, out, errs := runAudit(t, "audit", "pubkey", "--data", data)
		if code != 0 || !strings.HasPrefix(out, l.Origin()+"+") {
			t.Errorf("pubkey: %d %q %s", code, out, errs)
		}
	}
	if origins[0] == origins[1] {
		t.Errorf("two hubs share the origin %s", origins[0])
	}
}
