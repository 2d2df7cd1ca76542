package pattern

import "testing"

// BenchmarkParse measures parsing the spec examples (one op = one pattern).
func BenchmarkParse(b *testing.B) {
	total := 0
	for _, s := range specExamples {
		total += len(s)
	}
	b.SetBytes(int64(total / len(specExamples)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Parse(specExamples[i%len(specExamples)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkParseIPIndicator measures the most common indicator shape, one
// address comparison, as ingest of large feeds sees it.
func BenchmarkParseIPIndicator(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("[ipv4-addr:value = '198.51.100.0/24']"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkString measures printing the canonical text.
func BenchmarkString(b *testing.B) {
	ps := make([]*Pattern, len(specExamples))
	for i, s := range specExamples {
		ps[i] = MustParse(s)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = ps[i%len(ps)].String()
		i++
	}
}
