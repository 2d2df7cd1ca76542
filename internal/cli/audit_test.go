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

	"renkei/internal/audit"
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
