package match

import (
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// flowRecord stands for a decoded flow (internal/flow.Record has the same two
// address fields); the benchmark measures the matching stage only.
type flowRecord struct{ src, dst netip.Addr }

func randAddr4(r *rand.Rand) netip.Addr {
	v := r.Uint32()
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// buildIPSet compiles n random IPv4 indicators plus a few thousand CIDRs and
// returns the set, the indicators and the heap bytes the set holds.
func buildIPSet(tb testing.TB, n int) (*Set, []netip.Addr, float64) {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	addrs := make([]netip.Addr, n) // allocated before the measurement starts
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b := NewBuilder()
	ind := Indicator{ID: "list:bench"}
	for i := range addrs {
		addrs[i] = randAddr4(r)
		b.AddPrefix(netip.PrefixFrom(addrs[i], 32), ind)
	}
	s := b.Build()
	b = nil
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perInd := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
	return s, addrs, perInd
}

// flows makes records whose addresses are random (almost all misses, the
// expensive case: every lookup probes the table) with hitRate of them carrying
// an indicator as destination.
func flows(addrs []netip.Addr, n int, hitRate float64) []flowRecord {
	r := rand.New(rand.NewPCG(2, 3))
	out := make([]flowRecord, n)
	for i := range out {
		out[i] = flowRecord{randAddr4(r), randAddr4(r)}
		if r.Float64() < hitRate {
			out[i].dst = addrs[r.IntN(len(addrs))]
		}
	}
	return out
}

func benchmarkMatchFlows(b *testing.B, n int, single bool) {
	s, addrs, perInd := buildIPSet(b, n)
	recs := flows(addrs, 1<<20, 0.01)
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	hits := 0
	fn := func(Hit) { hits++ }
	// The machine is shared: besides wall time, measure this thread's CPU
	// time, which gives records per second of one core however busy the
	// other cores are.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU()
	b.ResetTimer()
	start := time.Now()
	done := 0
	// The matching stage takes records in batches (as they come off the
	// stream): source and destination of 32 records per MatchAddrs call.
	var batch [64]netip.Addr
	bfn := func(i int, h Hit) { hits++ }
	for b.Loop() {
		if single {
			for i := range recs {
				s.MatchAddr(recs[i].src, at, fn)
				s.MatchAddr(recs[i].dst, at, fn)
			}
		} else {
			for i := 0; i < len(recs); i += 32 {
				for j := range 32 {
					batch[2*j], batch[2*j+1] = recs[i+j].src, recs[i+j].dst
				}
				s.MatchAddrs(batch[:], at, bfn)
			}
		}
		done += len(recs)
	}
	el := time.Since(start)
	cpu := threadCPU() - cpu0
	b.ReportMetric(float64(done)/el.Seconds(), "records/s")
	b.ReportMetric(float64(done)/cpu.Seconds(), "records/cpu-s")
	b.ReportMetric(perInd, "bytes/indicator")
	b.ReportMetric(float64(el.Nanoseconds())/float64(done), "ns/record")
	if hits == 0 {
		b.Fatal("no hits")
	}
}

// BenchmarkMatchFlows1M: source and destination lookups per flow record against
// 1M IPv4 indicators, on one goroutine (records/s is per core).
func BenchmarkMatchFlows1M(b *testing.B) { benchmarkMatchFlows(b, 1_000_000, false) }

// BenchmarkMatchFlows1MSingle is BenchmarkMatchFlows1M with one MatchAddr
// call per address instead of batches.
func BenchmarkMatchFlows1MSingle(b *testing.B) { benchmarkMatchFlows(b, 1_000_000, true) }

// BenchmarkMatchFlows10M is the same against 10M indicators.
func BenchmarkMatchFlows10M(b *testing.B) { benchmarkMatchFlows(b, 10_000_000, false) }

// BenchmarkMatchFlows10MSingle is BenchmarkMatchFlows10M without batches.
func BenchmarkMatchFlows10MSingle(b *testing.B) { benchmarkMatchFlows(b, 10_000_000, true) }

// threadCPU returns the CPU time of the calling OS thread.
func threadCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkClassify(b *testing.B) {
	inputs := []string{"192.0.2.1", "evil.example.com", "http://x.example/a", "GET", "2024-01-01T00:00:00Z",
		"d41d8cd98f00b204e9800998ecf8427e", "user@example.org", "Mozilla/5.0 (X11; Linux x86_64)", "443", "2001:db8::1"}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for _, v := range inputs {
			n += int(Classify(v))
		}
	}
	b.ReportMetric(float64(b.N*len(inputs))/b.Elapsed().Seconds(), "values/s")
}

func TestMemoryPerIndicator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 1M indicators")
	}
	s, addrs, per := buildIPSet(t, 1_000_000)
	if per > 40 {
		t.Errorf("%.1f bytes per IP indicator, want <= 40", per)
	}
	for _, a := range addrs[:1000] {
		if s.MatchAddr(a, time.Time{}, func(Hit) {}) == 0 {
			t.Fatalf("%v not found", a)
		}
	}
	t.Logf("%.1f bytes per IP indicator at 1M", per)
}

func TestMemoryPerIPv6Indicator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 500k indicators")
	}
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([][16]byte, 500_000)
	for i := range keys {
		for j := range keys[i] {
			keys[i][j] = byte(r.Uint32())
		}
	}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b := NewBuilder()
	for _, k := range keys {
		b.AddPrefix(netip.PrefixFrom(netip.AddrFrom16(k), 128), Indicator{ID: "list:v6"})
	}
	s := b.Build()
	b = nil
	runtime.GC()
	runtime.ReadMemStats(&m1)
	per := float64(m1.HeapAlloc-m0.HeapAlloc) / float64(len(keys))
	if per > 40 {
		t.Errorf("%.1f bytes per IPv6 indicator, want <= 40", per)
	}
	for _, k := range keys[:1000] {
		if s.MatchAddr(netip.AddrFrom16(k), time.Time{}, func(Hit) {}) != 1 {
			t.Fatalf("%x not found", k)
		}
	}
	t.Logf("%.1f bytes per IPv6 indicator at 500k", per)
}
