package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestMigrationsGiveOneSchema: the SQLite and PostgreSQL migrations, written
// apart (migrations/sqlite, migrations/postgres), leave the same schema —
// the same tables, columns (type by affinity, nullability), primary keys,
// unique constraints and indexes (columns, uniqueness, partial or not) — so
// that a migration added to one dialect only, or differently, fails here.
// Both directories hold the same file names, so that goose runs the same
// versions on both, and none lies outside them (checked without PostgreSQL
// too).
func TestMigrationsGiveOneSchema(t *testing.T) {
	t.Parallel()
	if stray := migrationNames(t, "."); len(stray) > 0 {
		t.Errorf("migrations outside a dialect's directory are not run: %v (see migrations/README.md)", stray)
	}
	lite, pg := migrationNames(t, "sqlite"), migrationNames(t, "postgres")
	if len(lite) == 0 || !slices.Equal(lite, pg) {
		t.Errorf("migrations differ by name:\nsqlite:   %v\npostgres: %v", lite, pg)
	}
	if len(storetest.Kinds(t)) < 2 {
		t.Skip("RENKEI_TEST_POSTGRES is not set: the schemas cannot be compared")
	}
	lite = describe(t, storetest.Open(t, "sqlite"))
	pg = describe(t, storetest.Open(t, "postgres"))
	if len(lite) < 50 {
		t.Fatalf("the SQLite schema has %d facts: it was not read", len(lite))
	}
	for _, f := range lite {
		if !slices.Contains(pg, f) {
			t.Errorf("only on SQLite: %s", f)
		}
	}
	for _, f := range pg {
		if !slices.Contains(lite, f) {
			t.Errorf("only on PostgreSQL: %s", f)
		}
	}
}

// migrationNames lists the migration files of one dialect's directory.
func migrationNames(t *testing.T, dialect string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("migrations", dialect))
	if err != nil {
		t.Fatalf("read the %s migrations: %v", dialect, err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	return names
}

// describe lists the schema of db as sorted facts, one line each, in words
// common to both dialects.
func describe(t *testing.T, db *store.DB) []string {
	t.Helper()
	var facts []string
	add := func(format string, args ...any) { facts = append(facts, fmt.Sprintf(format, args...)) }
	if db.Postgres() {
		describePostgres(t, db, add)
	} else {
		describeSQLite(t, db, add)
	}
	slices.Sort(facts)
	return facts
}

// affinity is a declared column type as SQLite's affinity rules group it,
// so that BIGINT and INTEGER, or BYTEA and BLOB, read alike.
func affinity(declared string) string {
	d := strings.ToUpper(declared)
	switch {
	case strings.Contains(d, "INT"):
		return "integer"
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return "text"
	case d == "" || strings.Contains(d, "BLOB") || strings.Contains(d, "BYTEA"):
		return "blob"
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"):
		return "real"
	}
	return "numeric " + strings.ToLower(declared)
}

func rows[T any](t *testing.T, db *store.DB, q string, scan func(func(...any) error) T, args ...any) []T {
	t.Helper()
	rs, err := db.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	var out []T
	for rs.Next() {
		out = append(out, scan(rs.Scan))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func describeSQLite(t *testing.T, db *store.DB, add func(string, ...any)) {
	tables := rows(t, db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'",
		func(scan func(...any) error) (n string) { scan(&n); return })
	for _, tb := range tables {
		add("table %s", tb)
		type col struct {
			name, typ string
			notNull   bool
			pk        int
		}
		cols := rows(t, db, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", func(scan func(...any) error) (c col) {
			scan(&c.name, &c.typ, &c.notNull, &c.pk)
			return
		}, tb)
		var pk []string
		slices.SortFunc(cols, func(a, b col) int { return a.pk - b.pk })
		for _, c := range cols {
			null := "null"
			if c.notNull || c.pk > 0 { // a primary key is never null on PostgreSQL
				null = "not null"
			}
			add("column %s.%s %s %s", tb, c.name, affinity(c.typ), null)
			if c.pk > 0 {
				pk = append(pk, c.name)
			}
		}
		if len(pk) > 0 {
			add("primary key %s(%s)", tb, strings.Join(pk, ", "))
		}
		type index struct {
			name, origin    string
			unique, partial bool
		}
		idxs := rows(t, db, "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)", func(scan func(...any) error) (i index) {
			scan(&i.name, &i.unique, &i.origin, &i.partial)
			return
		}, tb)
		for _, i := range idxs {
			cols := rows(t, db, "SELECT coalesce(name, '(expression)') FROM pragma_index_info(?) ORDER BY seqno",
				func(scan func(...any) error) (n string) { scan(&n); return }, i.name)
			switch i.origin {
			case "pk":
			case "u":
				add("unique %s(%s)", tb, strings.Join(cols, ", "))
			default:
				add("index %s on %s(%s) unique=%t partial=%t", i.name, tb, strings.Join(cols, ", "), i.unique, i.partial)
			}
		}
	}
}

func describePostgres(t *testing.T, db *store.DB, add func(string, ...any)) {
	tables := rows(t, db, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version'",
		func(scan func(...any) error) (n string) { scan(&n); return })
	for _, tb := range tables {
		add("table %s", tb)
		type col struct{ name, typ, nullable string }
		for _, c := range rows(t, db, "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?",
			func(scan func(...any) error) (c col) { scan(&c.name, &c.typ, &c.nullable); return }, tb) {
			null := "null"
			if c.nullable == "NO" {
				null = "not null"
			}
			add("column %s.%s %s %s", tb, c.name, affinity(c.typ), null)
		}
	}
	// Constraints and indexes, with their columns in order.
	type index struct {
		name, table, cols, constraint string
		unique, partial               bool
	}
	for _, i := range rows(t, db, `
SELECT i.relname, c.relname,
       array_to_string(ARRAY(SELECT coalesce(a.attname, '(expression)') FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, o)
                             LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.n ORDER BY k.o), ', '),
       coalesce((SELECT con.contype::text FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.conrelid = c.oid), ''),
       x.indisunique, x.indpred IS NOT NULL
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relname <> 'goose_db_version'`,
		func(scan func(...any) error) (i index) {
			scan(&i.name, &i.table, &i.cols, &i.constraint, &i.unique, &i.partial)
			return
		}) {
		switch i.constraint {
		case "p":
			add("primary key %s(%s)", i.table, i.cols)
		case "u":
			add("unique %s(%s)", i.table, i.cols)
		default:
			add("index %s on %s(%s) unique=%t partial=%t", i.name, i.table, i.cols, i.unique, i.partial)
		}
	}
}
