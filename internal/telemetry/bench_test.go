package telemetry_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"renkei/internal/flow"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
)

// BenchmarkPipelineEndToEnd measures records/s from Ingest through selection,
// the embedded NATS stream and a matcher worker (1,000 indicators; one record
// in a thousand matches).
func BenchmarkPipelineEndToEnd(b *testing.B) {
	e := setup(b, "sqlite")
	ctx := context.Background()
	for i := range 1000 {
		e.indicator(b, "center", fmt.Sprintf("[ipv4-addr:value = '203.0.113.%d'] OR [ipv4-addr:value = '100.64.%d.%d']", i%250, i/250, i%250))
	}
	at := *e.now
	const n = 100_000
	recs := make([]flow.Record, n)
	for i := range recs {
		src := netip.AddrFrom4([4]byte{203, 0, byte(i >> 8), byte(i)})
		if i%1000 == 0 {
			src = netip.AddrFrom4([4]byte{203, 0, 113, byte(i / 1000 % 250)})
		}
		recs[i] = flow.Record{SrcAddr: src, DstAddr: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), SrcPort: 443, DstPort: uint16(i), Proto: 6,
			Bytes: 100, Packets: 1, Start: at, End: at.Add(time.Second)}
	}
	b.ResetTimer()
	for range b.N {
		for i := 0; i < n; i += 5000 {
			if _, err := e.p.Ingest(ctx, "power-border", recs[i:i+5000]); err != nil {
				b.Fatal(err)
			}
		}
		e.drain(b)
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
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
