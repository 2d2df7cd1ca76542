package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"renkei/internal/policy"
)

// Warninglist is one warninglist as the store keeps it: imported or kept by
// the center (Body in MISP's JSON format), or a built-in list's switch
// (Body empty).
type Warninglist struct {
	ID        string
	Origin    string
	Action    string
	Enabled   bool
	Body      []byte
	UpdatedAt time.Time
	UpdatedBy string
}

const warninglistCols = "id, origin, action, enabled, body, updated_at, updated_by"

func scanWarninglist(r interface{ Scan(...any) error }) (Warninglist, error) {
	var w Warninglist
	var enabled int
	var body string
	var at int64
	if err := r.Scan(&w.ID, &w.Origin, &w.Action, &enabled, &body, &at, &w.UpdatedBy); err != nil {
		return w, err
	}
	w.Enabled, w.Body, w.UpdatedAt = enabled != 0, []byte(body), FromMicros(at)
	return w, nil
}

// Warninglists lists every stored warninglist, by id.
func (db *DB) Warninglists(ctx context.Context) ([]Warninglist, error) {
	return queryAll(ctx, db, "list warninglists", scanWarninglist, "SELECT "+warninglistCols+" FROM warninglists ORDER BY id")
}

// WarninglistsVersion changes whenever a stored list or a member's
// registered address space changes, so that a process rebuilds its matcher
// only then.
func (db *DB) WarninglistsVersion(ctx context.Context) (string, error) {
	var n, at, spaces int64
	err := db.QueryRowCached(ctx, `SELECT (SELECT COUNT(*) FROM warninglists), (SELECT COALESCE(MAX(updated_at), 0) FROM warninglists),
		(SELECT COUNT(*) FROM org_address_space)`).Scan(&n, &at, &spaces)
	if err != nil {
		return "", fmt.Errorf("warninglists version: %w", err)
	}
	return fmt.Sprintf("%d.%d.%d", n, at, spaces), nil
}

