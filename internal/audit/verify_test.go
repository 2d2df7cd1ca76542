package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
)

const tamperLogSize = 600 // two full bundles and a partial one; tiles on levels 0 and 1

var (
	tamperOnce sync.Once
	tamperDir  string
	tamperKeys []string
)

// tamperFixture builds one good log, shared by the tamper cases, which each
// work on their own copy.
func tamperFixture(t *testing.T) (string, []note.Verifier) {
	tamperOnce.Do(func() {
		dir, err := os.MkdirTemp("", "audit-tamper")
		if err != nil {
			t.Fatal(err)
		}
		l := openTestLog(t, dir, nil)
		ctx := context.Background()
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for i := range tamperLogSize {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				if _, err := l.Append(ctx, sampleEntry(i)); err != nil {
					t.Errorf("Append: %v", err)
				}
			}()
		}
		wg.Wait()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		tamperDir = dir
		tamperKeys = []string{l.VerifierKey(), l.PQVerifierKey()}
	})
	if tamperDir == "" {
		t.Fatal("fixture failed")
	}
	var vs []note.Verifier
	for _, k := range tamperKeys {
		v, err := NewVerifier(k)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return tamperDir, vs
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tamperDir != "" {
		os.RemoveAll(tamperDir)
	}
	os.Exit(code)
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// bundleFile returns the path of the bundle holding entry idx in a log of
// tamperLogSize entries, and that entry's position in it.
func bundleFile(dir string, idx uint64) (string, int, int) {
	b := idx / 256
	w := min(256, tamperLogSize-b*256)
	p := uint8(0)
	if w < 256 {
		p = uint8(w)
	}
	return filepath.Join(dir, layout.EntriesPath(b, p)), int(idx % 256), int(w)
}

func editBundle(t *testing.T, dir string, idx uint64, edit func(entries [][]byte, pos int) [][]byte) {
	t.Helper()
	path, pos, w := bundleFile(dir, idx)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ParseEntryBundle(raw, w)
	if err != nil {
		t.Fatal(err)
	}
	entries = edit(entries, pos)
	var out []byte
	for _, e := range entries {
		out = binary.BigEndian.AppendUint16(out, uint16(len(e)))
		out = append(out, e...)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func editTile(t *testing.T, dir string, level, index uint64, width int, hash int) {
	t.Helper()
	p := uint8(0)
	if width < 256 {
		p = uint8(width)
	}
	path := filepath.Join(dir, layout.TilePath(level, index, p))
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[hash*32+5] ^= 0x40
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyGoodLog(t *testing.T) {
	dir, vs := tamperFixture(t)
	for _, src := range []string{"dir", "http"} {
		t.Run(src, func(t *testing.T) {
			log := filepath.Join(dir, "audit")
			if src == "http" {
				srv := httptest.NewServer(NewHandler(log))
				defer srv.Close()
				log = srv.URL
			}
			f, err := NewFetcher(log, nil)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(context.Background(), f, VerifyOptions{Verifiers: vs})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || rep.Entries != tamperLogSize {
				t.Fatalf("good log: ok=%v entries=%d problems=%v", rep.OK(), rep.Entries, rep.Problems)
			}
			if rep.LastSeq["node-a"] != tamperLogSize {
				t.Errorf("last seq = %d, want %d", rep.LastSeq["node-a"], tamperLogSize)
			}
		})
	}
}

func TestVerifyNamesFirstTamperedEntry(t *testing.T) {
	base, vs := tamperFixture(t)
	type tc struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   int64
	}
	var cases []tc
	for _, k := range []uint64{0, 1, 130, 255, 256, 400, 511, 512, 598, 599} {
		cases = append(cases,
			tc{name: "change entry " + itoa(k), want: int64(k), tamper: func(t *testing.T, d string) {
				editBundle(t, d, k, func(es [][]byte, pos int) [][]byte {
					es[pos] = bytes.Replace(es[pos], []byte(`"org-water"`), []byte(`"org-wateR"`), 1)
					return es
				})
			}},
			tc{name: "remove entry " + itoa(k), want: int64(k), tamper: func(t *testing.T, d string) {
				editBundle(t, d, k, func(es [][]byte, pos int) [][]byte { return append(es[:pos:pos], es[pos+1:]...) })
			}},
		)
		if k%256 != 255 && k != tamperLogSize-1 {
			cases = append(cases, tc{name: "swap entries " + itoa(k) + " and next", want: int64(k), tamper: func(t *testing.T, d string) {
				editBundle(t, d, k, func(es [][]byte, pos int) [][]byte { es[pos], es[pos+1] = es[pos+1], es[pos]; return es })
			}})
		}
		if k > 0 && k%256 != 0 {
			cases = append(cases, tc{name: "replace entry " + itoa(k) + " by its predecessor", want: int64(k), tamper: func(t *testing.T, d string) {
				editBundle(t, d, k, func(es [][]byte, pos int) [][]byte { es[pos] = es[pos-1]; return es })
			}})
		}
	}
	for _, c := range []struct {
		level, index uint64
		width, hash  int
		want         int64
	}{
		{0, 0, 256, 0, 0}, {0, 0, 256, 77, 77}, {0, 1, 256, 255, 511}, {0, 2, 88, 0, 512}, {0, 2, 88, 87, 599},
		{1, 0, 2, 0, 0}, {1, 0, 2, 1, 256},
	} {
		cases = append(cases, tc{name: "change tile " + layout.TilePath(c.level, c.index, 0) + " hash " + itoa(uint64(c.hash)), want: c.want,
			tamper: func(t *testing.T, d string) { editTile(t, d, c.level, c.index, c.width, c.hash) }})
	}
	cases = append(cases,
		tc{name: "delete middle bundle", want: 256, tamper: func(t *testing.T, d string) {
			p, _, _ := bundleFile(d, 300)
			os.Remove(p)
		}},
		tc{name: "delete level-0 tile", want: 256, tamper: func(t *testing.T, d string) {
			os.Remove(filepath.Join(d, layout.TilePath(0, 1, 0)))
		}},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, filepath.Join(base, "audit"), dir)
			c.tamper(t, dir)
			f, _ := NewFetcher(dir, nil)
			rep, err := Verify(context.Background(), f, VerifyOptions{Verifiers: vs})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			fb := rep.FirstBad()
			if rep.OK() || fb == nil {
				t.Fatal("tampered log verified")
			}
			if fb.Index != c.want {
				t.Errorf("first bad = %v, want entry %d (all: %v)", fb, c.want, rep.Problems)
			}
		})
	}
}

