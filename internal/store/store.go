// Package store keeps Renkei's state in SQL: SQLite in the data directory by
// default, PostgreSQL for several nodes, with one schema and the same queries.
//
// Migrations are embedded, written apart per dialect (migrations/sqlite and
// migrations/postgres, see migrations/README.md), and run on Open. Listings
// that show objects to people take their access condition from package policy
// and put it inside the query, so that pages and counts never leak; nothing
// here decides who may see what.
// Times are stored as Unix microseconds in BIGINT columns on both databases.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"renkei/internal/problem"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// ErrNotFound is returned when a looked-up row does not exist: the one
// problem.ErrNotFound, so that every layer maps it the same way.
var ErrNotFound = problem.ErrNotFound

// DB is an open store.
type DB struct {
	sql  *sql.DB
	pg   bool
	path string // the SQLite file, for backups

	stmts sync.Map // query text → *sql.Stmt, for queries run on every request

	cursors cursorKey // seals paging cursors (cursor.go)

	onChange atomic.Pointer[func(kind string)] // told of each counted change (changes.go)
}

// IsPostgres reports whether s is a PostgreSQL URL rather than a SQLite path.
func IsPostgres(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open opens (creating if needed) the store at dsn — a SQLite file path or a
// postgres:// URL — and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return OpenWith(ctx, dsn, Options{})
}

