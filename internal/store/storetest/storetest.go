// Package storetest opens real stores for tests: a SQLite file in a temporary
// folder, and a fresh schema on the PostgreSQL server named by
// RENKEI_TEST_POSTGRES. Tests that take Kinds run once on each store.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"renkei/internal/store"
)

// Kinds are the stores tests run against: "sqlite" always, "postgres" when
// RENKEI_TEST_POSTGRES is set. Under CI=true a missing PostgreSQL is a failure.
func Kinds(tb testing.TB) []string {
	if os.Getenv("RENKEI_TEST_POSTGRES") != "" {
		return []string{"sqlite", "postgres"}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("RENKEI_TEST_POSTGRES is not set: CI must run the store tests on PostgreSQL too (.ci/run sets it)")
	}
	return []string{"sqlite"}
}

// DSN returns a connection string for a new, empty store of the given kind,
// removed when the test ends.
func DSN(tb testing.TB, kind string) string {
	tb.Helper()
	if kind == "sqlite" {
		return filepath.Join(tb.TempDir(), "renkei.db")
	}
	base := os.Getenv("RENKEI_TEST_POSTGRES")
	if base == "" {
		tb.Skip("RENKEI_TEST_POSTGRES is not set")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx := context.Background()
	admin, err := store.OpenRaw(ctx, base)
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("postgres: create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens a new, empty store of the given kind, closed when the test ends.
func Open(tb testing.TB, kind string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), DSN(tb, kind))
	if err != nil {
		tb.Fatalf("open %s store: %v", kind, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// OpenUnsynced is Open for tests that make many commits quickly (fuzz
// targets): commits return before they are on disk (store.Options.Unsynced).
func OpenUnsynced(tb testing.TB, kind string) *store.DB {
	tb.Helper()
	db, err := store.OpenWith(context.Background(), DSN(tb, kind), store.Options{Unsynced: true})
	if err != nil {
		tb.Fatalf("open %s store: %v", kind, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
