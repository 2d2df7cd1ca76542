package stix

import (
	"bytes"
	"errors"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"renkei/internal/corpora"
)

func BenchmarkParseIndicator(b *testing.B) {
	data := []byte(indicatorJSON)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	n := 0
	for b.Loop() {
		if _, err := Parse(data, Options{}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "objects/cpu-s")
}

// BenchmarkBundleReaderIndicators streams a generated bundle of b.N indicators
// (≈490 bytes each, the shape of a bulk indicator feed) through BundleReader and Parse.
func BenchmarkBundleReaderIndicators(b *testing.B) {
	b.ReportAllocs()
	src := &bundleSource{n: b.N}
	br := NewBundleReader(src, 1<<20)
	cpu0 := cpuTime()
	b.ResetTimer()
	n := 0
	for {
		raw, _, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Parse(raw, Options{}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.StopTimer()
	if n != b.N {
		b.Fatalf("read %d of %d", n, b.N)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "objects/cpu-s")
}

// BenchmarkBundleReaderICS frames and parses the ATT&CK for ICS bundle (1,826 objects)
// from memory: the end-to-end cost of the stix package per ingested object.
func BenchmarkBundleReaderICS(b *testing.B) {
	data, err := os.ReadFile(corpora.Path(b, "mitre-attack-stix/ics-attack/ics-attack.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	objects := 0
	cpu0 := cpuTime()
	for b.Loop() {
		br := NewBundleReader(bytes.NewReader(data), 1<<20)
		for {
			raw, _, err := br.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			Parse(raw, Options{})
			objects++
		}
	}
	b.ReportMetric(float64(objects)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(objects)/(cpuTime()-cpu0).Seconds(), "objects/cpu-s")
}

// cpuTime is the process's user+system CPU time. On a shared machine wall-clock
// rates mostly measure the neighbours; objects per CPU-second measure this code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
