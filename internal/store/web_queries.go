package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
	// Naming the collections lets the planner walk the (collection, type)
	// index over sightings only, and the EXISTS looks each target up by id,
	// instead of scanning every object.
	where = "o.collection_id IN (SELECT id FROM collections) AND " + where +
		" AND EXISTS (SELECT 1 FROM objects a WHERE a.stix_id = o.ref AND a.author_org = ?)"
	args = append(args, orgID, limit)
	rows, err := db.Query(ctx, "SELECT "+objectCols+" FROM objects o WHERE "+where+" ORDER BY o.date_added DESC, o.pk DESC LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("sightings of %s: %w", orgID, err)
	}
	defer rows.Close()
	return scanObjects(rows)
}

// CountRecentByTypeAndTLP counts the latest versions the viewer may see that
// were added after since, by type and TLP: the dashboard's "what came in
// lately". Bounding by date lets the query walk the date-added index instead
// of the whole table.
func (db *DB) CountRecentByTypeAndTLP(ctx context.Context, v policy.Viewer, since time.Time) ([]TypeTLPCount, error) {
	where, args := ObjectQuery{Viewer: v, AddedAfter: since}.where()
	rows, err := db.Query(ctx, "SELECT o.type, o.tlp, COUNT(*) FROM objects o WHERE "+where+" GROUP BY o.type, o.tlp ORDER BY o.type, o.tlp", args...)
	if err != nil {
		return nil, fmt.Errorf("count recent objects: %w", err)
	}
	defer rows.Close()
	var out []TypeTLPCount
	for rows.Next() {
		var c TypeTLPCount
		var t int
		if err := rows.Scan(&c.Type, &t, &c.Count); err != nil {
			return nil, err
		}
		c.TLP = policy.TLP(t)
		out = append(out, c)
	}
	return out, rows.Err()
}

// TokenByPublicID finds a token by its public id; anything that is not one
// (a row id above all) is not found.
func (db *DB) TokenByPublicID(ctx context.Context, id string) (Token, error) {
	if !ValidPublicID(id) {
		return Token{}, fmt.Errorf("token %q: %w", id, ErrNotFound)
	}
	t, err := scanToken(db.QueryRow(ctx, "SELECT "+tokenCols+" FROM tokens WHERE public_id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("token %q: %w", id, ErrNotFound)
	}
	return t, err
}

// TokenByID finds a token by id, for revocation checks.
func (db *DB) TokenByID(ctx context.Context, id int64) (Token, error) {
	t, err := scanToken(db.QueryRow(ctx, "SELECT "+tokenCols+" FROM tokens WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("token %d: %w", id, ErrNotFound)
	}
	return t, err
}
