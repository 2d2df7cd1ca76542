package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"renkei/internal/policy"
)

// The center's cases (package cases keeps their rules): the cases table, the
// timeline in case_actions and what a case is about in case_links. Which
// cases a reader lists is policy.CaseFilter; what of a case the reporting
// organization sees is decided by package cases.

// Case is one case of the center. Its JSON is the API's.
//
// Cases are numbered in one sequence: the reporting organization that saw
// two of its cases' row ids would learn how many the center opened for
// others in between. PublicID (128 random bits in hex, set by OpenCase) is
// the only id of a case that leaves the hub.
type Case struct {
	ID        int64        `json:"-"` // the row id, never shown outside the hub
	PublicID  string       `json:"id"`
	Title     string       `json:"title"`
	Status    string       `json:"status"`
	Severity  string       `json:"severity"`
	Assignee  string       `json:"assignee,omitempty"`
	OrgID     string       `json:"org_id,omitempty"`   // the organization it came from
	Source    string       `json:"source,omitempty"`   // report:<incident> | alert:<alert> | consult:<consultation>, each by its public id
	Template  string       `json:"template,omitempty"` // the case template it was opened from (cases.Template)
	CreatedBy int64        `json:"-"`
	Created   time.Time    `json:"created"`
	Updated   time.Time    `json:"updated"`
	Actions   []CaseAction `json:"actions,omitempty"`
	Links     []CaseLink   `json:"links,omitempty"`
	Tasks     []CaseTask   `json:"tasks,omitempty"`
}

// CaseAction is one entry of a case's timeline.
type CaseAction struct {
	Kind   string    `json:"kind"` // opened | note | status | assign | severity | link
	Text   string    `json:"text"`
	Shared bool      `json:"shared"` // shown to the reporting organization
	User   string    `json:"user"`
	At     time.Time `json:"at"`
}

// CaseLink is something a case is about.
type CaseLink struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

// CaseQuery selects cases for Cases.
type CaseQuery struct {
	Status   string
	Assignee string
	OpenOnly bool // not resolved or closed
	Source   string
	Limit    int
}

// OpenCase stores a new case with the first action of its timeline, its
// links and its first tasks, in one transaction, and sets the row ids and
// public ids of k and of each task.
func (db *DB) OpenCase(ctx context.Context, k *Case, opened CaseAction, links []CaseLink, tasks []CaseTask) error {
	var id int64
	pub := NewPublicID()
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO cases(title, status, severity, assignee, org_id, source, template, created_by, created_at, updated_at, public_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			k.Title, k.Status, k.Severity, k.Assignee, k.OrgID, k.Source, k.Template, k.CreatedBy, Micros(k.Created), Micros(k.Updated), pub).Scan(&id); err != nil {
			return fmt.Errorf("open case: %w", err)
		}
		if err := addCaseAction(ctx, tx, id, opened); err != nil {
			return err
		}
		for i := range tasks {
			if err := addCaseTask(ctx, tx, id, &tasks[i]); err != nil {
				return err
			}
		}
		return addCaseLinks(ctx, tx, id, links)
	})
	if err == nil {
		k.ID, k.PublicID = id, pub
		k.Tasks = tasks
	}
	return err
}

// UpdateCase stores a case's status, severity, assignee and update time with
// the actions and links that changed them, in one transaction.
func (db *DB) UpdateCase(ctx context.Context, k Case, acts []CaseAction, links []CaseLink) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := addCaseLinks(ctx, tx, k.ID, links); err != nil {
			return err
		}
		for _, a := range acts {
			if err := addCaseAction(ctx, tx, k.ID, a); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE cases SET status = ?, severity = ?, assignee = ?, updated_at = ? WHERE id = ?",
			k.Status, k.Severity, k.Assignee, Micros(k.Updated), k.ID); err != nil {
			return fmt.Errorf("case %d: update: %w", k.ID, err)
		}
		return nil
	})
}

func addCaseAction(ctx context.Context, tx *Tx, id int64, a CaseAction) error {
	if _, err := tx.Exec(ctx, "INSERT INTO case_actions(case_id, kind, text, shared, user_login, at) VALUES(?, ?, ?, ?, ?, ?)",
		id, a.Kind, a.Text, BoolInt(a.Shared), a.User, Micros(a.At)); err != nil {
		return fmt.Errorf("case %d: add action: %w", id, err)
	}
	return nil
}

// addCaseLinks links a case to each of links it is not linked to yet.
func addCaseLinks(ctx context.Context, tx *Tx, id int64, links []CaseLink) error {
	for _, l := range links {
		if _, err := tx.Exec(ctx, "INSERT INTO case_links(case_id, kind, ref) VALUES(?, ?, ?) ON CONFLICT DO NOTHING", id, l.Kind, l.Ref); err != nil {
			return fmt.Errorf("case %d: link %s %s: %w", id, l.Kind, l.Ref, err)
		}
	}
	return nil
}

