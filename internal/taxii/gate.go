package taxii

import (
	"context"
	"net/http"
	"time"

	"renkei/internal/metrics"
)

// maxReadWait is how long a listing may queue before it is answered 503.
const maxReadWait = 5 * time.Second

// admit waits for the listing's turn to read the store. It returns the
// function that gives the turn back (safe to call more than once), or false
// after answering 503 when the wait was too long or the client left.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (func(), bool) {
	if !s.readers.enter(r.Context(), maxReadWait, s.Metrics) {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "busy", "more listings are waiting than the server can answer in time; retry in a second")
		return nil, false
	}
	done := false
	return func() {
		if !done {
			done = true
			s.readers.leave()
		}
	}, true
}

// gate admits a bounded number of requests at once, in arrival order.
//
// Without it every listing shares the CPUs with every other, and the Go
// scheduler and database/sql's pool (which wakes a random waiter) serve them
// in no particular order: at 64 concurrent clients on two CPUs the median
// page took 16 ms and the slowest percent three times that. Queued first come
// first served, one per CPU, each page is answered in about the time its
// place in the queue implies. A blocked send on a channel is woken in the
// order it blocked.
type gate chan struct{}

// enter waits for a place, up to max; it reports false when the wait was too
// long or the request went away. m counts the queue and the waits.
func (g gate) enter(ctx context.Context, max time.Duration, m *metrics.Set) bool {
	select {
	case g <- struct{}{}:
		m.TAXIIWaited(0, true)
		return true
	default:
	}
	start := time.Now()
	m.TAXIIWaiting(1)
	defer m.TAXIIWaiting(-1)
	t := time.NewTimer(max)
	defer t.Stop()
	admitted := false
	select {
	case g <- struct{}{}:
		admitted = true
	case <-ctx.Done():
	case <-t.C:
	}
	m.TAXIIWaited(time.Since(start), admitted)
	return admitted
}

func (g gate) leave() { <-g }
