package sweep

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"renkei/internal/match"
)

// BenchmarkSweepJSONL sweeps proxy-style JSON lines (9 fields, 7 strings)
// against 200k indicators (IPv4, /24 CIDRs, domains) on all cores, parsing
// included; it reports lines/s and MB/s.
func BenchmarkSweepJSONL(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	bl := match.NewBuilder()
	ind := match.Indicator{ID: "list:bench"}
	ip := func() string {
		return fmt.Sprintf("%d.%d.%d.%d", 11+r.IntN(200), r.IntN(256), r.IntN(256), r.IntN(256))
	}
	dom := func() string { return fmt.Sprintf("d%x.example", r.Uint32()) }
	var doms []string
	for i := range 200_000 {
		switch i % 10 {
		case 0:
			bl.AddValue(fmt.Sprintf("%d.%d.%d.0/24", 11+r.IntN(200), r.IntN(256), r.IntN(256)), ind)
		case 1, 2:
			d := dom()
			doms = append(doms, d)
			bl.AddValue(d, ind)
		default:
			bl.AddValue(ip(), ind)
		}
	}
	set := bl.Build()
	var sb strings.Builder
	const lines = 200_000
	for i := range lines {
		host := "www." + dom()
		if i%100 == 0 {
			host = "a." + doms[r.IntN(len(doms))]
		}
		fmt.Fprintf(&sb, `{"ts":"2026-11-01T00:00:%02d.%03dZ","src":"10.0.%d.%d","dst":"%s","dst_port":443,"method":"GET","host":"%s","url":"https://%s/api/v1/items/%d","bytes":%d,"ua":"Mozilla/5.0 (X11; Linux x86_64)"}`+"\n",
			i%60, i%1000, r.IntN(256), r.IntN(256), ip(), host, host, r.IntN(100000), r.IntN(1<<20))
	}
	data := sb.String()
	sw := &Sweeper{Set: set}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	matches := 0
	cpu0 := processCPU()
	for b.Loop() {
		st, err := sw.File(context.Background(), "bench.jsonl", strings.NewReader(data), func(*Match) { matches++ })
		if err != nil || st.Records != lines {
			b.Fatal(err, st.Records)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(lines)*float64(b.N)/(processCPU()-cpu0).Seconds(), "lines/cpu-s")
	if matches == 0 {
		b.Fatal("no matches")
	}
}

// processCPU returns the CPU time of the whole process (all threads), so
// lines/cpu-s is the rate per core however busy the machine is.
func processCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
