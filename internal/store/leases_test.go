package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

// TestLeaseOneHolderAtATime: of nodes asking for a job's lease at once,
// exactly one gets it; it keeps it by renewing; another gets it only after
// it has run out.
func TestLeaseOneHolderAtATime(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
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

// TestKeptLeaseSurvivesOnlyItsHolder: a kept lease (KeepLease) stays with
// its holder for as long as it runs, renewed; a holder that dies without
// giving it up loses it within its term and a third; one that stops cleanly
// gives it up at once.
func TestKeptLeaseSurvivesOnlyItsHolder(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := storetest.Open(t, kind)
			const term = 900 * time.Millisecond
			actx, stopA := context.WithCancel(ctx)
			defer stopA()
			a := db.KeepLease(actx, "job", store.NewLeaseHolder(), term, nil)
			bctx, stopB := context.WithCancel(ctx)
			defer stopB()
			b := db.KeepLease(bctx, "job", store.NewLeaseHolder(), term, nil)
			if !a.Held() || b.Held() {
				t.Fatalf("held by the first: %v, by the second: %v", a.Held(), b.Held())
			}
			// Renewed while held: the second never gets it over three terms.
			for end := time.Now().Add(3 * term); time.Now().Before(end); time.Sleep(term / 10) {
				if b.Held() || !a.Held() {
					t.Fatal("the lease left a holder that runs")
				}
			}
			stopA() // a clean stop gives it up
			stopped := time.Now()
			testwait.For(t, term, "the second holder to take a lease given up", b.Held)
			t.Logf("taken %v after a clean stop", time.Since(stopped).Round(time.Millisecond))

			// A holder that dies: it took the lease once and never renews it.
			died := time.Now()
			if ok, err := db.TakeLease(ctx, "other", "dead-holder", died, term); err != nil || !ok {
				t.Fatalf("dead holder: %v %v", ok, err)
			}
			c := db.KeepLease(bctx, "other", store.NewLeaseHolder(), term, nil)
			if c.Held() {
				t.Fatal("a lease still in force was taken")
			}
			testwait.For(t, 3*term, "a dead holder's lease to be taken over", c.Held)
			after := time.Since(died)
			t.Logf("a dead holder's lease taken over %v after its last renewal (term %v)", after.Round(time.Millisecond), term)
			if after > 2*term {
				t.Errorf("taken over %v after the holder died, want within %v and a tick", after, term+term/3)
			}
		})
	}
}
