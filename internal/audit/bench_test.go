package audit

import (
	"context"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// BenchmarkAppendParallel measures durable appends with 64 concurrent
// appenders (the target is >= 5,000/s). Run:
//
//	go test -run '^$' -bench AppendParallel -benchtime 20000x ./internal/audit/
func BenchmarkAppendParallel(b *testing.B) {
	dir := b.TempDir()
	l := openTestLog(b, dir, benchOptions)
	defer l.Close()
	ctx := context.Background()
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	var i atomic.Int64
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.Append(ctx, sampleEntry(int(i.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
}

// BenchmarkAppendLatency reports p50/p99 of one durable append under 64
// concurrent appenders (the latency a logged read pays before release).
func BenchmarkAppendLatency(b *testing.B) {
	l := openTestLog(b, b.TempDir(), benchOptions)
	defer l.Close()
	b.ResetTimer()
	st, err := MeasureAppends(context.Background(), l, 64, max(b.N, 64))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(st.P99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(st.PerSecond, "appends/s")
}

// BenchmarkVerify measures verifying a log from scratch; the size is b.N
// entries, e.g. -benchtime 1000000x for the 1M figure.
func BenchmarkVerify(b *testing.B) {
	dir := b.TempDir()
	l := openTestLog(b, dir, func(o *Options) { o.BatchMaxSize = 4096 })
	if _, err := MeasureAppends(context.Background(), l, 4096, b.N); err != nil {
		b.Fatal(err)
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	v, err := NewVerifier(l.VerifierKey())
	if err != nil {
		b.Fatal(err)
	}
	f, _ := NewFetcher(filepath.Join(dir, "audit"), nil)
	b.ResetTimer()
	rep, err := Verify(context.Background(), f, VerifyOptions{Verifiers: []note.Verifier{v}})
	if err != nil || !rep.OK() {
		b.Fatal(err, rep.FirstBad())
	}
	b.ReportMetric(rep.Duration.Seconds(), "verify-s")
	b.ReportMetric(float64(rep.Entries), "entries")
}

// benchOptions are the production defaults (openTestLog publishes
// checkpoints every 100ms to keep tests short).
func benchOptions(o *Options) { o.CheckpointInterval = 0 }
