package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestLeaseOneHolderAtATime: of nodes asking for a job's lease at once,
// exactly one gets it; it keeps it by renewing; another gets it only after
// it has run out.
func TestLeaseOneHolderAtATime(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
			holders := []string{store.NewLeaseHolder(), store.NewLeaseHolder(), store.NewLeaseHolder(), store.NewLeaseHolder()}
			if holders[0] == holders[1] {
				t.Fatal("two holders share a name")
			}
			var mu sync.Mutex
			var won []string
			var wg sync.WaitGroup
			for _, h := range holders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := db.TakeLease(ctx, "retention", h, now, time.Hour)
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						won = append(won, h)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if len(won) != 1 {
				t.Fatalf("%d holders got the lease at once, want 1", len(won))
			}
			leader, other := won[0], holders[0]
			if other == leader {
				other = holders[1]
			}
			if ok, _ := db.TakeLease(ctx, "retention", leader, now.Add(50*time.Minute), time.Hour); !ok {
				t.Fatal("the holder could not renew its lease")
			}
			if ok, _ := db.TakeLease(ctx, "retention", other, now.Add(100*time.Minute), time.Hour); ok {
				t.Fatal("another node took a lease still in force")
			}
			if ok, _ := db.TakeLease(ctx, "other-job", other, now, time.Hour); !ok {
				t.Fatal("leases of different jobs are independent")
			}
			if ok, _ := db.TakeLease(ctx, "retention", other, now.Add(111*time.Minute), time.Hour); !ok {
				t.Fatal("the lease did not pass on once it ran out")
			}
		})
	}
}
