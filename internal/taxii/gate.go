package taxii

import (
	"context"
	"time"
)

// maxReadWait is how long a read may queue before it is answered 503.
const maxReadWait = 5 * time.Second

// gate admits a bounded number of requests at once, in arrival order.
//
// Without it every request shares the two CPUs with every other, and the Go
// scheduler and database/sql's pool (which wakes a random waiter) serve them
// in no particular order: at 64 concurrent clients the median page took 16 ms
// and the slowest percent three times that. Queued first-come first-served,
// each page is answered in about the time its place in the queue implies.
// A blocked send on a channel is woken in the order it blocked.
type gate chan struct{}

// enter waits for a place, up to max; it reports false when the wait was too
// long or the request went away.
func (g gate) enter(ctx context.Context, max time.Duration) bool {
	select {
	case g <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case g <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	case <-t.C:
		return false
	}
}

func (g gate) leave() { <-g }
