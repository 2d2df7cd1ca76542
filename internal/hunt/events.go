package hunt

import (
	"context"
	"sync/atomic"

	"renkei/internal/logs"
	"renkei/internal/sigma"
)

// ReadEvents reads inputs on the calling goroutine and hands every event to
// fn, flattened (names and values in the names rules use) with its Meta,
// without matching. Benchmarks and tools that feed events to another engine
// use it; the slices are reused after fn returns.
func (e *Engine) ReadEvents(ctx context.Context, inputs []Input, fn func(m *Meta, names, values []string)) []*logs.ReadError {
	var errs []*logs.ReadError
	bad := func(re *logs.ReadError) { errs = append(errs, re) }
	wk := &worker{e: e, ev: sigma.NewEvent(e.rs.Fields), aliases: e.Mapping.InputFields}
	var names, values []string
	wk.onEvent = func() {
		names, values = names[:0], values[:0]
		wk.ev.Each(func(k, v string) {
			names = append(names, k)
			values = append(values, v)
		})
		fn(&wk.meta, names, values)
	}
	for _, in := range inputs {
		tasks := make(chan task, 1<<14)
		var n atomic.Int64
		done := make(chan struct{})
		go func() {
			e.produce(ctx, in, tasks, bad, nil, &n, func(string) {})
			close(tasks)
			close(done)
		}()
		for t := range tasks {
			wk.run(t, bad)
		}
		<-done
	}
	return errs
}
