package taxii

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"renkei/internal/testwait"
)

// TestGateFirstComeFirstServed: waiting readers are admitted in the order
// they arrived, and one that waits too long or whose client left is refused.
func TestGateFirstComeFirstServed(t *testing.T) {
	t.Parallel()
	g := make(gate, 1)
	ctx := context.Background()
	if !g.enter(ctx, time.Second, nil) {
		t.Fatal("an empty gate refused a reader")
	}
	if g.enter(ctx, 20*time.Millisecond, nil) {
		t.Fatal("a full gate admitted a second reader")
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if g.enter(gone, time.Second, nil) {
		t.Fatal("a reader whose client left was admitted")
	}

	const n = 8
	order := make(chan int, n)
	for i := range n {
		go func() {
			if g.enter(ctx, 10*time.Second, nil) {
				order <- i
			}
		}()
		// Reader i is queued at the gate before i+1 arrives.
		testwait.For(t, 10*time.Second, fmt.Sprintf("reader %d to wait at the gate", i), func() bool { return waitingAtGate() == i+1 })
	}
	for want := range n {
		g.leave()
		if got := <-order; got != want {
			t.Fatalf("admitted reader %d, want %d (arrival order)", got, want)
		}
	}
}

// waitingAtGate counts the goroutines parked in gate.enter's select: one
// counted here is queued on the gate's channel, so a reader arriving later
// is queued after it.
func waitingAtGate() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte(" [select")) && bytes.Contains(g, []byte("taxii.gate.enter(")) {
			n++
		}
	}
	return n
}
