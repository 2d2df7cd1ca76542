package witness

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/note"

	"renkei/internal/audit"
)

const origin = "renkei.example/audit"

type fixture struct {
	t    *testing.T
	keys *audit.Keys
	srv  *httptest.Server
	w    *Witness
	dir  string
}

func newFixture(t *testing.T) *fixture {
	keys, err := audit.LoadOrCreateKeys(t.TempDir(), origin)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, keys: keys, dir: t.TempDir()}
	f.start()
	return f
}

func (f *fixture) start() {
	w, err := New(Options{KeyDir: f.dir, LogKeys: []string{f.keys.VerifierKey}})
	if err != nil {
		f.t.Fatal(err)
	}
	f.w = w
	if f.srv != nil {
		f.srv.Close()
	}
	f.srv = httptest.NewServer(w.Handler())
	f.t.Cleanup(f.srv.Close)
}

func tree(n int, fork int) *testonly.Tree {
	t := testonly.New(rfc6962.DefaultHasher)
	for i := range n {
		d := fmt.Sprintf("leaf %d", i)
		if i == fork {
			d = "forged"
		}
		t.AppendData([]byte(d))
	}
	return t
}

func signCP(t *testing.T, s note.Signer, o string, size uint64, root []byte) []byte {
	body := audit.Checkpoint{Origin: o, Size: size, Root: root}.Marshal()
	cp, err := note.Sign(&note.Note{Text: string(body)}, s)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// post sends add-checkpoint and returns status and body.
func (f *fixture) post(old uint64, proof [][]byte, cp []byte) (int, string) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", old)
	for _, h := range proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	b.WriteString("\n")
	b.Write(cp)
	resp, err := http.Post(f.srv.URL+"/add-checkpoint", "text/plain", &b)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// add submits tree tr at size (from old) signed by the log key.
func (f *fixture) add(tr *testonly.Tree, old, size uint64) (int, string) {
	var proof [][]byte
	if old > 0 && old < size {
		var err error
		if proof, err = tr.ConsistencyProof(old, size); err != nil {
			f.t.Fatal(err)
		}
	}
	return f.post(old, proof, signCP(f.t, f.keys.Signer, origin, size, tr.HashAt(size)))
}

func TestWitnessCosignsOnlyConsistentCheckpoints(t *testing.T) {
	f := newFixture(t)
	good := tree(20, -1)
	forkAt3 := tree(20, 3)
	other, _ := audit.LoadOrCreateKeys(t.TempDir(), origin) // same name, different key

	steps := []struct {
		name   string
		do     func() (int, string)
		status int
		body   string
	}{
		{"first checkpoint", func() (int, string) { return f.add(good, 0, 5) }, 200, "— renkei.example/witness "},
		{"stale old size", func() (int, string) { return f.add(good, 0, 8) }, 409, "5\n"},
		{"extend with proof", func() (int, string) { return f.add(good, 5, 8) }, 200, "— "},
		{"same checkpoint again", func() (int, string) { return f.add(good, 8, 8) }, 200, "— "},
		{"rollback with true old size", func() (int, string) { return f.add(good, 8, 6) }, 400, "larger than"},
		{"rollback with claimed old size", func() (int, string) { return f.add(good, 6, 6) }, 409, "8\n"},
		{"fork at the same size", func() (int, string) { return f.add(forkAt3, 8, 8) }, 422, "fork"},
		{"fork that grows", func() (int, string) { return f.add(forkAt3, 8, 12) }, 422, "consistency"},
		{"proof for another size", func() (int, string) {
			p, _ := good.ConsistencyProof(7, 12)
			return f.post(8, p, signCP(t, f.keys.Signer, origin, 12, good.HashAt(12)))
		}, 422, "consistency"},
		{"unknown origin", func() (int, string) {
			return f.post(0, nil, signCP(t, f.keys.Signer, "elsewhere.example/log", 1, good.HashAt(1)))
		}, 404, "unknown"},
		{"signed by another key", func() (int, string) {
			return f.post(8, nil, signCP(t, other.Signer, origin, 8, good.HashAt(8)))
		}, 403, "signature"},
		{"garbage", func() (int, string) { return f.post(0, nil, []byte("not a note")) }, 404, ""},
		{"empty tree with a root", func() (int, string) {
			return f.post(0, nil, signCP(t, f.keys.Signer, origin, 0, good.HashAt(1)))
		}, 422, "empty"},
		{"old 0 with proof", func() (int, string) {
			return f.post(0, [][]byte{good.HashAt(1)}, signCP(t, f.keys.Signer, origin, 9, good.HashAt(9)))
		}, 409, "8\n"},
		{"still extends after refusals", func() (int, string) { return f.add(good, 8, 20) }, 200, "— "},
	}
	for _, s := range steps {
		status, body := s.do()
		if status != s.status || !strings.Contains(body, s.body) {
			t.Fatalf("%s: got %d %q, want %d containing %q", s.name, status, body, s.status, s.body)
		}
	}

	// The cosignature is a valid cosignature/v1 over the checkpoint.
	cp := signCP(t, f.keys.Signer, origin, 20, good.HashAt(20))
	_, sigs := f.add(good, 20, 20)
	v, err := fnote.NewVerifierForCosignatureV1(f.w.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(append(cp, sigs...), note.VerifierList(v))
	if err != nil || len(n.Sigs) != 1 {
		t.Fatalf("cosignature does not verify: %v", err)
	}
	if ts, err := fnote.CoSigV1Timestamp(n.Sigs[0]); err != nil || time.Since(ts) > time.Minute {
		t.Errorf("cosignature timestamp %v %v", ts, err)
	}

	// The state survives a restart: a new witness still refuses size 8.
	f.start()
	if status, body := f.add(good, 8, 12); status != 409 || body != "20\n" {
		t.Fatalf("after restart: %d %q, want 409 \"20\\n\"", status, body)
	}
}

// TestLogRequiresWitness runs the hub-side client: a log configured with a
// witness publishes only cosigned checkpoints.
func TestLogRequiresWitness(t *testing.T) {
	dir := t.TempDir()
	keyDir := filepath.Join(dir, "keys")
	keys, err := audit.LoadOrCreateKeys(keyDir, origin)
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Options{KeyDir: filepath.Join(dir, "witness"), LogKeys: []string{keys.VerifierKey, keys.PQVerifier}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	defer srv.Close()
	opts := audit.Options{Dir: filepath.Join(dir, "audit"), KeyDir: keyDir, Node: "n1", CheckpointInterval: 100 * time.Millisecond,
		Witnesses: []audit.WitnessConfig{{Key: w.VerifierKey(), URL: srv.URL}}, WitnessTimeout: 2 * time.Second}
	l, err := audit.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if _, err := l.Append(context.Background(), audit.Entry{Action: "login", User: fmt.Sprint("u", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	cp, err := os.ReadFile(filepath.Join(dir, "audit", "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	wv, _ := fnote.NewVerifierForCosignatureV1(w.VerifierKey())
	lv, _ := audit.NewVerifier(keys.VerifierKey)
	n, err := note.Open(cp, note.VerifierList(wv, lv))
	if err != nil || len(n.Sigs) != 2 {
		t.Fatalf("published checkpoint lacks the cosignature: %v (%d sigs)\n%s", err, len(n.Sigs), cp)
	}
	if !strings.HasPrefix(n.Text, origin+"\n300\n") {
		t.Fatalf("checkpoint text %q", n.Text)
	}

	// A witness that refuses (here: down) keeps new checkpoints unpublished,
	// while appends stay durable.
	srv.Close()
	opts.CloseTimeout = time.Second
	l, err = audit.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if idx, err := l.Append(context.Background(), audit.Entry{Action: "login"}); err != nil || idx != 300 {
		t.Fatalf("append with witness down: %d %v", idx, err)
	}
	// Close is the barrier: it returns once the appender has tried (and
	// failed) to publish a checkpoint covering that entry, and has stopped.
	if err := l.Close(); err == nil {
		t.Error("Close succeeded although no checkpoint could be cosigned")
	}
	cp2, _ := os.ReadFile(filepath.Join(dir, "audit", "checkpoint"))
	if !bytes.Equal(cp, cp2) {
		t.Fatalf("a checkpoint was published without the witness:\n%s", cp2)
	}
}
