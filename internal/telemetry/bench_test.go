package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"renkei/internal/flow"
	"renkei/internal/hub"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
)

// BenchmarkPipelineEndToEnd measures records/s end to end on one node with
// the embedded defaults (SQLite, the embedded NATS): a collector passes
// records through Ingest (selection, direction, the stream) while matcher
// workers of the same process handle the stream, until the stream has every
// batch acknowledged. 1,000 indicators. match=1% has one record in a hundred
// come from an indicator's address, into Water Co's address space half of the
// time, so that it is stored and gives a sighting and alerts; match=0% has
// none, which measures selection, the stream and matching alone. workers=1
// and workers=2 run one and two matchers. Compare records/s between the
// sub-benchmarks of one run (docs/performance.md).
func BenchmarkPipelineEndToEnd(b *testing.B) {
	for _, match := range []int{0, 1} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("match=%d%%/workers=%d", match, workers), func(b *testing.B) {
				benchPipeline(b, match, workers)
			})
		}
	}
}

func benchPipeline(b *testing.B, matchPercent, workers int) {
	e := setup(b, "sqlite")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const indicators = 1000
	var objs []any
	for i := range indicators {
		objs = append(objs, map[string]any{"type": "indicator", "spec_version": "2.1", "id": fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i),
			"created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "pattern": fmt.Sprintf("[ipv4-addr:value = '100.64.%d.%d']", i/250, i%250),
			"pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": []string{"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"}})
	}
	body, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000002", "objects": objs})
	col, _ := e.h.DB.Collection(ctx, hub.MembersCollection)
	if st, err := e.h.Submit(ctx, e.callers["center"], col, bytes.NewReader(body)); err != nil || st.Success != indicators {
		b.Fatalf("indicators: %+v %v", st, err)
	}
	var done []chan error
	for range workers {
		w := &telemetry.Worker{Service: e.svc, Bus: e.p.Bus}
		if err := w.Prepare(ctx); err != nil {
			b.Fatal(err)
		}
		ch := make(chan error, 1)
		go func() { ch <- w.Run(ctx) }()
		done = append(done, ch)
	}
	const n, chunk = 200_000, 10_000
	at := *e.now
	recs := make([]flow.Record, n)
	var cpu time.Duration // this process's CPU time while timed
	b.ResetTimer()
	for it := range b.N {
		b.StopTimer()
		for i := range recs {
			src := netip.AddrFrom4([4]byte{203, 0, byte(i >> 8), byte(i)})
			if matchPercent > 0 && i%(100/matchPercent) == 0 {
				k := i / (100 / matchPercent) * 7919 % indicators // the indicators in a scattered order
				src = netip.AddrFrom4([4]byte{100, 64, byte(k / 250), byte(k % 250)})
			}
			start := at.Add(time.Duration(it)*time.Hour + time.Duration(i)*time.Microsecond)
			recs[i] = flow.Record{SrcAddr: src, DstAddr: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), SrcPort: 443, DstPort: uint16(i), Proto: 6,
				Bytes: 100, Packets: 1, Start: start, End: start.Add(time.Second)}
		}
		b.StartTimer()
		cpu0 := cpuTime()
		for i := 0; i < n; i += chunk {
			if _, err := e.p.Ingest(ctx, "power-border", recs[i:i+chunk]); err != nil {
				b.Fatal(err)
			}
		}
		for {
			ok, err := e.p.Bus.CaughtUp(ctx, telemetry.Stream, telemetry.Matchers)
			if err != nil {
				b.Fatal(err)
			}
			if ok {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		cpu += cpuTime() - cpu0
	}
	b.StopTimer()
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	// On a shared machine the wall clock measures the machine's load as
	// much as the pipeline; records per second of this process's CPU time
	// (collector, stream, workers and store together) much less so.
	b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "records/cpu-s")
	cancel()
	for _, ch := range done {
		<-ch
	}
}

// BenchmarkGateAdmit measures what the gate's register check costs a
// collector: datagrams of a registered exporter admitted per second, from
// 1 and from 8 senders at once, each checked against a register version
// read after it arrived (one version query in flight per gate). Compare
// with the cost of decoding a datagram (BenchmarkPipelineEndToEnd).
func BenchmarkGateAdmit(b *testing.B) {
	for _, kind := range storetest.Kinds(b) {
		for _, senders := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/senders=%d", kind, senders), func(b *testing.B) {
				e := setup(b, kind)
				ctx := context.Background()
				ex, err := telemetry.ParseExporter("127.0.0.2")
				if err != nil {
					b.Fatal(err)
				}
				if err := telemetry.AddExporter(ctx, e.h.DB, "power-border", ex); err != nil {
					b.Fatal(err)
				}
				gate, err := e.p.NewGate(ctx, "power-border")
				if err != nil {
					b.Fatal(err)
				}
				d := v5(netip.MustParseAddr("203.0.113.66"), netip.MustParseAddr("192.0.2.20"), *e.now)
				from := netip.MustParseAddrPort("127.0.0.2:2055")
				b.SetParallelism(senders)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if !gate.Admit(from, d) {
							b.Error("a registered exporter's datagram was dropped")
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "datagrams/s")
			})
		}
	}
}

// cpuTime is this process's CPU time so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
