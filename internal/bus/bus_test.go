package bus

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWorkersShareTheStream publishes on the embedded server and has two
// consumers with the same durable name split the messages: every message is
// handled once, and one that fails is redelivered.
func TestWorkersShareTheStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := Open(ctx, Options{Dir: t.TempDir(), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Stream(ctx, "T", []string{"t.>"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	const n = 500
	for i := range n {
		if err := b.PublishAsync("t.x", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// A second process joins through the listening port.
	other, err := Open(ctx, Options{URL: b.ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var mu sync.Mutex
	seen := map[string]int{}
	var failedOnce atomic.Bool
	var total atomic.Int32
	work := func(ctx context.Context, data []byte) error {
		if string(data) == "7" && failedOnce.CompareAndSwap(false, true) {
			return fmt.Errorf("transient")
		}
		mu.Lock()
		seen[string(data)]++
		mu.Unlock()
		if total.Add(1) == n {
			cancel()
		}
		return nil
	}
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	var wg sync.WaitGroup
	for _, bb := range []*Bus{b, other} {
		wg.Add(1)
		go func() { defer wg.Done(); bb.Consume(wctx, "T", "matchers", work) }()
	}
	<-ctx.Done()
	wcancel()
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d distinct messages handled, want %d", len(seen), n)
	}
	for k, c := range seen {
		if c != 1 {
			t.Fatalf("message %s handled %d times", k, c)
		}
	}
	if !failedOnce.Load() {
		t.Fatal("the failing message was never tried")
	}
}
