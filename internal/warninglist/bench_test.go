package warninglist

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"renkei/internal/match"
)

// BenchmarkCheckCorpus measures one Check with the built-in lists and every
// MISP list of the corpus loaded, over a mix of addresses, prefixes, domains,
// URLs, e-mail addresses and hashes, most of them in no list (as most
// export lines are). The target is ≤ 1 µs per value. ns/op is wall time and
// grows with the machine's load; cpu-ns/op is the CPU time of the thread
// that checks, which does not, and is the figure to compare.
func BenchmarkCheckCorpus(b *testing.B) {
	m := New(append(Builtin(), corpusLists(b)...))
	type kv struct {
		k match.Kind
		v string
	}
	var vals []kv
	for i := range 256 {
		vals = append(vals,
			kv{match.IP, fmt.Sprintf("45.%d.%d.7", i, 255-i)},
			kv{match.IP, fmt.Sprintf("2a01:4f8:%x::1", i)},
			kv{match.CIDR, fmt.Sprintf("45.%d.0.0/16", i)},
			kv{match.Domain, fmt.Sprintf("host%d.evil-%d.example-corp.jp", i, i)},
			kv{match.Domain, fmt.Sprintf("www.site%d.com", i)},
			kv{match.URL, fmt.Sprintf("http://evil%d.xyz/gate.php?id=%d", i, i)},
			kv{match.Email, fmt.Sprintf("user%d@mail%d.example.jp", i, i)},
			kv{match.SHA256, fmt.Sprintf("%064x", i*7919)},
		)
	}
	vals = append(vals, kv{match.IP, "8.8.8.8"}, kv{match.Domain, "google.com"}, kv{match.Domain, "xn--ggle-55da.com"})
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := threadCPU()
	for i := 0; i < b.N; i++ {
		v := vals[i%len(vals)]
		m.Check(v.k, v.v)
	}
	b.ReportMetric(float64(threadCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// threadCPU returns the CPU time of the calling OS thread.
func threadCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
