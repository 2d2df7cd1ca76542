package audit

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestCrashChild is the child half of TestCrashLosesNoReturnedEntry: it
// appends as fast as it can and prints "index object-id" for every Append
// that returned, until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("AUDIT_CRASH_DIR")
	if dir == "" {
		t.Skip("child process of TestCrashLosesNoReturnedEntry")
	}
	l, err := Open(context.Background(), Options{Dir: filepath.Join(dir, "audit"), KeyDir: filepath.Join(dir, "keys"), Node: "crash"})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	round := os.Getenv("AUDIT_CRASH_ROUND")
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("r%s-w%d-%d", round, w, i)
				idx, err := l.Append(context.Background(), Entry{Action: "crash.test", ObjectID: id})
				if err != nil {
					fmt.Println("append:", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Printf("%d %s\n", idx, id) // os.Stdout is unbuffered: printed means returned
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// TestCrashLosesNoReturnedEntry SIGKILLs a process in the middle of
// concurrent appends, twice, and checks that every index an Append returned
// is in the log with its entry, that the node's sequence continues without a
// gap, and that the whole log then verifies.
func TestCrashLosesNoReturnedEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	returned := map[uint64]string{}
	for round := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "AUDIT_CRASH_DIR="+dir, "AUDIT_CRASH_ROUND="+strconv.Itoa(round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		n := 0
		killAt := 500 + 700*round
		deadline := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
		for sc.Scan() {
			line := sc.Text()
			f := strings.Fields(line)
			idx, err := strconv.ParseUint(f[0], 10, 64)
			if len(f) != 2 || err != nil {
				t.Fatalf("child: %s", line)
			}
			returned[idx] = f[1]
			if n++; n == killAt {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		deadline.Stop()
		cmd.Wait()
		if n < killAt {
			t.Fatalf("round %d: child printed only %d lines", round, n)
		}
		t.Logf("round %d: killed after %d returned appends", round, n)
	}

	l, err := Open(context.Background(), Options{Dir: filepath.Join(dir, "audit"), KeyDir: filepath.Join(dir, "keys"), Node: "crash",
		CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	size, err := l.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for idx, id := range returned {
		if idx >= size {
			t.Fatalf("returned index %d is beyond the recovered log size %d", idx, size)
		}
		if e := readEntry(t, l, idx, size); e.ObjectID != id {
			t.Fatalf("index %d holds %q, but Append returned it for %q", idx, e.ObjectID, id)
		}
	}
	if _, err := l.Append(ctx, Entry{Action: "after.crash"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep := verifyDir(t, dir, l)
	t.Logf("%d returned indexes all present; log of %d entries verifies", len(returned), rep.Entries)
}
