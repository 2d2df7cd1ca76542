package relevance_test

import (
	"context"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/relevance"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

// TestRunningHubSeesOtherProcessesChanges: a running hub (its App and
// relevance loop, on its own connection to the store) sees within seconds
// what another process — the CLI, on another connection — registers,
// imports and removes, on each store; and it does not rebuild for its own
// changes.
func TestRunningHubSeesOtherProcessesChanges(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			dsn := storetest.DSN(t, kind)
			open := func() *store.DB {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			serveDB := open()
			if _, err := hub.Bootstrap(ctx, serveDB, now); err != nil {
				t.Fatal(err)
			}
			town, err := hub.AddOrg(ctx, serveDB, "Minato City Hall", "local-government", "local-government", now)
			if err != nil {
				t.Fatal(err)
			}
			serve := hubtest.App(t, serveDB).Relevance
			serve.RefreshEvery = 20 * time.Millisecond
			if err := serve.Load(ctx); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { serve.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()

			cli := hubtest.App(t, open()).Relevance
			op := policy.Operator(town.ID, false)
			findings := func() int {
				fs, err := serve.Findings(ctx, op)
				if err != nil {
					t.Fatal(err)
				}
				return len(fs)
			}
			cp, _, err := cli.AddConnectionPoint(ctx, op, relevance.ConnectionPoint{OrgID: town.ID, Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1"})
			if err != nil {
				t.Fatal(err)
			}
			testwait.For(t, 10*time.Second, "the running hub to list the connection point the CLI added", func() bool {
				cps, _ := serve.ConnectionPointsOf(ctx, town.ID)
				return len(cps) == 1
			})
			kev, _ := relevance.StoryDocuments(now)
			if res, err := cli.ImportDocuments(ctx, []relevance.Input{{Source: "kev.json", Data: kev}}); err != nil || res.Alerts != 1 {
				t.Fatalf("CLI import: %+v %v", res, err)
			}
			testwait.For(t, 10*time.Second, "the running hub's engine to show the finding of the KEV the CLI imported", func() bool { return findings() == 1 })
			if ex, err := serve.Exposure(ctx, policy.System(), "CVE-2026-99001"); err != nil || ex.Members != 1 {
				t.Fatalf("exposure on the running hub: %+v %v", ex, err)
			}
			if err := cli.DeleteConnectionPoint(ctx, op, cp.PublicID); err != nil {
				t.Fatal(err)
			}
			testwait.For(t, 10*time.Second, "the running hub to drop the finding of the point the CLI removed", func() bool { return findings() == 0 })
			// Its own change is no other process's: no rebuild.
			if _, _, err := serve.AddConnectionPoint(ctx, op, relevance.ConnectionPoint{OrgID: town.ID, Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1"}); err != nil {
				t.Fatal(err)
			}
			if did, err := serve.Refresh(ctx); err != nil || did {
				t.Fatalf("the hub rebuilt for its own change: %v %v", did, err)
			}
		})
	}
}
