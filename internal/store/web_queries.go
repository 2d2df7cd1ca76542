package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"renkei/internal/policy"
)

// SightingsOfOrg returns the newest sightings the viewer may see of objects
// that the organization authored, newest first: the console's "who saw our
// indicators". The access policy is in the query, as for every listing.
func (db *DB) SightingsOfOrg(ctx context.Context, v policy.Viewer, orgID string, limit int) ([]Object, error) {
	if limit <= 0 {
		limit = 10
	}
	where, args := ObjectQuery{Viewer: v, Types: []string{"sighting"}}.where()
	where += " AND o.ref IN (SELECT a.stix_id FROM objects a WHERE a.author_org = ?)"
	args = append(args, orgID, limit)
	rows, err := db.Query(ctx, "SELECT "+objectCols+" FROM objects o WHERE "+where+" ORDER BY o.date_added DESC, o.pk DESC LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("sightings of %s: %w", orgID, err)
	}
	defer rows.Close()
	var out []Object
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// TokenByID finds a token by id, for revocation checks.
func (db *DB) TokenByID(ctx context.Context, id int64) (Token, error) {
	t, err := scanToken(db.QueryRow(ctx, "SELECT "+tokenCols+" FROM tokens WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("token %d: %w", id, ErrNotFound)
	}
	return t, err
}
