package hunt

import (
	"context"
	"sync/atomic"
	"testing"

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
	wk := &worker{e: e, ev: sigma.NewEvent(e.rs.Fields), aliases: e.Mapping.InputFields}
	wk.onEvent = func() {
		fe := FlatEvent{Channel: wk.meta.Channel, EventID: wk.meta.EventID}
		wk.ev.Each(func(k, v string) {
			fe.Names = append(fe.Names, k)
			fe.Values = append(fe.Values, v)
		})
		out = append(out, fe)
	}
	for _, in := range inputs {
		tasks := make(chan task, 1<<16)
		var n int64Counter
		e.produce(context.Background(), in, tasks, func(*ReadError) {}, nil, &n.v)
		close(tasks)
		for t := range tasks {
			wk.run(t, func(*ReadError) {})
		}
	}
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
	b.ReportMetric(float64(m.Evaluated)/float64(len(events))/float64(b.N), "evals/event")
	b.ReportMetric(float64(matches)/float64(b.N), "matches/op")
}

type int64Counter struct{ v atomic.Int64 }