func TestVerifyRefusesForgedCheckpoint(t *testing.T) {
	base, vs := tamperFixture(t)
	for _, c := range []struct {
		name string
		edit func(cp []byte) []byte
	}{
		{"size changed", func(cp []byte) []byte { return bytes.Replace(cp, []byte("\n600\n"), []byte("\n599\n"), 1) }},
		{"signatures stripped", func(cp []byte) []byte { i := bytes.Index(cp, []byte("\n\n")); return cp[:i+2] }},
		{"origin changed", func(cp []byte) []byte {
			return bytes.Replace(cp, []byte("renkei.example/audit\n"), []byte("evil.example/audit\n"), 1)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, filepath.Join(base, "audit"), dir)
			p := filepath.Join(dir, "checkpoint")
			cp, _ := os.ReadFile(p)
			os.WriteFile(p, c.edit(cp), 0o644)
			f, _ := NewFetcher(dir, nil)
			if _, err := Verify(context.Background(), f, VerifyOptions{Verifiers: vs}); err == nil {
				t.Fatal("forged checkpoint accepted")
			}
		})
	}
	// Only the Ed25519 key: still verifies (ML-DSA line ignored as unknown).
	dir := filepath.Join(base, "audit")
	f, _ := NewFetcher(dir, nil)
	if rep, err := Verify(context.Background(), f, VerifyOptions{Verifiers: vs[:1]}); err != nil || !rep.OK() {
		t.Fatalf("Ed25519-only verification: %v %v", err, rep)
	}
	if rep, err := Verify(context.Background(), f, VerifyOptions{Verifiers: vs[1:]}); err != nil || !rep.OK() {
		t.Fatalf("ML-DSA-only verification: %v %v", err, rep)
	}
	// Standard note library (which knows only Ed25519) accepts the checkpoint.
	cp, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	std, _ := note.NewVerifier(tamperKeys[0])
	if _, err := note.Open(cp, note.VerifierList(std)); err != nil {
		t.Fatalf("x/mod note.Open: %v", err)
	}
	if !strings.Contains(string(cp), "— renkei.example/audit ") {
		t.Fatal("no signature line")
	}
}