// Options change how OpenWith opens a store. The zero value is how every
// process opens it (Open).
type Options struct {
	// Unsynced is for tests that make many commits and lose nothing if the
	// machine stops (fuzz targets): SQLite is opened with synchronous=OFF
	// and PostgreSQL sessions with synchronous_commit=off, so that a commit
	// returns before it is on disk. Never for a hub's store.
	Unsynced bool
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, o Options) (*DB, error) {
	if o.Unsynced && IsPostgres(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		q := u.Query()
		q.Set("synchronous_commit", "off")
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	db := &DB{pg: IsPostgres(dsn)}
	var err error
	if db.pg {
		db.sql, err = sql.Open("pgx", dsn)
		if err == nil {
			db.sql.SetMaxOpenConns(32)
			db.sql.SetMaxIdleConns(32)
		}
	} else {
		db.path = strings.TrimPrefix(dsn, "file:")
		q := url.Values{}
		synchronous := "synchronous(FULL)"
		if o.Unsynced {
			synchronous = "synchronous(OFF)"
		}
		for _, p := range []string{"journal_mode(WAL)", "busy_timeout(30000)", "foreign_keys(1)", synchronous, "cache_size(-65536)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		db.sql, err = sql.Open("sqlite", "file:"+db.path+"?"+q.Encode())
		if err == nil {
			db.sql.SetMaxOpenConns(8)
			db.sql.SetMaxIdleConns(8)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, fmt.Errorf("open store %s: %w", db.describe(), err)
	}
	if err := db.migrate(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) describe() string {
	if db.pg {
		return "postgresql"
	}
	return db.path
}

// migrationFS returns the migrations for this store's dialect: one directory
// per dialect, the same version numbers in both (see migrations/README.md).
func (db *DB) migrationFS() (fs.FS, error) {
	dir := "migrations/sqlite"
	if db.pg {
		dir = "migrations/postgres"
	}
	return fs.Sub(migrations, dir)
}

func (db *DB) migrate(ctx context.Context) error {
	dialect := goose.DialectSQLite3
	if db.pg {
		dialect = goose.DialectPostgres
	}
	sub, err := db.migrationFS()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, db.sql, sub,
		goose.WithGoMigrations(goose.NewGoMigration(30, &goose.GoFunc{RunTx: db.sectorKeys}, nil)))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if db.pg {
		// Several nodes may start at once: one migrates, the others wait.
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7419001)"); err != nil {
			return fmt.Errorf("migrations lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7419001)")
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	return nil
}

// Close closes the store.
func (db *DB) Close() error {
	db.stmts.Range(func(k, v any) bool { v.(*sql.Stmt).Close(); return true })
	return db.sql.Close()
}

// Postgres reports whether the store is PostgreSQL.
func (db *DB) Postgres() bool { return db.pg }

// SQL returns the underlying handle, for capabilities that own tables of their own.
func (db *DB) SQL() *sql.DB { return db.sql }

// Rebind turns '?' placeholders into PostgreSQL's $n when needed.
func (db *DB) Rebind(q string) string {
	if !db.pg {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Tx is a write transaction.
type Tx struct {
	db *DB
	tx *sql.Tx
}

// Exec runs a statement written with '?' placeholders.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.sql.ExecContext(ctx, db.Rebind(q), args...)
}

// Query runs a query written with '?' placeholders.
// queryAll runs a query and scans every row with scan; what names the
// listing in errors ("list requests: …"). No rows gives a nil slice.
func queryAll[T any](ctx context.Context, db *DB, what string, scan func(interface{ Scan(...any) error }) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.sql.QueryContext(ctx, db.Rebind(q), args...)
}

// maxStmts bounds the prepared-statement cache; listings have few shapes.
const maxStmts = 256

// QueryCached runs a query whose text repeats (listings on every request)
// through a prepared statement kept for the life of the DB, so that the
// database parses and plans it once rather than on every call.
func (db *DB) QueryCached(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, kept, err := db.prepared(ctx, q)
	if err != nil {
		return nil, err
	}
	if !kept {
		defer st.Close() // database/sql finalizes it once the rows are closed
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowCached is QueryCached for a query that returns one row.
func (db *DB) QueryRowCached(ctx context.Context, q string, args ...any) *sql.Row {
	st, kept, err := db.prepared(ctx, q)
	if err != nil || !kept {
		if st != nil {
			st.Close()
		}
		return db.QueryRow(ctx, q, args...) // reports the error as a Row does
	}
	return st.QueryRowContext(ctx, args...)
}

// prepared returns the statement for q, preparing it on first use, and
// whether it is kept; past maxStmts shapes the caller closes it after use.
func (db *DB) prepared(ctx context.Context, q string) (*sql.Stmt, bool, error) {
	if st, ok := db.stmts.Load(q); ok {
		return st.(*sql.Stmt), true, nil
	}
	st, err := db.sql.PrepareContext(ctx, db.Rebind(q))
	if err != nil {
		return nil, false, err
	}
	n := 0
	db.stmts.Range(func(any, any) bool { n++; return n < maxStmts })
	if n >= maxStmts {
		return st, false, nil
	}
	if prev, loaded := db.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return st, true, nil
}

// QueryRow runs a one-row query written with '?' placeholders.
func (db *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.sql.QueryRowContext(ctx, db.Rebind(q), args...)
}

// Exec runs a statement in the transaction.
func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.db.Rebind(q), args...)
}

// Query runs a query in the transaction.
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.db.Rebind(q), args...)
}

// QueryRow runs a one-row query in the transaction.
func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.db.Rebind(q), args...)
}

// Prepare prepares a statement for repeated use in the transaction.
func (t *Tx) Prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, t.db.Rebind(q))
}

// InTx runs fn in a write transaction, committing if fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&Tx{db: db, tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Micros converts a time to the stored form; the zero time is 0.
func Micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// FromMicros converts the stored form back; 0 is the zero time.
func FromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// BoolInt is a boolean as the stores keep it in an INTEGER column: 1 or 0.
func BoolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Setting reads a hub setting; "" if unset.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting writes a hub setting.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	_, err := db.Exec(ctx, "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value)
	return err
}

// Backup writes a consistent copy of a SQLite store to path while it is in use.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.pg {
		return errors.New("backup: the store is PostgreSQL; use pg_dump (see docs/operations.md)")
	}
	if _, err := db.sql.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// OpenRaw opens a plain PostgreSQL connection without migrations, for tools
// and tests that manage schemas.
func OpenRaw(ctx context.Context, pgURL string) (*sql.DB, error) {
	db, err := sql.Open("pgx", pgURL)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
