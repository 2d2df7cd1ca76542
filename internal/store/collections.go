package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Collection is a TAXII collection. Audience says who may use it:
// "members" (every member organization), "public" (anyone, TLP:CLEAR only),
// "group:<group id>" or "org:<org id>".
type Collection struct {
	ID          string
	Title       string
	Description string
	Audience    string
	Writable    bool
	Created     time.Time
}

// AddCollection stores a collection.
func (db *DB) AddCollection(ctx context.Context, c Collection) error {
	_, err := db.Exec(ctx, "INSERT INTO collections(id, title, description, audience, writable, created_at) VALUES(?, ?, ?, ?, ?, ?)",
		c.ID, c.Title, c.Description, c.Audience, BoolInt(c.Writable), Micros(c.Created))
	if err != nil {
		return fmt.Errorf("add collection %q: %w", c.Title, err)
	}
	return nil
}

func scanCollection(row interface{ Scan(...any) error }) (Collection, error) {
	var c Collection
	var w int
	var t int64
	err := row.Scan(&c.ID, &c.Title, &c.Description, &c.Audience, &w, &t)
	c.Writable, c.Created = w != 0, FromMicros(t)
	return c, err
}

// Collections lists every collection.
func (db *DB) Collections(ctx context.Context) ([]Collection, error) {
	return queryAll(ctx, db, "list collections", scanCollection, "SELECT id, title, description, audience, writable, created_at FROM collections ORDER BY created_at, id")
}

// Collection finds a collection by id.
func (db *DB) Collection(ctx context.Context, id string) (Collection, error) {
	c, err := scanCollection(db.QueryRowCached(ctx, "SELECT id, title, description, audience, writable, created_at FROM collections WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("collection %s: %w", id, ErrNotFound)
	}
	return c, err
}

// AddedRange returns the first and last date_added of the given objects.
func AddedRange(objs []Object) (first, last time.Time) {
	for i, o := range objs {
		if i == 0 || o.DateAdded.Before(first) {
			first = o.DateAdded
		}
		if o.DateAdded.After(last) {
			last = o.DateAdded
		}
	}
	return first, last
}
