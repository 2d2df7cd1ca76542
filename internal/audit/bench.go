package audit

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// AppendStats are figures from MeasureAppends.
type AppendStats struct {
	Appends       int
	Appenders     int
	Elapsed       time.Duration
	PerSecond     float64
	P50, P99, Max time.Duration // latency of one durable Append
}

func (s AppendStats) String() string {
	return fmt.Sprintf("%d durable appends by %d appenders in %v: %.0f appends/s; latency p50 %v, p99 %v, max %v",
		s.Appends, s.Appenders, s.Elapsed.Round(time.Millisecond), s.PerSecond,
		s.P50.Round(10*time.Microsecond), s.P99.Round(10*time.Microsecond), s.Max.Round(10*time.Microsecond))
}

// MeasureAppends appends n synthetic entries to l from the given number of
// concurrent appenders, each waiting for durability like a request handler
// would, and reports throughput and latency. It is used by "renkei audit
// bench" and by the benchmarks; the entries are clearly marked as synthetic.
func MeasureAppends(ctx context.Context, l *Log, appenders, n int) (AppendStats, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range appenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				e := Entry{User: "bench", Org: "bench", Role: "analyst", Action: "bench.synthetic",
					Purpose: "benchmark", ObjectID: fmt.Sprintf("bench--%d", i),
					ObjectHash: HashObject([]byte("bench"), []byte(fmt.Sprint(i))), RequestID: fmt.Sprintf("bench-%d", i)}
				t0 := time.Now()
				if _, err := l.Append(ctx, e); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	if firstErr != nil {
		return AppendStats{}, firstErr
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	return AppendStats{Appends: n, Appenders: appenders, Elapsed: el, PerSecond: float64(n) / el.Seconds(),
		P50: pct(0.50), P99: pct(0.99), Max: lat[len(lat)-1]}, nil
}