func itoa(u uint64) string { return strings.TrimSpace(strings.Repeat(" ", 0) + uitoa(u)) }

func uitoa(u uint64) string {
	if u == 0 {
		return "0"
	}
	var b []byte
	for u > 0 {
		b = append([]byte{byte('0' + u%10)}, b...)
		u /= 10
	}
	return string(b)
}

func TestCheckSequences(t *testing.T) {
	for _, c := range []struct {
		name  string
		nodes []string
		seqs  []uint64
		want  []int64 // problem indexes
	}{
		{"in order", []string{"a", "a", "a"}, []uint64{1, 2, 3}, nil},
		{"two nodes interleaved", []string{"a", "b", "a", "b"}, []uint64{1, 1, 2, 2}, nil},
		{"groups out of order", []string{"a", "a", "a", "a"}, []uint64{1, 3, 4, 2}, nil},
		{"gap", []string{"a", "a", "a"}, []uint64{1, 2, 4}, []int64{2}},
		{"first entry missing", []string{"a", "a"}, []uint64{2, 3}, []int64{0}},
		{"repeat", []string{"a", "a", "a"}, []uint64{1, 2, 2}, []int64{2}},
		{"gap in one node only", []string{"a", "b", "a", "b"}, []uint64{1, 1, 2, 3}, []int64{3}},
		{"unparsed entry skipped", []string{"a", "", "a"}, []uint64{1, 0, 2}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var p problems
			checkSequences(c.nodes, c.seqs, map[string]uint64{}, &p)
			var got []int64
			for _, x := range p.list {
				got = append(got, x.Index)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("problems at %v, want %v (%v)", got, c.want, p.list)
			}
		})
	}
}

// TestDroppedEntryShowsAsGap plays a dropped entry end to end: the node
// believes seq 5 was written (its hint says so) but the log holds only 3
// entries; the next entry carries seq 6 and verification names it.
func TestDroppedEntryShowsAsGap(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, nil)
	ctx := context.Background()
	for i := range 3 {
		if _, err := l.Append(ctx, sampleEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	hint := newSeqState(filepath.Join(dir, "audit"), "node-a", nil)
	hint.durable(5, 2)
	if err := hint.save(); err != nil {
		t.Fatal(err)
	}
	l = openTestLog(t, dir, nil)
	idx, err := l.Append(ctx, sampleEntry(3))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	v, _ := NewVerifier(l.VerifierKey())
	f, _ := NewFetcher(filepath.Join(dir, "audit"), nil)
	rep, err := Verify(ctx, f, VerifyOptions{Verifiers: []note.Verifier{v}})
	if err != nil {
		t.Fatal(err)
	}
	fb := rep.FirstBad()
	if fb == nil || fb.Index != int64(idx) || !strings.Contains(fb.What, "2 entries missing") {
		t.Fatalf("first bad = %v, want entry %d with 2 missing", fb, idx)
	}
}

func TestInspectProvesInclusion(t *testing.T) {
	base, vs := tamperFixture(t)
	f, _ := NewFetcher(filepath.Join(base, "audit"), nil)
	for _, idx := range []uint64{0, 255, 256, 511, 599} {
		in, err := Inspect(context.Background(), f, vs, idx)
		if err != nil {
			t.Fatalf("Inspect(%d): %v", idx, err)
		}
		if in.Entry.Node != "node-a" || in.Index != idx || len(in.Proof) == 0 {
			t.Errorf("Inspect(%d) = %+v", idx, in.Entry)
		}
	}
	if _, err := Inspect(context.Background(), f, vs, tamperLogSize); err == nil {
		t.Error("Inspect beyond the checkpoint succeeded")
	}
	// A changed entry is refused by its own inclusion proof.
	dir := t.TempDir()
	copyDir(t, filepath.Join(base, "audit"), dir)
	editBundle(t, dir, 300, func(es [][]byte, pos int) [][]byte {
		es[pos] = bytes.Replace(es[pos], []byte(`"org-water"`), []byte(`"org-wateR"`), 1)
		return es
	})
	f2, _ := NewFetcher(dir, nil)
	if _, err := Inspect(context.Background(), f2, vs, 300); err == nil || !strings.Contains(err.Error(), "NOT included") {
		t.Errorf("tampered entry: %v", err)
	}
}

func TestHandlerServesOnlyTheLog(t *testing.T) {
	base, _ := tamperFixture(t)
	srv := httptest.NewServer(NewHandler(filepath.Join(base, "audit")))
	defer srv.Close()
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/checkpoint", 200},
		{"GET", "/tile/0/000", 200},
		{"GET", "/tile/entries/000", 200},
		{"GET", "/tile/1/000.p/2", 200},
		{"GET", "/.state/treeState", 404},
		{"GET", "/tile/../.state/treeState", 404},
		{"GET", "/.renkei/x", 404},
		{"GET", "/tile/0/999", 404},
		{"POST", "/checkpoint", 405},
		{"GET", "/", 404},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
	}
}

