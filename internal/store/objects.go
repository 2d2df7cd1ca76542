package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"renkei/internal/policy"
)

// Object is one stored version of a STIX object in one collection, with what
// the access policy and the listings need alongside the object as received.
type Object struct {
	PK           int64
	CollectionID string
	ID           string // STIX id
	Type         string
	SpecVersion  string
	Created      time.Time
	Modified     time.Time // the version; zero for objects without one
	DateAdded    time.Time
	ACL          policy.ACL
	Revoked      bool
	Name         string
	Pattern      string
	ValidFrom    time.Time
	ValidUntil   time.Time
	Ref          string // sighting_of_ref, or a relationship's source_ref
	TargetRef    string
	FirstSeen    time.Time
	LastSeen     time.Time
	Count        int64
	Raw          []byte
}

// Inserted tells what happened to one object given to InsertObjects.
type Inserted struct {
	PK        int64
	Duplicate bool // the same id and version was already there: nothing changed
	DateAdded time.Time
}

// InsertObjects stores objects in one transaction. An object whose
// (collection, id, modified, author) is already stored is left as it is and
// reported as a duplicate, so that posting the same version twice is
// idempotent. The author is part of the key for SCOs, which have no modified
// and ids derived from their values: each organization that posts the same
// value into a collection keeps its own copy, with its own markings and
// creator, which no other organization's copy overwrites or hides. Other
// objects have versions by their author only (the intake refuses the rest),
// so for them the author adds nothing to the key.
//
// date_added is assigned under a lock so that (date_added, pk) strictly
// increases with commit order: a reader paging by it can never see a later
// page gain an object that sorts before its cursor. Every row of one call
// gets the same date_added, never before the last one stored (pk, given out
// under the same lock, breaks ties), so that the gap between two objects a
// reader sees tells nothing of how many it may not see between them.
//
// When status is not empty, prog is recorded on that status in the same
// transaction, so that a status never reports a success that is not stored
// and one commit serves both.
func (db *DB) InsertObjects(ctx context.Context, objs []Object, now time.Time, status string, prog StatusProgress) ([]Inserted, error) {
	out := make([]Inserted, len(objs))
	err := db.InTx(ctx, func(tx *Tx) error {
		if status != "" {
			if err := advanceStatus(ctx, tx, status, prog, now); err != nil {
				return err
			}
		}
		if db.pg {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(7419002)"); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		var last int64
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(date_added), 0) FROM objects").Scan(&last); err != nil {
			return fmt.Errorf("last date added: %w", err)
		}
		rcp, err := tx.Prepare(ctx, "INSERT INTO object_recipients(object_pk, org_id, group_id, user_id) VALUES(?, ?, ?, ?)")
		if err != nil {
			return err
		}
		defer rcp.Close()
		// Rows go in as multi-row INSERTs: one statement per chunk costs far
		// less than one per object. RETURNING gives back the key of each
		// row stored (duplicates give none), which tells which rows they are.
		added := max(Micros(now), last)
		// Objects whose id is already stored, or comes twice in this batch,
		// have several versions: their latest flags are settled below.
		versioned := map[objectKey]bool{}
		seen := map[objectKey]bool{}
		for start := 0; start < len(objs); start += insertChunk {
			chunk := objs[start:min(start+insertChunk, len(objs))]
			if err := markVersioned(ctx, tx, chunk, seen, versioned); err != nil {
				return err
			}
			// Every stored object's id is claimed by its author, whatever
			// path stored it; the intake claims first (ClaimIDs) and stores
			// only what the claims allow.
			pairs := make([]any, 0, 2*len(chunk))
			for _, o := range chunk {
				pairs = append(pairs, o.ID, o.ACL.AuthorOrg)
			}
			if err := claim(ctx, tx, pairs); err != nil {
				return err
			}
			q := insertObjectsSQL(len(chunk))
			args := make([]any, 0, len(chunk)*objectInsertCols)
			byKey := make(map[versionKey]int, len(chunk))
			for k := range chunk {
				o := &chunk[k]
				a := o.ACL
				hasR := len(a.RecipientOrgs)+len(a.RecipientGroups) > 0 // users only matter for RED
				if _, twice := byKey[versionKey{o.CollectionID, o.ID, Micros(o.Modified), a.AuthorOrg}]; !twice {
					byKey[versionKey{o.CollectionID, o.ID, Micros(o.Modified), a.AuthorOrg}] = start + k // the first of the same version is stored
				}
				args = append(args, o.CollectionID, o.ID, o.Type, o.SpecVersion, Micros(o.Created), Micros(o.Modified), added,
					int(a.TLP), a.AuthorOrg, a.SubmitterUser, BoolInt(hasR), int(a.Consent), BoolInt(o.Revoked), o.Name, o.Pattern,
					Micros(o.ValidFrom), Micros(o.ValidUntil), o.Ref, o.TargetRef, Micros(o.FirstSeen), Micros(o.LastSeen), o.Count, string(o.Raw))
			}
			for k := range chunk {
				out[start+k] = Inserted{Duplicate: true}
			}
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("insert objects %s…: %w", chunk[0].ID, err)
			}
			for rows.Next() {
				var pk, da int64
				var k versionKey
				if err := rows.Scan(&pk, &da, &k.collection, &k.id, &k.modified, &k.author); err != nil {
					rows.Close()
					return err
				}
				i := byKey[k]
				out[i] = Inserted{PK: pk, DateAdded: FromMicros(da)}
				objs[i].PK, objs[i].DateAdded = pk, FromMicros(da)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		for k := range versioned {
			if err := settleLatest(ctx, tx, k); err != nil {
				return err
			}
		}
		for i := range objs {
			if out[i].Duplicate {
				continue
			}
			pk, a := out[i].PK, objs[i].ACL
			for _, r := range a.RecipientOrgs {
				if _, err := rcp.ExecContext(ctx, pk, r, nil, nil); err != nil {
					return err
				}
			}
			for _, r := range a.RecipientGroups {
				if _, err := rcp.ExecContext(ctx, pk, nil, r, nil); err != nil {
					return err
				}
			}
			for _, r := range a.RecipientUsers {
				if _, err := rcp.ExecContext(ctx, pk, nil, nil, r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

const (
	insertChunk      = 100 // rows per INSERT statement (23 parameters each)
	objectInsertCols = 23
)

// insertObjectsSQL is the INSERT of n rows.
func insertObjectsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO objects(collection_id, stix_id, type, spec_version, created, modified, date_added,
		tlp, author_org, submitter_user, has_recipients, consent, revoked, name, pattern, valid_from, valid_until,
		ref, target_ref, first_seen, last_seen, count, raw) VALUES `)
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", objectInsertCols), ", ") + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(" ON CONFLICT (stix_id, collection_id, modified, author_org) DO NOTHING RETURNING pk, date_added, collection_id, stix_id, modified, author_org")
	return b.String()
}

// Cursor is a position in date-added order. The zero Cursor is the start.
type Cursor struct {
	DateAdded int64 // microseconds
	PK        int64
}

// ObjectQuery selects objects for a listing. Every listing goes through the
// access policy for Viewer inside the query.
type ObjectQuery struct {
	Viewer       policy.Viewer
	CollectionID string // empty: every collection
	AddedAfter   time.Time
	After        Cursor
	IDs          []string
	Types        []string
	SpecVersions []string
	// Versions is "last" (the default), "first", "all", or specific versions.
	Versions     string
	VersionTimes []time.Time
	TLPs         []policy.TLP
	Search       string // substring of name or pattern, or an exact id
	Ref          string // objects whose ref (sighting_of_ref, source_ref) is this id
	Limit        int
	Descending   bool // newest first (for people); TAXII pages ascend
	// Brief reads only what is needed to send objects of one collection as
	// they are (ids, date added, access fields, the pattern whose
	// warninglist hits are shown, and the raw JSON; versions, Type and the
	// other indexed fields stay empty): TAXII pages use it, since every
	// column read costs on each of the page's rows.
	Brief bool
}

const objectCols = `o.pk, o.collection_id, o.stix_id, o.type, o.spec_version, o.created, o.modified, o.date_added,
	o.tlp, o.author_org, o.submitter_user, o.consent, o.revoked, o.name, o.pattern, o.valid_from, o.valid_until,
	o.ref, o.target_ref, o.first_seen, o.last_seen, o.count, o.raw`

const briefCols = `o.pk, o.stix_id, o.date_added, o.tlp, o.author_org, o.consent, o.pattern, o.raw`

// The positions of date_added in objectCols and briefCols (pk is first in both).
const objectAddedCol, briefAddedCol = 8, 3

// objectRow holds the destinations of a listing's columns. It is made once
// per listing, not once per row: every variable whose address Scan takes
// would otherwise move to the heap on each row.
type objectRow struct {
	o                                        Object
	created, modified, added, vf, vu, fs, ls int64
	tlp, consent, revoked                    int64 // database/sql scans other integer kinds through strings
	raw                                      sql.RawBytes
	dest                                     []any
	brief                                    bool
}

// newObjectRow prepares the destinations of briefCols or objectCols.
func newObjectRow(brief bool) *objectRow {
	r := &objectRow{brief: brief}
	o := &r.o
	if brief {
		r.dest = []any{&o.PK, &o.ID, &r.added, &r.tlp, &o.ACL.AuthorOrg, &r.consent, &o.Pattern, &r.raw}
	} else {
		r.dest = []any{&o.PK, &o.CollectionID, &o.ID, &o.Type, &o.SpecVersion, &r.created, &r.modified, &r.added,
			&r.tlp, &o.ACL.AuthorOrg, &o.ACL.SubmitterUser, &r.consent, &r.revoked, &o.Name, &o.Pattern, &r.vf, &r.vu,
			&o.Ref, &o.TargetRef, &r.fs, &r.ls, &o.Count, &r.raw}
	}
	return r
}

// scan reads the current row; the Object and its Raw are overwritten by the next.
func (r *objectRow) scan(rows *sql.Rows) (*Object, error) {
	r.o = Object{}
	if err := rows.Scan(r.dest...); err != nil {
		return nil, err
	}
	o := &r.o
	o.Created, o.Modified, o.DateAdded = FromMicros(r.created), FromMicros(r.modified), FromMicros(r.added)
	o.ACL.TLP, o.ACL.Consent, o.Raw = policy.TLP(r.tlp), policy.Consent(r.consent), r.raw
	if !r.brief {
		o.ValidFrom, o.ValidUntil, o.FirstSeen, o.LastSeen = FromMicros(r.vf), FromMicros(r.vu), FromMicros(r.fs), FromMicros(r.ls)
		o.Revoked = r.revoked != 0
	}
	return o, nil
}

// scanObjects reads whole objects from rows, each with its own copy of Raw.
func scanObjects(rows *sql.Rows) ([]Object, error) {
	var out []Object
	row := newObjectRow(false)
	for rows.Next() {
		o, err := row.scan(rows)
		if err != nil {
			return nil, err
		}
		c := *o
		c.Raw = bytes.Clone(o.Raw)
		out = append(out, c)
	}
	return out, rows.Err()
}

// where is the condition that selects what q lists, after its cursor.
func (q ObjectQuery) where() (string, []any) {
	where, args := q.unpaged()
	if q.After != (Cursor{}) {
		// Written so that the first term bounds the index range: the plain
		// "a > x OR (a = x AND pk > y)" makes SQLite scan from the start of
		// the collection, 50 times slower at page 250. EachObject, which
		// pages, does better still (pagedSQL).
		if q.Descending {
			where += " AND o.date_added <= ? AND (o.date_added < ? OR o.pk < ?)"
		} else {
			where += " AND o.date_added >= ? AND (o.date_added > ? OR o.pk > ?)"
		}
		args = append(args, q.After.DateAdded, q.After.DateAdded, q.After.PK)
	}
	return where, args
}

// unpaged is where without the cursor.
func (q ObjectQuery) unpaged() (string, []any) {
	var conds []string
	var args []any
	if q.CollectionID != "" {
		conds = append(conds, "o.collection_id = ?")
		args = append(args, q.CollectionID)
	}
	if !q.AddedAfter.IsZero() {
		conds = append(conds, "o.date_added > ?")
		args = append(args, Micros(q.AddedAfter))
	}
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		conds = append(conds, col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("o.stix_id", q.IDs)
	in("o.type", q.Types)
	in("o.spec_version", q.SpecVersions)
	if len(q.TLPs) > 0 {
		var ph []string
		for _, t := range q.TLPs {
			ph = append(ph, "?")
			args = append(args, int(t))
		}
		conds = append(conds, "o.tlp IN ("+strings.Join(ph, ", ")+")")
	}
	if q.Ref != "" {
		conds = append(conds, "o.ref = ? AND o.ref <> ''") // the second term lets the partial index objects_ref serve
		args = append(args, q.Ref)
	}
	if s := strings.TrimSpace(q.Search); s != "" {
		conds = append(conds, "(o.stix_id = ? OR LOWER(o.name) LIKE ? OR LOWER(o.pattern) LIKE ?)")
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(strings.ToLower(s)) + "%"
		args = append(args, s, like, like)
	}
	// "last" and "first" are decided over the versions the viewer may see
	// (package policy, versions.go): a version it may not see neither hides
	// nor reveals anything. The latest flag settles the common case, an
	// object whose latest version is the one read, without a subquery.
	switch q.Versions {
	case "", "last":
		f, fargs := policy.Filter(q.Viewer, "n")
		conds = append(conds, "(o.latest = 1 OR NOT EXISTS (SELECT 1 FROM objects n WHERE n.stix_id = o.stix_id AND n.collection_id = o.collection_id AND n.modified > o.modified AND "+f+"))")
		args = append(args, fargs...)
	case "first":
		f, fargs := policy.Filter(q.Viewer, "n")
		conds = append(conds, "NOT EXISTS (SELECT 1 FROM objects n WHERE n.stix_id = o.stix_id AND n.collection_id = o.collection_id AND n.modified < o.modified AND "+f+")")
		args = append(args, fargs...)
	case "all":
	default: // specific versions
		var ph []string
		for _, t := range q.VersionTimes {
			ph = append(ph, "?")
			args = append(args, Micros(t))
		}
		if len(ph) == 0 {
			conds = append(conds, "1 = 0")
		} else {
			conds = append(conds, "o.modified IN ("+strings.Join(ph, ", ")+")")
		}
	}
	f, fargs := policy.Filter(q.Viewer, "o")
	conds = append(conds, f)
	args = append(args, fargs...)
	return strings.Join(conds, " AND "), args
}

// Objects returns one page of objects matching q in date-added order, and
// whether more follow. It is one indexed query.
func (db *DB) Objects(ctx context.Context, q ObjectQuery) ([]Object, bool, error) {
	out := []Object{}
	more, err := db.EachObject(ctx, q, func(o *Object) error {
		c := *o
		c.Raw = bytes.Clone(o.Raw)
		out = append(out, c)
		return nil
	})
	return out, more, err
}

// EachObject calls fn with each object of one page matching q, in date-added
// order, and reports whether more follow; it is Objects without keeping the
// page. The Object and its Raw are reused from one call to the next, so fn
// copies what it keeps: a TAXII page is written straight from the rows, and
// at 64 clients the copies of every row were most of what the hub allocated.
func (db *DB) EachObject(ctx context.Context, q ObjectQuery, fn func(*Object) error) (bool, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	// The extra row says whether more follow.
	query, args := q.pagedSQL(limit+1, db.pg)
	rows, err := db.QueryCached(ctx, query, args...)
	if err != nil {
		return false, fmt.Errorf("list objects: %w", err)
	}
	defer rows.Close()
	row := newObjectRow(q.Brief)
	for n := 0; rows.Next(); n++ {
		if n == limit {
			return true, nil
		}
		o, err := row.scan(rows)
		if err != nil {
			return false, fmt.Errorf("list objects: %w", err)
		}
		if q.Brief {
			o.CollectionID = q.CollectionID
		}
		if err := fn(o); err != nil {
			return false, err
		}
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("list objects: %w", err)
	}
	return false, nil
}

// pagedSQL is the query of at most limit rows of q, in date-added order, on
// PostgreSQL when pg is set and on SQLite otherwise.
//
// The hub stores every object of one batch with the same date_added (so that
// gaps tell nothing of what a reader may not see), and a batch holds up to
// 2,000 objects. A cursor in the middle of a batch bounds the index range of
// (collection_id, date_added, pk) only by date_added (where), so a page read
// after it first steps over every row of the batch before the cursor: on
// average ten times the rows of a page of 100, each tested against the access
// policy. Each store is told to start exactly at the cursor in the words it
// understands:
//
//   - PostgreSQL seeks to a row comparison, (date_added, pk) > (d, pk), in the
//     index (an Index Cond, not a Filter).
//   - SQLite seeks on its first column only, so the page is read as two exact
//     index ranges, the rest of the cursor's batch and the batches after it,
//     merged in order (MERGE (UNION ALL)). Its LIMIT is written as a number:
//     SQLite prepares a compound SELECT whose LIMIT is a parameter again on
//     every execution, which costs more than the page. PostgreSQL, given the
//     same UNION, appends and sorts every row after the cursor instead.
//
// BenchmarkObjectsPage measures it.
func (q ObjectQuery) pagedSQL(limit int, pg bool) (string, []any) {
	cols, added := objectCols, objectAddedCol
	if q.Brief {
		cols, added = briefCols, briefAddedCol
	}
	order := "o.date_added, o.pk"
	cmp := ">"
	if q.Descending {
		order, cmp = "o.date_added DESC, o.pk DESC", "<"
	}
	where, args := q.unpaged()
	if q.After == (Cursor{}) {
		return "SELECT " + cols + " FROM objects o WHERE " + where + " ORDER BY " + order + " LIMIT ?", append(args, limit)
	}
	if pg {
		return "SELECT " + cols + " FROM objects o WHERE " + where + " AND (o.date_added, o.pk) " + cmp + " (?, ?) ORDER BY " + order + " LIMIT ?",
			append(args, q.After.DateAdded, q.After.PK, limit)
	}
	// A compound SELECT is ordered by the positions of its columns.
	order = fmt.Sprintf("%d, 1", added)
	if q.Descending {
		order = fmt.Sprintf("%d DESC, 1 DESC", added)
	}
	all := make([]any, 0, 2*len(args)+3)
	all = append(all, args...)
	all = append(all, q.After.DateAdded, q.After.PK)
	all = append(all, args...)
	all = append(all, q.After.DateAdded)
	return "SELECT " + cols + " FROM objects o WHERE " + where + " AND o.date_added = ? AND o.pk " + cmp + " ?" +
		" UNION ALL SELECT " + cols + " FROM objects o WHERE " + where + " AND o.date_added " + cmp + " ?" +
		" ORDER BY " + order + " LIMIT " + strconv.Itoa(limit), all
}

// CountObjects counts what q would list, under the same access policy.
func (db *DB) CountObjects(ctx context.Context, q ObjectQuery) (int64, error) {
	where, args := q.where()
	var n int64
	err := db.QueryRow(ctx, "SELECT COUNT(*) FROM objects o WHERE "+where, args...).Scan(&n)
	return n, err
}

// TypeTLPCount is one cell of the dashboard's table.
type TypeTLPCount struct {
	Type  string
	TLP   policy.TLP
	Count int64
}

// CountByTypeAndTLP counts the latest versions the viewer may see, by type and TLP.
func (db *DB) CountByTypeAndTLP(ctx context.Context, v policy.Viewer) ([]TypeTLPCount, error) {
	where, args := ObjectQuery{Viewer: v}.where()
	rows, err := db.Query(ctx, "SELECT o.type, o.tlp, COUNT(*) FROM objects o WHERE "+where+" GROUP BY o.type, o.tlp ORDER BY o.type, o.tlp", args...)
	if err != nil {
		return nil, err
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

// Recipients fills in the recipients of an object's ACL.
func (db *DB) Recipients(ctx context.Context, o *Object) error {
	rows, err := db.Query(ctx, "SELECT COALESCE(org_id, ''), COALESCE(group_id, ''), COALESCE(user_id, 0) FROM object_recipients WHERE object_pk = ?", o.PK)
	if err != nil {
		return err
	}
	defer rows.Close()
	o.ACL.RecipientOrgs, o.ACL.RecipientGroups, o.ACL.RecipientUsers = nil, nil, nil
	for rows.Next() {
		var org, grp string
		var user int64
		if err := rows.Scan(&org, &grp, &user); err != nil {
			return err
		}
		switch {
		case org != "":
			o.ACL.RecipientOrgs = append(o.ACL.RecipientOrgs, org)
		case grp != "":
			o.ACL.RecipientGroups = append(o.ACL.RecipientGroups, grp)
		case user != 0:
			o.ACL.RecipientUsers = append(o.ACL.RecipientUsers, user)
		}
	}
	return rows.Err()
}

// DeleteObject deletes the given versions of an object from a collection
// (every version when versions is "all") and returns how many were deleted.
// The caller has already checked the viewer may delete it.
func (db *DB) DeleteObject(ctx context.Context, q ObjectQuery) (int64, error) {
	where, args := q.where()
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, "SELECT o.pk FROM objects o WHERE "+where, args...)
		if err != nil {
			return err
		}
		var pks []int64
		for rows.Next() {
			var pk int64
			if err := rows.Scan(&pk); err != nil {
				rows.Close()
				return err
			}
			pks = append(pks, pk)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = int64(len(pks))
		return tx.DeleteObjects(ctx, pks)
	})
	return n, err
}

// objectKey names an object in a collection, across its versions.
type objectKey struct{ id, collection string }

// versionKey is one stored version: what ON CONFLICT compares (migration
// 00025 added the author, for SCOs).
type versionKey struct {
	collection, id string
	modified       int64
	author         string
}

// markVersioned adds to versioned the objects of chunk that already have a
// stored version or appear more than once in the batch.
func markVersioned(ctx context.Context, tx *Tx, chunk []Object, seen, versioned map[objectKey]bool) error {
	args := make([]any, 0, len(chunk))
	for _, o := range chunk {
		k := objectKey{o.ID, o.CollectionID}
		if seen[k] {
			versioned[k] = true
		}
		seen[k] = true
		args = append(args, o.ID)
	}
	rows, err := tx.Query(ctx, "SELECT DISTINCT stix_id, collection_id FROM objects WHERE stix_id IN ("+
		strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+")", args...)
	if err != nil {
		return fmt.Errorf("find earlier versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k objectKey
		if err := rows.Scan(&k.id, &k.collection); err != nil {
			return err
		}
		if seen[k] {
			versioned[k] = true
		}
	}
	return rows.Err()
}

// settleLatest marks the newest stored version of an object in its collection
// as the latest, and no other.
func settleLatest(ctx context.Context, tx *Tx, k objectKey) error {
	_, err := tx.Exec(ctx, `UPDATE objects SET latest = CASE WHEN modified = (SELECT MAX(m.modified) FROM objects m
		WHERE m.stix_id = ? AND m.collection_id = ?) THEN 1 ELSE 0 END WHERE stix_id = ? AND collection_id = ?`, k.id, k.collection, k.id, k.collection)
	if err != nil {
		return fmt.Errorf("latest version of %s: %w", k.id, err)
	}
	return nil
}

// DeleteObjects deletes stored object versions by row id, with their
// recipients, and settles which remaining version of each object is latest.
// Every deletion of objects goes through here.
func (tx *Tx) DeleteObjects(ctx context.Context, pks []int64) error {
	for i := 0; i < len(pks); i += 500 {
		part := pks[i:min(i+500, len(pks))]
		args := make([]any, len(part))
		for j, pk := range part {
			args[j] = pk
		}
		in := strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")
		rows, err := tx.Query(ctx, "SELECT DISTINCT stix_id, collection_id FROM objects WHERE pk IN ("+in+")", args...)
		if err != nil {
			return err
		}
		var keys []objectKey
		for rows.Next() {
			var k objectKey
			if err := rows.Scan(&k.id, &k.collection); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, k)
		}
		rows.Close()
		if _, err := tx.Exec(ctx, "DELETE FROM object_recipients WHERE object_pk IN ("+in+")", args...); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM objects WHERE pk IN ("+in+")", args...); err != nil {
			return err
		}
		for _, k := range keys {
			if err := settleLatest(ctx, tx, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// SightingSummary is what the author of an indicator sees of its sightings.
type SightingSummary struct {
	Sightings int64
	Count     int64
	FirstSeen time.Time
	LastSeen  time.Time
}

// Sightings summarizes the sightings of an object that the viewer may see.
func (db *DB) Sightings(ctx context.Context, v policy.Viewer, ofID string) (SightingSummary, error) {
	where, args := ObjectQuery{Viewer: v, Ref: ofID, Types: []string{"sighting"}}.where()
	var s SightingSummary
	var fs, ls sql.NullInt64
	err := db.QueryRow(ctx, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN o.count > 0 THEN o.count ELSE 1 END), 0), MIN(NULLIF(o.first_seen, 0)), MAX(NULLIF(o.last_seen, 0)) FROM objects o WHERE "+where, args...).
		Scan(&s.Sightings, &s.Count, &fs, &ls)
	s.FirstSeen, s.LastSeen = FromMicros(fs.Int64), FromMicros(ls.Int64)
	return s, err
}

// ObjectByID returns the latest version of an object the viewer may see, in
// any collection.
func (db *DB) ObjectByID(ctx context.Context, v policy.Viewer, id string) (Object, error) {
	objs, _, err := db.Objects(ctx, ObjectQuery{Viewer: v, IDs: []string{id}, Limit: 1, Descending: true})
	if err != nil {
		return Object{}, err
	}
	if len(objs) == 0 {
		return Object{}, fmt.Errorf("object %s: %w", id, ErrNotFound)
	}
	return objs[0], nil
}

// MarkingDefined reports whether a marking definition with this id is stored.
// Knowing that a marking exists reveals nothing, so this asks no policy.
func (db *DB) MarkingDefined(ctx context.Context, id string) (bool, error) {
	var n int
	err := db.QueryRow(ctx, "SELECT COUNT(*) FROM objects WHERE stix_id = ? AND type = 'marking-definition'", id).Scan(&n)
	return n > 0, err
}
