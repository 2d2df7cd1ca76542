package audit

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// openTestLog opens a fresh log in a temporary directory.
func openTestLog(t testing.TB, dir string, mod func(*Options)) *Log {
	t.Helper()
	o := Options{Dir: filepath.Join(dir, "audit"), KeyDir: filepath.Join(dir, "keys"), Node: "node-a",
		CheckpointInterval: 100 * time.Millisecond}
	if mod != nil {
		mod(&o)
	}
	l, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

func sampleEntry(i int) Entry {
	return Entry{User: fmt.Sprintf("user%d", i%7), Org: "org-water", Role: "handler", Action: "object.read",
		Purpose: "incident response", LegalBasis: "approval-2026-001", ObjectID: fmt.Sprintf("indicator--%08d", i),
		ObjectHash: HashObject([]byte("salt"), []byte(fmt.Sprint(i))), RequestID: fmt.Sprintf("req-%d", i),
		Detail: map[string]string{"tlp": "red"}}
}

func TestAppendThenReopenContinuesSequence(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := l.Append(ctx, sampleEntry(i)); err != nil {
				t.Errorf("Append: %v", err)
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Remove the hint so that recovery must scan the log.
	os.RemoveAll(filepath.Join(dir, "audit", ".renkei"))
	l = openTestLog(t, dir, nil)
	idx, err := l.Append(ctx, sampleEntry(99))
	if err != nil {
		t.Fatal(err)
	}
	if idx != 50 {
		t.Errorf("index after reopen = %d, want 50", idx)
	}
	if l.seq != 51 {
		t.Errorf("seq after reopen = %d, want 51", l.seq)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAppendForReleaseSetsReceiptOnlyWhenDurable(t *testing.T) {
	l := openTestLog(t, t.TempDir(), nil)
	h := http.Header{}
	idx, err := l.AppendForRelease(context.Background(), h, Entry{Action: ActionObjectRead, ObjectID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Get(HeaderIndex); got != fmt.Sprint(idx) {
		t.Errorf("header %q, want %d", got, idx)
	}
	if got := h.Get(HeaderLog); got != l.Origin() {
		t.Errorf("receipt names the log %q, want %q", got, l.Origin())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	h = http.Header{}
	if _, err := l.AppendForRelease(context.Background(), h, Entry{Action: ActionObjectRead}); err == nil || h.Get(HeaderIndex) != "" {
		t.Errorf("closed log: err %v, header %q", err, h.Get(HeaderIndex))
	}
	l2 := openTestLog(t, t.TempDir(), nil)
	defer l2.Close()
	if _, err := l2.Append(context.Background(), Entry{}); err == nil {
		t.Error("entry without action accepted")
	}
}