// TestVerifyAgainstPreviousCheckpoint checks the verifier's memory: a log
// that grew verifies, one that shrank (rollback) or whose past differs (fork,
// same keys) is reported.
func TestVerifyAgainstPreviousCheckpoint(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	grow := func(d string, from, n int) []byte {
		l := openTestLog(t, d, nil)
		for i := from; i < from+n; i++ {
			if _, err := l.Append(ctx, sampleEntry(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		cp, err := os.ReadFile(filepath.Join(d, "audit", "checkpoint"))
		if err != nil {
			t.Fatal(err)
		}
		return cp
	}
	cp100 := grow(dir, 0, 100)
	small := t.TempDir()
	copyDir(t, dir, small)
	cp300 := grow(dir, 100, 200)
	// A fork: same keys, different history.
	fork := t.TempDir()
	copyDir(t, filepath.Join(dir, "keys"), filepath.Join(fork, "keys"))
	forkCP := grow(fork, 1000, 150)

	v, _ := NewVerifier(tamperKeysOf(t, dir))
	for _, c := range []struct {
		name string
		log  string
		prev []byte
		want string
	}{
		{"grown", dir, cp100, ""},
		{"same", dir, cp300, ""},
		{"rollback", small, cp300, "rollback"},
		{"fork", dir, forkCP, "not consistent"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, _ := NewFetcher(filepath.Join(c.log, "audit"), nil)
			rep, err := Verify(ctx, f, VerifyOptions{Verifiers: []note.Verifier{v}, Previous: c.prev})
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if !rep.OK() {
					t.Fatalf("problems: %v", rep.Problems)
				}
				return
			}
			if fb := rep.FirstBad(); fb == nil || !strings.Contains(fb.What, c.want) {
				t.Fatalf("first bad = %v, want %q", fb, c.want)
			}
		})
	}
}

func tamperKeysOf(t *testing.T, dir string) string {
	k, err := LoadOrCreateKeys(filepath.Join(dir, "keys"), DefaultOrigin)
	if err != nil {
		t.Fatal(err)
	}
	return k.VerifierKey
}

func TestScanAndCountActions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := openTestLog(t, dir, nil)
	t0 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	actions := []string{ActionLogin, ActionCommAccess, ActionCommAccess, ActionApprovalDecide, ActionLogin, ActionCommAccess}
	for i, a := range actions {
		if _, err := l.Append(ctx, Entry{Time: t0.AddDate(0, i, 0), Action: a}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	v, _ := NewVerifier(l.VerifierKey())
	f, _ := NewFetcher(filepath.Join(dir, "audit"), nil)
	var seen []uint64
	if _, err := Scan(ctx, f, []note.Verifier{v}, func(i uint64, e Entry) error { seen = append(seen, i); return nil }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seen) != "[0 1 2 3 4 5]" {
		t.Fatalf("scan order %v", seen)
	}
	for _, c := range []struct {
		name     string
		from, to time.Time
		want     string
	}{
		{"all", time.Time{}, time.Time{}, "[{approval.decide 1} {comm.access 3} {login 2}]"},
		{"first quarter of the year", t0, t0.AddDate(0, 3, 0), "[{comm.access 2} {login 1}]"},
		{"from July", t0.AddDate(0, 3, 0), time.Time{}, "[{approval.decide 1} {comm.access 1} {login 1}]"},
	} {
		got, _, err := CountActions(ctx, f, []note.Verifier{v}, c.from, c.to)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != c.want {
			t.Errorf("%s: %v, want %s", c.name, got, c.want)
		}
	}
}
