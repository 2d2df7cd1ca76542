package hub

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"renkei/internal/exportgate"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// BenchmarkServedIndicatorHits measures what one served indicator of a
// TAXII page costs for its warninglist hits: its pattern compiled as
// exports compile it, each value checked against every enabled list (the
// built-in ones), and the hits written into Renkei's extension, on brief
// rows (the raw object and its pattern) as TAXII pages read them. One op is one
// object; ns/op is wall time, cpu-ns/op the checking thread's CPU time
// (the figure to compare on a loaded machine).
//
//   - off: no warninglists (the page without hits, for the difference);
//   - none: indicators none of whose values is listed;
//   - hits: indicators whose every value is listed (a public resolver or a
//     documentation address), so that every object gets the extension.
//
// "first" serves each pattern once (the hits are computed); "again" serves
// a page of 1,000 patterns over and over, as members poll (the hits are
// remembered per pattern while the lists do not change).
func BenchmarkServedIndicatorHits(b *testing.B) {
	svc := &exportgate.Service{DB: storetest.Open(b, "sqlite"), Now: time.Now}
	on := &Hub{WarninglistHits: svc.ObjectHitsJSON}
	for _, c := range []struct {
		name string
		h    *Hub
		hits bool
	}{{"off", &Hub{}, false}, {"none", on, false}, {"hits", on, true}} {
		for _, again := range []bool{false, true} {
			name := c.name + "/first"
			if again {
				name = c.name + "/again"
			}
			b.Run(name, func(b *testing.B) {
				n := b.N
				if again {
					n = min(n, 1000)
				}
				page := servedPage(n, c.hits, time.Now().UnixNano())
				if again { // the first pass remembers the page's patterns
					for _, o := range page {
						c.h.annotate(o, o.Raw)
					}
				}
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := threadCPU()
				for i := 0; i < b.N; i++ {
					o := page[i%len(page)]
					c.h.annotate(o, o.Raw)
				}
				b.ReportMetric(float64(threadCPU()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// servedPage makes n indicators as a TAXII page reads them, each with a
// pattern of its own (salt keeps patterns apart between runs): two values
// in no list, or a public resolver and a documentation address.
func servedPage(n int, hits bool, salt int64) []store.Object {
	page := make([]store.Object, n)
	for i := range page {
		id := fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i)
		pattern := fmt.Sprintf("[domain-name:value = 'c2-%d-%d.evil.example-corp.jp' OR ipv4-addr:value = '45.%d.%d.7']", salt, i, i%256, (i/256)%256)
		if hits {
			pattern = fmt.Sprintf("[ipv4-addr:value = '8.8.8.8' OR ipv4-addr:value = '192.0.2.%d' OR domain-name:value = 'c2-%d-%d.example.com']", i%256, salt, i)
		}
		raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":%q,"pattern_type":"stix","valid_from":"2026-01-01T00:00:00.000Z"}`, id, pattern)
		page[i] = store.Object{ID: id, Pattern: pattern, Raw: []byte(raw)}
	}
	return page
}

// threadCPU returns the CPU time of the calling OS thread.
func threadCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
