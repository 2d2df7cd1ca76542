package audit

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

// openClusterNode opens one process's door to the cluster's log in db.
func openClusterNode(t *testing.T, db *store.DB, node string, integrate bool) *Log {
	t.Helper()
	return openClusterNodeLease(t, db, node, integrate, 2*time.Second)
}

// openClusterNodeLease is openClusterNode with the integrator's lease term.
func openClusterNodeLease(t *testing.T, db *store.DB, node string, integrate bool, lease time.Duration) *Log {
	t.Helper()
	dir := t.TempDir()
	l, err := Open(context.Background(), Options{Dir: filepath.Join(dir, "audit"), KeyDir: filepath.Join(dir, "keys"),
		HubID: "0123456789abcdef", Node: node, Shared: db, Integrate: integrate,
		IntegratorLease: lease, CheckpointInterval: 100 * time.Millisecond, CloseTimeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("open node %s: %v", node, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// publishedSize is the size of the checkpoint the store serves.
func publishedSize(t *testing.T, db *store.DB, origin string) uint64 {
	t.Helper()
	_, n, err := db.AuditCheckpoint(context.Background(), origin)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestClusterLogOneLogEveryActOnce runs two hub nodes and a worker on one
// store, appending at once; the integrating node dies half-way (without
// publishing or giving up its lease) and the other takes over. The log is
// one (one origin, one key), holds every act exactly once at the index its
// append returned, verifies through either node, and refuses a fork made
// with the same keys.
func TestClusterLogOneLogEveryActOnce(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			a := openClusterNode(t, db, "hub-a", true)
			testwait.For(t, 20*time.Second, "node a integrates", func() bool {
				a.Append(ctx, sampleEntry(-1))
				return publishedSize(t, db, a.Origin()) > 0
			})
			b := openClusterNode(t, db, "hub-b", true)
			w := openClusterNode(t, db, "worker", false)
			if a.Origin() != b.Origin() || a.Origin() != w.Origin() || a.VerifierKey() != b.VerifierKey() || a.PQVerifierKey() != w.PQVerifierKey() {
				t.Fatalf("nodes disagree on the log: %s %s %s / %s %s", a.Origin(), b.Origin(), w.Origin(), a.VerifierKey(), b.VerifierKey())
			}
			if a.Origin() != "renkei/0123456789abcdef/audit" {
				t.Errorf("origin %q, want the hub's", a.Origin())
			}

			const per = 150
			var mu sync.Mutex
			at := map[string]uint64{} // object id → index returned
			var wg sync.WaitGroup
			for _, n := range []struct {
				name string
				l    *Log
			}{{"a", a}, {"b", b}, {"w", w}} {
				for g := range 3 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := range per {
							e := sampleEntry(i)
							e.ObjectID = fmt.Sprintf("obj-%s-%d-%d", n.name, g, i)
							idx, err := n.l.Append(ctx, e)
							if err != nil {
								t.Errorf("append on %s: %v", n.name, err)
								return
							}
							mu.Lock()
							at[e.ObjectID] = idx
							mu.Unlock()
							if n.name == "a" && g == 0 && i == per/2 {
								a.killIntegrator() // node a's integrator dies mid-way
							}
						}
					}()
				}
			}
			wg.Wait()
			total, err := w.Size(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := uint64(len(at)) + publishedSizeAtLeastOne(at); total < want {
				t.Fatalf("journal holds %d entries, want at least %d", total, want)
			}
			testwait.For(t, 30*time.Second, "node b takes over and publishes every entry", func() bool {
				return publishedSize(t, db, a.Origin()) == total
			})

			vs := []note.Verifier{mustVerifier(t, a.VerifierKey()), mustVerifier(t, a.PQVerifierKey())}
			for name, l := range map[string]*Log{"a": a, "b": b, "worker": w} {
				srv := httptest.NewServer(l.Handler())
				f, err := NewFetcher(srv.URL, nil)
				if err != nil {
					t.Fatal(err)
				}
				rep, err := Verify(ctx, f, VerifyOptions{Verifiers: vs})
				srv.Close()
				if err != nil || !rep.OK() {
					t.Fatalf("verify through node %s: %v %v", name, err, rep.Problems)
				}
				if rep.Entries != total || rep.LastSeq["hub-a"] == 0 || rep.LastSeq["hub-b"] != 3*per || rep.LastSeq["worker"] != 3*per {
					t.Fatalf("through node %s: %d entries, sequences %v", name, rep.Entries, rep.LastSeq)
				}
			}
			seen := map[string]int{}
			if _, err := Scan(ctx, b.Fetcher(), vs, func(idx uint64, e Entry) error {
				if !strings.HasPrefix(e.ObjectID, "obj-") {
					return nil
				}
				seen[e.ObjectID]++
				if at[e.ObjectID] != idx {
					t.Errorf("%s is at index %d, its append returned %d", e.ObjectID, idx, at[e.ObjectID])
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(seen) != len(at) {
				t.Errorf("%d acts in the log, %d appended", len(seen), len(at))
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s is in the log %d times", id, n)
				}
			}

			// A fork: another store given the same keys, with other entries.
			good, _ := a.Checkpoint(ctx)
			keys, _ := db.Setting(ctx, settingKeys)
			other := storetest.Open(t, kind)
			if _, err := other.SetSettingOnce(ctx, settingKeys, keys); err != nil {
				t.Fatal(err)
			}
			fork := openClusterNode(t, other, "hub-a", true)
			for i := range 10 {
				if _, err := fork.Append(ctx, sampleEntry(1000+i)); err != nil {
					t.Fatal(err)
				}
			}
			testwait.For(t, 20*time.Second, "the fork publishes", func() bool { return publishedSize(t, other, a.Origin()) == 10 })
			forked, _ := fork.Checkpoint(ctx)
			rep, err := Verify(ctx, b.Fetcher(), VerifyOptions{Verifiers: vs, Previous: forked})
			if err != nil || rep.OK() || !strings.Contains(rep.FirstBad().What, "not consistent") {
				t.Fatalf("the log verified against a forked checkpoint: %v %+v", err, rep)
			}
			rep, err = Verify(ctx, fork.Fetcher(), VerifyOptions{Verifiers: vs, Previous: good})
			if err != nil || rep.OK() {
				t.Fatalf("the fork verified against the log's checkpoint: %v %+v", err, rep)
			}
		})
	}
}

// publishedSizeAtLeastOne counts the entries appended before the test's own:
// at least one (the probe that waited for node a).
func publishedSizeAtLeastOne(map[string]uint64) uint64 { return 1 }

func mustVerifier(t *testing.T, key string) note.Verifier {
	t.Helper()
	v, err := NewVerifier(key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// BenchmarkClusterAppend measures the cluster's log on each store: appends/s
// with 64 concurrent appenders, and p50/p99 of one append alone (the
// latency a logged read adds on a quiet hub), beside BenchmarkAppendLatency
// for the machine's own log.
func BenchmarkClusterAppend(b *testing.B) {
	for _, kind := range storetest.Kinds(b) {
		b.Run(kind, func(b *testing.B) {
			dir := b.TempDir()
			l, err := Open(context.Background(), Options{Dir: filepath.Join(dir, "audit"), KeyDir: filepath.Join(dir, "keys"),
				Node: "bench", Shared: storetest.Open(b, kind), Integrate: true, CheckpointInterval: 100 * time.Millisecond})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			b.ResetTimer()
			st, err := MeasureAppends(context.Background(), l, 64, max(b.N, 64))
			if err != nil {
				b.Fatal(err)
			}
			one, err := MeasureAppends(context.Background(), l, 1, 300)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(st.PerSecond, "appends/s")
			b.ReportMetric(float64(one.P50.Microseconds())/1000, "alone-p50-ms")
			b.ReportMetric(float64(one.P99.Microseconds())/1000, "alone-p99-ms")
		})
	}
}

// TestClusterIntegratorLeaseReleasedOnClose: a node that stops cleanly gives
// the integrator's lease up, so another node integrates at once — not when a
// lease of a minute runs out.
func TestClusterIntegratorLeaseReleasedOnClose(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			a := openClusterNodeLease(t, db, "hub-a", true, time.Minute)
			testwait.For(t, 20*time.Second, "node a integrates", func() bool {
				a.Append(ctx, sampleEntry(-1))
				return publishedSize(t, db, a.Origin()) > 0
			})
			b := openClusterNodeLease(t, db, "hub-b", true, time.Minute)
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			stopped := time.Now()
			i, err := b.Append(ctx, sampleEntry(1))
			if err != nil {
				t.Fatal(err)
			}
			testwait.For(t, 20*time.Second, "node b to integrate after node a stopped", func() bool {
				return publishedSize(t, db, b.Origin()) > i
			})
			t.Logf("node b integrated %v after node a stopped", time.Since(stopped).Round(time.Millisecond))
		})
	}
}
