package hunt

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"renkei/internal/corpora"
	"renkei/internal/sigma"
)

// BenchmarkHuntEVTXAttackSamples runs all SigmaHQ Windows rules over the
// EVTX attack samples end to end (read, parse, flatten, match), on all CPUs.
func BenchmarkHuntEVTXAttackSamples(b *testing.B) {
	e := loadWindowsRules(b)
	inputs, total, _ := ListInputs([]string{corpora.Path(b, "evtx-attack-samples")})
	var evts int64
	b.SetBytes(total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sum, err := e.Run(context.Background(), inputs, RunOptions{}, func(*Match) {})
		if err != nil {
			b.Fatal(err)
		}
		evts = sum.Events
	}
	b.ReportMetric(float64(evts)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func loadWindowsRules(tb testing.TB) *Engine {
	tb.Helper()
	e, err := LoadEngine([]string{corpora.Path(tb, "sigma/rules/windows")}, EngineOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// FlatEvent is an event already read and flattened, so that benchmarks can
// time matching alone.
type FlatEvent struct {
	Names, Values    []string
	Channel, EventID string
}

// collectEvents reads the inputs once and keeps every event's fields.
func collectEvents(tb testing.TB, e *Engine, paths []string) []FlatEvent {
	tb.Helper()
	inputs, _, _ := ListInputs(paths)
	var out []FlatEvent
	e.ReadEvents(context.Background(), inputs, func(m *Meta, names, values []string) {
		out = append(out, FlatEvent{Names: append([]string(nil), names...), Values: append([]string(nil), values...), Channel: m.Channel, EventID: m.EventID})
	})
	return out
}

// BenchmarkMatchAllRulesAttackSamples times matching only (set fields, route,
// prefilter, evaluate) with all SigmaHQ Windows rules against the events of
// the EVTX attack samples, on one core.
func BenchmarkMatchAllRulesAttackSamples(b *testing.B) {
	e := loadWindowsRules(b)
	events := collectEvents(b, e, []string{corpora.Path(b, "evtx-attack-samples")})
	benchMatch(b, e, events)
}

func benchMatch(b *testing.B, e *Engine, events []FlatEvent) {
	ev := sigma.NewEvent(e.rs.Fields)
	m := e.rs.NewMatcher()
	matches := 0
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, fe := range events {
			ev.Reset()
			for j, n := range fe.Names {
				ev.Set(n, fe.Values[j])
			}
			m.Match(ev, fe.Channel, fe.EventID, func(*sigma.Compiled) { matches++ })
		}
	}
	b.ReportMetric(float64(len(events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	// the machine is shared: events per CPU-second is the figure that compares
	b.ReportMetric(float64(len(events))*float64(b.N)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
	b.ReportMetric(float64(m.Evaluated)/float64(len(events))/float64(b.N), "evals/event")
	b.ReportMetric(float64(matches)/float64(b.N), "matches/op")
}

// BenchmarkMatchAllRulesSynthetic times matching only with all SigmaHQ
// Windows rules on 100,000 synthetic Winlogbeat events, on one core.
func BenchmarkMatchAllRulesSynthetic(b *testing.B) {
	e := loadWindowsRules(b)
	p := filepath.Join(b.TempDir(), "synthetic.jsonl")
	fh, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	if err := WriteSyntheticEvents(fh, 100_000, 1); err != nil {
		b.Fatal(err)
	}
	fh.Close()
	events := collectEvents(b, e, []string{p})
	benchMatch(b, e, events)
}

// cpuTime is the CPU time used by the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
