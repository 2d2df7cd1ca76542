package telemetry_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"renkei/internal/bus"
	"renkei/internal/bus/bustest"
	"renkei/internal/flow"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
	"renkei/internal/testwait"
)

// TestStreamLeaderLossLosesNoKeptRecord feeds a source on a real three-node
// JetStream cluster (in-process servers on loopback) and stops the server
// leading the stream mid-feed. The stream has three replicas (the default on
// a cluster); batches the stream does not take while it elects a new leader
// wait in the collector's spool and are published again. Every record fed
// is on the stream in the end: counted kept once, stored once by a matcher,
// none lost, none refused. Then, with the cluster gone and no room in the
// spool, a batch is refused for good and counted as such — in the source's
// figures and in /metrics — never as kept.
//
// It runs alone, one store after the other: a three-server cluster losing its
// leader while other tests share the two cores (and the race detector) could
// not drain the stream within the minute the test allows.
func TestStreamLeaderLossLosesNoKeptRecord(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			e := setup(t, kind)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cluster := bustest.StartCluster(t, 3)
			b, err := bus.Open(ctx, bus.Options{URL: cluster.URL()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(b.Close)
			if b.Replicas() != 3 {
				t.Fatalf("streams on a cluster of three get %d replicas, want 3", b.Replicas())
			}
			reg := prometheus.NewRegistry()
			p, err := telemetry.NewPipeline(ctx, e.svc, b, telemetry.NewMetrics(reg))
			if err != nil {
				t.Fatal(err)
			}
			if p.Spool, err = bus.OpenSpool(t.TempDir(), telemetry.SpoolMax); err != nil {
				t.Fatal(err)
			}
			sctx, stopSpool := context.WithCancel(ctx)
			spoolDone := make(chan struct{})
			go func() { p.RunSpool(sctx, 50*time.Millisecond); close(spoolDone) }()
			e.indicator(t, "power", "[ipv4-addr:value = '203.0.113.77']")

			const batches, perBatch = 40, 50
			port, kept, spooled := 0, 0, 0
			leader := -1
			for i := range batches {
				if i == batches/4 {
					if leader = cluster.StreamLeader(telemetry.Stream); leader < 0 {
						t.Fatal("the stream has no leader")
					}
					cluster.Stop(leader)
				}
				var recs []flow.Record
				for range perBatch {
					port++
					recs = append(recs, rec("203.0.113.77", "192.0.2.20", 443, uint16(port), e.now.Add(time.Duration(port)*time.Millisecond)))
				}
				res, err := p.Ingest(ctx, "power-border", recs)
				if err != nil {
					t.Fatalf("ingest: %v", err)
				}
				kept, spooled = kept+res.Kept, spooled+res.Spooled
			}
			t.Logf("%s: leader n%d stopped after %d batches; %d records taken at once, %d spooled", kind, leader+1, batches/4, kept, spooled)
			testwait.For(t, 60*time.Second, "the spool to be published", func() bool { return !p.Spool.Waiting() })

			w, err := bus.Open(ctx, bus.Options{URL: cluster.URL()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(w.Close)
			worker := &telemetry.Worker{Service: e.svc, Bus: w}
			if err := worker.Prepare(ctx); err != nil {
				t.Fatal(err)
			}
			wctx, wcancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- worker.Run(wctx) }()
			testwait.For(t, 60*time.Second, "the matcher to drain the stream", func() bool {
				ok, err := w.CaughtUp(ctx, telemetry.Stream, telemetry.Matchers)
				return err == nil && ok
			})
			wcancel()
			<-done

			const fed = batches * perBatch
			var stored int64
			if err := e.h.DB.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM telemetry_records").Scan(&stored); err != nil {
				t.Fatal(err)
			}
			counts, err := telemetry.GetCounts(ctx, e.h.DB, "power-border")
			if err != nil {
				t.Fatal(err)
			}
			if stored != fed || counts["kept"] != fed || counts[telemetry.ReasonStreamUnavailable] != 0 || counts[telemetry.ReasonStreamRefused] != 0 {
				t.Fatalf("fed %d records: %d stored by the matcher, counts %v (want all kept and stored, none refused)", fed, stored, counts)
			}

			// The stream out of reach and the spool full: refused for good, counted.
			stopSpool()
			<-spoolDone
			for i := range cluster.Servers {
				cluster.Stop(i)
			}
			if p.Spool, err = bus.OpenSpool(t.TempDir(), 1); err != nil {
				t.Fatal(err)
			}
			res, err := p.Ingest(ctx, "power-border", []flow.Record{rec("203.0.113.77", "192.0.2.20", 443, 1, *e.now), rec("203.0.113.77", "192.0.2.20", 443, 2, *e.now)})
			if err != nil || res.Kept != 0 || res.Spooled != 0 || res.Counts[telemetry.ReasonStreamUnavailable] != 2 {
				t.Fatalf("a batch neither taken nor spooled: %+v %v (want 2 refused:stream-unavailable)", res, err)
			}
			counts, err = telemetry.GetCounts(ctx, e.h.DB, "power-border")
			if err != nil {
				t.Fatal(err)
			}
			if counts["kept"] != fed || counts[telemetry.ReasonStreamUnavailable] != 2 {
				t.Fatalf("the source's figures after the refusal: %v", counts)
			}
			if got := counterValue(t, p.Metrics.Records.WithLabelValues("power-border", telemetry.ReasonStreamUnavailable)); got != 2 {
				t.Fatalf("/metrics counts %v records refused by the stream, want 2", got)
			}
			if got := counterValue(t, p.Metrics.Records.WithLabelValues("power-border", "kept")); got != fed {
				t.Fatalf("/metrics counts %v records kept, want %d", got, fed)
			}
		})
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
