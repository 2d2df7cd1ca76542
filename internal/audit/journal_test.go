package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
)

// readEntry reads the entry at idx of a log of the given size.
func readEntry(t *testing.T, l *Log, idx, size uint64) Entry {
	t.Helper()
	ctx := context.Background()
	b := idx / layout.EntryBundleWidth
	raw, err := l.reader.ReadEntryBundle(ctx, b, layout.PartialTileSize(0, b, size))
	if err != nil {
		t.Fatal(err)
	}
	es, err := ParseEntryBundle(raw, int(min(layout.EntryBundleWidth, size-b*layout.EntryBundleWidth)))
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseEntry(es[idx%layout.EntryBundleWidth])
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// verifyDir verifies the log in dir/audit from scratch and fails on any problem.
func verifyDir(t *testing.T, dir string, l *Log) *Report {
	t.Helper()
	v, err := NewVerifier(l.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFetcher(filepath.Join(dir, "audit"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(context.Background(), f, VerifyOptions{Verifiers: []note.Verifier{v}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("log does not verify: %v", rep.Problems)
	}
	return rep
}

// TestJournaledEntriesAreIntegratedOnOpen: entries a writer journaled (and so
// returned the indices of) before crashing, ahead of Tessera, are in the log
// at those indices once it is opened again; a record torn by the crash was
// never acknowledged and is dropped.
func TestJournaledEntriesAreIntegratedOnOpen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	l := openTestLog(t, dir, nil)
	for i := range 10 {
		if _, err := l.Append(ctx, sampleEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// What a crashed writer of node-b leaves: three acknowledged entries at
	// indices 10-12, and half of a fourth.
	j, err := openJournal(filepath.Join(dir, "audit"))
	if err != nil {
		t.Fatal(err)
	}
	var recs []record
	for i := range 3 {
		e := sampleEntry(100 + i)
		e.Node, e.Seq, e.Time = "node-b", uint64(i+1), time.Now()
		data, err := e.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, record{idx: 10 + uint64(i), data: data})
	}
	if err := j.write(recs); err != nil {
		t.Fatal(err)
	}
	whole := j.size
	if err := j.write([]record{{idx: 13, data: []byte(strings.Repeat("x", 200))}}); err != nil {
		t.Fatal(err)
	}
	if err := j.f.Truncate(whole + 40); err != nil { // torn in the middle of the record
		t.Fatal(err)
	}
	j.close()

	l = openTestLog(t, dir, nil)
	size, err := l.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if size != 13 {
		t.Fatalf("log has %d entries after replaying the journal, want 13", size)
	}
	for i := range 3 {
		if e := readEntry(t, l, 10+uint64(i), size); e.ObjectID != sampleEntry(100+i).ObjectID || e.Node != "node-b" {
			t.Fatalf("index %d holds %s of %s, want the journaled %s", 10+i, e.ObjectID, e.Node, sampleEntry(100+i).ObjectID)
		}
	}
	idx, err := l.Append(ctx, sampleEntry(50))
	if err != nil || idx != 13 {
		t.Fatalf("next append got index %d (%v), want 13", idx, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "audit", ".renkei", "journal")); err != nil || st.Size() != 0 {
		t.Fatalf("journal not emptied after a clean close: %v %v", st.Size(), err)
	}
	verifyDir(t, dir, l)
}

// TestJournalOfAnotherLogIsRefused: a journal whose indices do not continue
// the log is not silently applied.
func TestJournalOfAnotherLogIsRefused(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, nil)
	if _, err := l.Append(context.Background(), sampleEntry(1)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	j, err := openJournal(filepath.Join(dir, "audit"))
	if err != nil {
		t.Fatal(err)
	}
	e := sampleEntry(2)
	e.Node, e.Seq, e.Time = "node-a", 2, time.Now()
	data, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := j.write([]record{{idx: 7, data: data}}); err != nil {
		t.Fatal(err)
	}
	j.close()
	_, err = Open(context.Background(), Options{Dir: filepath.Join(dir, "audit"), KeyDir: filepath.Join(dir, "keys"), Node: "node-a"})
	if err == nil || !strings.Contains(err.Error(), "journal holds index 7 where 1 was expected") {
		t.Fatalf("Open with a foreign journal: %v", err)
	}
}

// TestTwoWritersShareOneLog: two processes appending to one log directory
// (here two Logs, each with its own file descriptors and locks) take turns as
// its writer; every index either returned holds that writer's entry, and the
// log verifies with both nodes' sequences whole.
func TestTwoWritersShareOneLog(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	a := openTestLog(t, dir, func(o *Options) { o.Node = "node-a" })
	b := openTestLog(t, dir, func(o *Options) { o.Node = "node-b" })
	var mu sync.Mutex
	returned := map[uint64]string{}
	var wg sync.WaitGroup
	for w := range 8 {
		for _, l := range []*Log{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 40 {
					e := sampleEntry(i)
					e.ObjectID = fmt.Sprintf("%s-%d-%d", l.Node(), w, i)
					idx, err := l.Append(ctx, e)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if prev, dup := returned[idx]; dup {
						t.Errorf("index %d returned for both %s and %s", idx, prev, e.ObjectID)
					}
					returned[idx] = e.ObjectID
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	l := openTestLog(t, dir, nil)
	defer l.Close()
	size, err := l.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(returned) != 640 || size != 640 {
		t.Fatalf("%d indices returned, log of %d entries; want 640", len(returned), size)
	}
	for idx, id := range returned {
		if e := readEntry(t, l, idx, size); e.ObjectID != id {
			t.Fatalf("index %d holds %s, but was returned for %s", idx, e.ObjectID, id)
		}
	}
	verifyDir(t, dir, l)
}
