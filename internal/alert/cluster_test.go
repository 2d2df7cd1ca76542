package alert_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"renkei/internal/alert"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

// TestWebhookPostedOnceAcrossHubNodes runs two hub nodes on one store (each
// its own connection) delivering the same queue of alerts to one receiver at
// once, and a third node that claims a delivery and dies before posting it.
// Every alert reaches the receiver exactly once: the nodes claim each
// delivery (store.ClaimDelivery) before they post it, and the dead node's
// claim runs out so that another posts it.
func TestWebhookPostedOnceAcrossHubNodes(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			dsn := storetest.DSN(t, kind)
			var nodes []*store.DB
			for range 2 {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				nodes = append(nodes, db)
			}
			org := store.Org{ID: "identity--00000000-0000-4000-8000-0000000000aa", Name: "Water", Kind: "operator", Created: time.Now()}
			if err := nodes[0].AddOrg(ctx, org); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			got := map[string]int{} // alert public id → posts received
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(time.Millisecond) // a receiver that takes its time widens any race between the nodes
				mu.Lock()
				got[r.Header.Get("X-Renkei-Alert")]++
				mu.Unlock()
			}))
			defer receiver.Close()
			if _, err := nodes[0].AddWebhook(ctx, store.Webhook{OrgID: org.ID, URL: receiver.URL, Secret: "s", Active: true, Created: time.Now()}); err != nil {
				t.Fatal(err)
			}
			reach := alert.Reach{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
			svc := func(db *store.DB) *alert.Service {
				return &alert.Service{DB: db, Reach: reach, ClaimTerm: 500 * time.Millisecond}
			}
			const n = 150
			want := map[string]bool{}
			for range n {
				id, err := svc(nodes[0]).Raise(ctx, store.Alert{OrgID: org.ID, Kind: "sighting", Title: "sighted"})
				if err != nil {
					t.Fatal(err)
				}
				want[alertPublicID(t, nodes[0], id)] = true
			}
			// A node that claims the first due delivery and dies before posting it.
			due, err := nodes[1].DueDeliveries(ctx, time.Now(), 1)
			if err != nil || len(due) != 1 {
				t.Fatalf("due: %v %v", due, err)
			}
			if ok, err := nodes[1].ClaimDelivery(ctx, due[0], time.Now().Add(500*time.Millisecond), time.Now()); err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
			var wg sync.WaitGroup
			for _, db := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					svc(db).Run(ctx, 20*time.Millisecond)
				}()
			}
			delivered := func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(got) == n
			}
			if !testwait.Until(30*time.Second, delivered) {
				t.Errorf("%d of %d alerts reached the receiver", len(got), n)
			}
			// Both nodes keep polling a while: nothing more may arrive.
			time.Sleep(200 * time.Millisecond)
			cancel()
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			dups := 0
			for id, c := range got {
				if !want[id] {
					t.Errorf("unknown alert %s posted", id)
				}
				dups += c - 1
			}
			t.Logf("%d alerts, %d posted, %d duplicate posts", n, len(got), dups)
			if dups != 0 {
				t.Errorf("%d duplicate webhook posts", dups)
			}
		})
	}
}

// alertPublicID is the public id of alert id.
func alertPublicID(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	var p string
	if err := db.SQL().QueryRowContext(context.Background(), "SELECT public_id FROM alerts WHERE id = "+strconv.FormatInt(id, 10)).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return p
}
