// Package testwait lets a test wait for a condition, with a deadline,
// instead of sleeping for a guessed time: the test goes on as soon as the
// condition holds, and fails saying what it waited for when it never does.
//
// Use it only where nothing can be awaited directly (a channel, a flush or
// sync point of the code under test); never to assert that something did not
// happen, which needs a barrier in the code under test. Only tests use it.
package testwait

import (
	"testing"
	"time"
)

// Until calls cond until it holds or timeout has passed, checking at once,
// then after 1 ms, doubling to at most every 50 ms; it reports whether cond
// held.
func Until(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	wait := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		t := time.NewTimer(wait)
		<-t.C
		wait = min(2*wait, 50*time.Millisecond)
	}
	return true
}

// For is Until that fails the test, naming what it waited for, when
// timeout passes before cond holds.
func For(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	if !Until(timeout, cond) {
		tb.Fatalf("waited %v for %s", timeout, what)
	}
}
