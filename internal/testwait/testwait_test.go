package testwait_test

import (
	"sync/atomic"
	"testing"
	"time"

	"renkei/internal/testwait"
)

// TestUntilReturnsOnceTheConditionHolds: no fixed wait; a condition that
// never holds gives up at the deadline.
func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	go func() {
		for range 3 {
			n.Add(1)
		}
	}()
	if !testwait.Until(10*time.Second, func() bool { return n.Load() == 3 }) {
		t.Fatal("the condition held but Until gave up")
	}
	start := time.Now()
	if testwait.Until(20*time.Millisecond, func() bool { return false }) {
		t.Fatal("a condition that never holds was reported as held")
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("gave up after %v, before the deadline", d)
	}
}
