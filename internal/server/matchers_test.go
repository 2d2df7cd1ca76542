package server_test

import (
	"context"
	"errors"
	"testing"

	"renkei/internal/server"
	"renkei/internal/store"
	"renkei/internal/telemetry"
)

// TestServeMatchersZeroRunsNone: `renkei serve --matchers 0` (Config.Matchers
// 0) starts no matcher — none prepares its account or joins the stream's
// consumer — while the default of the command, one, does.
func TestServeMatchersZeroRunsNone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		matchers int
		runs     bool
	}{{0, false}, {1, true}} {
		dsn, _ := prepare(t, "sqlite")
		db, _ := startServer(t, dsn, server.Config{Matchers: c.matchers})
		// Run prepares every matcher before it serves: its account exists by now.
		_, err := db.UserByLogin(ctx, telemetry.MatcherLogin)
		if runs := err == nil; runs != c.runs {
			t.Errorf("--matchers %d: a matcher ran: %v, want %v (%v)", c.matchers, runs, c.runs, err)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
	}
}
