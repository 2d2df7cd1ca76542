package store

// The selection of the objects a retention rule deletes (package
// retention). The deletion itself is Tx.DeleteObjects, after the audit log
// accepted it.

import (
	"context"
	"fmt"
	"time"
)

// Expiring says which objects a retention rule applies to: added before
// Before, of Type ("" for every type), of TLP when HasTLP, and, when
// Marked is set, only those authored by the organization Author whose
// content contains Marked (the sightings the matcher made from
// communications information).
type Expiring struct {
	Before         time.Time
	Type           string
	Author, Marked string
	TLP            int
	HasTLP         bool
}

// ExpiredObject is one object a rule deletes: its row key, id and version.
type ExpiredObject struct {
	PK       int64
	ID       string
	Modified int64 // microseconds
}

// ExpiredObjects returns up to limit objects e selects, by row key.
func (db *DB) ExpiredObjects(ctx context.Context, e Expiring, limit int) ([]ExpiredObject, error) {
	q := "SELECT pk, stix_id, modified FROM objects WHERE date_added < ?"
	args := []any{Micros(e.Before)}
	if e.Type != "" {
		q += " AND type = ?"
		args = append(args, e.Type)
	}
	if e.Marked != "" {
		q += " AND author_org = ? AND raw LIKE ?"
		args = append(args, e.Author, "%"+e.Marked+"%")
	}
	if e.HasTLP {
		q += " AND tlp = ?"
		args = append(args, e.TLP)
	}
	rows, err := db.Query(ctx, q+" ORDER BY pk LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("select expired objects: %w", err)
	}
	defer rows.Close()
	var out []ExpiredObject
	for rows.Next() {
		var o ExpiredObject
		if err := rows.Scan(&o.PK, &o.ID, &o.Modified); err != nil {
			return nil, fmt.Errorf("select expired objects: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