// caseSourceOrgs reads the organization a case's source came from, by kind:
// by its public id, never the row id, which counts every organization's.
var caseSourceOrgs = map[string]string{
	"report":  "SELECT org_id FROM incidents WHERE public_id = ?",
	"alert":   "SELECT org_id FROM alerts WHERE public_id = ?",
	"consult": "SELECT org_id FROM consultations WHERE public_id = ?",
}

// CaseSourceOrg returns the organization of the incident ("report"), alert
// or consultation a case is opened from, named by its public id;
// ErrNotFound when there is none.
func (db *DB) CaseSourceOrg(ctx context.Context, kind, ref string) (string, error) {
	q, ok := caseSourceOrgs[kind]
	if !ok || !ValidPublicID(ref) {
		return "", fmt.Errorf("source %s:%s: %w", kind, ref, ErrNotFound)
	}
	var org string
	err := db.QueryRow(ctx, q, ref).Scan(&org)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("source %s:%s: %w", kind, ref, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("source %s:%s: %w", kind, ref, err)
	}
	return org, nil
}

const caseCols = "k.id, k.public_id, k.title, k.status, k.severity, k.assignee, k.org_id, k.source, k.template, k.created_by, k.created_at, k.updated_at"

func scanCase(row interface{ Scan(...any) error }) (Case, error) {
	var k Case
	var cr, up int64
	err := row.Scan(&k.ID, &k.PublicID, &k.Title, &k.Status, &k.Severity, &k.Assignee, &k.OrgID, &k.Source, &k.Template, &k.CreatedBy, &cr, &up)
	k.Created, k.Updated = FromMicros(cr), FromMicros(up)
	return k, err
}

// Case returns the case of public id id if v may read it (policy.CaseFilter),
// without its timeline and links; ErrNotFound otherwise, and for anything
// that is not a public id (a row id above all).
func (db *DB) Case(ctx context.Context, v policy.Viewer, id string) (Case, error) {
	if !ValidPublicID(id) {
		return Case{}, fmt.Errorf("case %q: %w", id, ErrNotFound)
	}
	cond, args := policy.CaseFilter(v, "k")
	k, err := scanCase(db.QueryRow(ctx, "SELECT "+caseCols+" FROM cases k WHERE k.public_id = ? AND "+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return k, fmt.Errorf("case %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return k, fmt.Errorf("case %s: %w", id, err)
	}
	return k, nil
}

// CaseActions returns the timeline of case id in order, only its shared
// actions when sharedOnly.
func (db *DB) CaseActions(ctx context.Context, id int64, sharedOnly bool) ([]CaseAction, error) {
	q := "SELECT kind, text, shared, user_login, at FROM case_actions WHERE case_id = ?"
	if sharedOnly {
		q += " AND shared = 1"
	}
	rows, err := db.Query(ctx, q+" ORDER BY id", id)
	if err != nil {
		return nil, fmt.Errorf("case %d: timeline: %w", id, err)
	}
	defer rows.Close()
	var out []CaseAction
	for rows.Next() {
		var a CaseAction
		var sh int
		var at int64
		if err := rows.Scan(&a.Kind, &a.Text, &sh, &a.User, &at); err != nil {
			return nil, fmt.Errorf("case %d: timeline: %w", id, err)
		}
		a.Shared, a.At = sh != 0, FromMicros(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// CaseLinks returns what case id is linked to, by kind and reference.
func (db *DB) CaseLinks(ctx context.Context, id int64) ([]CaseLink, error) {
	rows, err := db.Query(ctx, "SELECT kind, ref FROM case_links WHERE case_id = ? ORDER BY kind, ref", id)
	if err != nil {
		return nil, fmt.Errorf("case %d: links: %w", id, err)
	}
	defer rows.Close()
	var out []CaseLink
	for rows.Next() {
		var l CaseLink
		if err := rows.Scan(&l.Kind, &l.Ref); err != nil {
			return nil, fmt.Errorf("case %d: links: %w", id, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Cases lists the cases v may read (policy.CaseFilter) that q selects, most
// recently updated first, without timelines and links. q.Limit must be set.
func (db *DB) Cases(ctx context.Context, v policy.Viewer, q CaseQuery) ([]Case, error) {
	cond, args := policy.CaseFilter(v, "k")
	query := "SELECT " + caseCols + " FROM cases k WHERE " + cond
	if q.Status != "" {
		query += " AND k.status = ?"
		args = append(args, q.Status)
	}
	if q.Assignee != "" {
		query += " AND k.assignee = ?"
		args = append(args, q.Assignee)
	}
	if q.Source != "" {
		query += " AND k.source = ?"
		args = append(args, q.Source)
	}
	if q.OpenOnly {
		query += " AND k.status NOT IN ('resolved', 'closed')"
	}
	query += " ORDER BY k.updated_at DESC, k.id DESC LIMIT ?"
	args = append(args, q.Limit)
	return queryAll(ctx, db, "list cases", scanCase, query, args...)
}
