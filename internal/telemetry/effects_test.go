package telemetry_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"renkei/internal/bus"
	"renkei/internal/flow"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
	"renkei/internal/testwait"
)

// effects counts what the matcher left in the store.
type effects struct {
	records, matched                   int64 // rows kept; the source's "matched" counter
	sightings, sightingIDs, sightCount int64 // versions, distinct ids, the sum of their counts
	flowAlerts, sightingAlerts         int64
}

func (e *env) effects(t *testing.T) effects {
	t.Helper()
	ctx := context.Background()
	db := e.h.DB.SQL()
	var f effects
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM telemetry_records").Scan(&f.records); err != nil {
		t.Fatal(err)
	}
	counts, err := telemetry.GetCounts(ctx, e.h.DB, "power-border")
	if err != nil {
		t.Fatal(err)
	}
	f.matched = counts["matched"]
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*), COUNT(DISTINCT stix_id), COALESCE(SUM(count), 0) FROM objects WHERE type = 'sighting'").
		Scan(&f.sightings, &f.sightingIDs, &f.sightCount); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM alerts WHERE kind = 'flow-match'").Scan(&f.flowAlerts); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM alerts WHERE kind = 'sighting'").Scan(&f.sightingAlerts); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestEachRecordTakesEffectOnceHoweverOftenDelivered redelivers batches on
// purpose — on a real JetStream with a short acknowledgement wait — and
// counts every effect: matched records, the source's matched counter,
// sightings (versions, ids and the records they count) and alerts. A worker
// dies (its NATS connection closed, nothing acknowledged) after each stage of
// a batch in turn — after matching, after storing the records, after the
// sightings, after the alerts — and another worker completes the batch; then
// a batch that takes several acknowledgement waits is handled while a second
// worker waits for work, and is not handed to it (in-progress
// acknowledgements). Every effect is there once: 0 duplicates, 0 lost.
func TestEachRecordTakesEffectOnceHoweverOftenDelivered(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			const ackWait = 400 * time.Millisecond
			srv, err := bus.Open(ctx, bus.Options{Dir: filepath.Join(t.TempDir(), "nats"), Listen: "127.0.0.1:0", AckWait: ackWait})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			p, err := telemetry.NewPipeline(ctx, e.svc, srv, nil)
			if err != nil {
				t.Fatal(err)
			}
			e.indicator(t, "power", "[ipv4-addr:value = '203.0.113.77']") // its records involve Water Co's space
			e.indicator(t, "power", "[ipv4-addr:value = '203.0.113.78']") // its records involve no member's space

			var mu sync.Mutex
			handled := map[uint64]int{} // stream sequence → deliveries handed to Handle
			// worker starts a matcher on its own NATS connection; stage is
			// its test hook (nil: none). It returns the connection, which
			// closing kills the worker as far as the bus can tell.
			worker := func(wctx context.Context, stage func(context.Context, string) error) *bus.Bus {
				b, err := bus.Open(ctx, bus.Options{URL: srv.ClientURL(), AckWait: ackWait})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(b.Close)
				w := &telemetry.Worker{Service: e.svc, Bus: b}
				if err := w.Prepare(ctx); err != nil {
					t.Fatal(err)
				}
				if stage != nil {
					telemetry.SetStage(w, stage)
				}
				go b.Consume(wctx, telemetry.Stream, telemetry.Matchers, func(ctx context.Context, data []byte) error {
					if d, ok := bus.DeliveryOf(ctx); ok {
						mu.Lock()
						handled[d.Sequence]++
						mu.Unlock()
					}
					return w.Handle(ctx, data)
				})
				return b
			}
			ports := 0
			// batch publishes 40 records: 20 of near's address (to Water
			// Co's space) and 20 of far's, each record distinct.
			batch := func() {
				var recs []flow.Record
				for i := range 20 {
					ports++
					recs = append(recs, rec("203.0.113.77", "192.0.2.20", 443, uint16(10000+ports), e.now.Add(time.Duration(i)*time.Second)))
					recs = append(recs, rec("192.0.2.200", "203.0.113.78", uint16(20000+ports), 443, e.now.Add(time.Duration(i)*time.Second)))
				}
				if res, err := p.Ingest(ctx, "power-border", recs); err != nil || res.Kept != len(recs) {
					t.Fatalf("ingest: %+v %v", res, err)
				}
			}
			drained := func() {
				t.Helper()
				if !testwait.Until(60*time.Second, func() bool {
					done, err := srv.CaughtUp(ctx, telemetry.Stream, telemetry.Matchers)
					return err == nil && done
				}) {
					t.Fatal("the stream was not drained")
				}
			}
			errDied := errors.New("worker died")
			rounds := 0
			for _, stage := range []string{"matched", "stored", "sighted", "alerted"} {
				rounds++
				dctx, dcancel := context.WithCancel(ctx)
				died := make(chan struct{})
				var once sync.Once
				var conn *bus.Bus
				conn = worker(dctx, func(_ context.Context, at string) error {
					if at != stage {
						return nil
					}
					once.Do(func() {
						conn.Close() // no acknowledgement will ever come from this worker
						close(died)
					})
					return errDied
				})
				batch()
				select {
				case <-died:
				case <-ctx.Done():
					t.Fatalf("the worker never reached stage %s", stage)
				}
				dcancel()
				rctx, rcancel := context.WithCancel(ctx)
				worker(rctx, nil) // takes the batch over once the acknowledgement wait has run out
				drained()
				rcancel()
			}
			// A batch that outlasts several acknowledgement waits, with an
			// idle second worker: progress is signalled, nothing is handed out again.
			rounds++
			lctx, lcancel := context.WithCancel(ctx)
			worker(lctx, func(_ context.Context, at string) error {
				if at == "stored" {
					select {
					case <-time.After(5 * ackWait): // a long batch
					case <-lctx.Done():
					}
				}
				return nil
			})
			batch()
			if !testwait.Until(30*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(handled) == rounds }) {
				t.Fatal("the long batch was never taken")
			}
			worker(lctx, nil)
			drained()
			lcancel()

			f := e.effects(t)
			want := effects{records: int64(40 * rounds), matched: int64(40 * rounds), sightings: int64(2 * rounds), sightingIDs: int64(2 * rounds),
				sightCount: int64(40 * rounds), flowAlerts: int64(rounds), sightingAlerts: int64(2 * rounds)}
			mu.Lock()
			deliveries := 0
			for _, n := range handled {
				deliveries += n
			}
			longBatch := handled[uint64(rounds)]
			mu.Unlock()
			t.Logf("%d batches handed to Handle %d times; effects %+v, want %+v", rounds, deliveries, f, want)
			if f != want {
				t.Errorf("effects %+v, want %+v (duplicates: records %d, sightings %d, flow alerts %d, sighting alerts %d)", f, want,
					f.records-want.records, f.sightings-want.sightings, f.flowAlerts-want.flowAlerts, f.sightingAlerts-want.sightingAlerts)
			}
			if deliveries < 2*(rounds-1) {
				t.Errorf("%d deliveries: the killed workers' batches were not all handed out again", deliveries)
			}
			if longBatch != 1 {
				t.Errorf("the long batch was handed out %d times, want once (in-progress acknowledgements)", longBatch)
			}
		})
	}
}
