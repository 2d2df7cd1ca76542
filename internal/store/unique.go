package store

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// pgUniqueViolation is PostgreSQL's SQLSTATE for a row that repeats a
// primary key or a unique column (unique_violation).
const pgUniqueViolation = "23505"

// IsUniqueViolation reports whether err, however wrapped, is a write refused
// because it repeats a primary key or a unique column: a duplicate. It
// decides by the drivers' codes — PostgreSQL's SQLSTATE 23505, SQLite's
// SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY — never by the
// text of the message, which other constraints and languages share.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == pgUniqueViolation
	}
	var lite *sqlite.Error // its code is the extended result code: the driver turns them on
	if errors.As(err, &lite) {
		switch lite.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return true
		}
	}
	return false
}
