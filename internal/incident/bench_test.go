package incident_test

import (
	"context"
	"testing"
	"time"
)

// BenchmarkFileReport files new incidents (initial report, four deadlines)
// into SQLite, one transaction each, and reports reports/s.
func BenchmarkFileReport(b *testing.B) {
	e := newEnvB(b)
	ctx := context.Background()
	f := ransomware()
	f.Indicators = nil
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, err := e.s.File(ctx, e.water, f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "reports/s")
}
