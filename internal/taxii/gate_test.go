package taxii

import (
	"context"
	"testing"
	"time"
)

// TestGateFirstComeFirstServed: waiting readers are admitted in the order
// they arrived, and one that waits too long or whose client left is refused.
func TestGateFirstComeFirstServed(t *testing.T) {
	g := make(gate, 1)
	ctx := context.Background()
	if !g.enter(ctx, time.Second) {
		t.Fatal("an empty gate refused a reader")
	}
	if g.enter(ctx, 20*time.Millisecond) {
		t.Fatal("a full gate admitted a second reader")
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if g.enter(gone, time.Second) {
		t.Fatal("a reader whose client left was admitted")
	}

	const n = 8
	order := make(chan int, n)
	for i := range n {
		go func() {
			if g.enter(ctx, 10*time.Second) {
				order <- i
			}
		}()
		time.Sleep(20 * time.Millisecond) // reader i is waiting before i+1 arrives
	}
	for want := range n {
		g.leave()
		if got := <-order; got != want {
			t.Fatalf("admitted reader %d, want %d (arrival order)", got, want)
		}
	}
}
