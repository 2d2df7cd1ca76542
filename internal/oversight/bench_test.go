package oversight

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"renkei/internal/audit"
)

const benchEntries = 100_000

var benchLog struct {
	once sync.Once
	dir  string
	key  string
}

// bigLog writes a log of benchEntries entries once per benchmark run.
func bigLog(b *testing.B) (audit.Fetcher, []note.Verifier) {
	benchLog.once.Do(func() { benchLog.dir, benchLog.key = writeBigLog(b, benchEntries) })
	f, _ := audit.NewFetcher(benchLog.dir, nil)
	vs, _ := Verifiers(benchLog.key)
	return f, vs
}

func writeBigLog(b *testing.B, n int) (string, string) {
	dir, err := os.MkdirTemp("", "renkei-oversight-bench")
	if err != nil {
		b.Fatal(err)
	}
	l, err := audit.Open(context.Background(), audit.Options{Dir: filepath.Join(dir, "audit"), KeyDir: filepath.Join(dir, "keys"), Node: "b"})
	if err != nil {
		b.Fatal(err)
	}
	actions := []string{audit.ActionObjectRead, audit.ActionCommAccess, audit.ActionApprovalRequest, audit.ActionApprovalDecide, audit.ActionLogin}
	var wg sync.WaitGroup
	work := make(chan int)
	for range 256 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if _, err := l.Append(context.Background(), audit.Entry{User: "u", Action: actions[i%len(actions)], ObjectID: fmt.Sprint("approval-", i),
					Detail: map[string]string{"kind": "access-neutralization", "decision": "approved"}}); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	return l.Dir(), l.VerifierKey()
}

// BenchmarkFigures100k counts the annual figures over a log of 100,000
// entries read from disk: what the figures page and its CSV cost.
func BenchmarkFigures100k(b *testing.B) {
	f, vs := bigLog(b)
	for b.Loop() {
		rep, err := Figures(context.Background(), f, vs, time.Time{}, time.Time{})
		if err != nil || rep.Entries != benchEntries {
			b.Fatalf("%v, %d entries", err, rep.Entries)
		}
	}
}

// BenchmarkSample5Of100k draws and proves 5 random entries of a 100,000-entry
// log: what one inspection page costs.
func BenchmarkSample5Of100k(b *testing.B) {
	f, vs := bigLog(b)
	for b.Loop() {
		got, _, err := Sample(context.Background(), f, vs, 5, nil)
		if err != nil || len(got) != 5 {
			b.Fatalf("%v, %d entries", err, len(got))
		}
	}
}

// TestMain removes the benchmarks' shared log when every benchmark is done.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchLog.dir != "" {
		os.RemoveAll(filepath.Dir(benchLog.dir))
	}
	os.Exit(code)
}
