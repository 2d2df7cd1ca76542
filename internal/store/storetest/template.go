package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"renkei/internal/store"
)

// sqliteTemplate is a SQLite store migrated once per test binary, kept in
// memory; each test writes a copy to its own file. Nothing in the schema
// depends on when or where it was migrated (no migration writes a row into
// an empty store), so a copy is what migrating again would give.
var sqliteTemplate struct {
	once  sync.Once
	bytes []byte
	err   error
}

// MigratedSQLite writes to path a SQLite store whose schema is up to date,
// as store.Open would leave a new file, without migrating again.
func MigratedSQLite(tb testing.TB, path string) {
	tb.Helper()
	sqliteTemplate.once.Do(func() {
		sqliteTemplate.bytes, sqliteTemplate.err = migrateSQLite()
	})
	if sqliteTemplate.err != nil {
		tb.Fatalf("migrate the template SQLite store: %v", sqliteTemplate.err)
	}
	if err := os.WriteFile(path, sqliteTemplate.bytes, 0o600); err != nil {
		tb.Fatalf("copy the template SQLite store: %v", err)
	}
}

func migrateSQLite() ([]byte, error) {
	dir, err := os.MkdirTemp("", "renkei-storetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "renkei.db")
	db, err := store.OpenWith(context.Background(), path, store.Options{Unsynced: true})
	if err != nil {
		return nil, err
	}
	// Closing the last connection checkpoints the write-ahead log into the
	// file and removes it, so the file alone is the whole store.
	if err := db.Close(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		return nil, errors.New("the write-ahead log outlived the store")
	}
	return os.ReadFile(path)
}

// pgPool holds the PostgreSQL schemas this test binary has migrated and
// that no test is using. A test takes one (or migrates a new one when none
// is free) and gives it back emptied when it ends: the sessions it left
// open are ended, then every table is emptied and every identity restarted,
// which is what a new migrated schema holds. A schema whose tables are not
// the template's any more, or that cannot be emptied, is dropped instead.
var pgPool struct {
	mu     sync.Mutex
	free   []string
	n      int
	tables []string // the first migrated schema's tables, sorted
	swept  bool
}

// poolPrefix names the schemas of the pool: p_<pid>_<n>. The process that
// made them keeps them until it exits; the next test binary to start drops
// those of processes that are gone.
const poolPrefix = "p_"

func migratedPostgres(tb testing.TB) string {
	tb.Helper()
	base := postgresBase(tb)
	ctx := context.Background()
	admin, err := store.OpenRaw(ctx, base)
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	tb.Cleanup(func() { admin.Close() })

	pgPool.mu.Lock()
	if !pgPool.swept {
		pgPool.swept = true
		sweepPool(ctx, admin)
	}
	var schema string
	if n := len(pgPool.free); n > 0 {
		schema, pgPool.free = pgPool.free[n-1], pgPool.free[:n-1]
	} else {
		pgPool.n++
		schema = fmt.Sprintf("%s%d_%d", poolPrefix, os.Getpid(), pgPool.n)
	}
	pgPool.mu.Unlock()

	dsn := schemaDSN(tb, base, schema)
	tables, err := tablesOf(ctx, admin, schema)
	if err != nil {
		tb.Fatalf("postgres: tables of %s: %v", schema, err)
	}
	if len(tables) == 0 {
		if err := migratePool(ctx, admin, schema, dsn); err != nil {
			admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
			tb.Fatalf("postgres: migrate schema %s: %v", schema, err)
		}
	}
	tb.Cleanup(func() {
		if err := empty(ctx, admin, schema); err != nil {
			admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
			return
		}
		pgPool.mu.Lock()
		pgPool.free = append(pgPool.free, schema)
		pgPool.mu.Unlock()
	})
	return dsn
}

// migratePool makes schema and brings it up to date. The first schema
// migrated sets the tables every later one must have; it must hold no row
// outside goose's own table, or emptying it would not give a new store.
func migratePool(ctx context.Context, admin *sql.DB, schema, dsn string) error {
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		return err
	}
	db, err := store.OpenWith(ctx, dsn, store.Options{Unsynced: true})
	if err != nil {
		return err
	}
	db.Close()
	tables, err := tablesOf(ctx, admin, schema)
	if err != nil {
		return err
	}
	pgPool.mu.Lock()
	defer pgPool.mu.Unlock()
	if pgPool.tables != nil {
		return nil
	}
	for _, t := range tables {
		var n int
		if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM "+schema+"."+t).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("a new store holds %d rows in %s: storetest cannot give a fresh store by emptying one", n, t)
		}
	}
	pgPool.tables = tables
	return nil
}

// empty ends the sessions a test left on schema, then empties its tables
// and restarts its identities, in one transaction. Foreign keys are not
// checked while it deletes (session_replication_role), since every row goes.
func empty(ctx context.Context, admin *sql.DB, schema string) error {
	if _, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()", schema); err != nil {
		return err
	}
	tables, err := tablesOf(ctx, admin, schema)
	if err != nil {
		return err
	}
	pgPool.mu.Lock()
	want := pgPool.tables
	pgPool.mu.Unlock()
	if strings.Join(tables, ",") != strings.Join(want, ",") {
		return errors.New("the test changed the schema")
	}
	var q strings.Builder
	q.WriteString("SET LOCAL session_replication_role = replica;\n")
	for _, t := range tables {
		fmt.Fprintf(&q, "DELETE FROM %s.%s;\n", schema, t)
	}
	tx, err := admin.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, q.String()); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) FROM pg_sequences WHERE schemaname = $1", schema); err != nil {
		return err
	}
	return tx.Commit()
}

// tablesOf lists schema's tables but goose's, sorted.
func tablesOf(ctx context.Context, admin *sql.DB, schema string) ([]string, error) {
	rows, err := admin.QueryContext(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'goose_db_version' ORDER BY tablename", schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, rows.Err()
}

// sweepPool drops the pool schemas of test binaries that have exited.
func sweepPool(ctx context.Context, admin *sql.DB) {
	rows, err := admin.QueryContext(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'p\_%'`)
	if err != nil {
		return
	}
	var gone []string
	for rows.Next() {
		var s string
		if rows.Scan(&s) != nil {
			continue
		}
		pid, _, ok := strings.Cut(strings.TrimPrefix(s, poolPrefix), "_")
		n, err := strconv.Atoi(pid)
		if !ok || err != nil {
			continue
		}
		// A schema named after this process is from an earlier one that had
		// the same id: none of this process's is made before the sweep.
		if n == os.Getpid() || syscall.Kill(n, 0) == syscall.ESRCH {
			gone = append(gone, s)
		}
	}
	rows.Close()
	for _, s := range gone {
		admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+s+" CASCADE")
	}
}
