// Package storetest opens real stores for tests: a SQLite file in a temporary
// folder, and a schema of its own on the PostgreSQL server named by
// RENKEI_TEST_POSTGRES. Tests that take Kinds run once on each store.
//
// Migrating a schema is most of what opening a store costs a test (seconds
// on PostgreSQL on a loaded machine), so Open migrates once per test binary
// and hands each test a copy: a copy of a migrated SQLite file, or a
// migrated PostgreSQL schema emptied after the test that used it (template.go).
// DSN still gives an empty, unmigrated store, for tests of the migrations
// and of what a process does when it opens a store for the first time.
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
	base := postgresBase(tb)
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
	return schemaDSN(tb, base, schema)
}

func postgresBase(tb testing.TB) string {
	base := os.Getenv("RENKEI_TEST_POSTGRES")
	if base == "" {
		tb.Skip("RENKEI_TEST_POSTGRES is not set")
	}
	return base
}

// schemaDSN is base with schema as the search path. Its sessions are named
// after the schema (application_name), so that those a test leaves open can
// be found and ended before the schema is emptied for the next test.
func schemaDSN(tb testing.TB, base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// MigratedDSN returns a connection string for a new store of the given kind
// whose schema is up to date and every table empty, as Open gives, for tests
// that open the store themselves or hand it to another process (with the
// template, see template.go: nothing is migrated again).
func MigratedDSN(tb testing.TB, kind string) string {
	tb.Helper()
	if kind == "sqlite" {
		dsn := filepath.Join(tb.TempDir(), "renkei.db")
		MigratedSQLite(tb, dsn)
		return dsn
	}
	return migratedPostgres(tb)
}

// Open opens a new store of the given kind, its schema up to date and every
// table empty, closed when the test ends.
func Open(tb testing.TB, kind string) *store.DB {
	tb.Helper()
	return open(tb, kind, store.Options{})
}

// OpenUnsynced is Open for tests that make many commits quickly (fuzz
// targets): commits return before they are on disk (store.Options.Unsynced).
func OpenUnsynced(tb testing.TB, kind string) *store.DB {
	tb.Helper()
	return open(tb, kind, store.Options{Unsynced: true})
}

func open(tb testing.TB, kind string, o store.Options) *store.DB {
	tb.Helper()
	db, err := store.OpenWith(context.Background(), MigratedDSN(tb, kind), o)
	if err != nil {
		tb.Fatalf("open %s store: %v", kind, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