// SaveWarninglist stores w, replacing a list of the same id.
func (db *DB) SaveWarninglist(ctx context.Context, w Warninglist) error {
	_, err := db.Exec(ctx, `INSERT INTO warninglists(`+warninglistCols+`) VALUES(?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET origin = excluded.origin, action = excluded.action, enabled = excluded.enabled,
		body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		w.ID, w.Origin, w.Action, BoolInt(w.Enabled), string(w.Body), Micros(w.UpdatedAt), w.UpdatedBy)
	if err != nil {
		return fmt.Errorf("save warninglist %s: %w", w.ID, err)
	}
	return nil
}

// UpdateWarninglist changes the stored list id in one transaction: fn gets
// the list as stored (found false when there is none) and changes it.
func (db *DB) UpdateWarninglist(ctx context.Context, id string, fn func(w *Warninglist, found bool) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		q := "SELECT " + warninglistCols + " FROM warninglists WHERE id = ?"
		if db.pg {
			q += " FOR UPDATE"
		}
		w, err := scanWarninglist(tx.QueryRow(ctx, q, id))
		found := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("warninglist %s: %w", id, err)
		}
		w.ID = id
		if err := fn(&w, found); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO warninglists(`+warninglistCols+`) VALUES(?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(id) DO UPDATE SET origin = excluded.origin, action = excluded.action, enabled = excluded.enabled,
			body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			w.ID, w.Origin, w.Action, BoolInt(w.Enabled), string(w.Body), Micros(w.UpdatedAt), w.UpdatedBy)
		if err != nil {
			return fmt.Errorf("save warninglist %s: %w", id, err)
		}
		return nil
	})
}

// AddressSpacePrefixes lists every member's registered prefixes.
func (db *DB) AddressSpacePrefixes(ctx context.Context) ([]string, error) {
	return queryAll(ctx, db, "list address space", func(r interface{ Scan(...any) error }) (string, error) {
		var p string
		return p, r.Scan(&p)
	}, "SELECT DISTINCT prefix FROM org_address_space ORDER BY prefix")
}

// ExportPolicy is what an indicator must meet to reach the exports of a
// scope: the hub ("hub", id ""), a collection ("collection", its id) or a
// member organization ("org", its id).
type ExportPolicy struct {
	Scope         string
	ScopeID       string
	MinConfidence int
	MaxAge        time.Duration // 0: no limit
	RequireReview bool
	UpdatedAt     time.Time
	UpdatedBy     string
}

// ExportPolicies lists every export policy set.
func (db *DB) ExportPolicies(ctx context.Context) ([]ExportPolicy, error) {
	return queryAll(ctx, db, "list export policies", func(r interface{ Scan(...any) error }) (ExportPolicy, error) {
		var p ExportPolicy
		var age, at int64
		var review int
		err := r.Scan(&p.Scope, &p.ScopeID, &p.MinConfidence, &age, &review, &at, &p.UpdatedBy)
		p.MaxAge, p.RequireReview, p.UpdatedAt = time.Duration(age)*time.Second, review != 0, FromMicros(at)
		return p, err
	}, "SELECT scope, scope_id, min_confidence, max_age_seconds, require_review, updated_at, updated_by FROM export_policies ORDER BY scope, scope_id")
}

// SetExportPolicy stores p, replacing the policy of its scope.
func (db *DB) SetExportPolicy(ctx context.Context, p ExportPolicy) error {
	_, err := db.Exec(ctx, `INSERT INTO export_policies(scope, scope_id, min_confidence, max_age_seconds, require_review, updated_at, updated_by)
		VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(scope, scope_id) DO UPDATE SET min_confidence = excluded.min_confidence,
		max_age_seconds = excluded.max_age_seconds, require_review = excluded.require_review, updated_at = excluded.updated_at,
		updated_by = excluded.updated_by`,
		p.Scope, p.ScopeID, p.MinConfidence, int64(p.MaxAge/time.Second), BoolInt(p.RequireReview), Micros(p.UpdatedAt), p.UpdatedBy)
	if err != nil {
		return fmt.Errorf("set export policy %s %s: %w", p.Scope, p.ScopeID, err)
	}
	return nil
}

// ExportReview is the center's decision on one indicator waiting to reach
// exports: "release" or "hold".
type ExportReview struct {
	StixID     string
	Decision   string
	Note       string
	ReviewedBy string
	ReviewedAt time.Time
}

// ExportReviews returns every review, by STIX id.
func (db *DB) ExportReviews(ctx context.Context) (map[string]ExportReview, error) {
	rs, err := queryAll(ctx, db, "list export reviews", func(r interface{ Scan(...any) error }) (ExportReview, error) {
		var e ExportReview
		var at int64
		err := r.Scan(&e.StixID, &e.Decision, &e.Note, &e.ReviewedBy, &at)
		e.ReviewedAt = FromMicros(at)
		return e, err
	}, "SELECT stix_id, decision, note, reviewed_by, reviewed_at FROM export_reviews")
	if err != nil {
		return nil, err
	}
	m := make(map[string]ExportReview, len(rs))
	for _, r := range rs {
		m[r.StixID] = r
	}
	return m, nil
}

// SetExportReview stores the center's decision on an indicator.
func (db *DB) SetExportReview(ctx context.Context, r ExportReview) error {
	_, err := db.Exec(ctx, `INSERT INTO export_reviews(stix_id, decision, note, reviewed_by, reviewed_at) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(stix_id) DO UPDATE SET decision = excluded.decision, note = excluded.note,
		reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at`,
		r.StixID, r.Decision, r.Note, r.ReviewedBy, Micros(r.ReviewedAt))
	if err != nil {
		return fmt.Errorf("review %s: %w", r.StixID, err)
	}
	return nil
}

// LastSightings gives, for each object sighted in a sighting the viewer may
// see, the last time it was seen (or the sighting was added): an export's
// freshness counts from it.
func (db *DB) LastSightings(ctx context.Context, v policy.Viewer) (map[string]time.Time, error) {
	where, args := ObjectQuery{Viewer: v, Types: []string{"sighting"}}.where()
	type last struct {
		ref string
		at  int64
	}
	rs, err := queryAll(ctx, db, "last sightings", func(r interface{ Scan(...any) error }) (last, error) {
		var l last
		return l, r.Scan(&l.ref, &l.at)
	}, "SELECT o.ref, MAX(CASE WHEN o.last_seen > 0 THEN o.last_seen ELSE o.date_added END) FROM objects o WHERE "+where+" GROUP BY o.ref", args...)
	if err != nil {
		return nil, err
	}
	m := make(map[string]time.Time, len(rs))
	for _, r := range rs {
		m[r.ref] = FromMicros(r.at)
	}
	return m, nil
}

// ExportReviewQueue lists the latest versions, newest first, of the
// indicators viewer v may see that wait for the center's review before
// they reach exports: not revoked, not authored by the center (center), not
// yet released or held, in the scope of an export policy that requires
// review (the hub's, their collection's, or a member's, whose exports they
// would then wait in). The viewer's access filter (policy.Filter, through
// ObjectQuery) is in the query, as for every listing; the gate decides the
// same wait per reader (exportgate.Gate.Object).
func (db *DB) ExportReviewQueue(ctx context.Context, v policy.Viewer, center string, limit int) ([]Object, error) {
	if limit <= 0 {
		limit = 100
	}
	where, args := ObjectQuery{Viewer: v, Types: []string{"indicator"}}.where()
	where += ` AND o.revoked = 0 AND o.author_org <> ?
		AND NOT EXISTS (SELECT 1 FROM export_reviews r WHERE r.stix_id = o.stix_id)
		AND EXISTS (SELECT 1 FROM export_policies p WHERE p.require_review = 1
			AND (p.scope IN ('hub', 'org') OR (p.scope = 'collection' AND p.scope_id = o.collection_id)))`
	args = append(args, center, limit)
	rows, err := db.Query(ctx, "SELECT "+objectCols+" FROM objects o WHERE "+where+" ORDER BY o.date_added DESC, o.pk DESC LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("export review queue: %w", err)
	}
	defer rows.Close()
	return scanObjects(rows)
}

// waitingForReview is the condition, on objects o, of an indicator that no
// review has decided yet and that is not revoked.
const waitingForReview = `o.type = 'indicator' AND o.revoked = 0
		AND NOT EXISTS (SELECT 1 FROM export_reviews r WHERE r.stix_id = o.stix_id)`

// underReviewPolicy is the condition, on objects o, of an indicator in the
// scope of an export policy that requires review (the hub's, its
// collection's, or a member's); one argument: the center's identity, whose
// own indicators never wait.
const underReviewPolicy = `o.author_org <> ? AND EXISTS (SELECT 1 FROM export_policies p WHERE p.require_review = 1
			AND (p.scope IN ('hub', 'org') OR (p.scope = 'collection' AND p.scope_id = o.collection_id)))`

// idnPattern is the condition, on objects o, of a pattern that may hold an
// internationalized name: in punycode ("xn--") or with a character outside
// printable ASCII (a superset: the warninglists decide).
func (db *DB) idnPattern() string {
	if db.pg {
		return `(LOWER(o.pattern) LIKE '%xn--%' OR o.pattern ~ '[^ -~]')`
	}
	return `(LOWER(o.pattern) LIKE '%xn--%' OR o.pattern GLOB '*[^ -~]*')`
}

// ExportReviewIDNCandidates lists, newest first, the latest versions of
// the indicators viewer v may see that no review has decided, are not
// revoked and whose pattern may hold an internationalized name (idnPattern): those whose name is an IDN homograph of a listed name wait for
// the center's review whatever the policies, which only the warninglists
// can tell (exportgate.Service.ReviewQueue). At most limit.
func (db *DB) ExportReviewIDNCandidates(ctx context.Context, v policy.Viewer, limit int) ([]Object, error) {
	where, args := ObjectQuery{Viewer: v, Types: []string{"indicator"}}.where()
	where += " AND " + waitingForReview + " AND " + db.idnPattern()
	args = append(args, limit)
	rows, err := db.Query(ctx, "SELECT "+objectCols+" FROM objects o WHERE "+where+" ORDER BY o.date_added DESC, o.pk DESC LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("export review queue (internationalized names): %w", err)
	}
	defer rows.Close()
	return scanObjects(rows)
}

// HiddenReview is an indicator waiting for the center's review that a
// reader may not see: only what is needed to count it (its pattern, for the
// homograph test, and whether a policy holds it), never shown.
type HiddenReview struct {
	Pattern     string
	UnderPolicy bool
}

// ExportReviewHidden gives the indicators waiting for the center's review
// — under a policy requiring it, or holding an internationalized name —
// of which viewer v may see no version (the negation of policy.Filter),
// latest versions only, for the review queue to count them without
// showing them.
func (db *DB) ExportReviewHidden(ctx context.Context, v policy.Viewer, center string) ([]HiddenReview, error) {
	f, fargs := policy.Filter(v, "n")
	args := append([]any{center, center}, fargs...)
	return queryAll(ctx, db, "hidden export reviews", func(r interface{ Scan(...any) error }) (HiddenReview, error) {
		var h HiddenReview
		var under int64
		err := r.Scan(&h.Pattern, &under)
		h.UnderPolicy = under != 0
		return h, err
	}, `SELECT o.pattern, CASE WHEN `+underReviewPolicy+` THEN 1 ELSE 0 END FROM objects o
		WHERE o.latest = 1 AND `+waitingForReview+`
		AND ((`+underReviewPolicy+`) OR `+db.idnPattern()+`)
		AND NOT EXISTS (SELECT 1 FROM objects n WHERE n.stix_id = o.stix_id AND n.collection_id = o.collection_id AND `+f+`)`, args...)
}
