package telemetry

import (
	"context"
	"sort"
	"sync"
	"time"

	"renkei/internal/flow"
	"renkei/internal/metrics"
)

// collectors are the UDP collectors feeding this process's sources, for
// /metrics (Pipeline.Watch).
type collectors struct {
	mu  sync.Mutex
	all map[string][]*flow.Collector // by source
}

// Collecting notes that col feeds source, so that /metrics shows the
// datagrams it receives and drops.
func (p *Pipeline) Collecting(source string, col *flow.Collector) {
	p.cols.mu.Lock()
	defer p.cols.mu.Unlock()
	if p.cols.all == nil {
		p.cols.all = map[string][]*flow.Collector{}
	}
	p.cols.all[source] = append(p.cols.all[source], col)
}

// Watch exports, read at each scrape, the datagrams each source's
// collectors received and dropped, and the pipeline's lag: the selected
// records on the bus that no matcher has handled yet.
func (p *Pipeline) Watch(m *metrics.Set) {
	m.WatchCounts("renkei_collector_datagrams_total",
		"Export datagrams this process's collectors read, by source and outcome: received (every datagram read), dropped:unregistered (its sender is not a registered exporter), dropped:malformed (a decoder rejected it in whole or in part), dropped:kernel (the kernel discarded it because the socket buffer was full; never read, so not in received; Linux).",
		[]string{"source", "outcome"}, func(emit func(float64, ...string)) {
			p.cols.mu.Lock()
			defer p.cols.mu.Unlock()
			sources := make([]string, 0, len(p.cols.all))
			for s := range p.cols.all {
				sources = append(sources, s)
			}
			sort.Strings(sources)
			for _, s := range sources {
				var got, malformed, refused, kernel uint64
				for _, c := range p.cols.all[s] {
					d, _, bad := c.Counts()
					got, malformed, refused, kernel = got+d, malformed+bad, refused+c.RefusedCount(), kernel+c.Dropped()
				}
				emit(float64(got), s, "received")
				emit(float64(refused), s, "dropped:unregistered")
				emit(float64(malformed), s, "dropped:malformed")
				emit(float64(kernel), s, "dropped:kernel")
			}
		})
	m.Watch("renkei_telemetry_spooled_records",
		"Selected records this process holds in its spool because the stream did not take them (its leader down, NATS out of reach): published again, oldest first, once it does.",
		nil, func(emit func(float64, ...string)) {
			if p.Spool != nil {
				_, n := p.Spool.Len()
				emit(float64(n))
			}
		})
	m.Watch("renkei_telemetry_pipeline_pending",
		"Selected records' batches on the bus that the matchers have not handled yet (waiting or unacknowledged): the pipeline's lag.",
		nil, func(emit func(float64, ...string)) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if n, err := p.Bus.Pending(ctx, Stream, Matchers); err == nil {
				emit(float64(n))
			}
		})
}

// CountKernelDrops adds, every every until ctx is done and once more when
// it is, the datagrams the kernel discarded for col since the last report
// to source's figures ("dropped:kernel", beside the other drops), so that
// a running collector's losses show while it runs, not only when it stops.
// It returns when ctx is done and the last report is made.
func (p *Pipeline) CountKernelDrops(ctx context.Context, source string, col *flow.Collector, every time.Duration) {
	var reported uint64
	report := func(ctx context.Context) {
		n := col.Dropped()
		if n <= reported {
			return
		}
		if err := AddCounts(ctx, p.Service.DB, source, Counts{"dropped:kernel": int64(n - reported)}); err == nil {
			reported = n
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			report(ctx)
		case <-ctx.Done():
			last, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			report(last)
			cancel()
			return
		}
	}
}
