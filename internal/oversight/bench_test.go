package oversight

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"renkei/internal/audit"
)

// BenchmarkFigures100k counts the annual figures over a log of 100,000
// entries read from disk: what the figures page and its CSV cost.
func BenchmarkFigures100k(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
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
	f, _ := audit.NewFetcher(l.Dir(), nil)
	vs, _ := Verifiers(l.VerifierKey())
	b.ResetTimer()
	for b.Loop() {
		rep, err := Figures(context.Background(), f, vs, time.Time{}, time.Time{})
		if err != nil || rep.Entries != n {
			b.Fatalf("%v, %d entries", err, rep.Entries)
		}
	}
}
