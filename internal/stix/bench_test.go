package stix

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"renkei/internal/corpora"
)

func BenchmarkParseIndicator(b *testing.B) {
	data := []byte(indicatorJSON)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "objects/s")
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
}
