package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"renkei/internal/policy"
)

// The center's advisories, correction requests and supplier requests
// (package advisory keeps their rules): the advisories table and, in
// advisory_targets, the organizations each addresses with their progress.
// Which advisories a reader lists is policy.AdvisoryFilter; whose progress
// it sees, policy.SeesEveryRecipientsProgress.

// Advisory is an advisory, correction request or supplier request. Its JSON
// is the API's.
//
// Advisories are numbered in one sequence: a member that saw two of the
// row ids of those addressed to it would learn how many were addressed to
// others in between. PublicID (128 random bits in hex, set by
// PublishAdvisory) is the only id of one that leaves the hub.
type Advisory struct {
	ID          int64            `json:"-"` // the row id, never shown outside the hub
	PublicID    string           `json:"id"`
	Kind        string           `json:"kind"`
	Title       string           `json:"title"`
	Body        string           `json:"body,omitempty"`
	Findings    string           `json:"findings,omitempty"` // of the audit, for correction requests
	Campaign    string           `json:"campaign,omitempty"` // the audit campaign
	Actions     []string         `json:"actions"`
	Audience    AdvisoryAudience `json:"audience"`
	Severity    string           `json:"severity"`
	Due         time.Time        `json:"due"`
	PublishedBy int64            `json:"-"` // the publisher's user row id
	Published   time.Time        `json:"published"`
	Closed      time.Time        `json:"closed,omitzero"`
	Counts      AdvisoryCounts   `json:"counts"`
}

// AdvisoryAudience is whom an advisory addresses; the union of its parts.
type AdvisoryAudience struct {
	All     bool     `json:"all,omitempty"`
	Sectors []string `json:"sectors,omitempty"`
	Kinds   []string `json:"kinds,omitempty"` // kinds of organization
	Orgs    []string `json:"orgs,omitempty"`  // names or ids
}

// AdvisoryCounts are the exact tallies of an advisory's targets.
type AdvisoryCounts struct {
	Targets      int `json:"targets"`
	Acknowledged int `json:"acknowledged"`
	Completed    int `json:"completed"`
	Overdue      int `json:"overdue"` // not completed by the due date
}

// AdvisoryTarget is one addressed organization's progress.
type AdvisoryTarget struct {
	OrgID     string    `json:"org_id"`
	OrgName   string    `json:"org_name"`
	Acked     time.Time `json:"acknowledged,omitzero"`
	Completed time.Time `json:"completed,omitzero"`
	Evidence  string    `json:"evidence,omitempty"`
}

// AdvisoryQuery selects advisories for Advisories.
type AdvisoryQuery struct {
	Kind     string
	OpenOnly bool
	Limit    int
}

// PublishAdvisory stores a published advisory and the organizations it
// addresses and sets a's row id and public id. logged, when not nil, is
// called with the public id before the transaction commits: an error from
// it (the audit log refusing the act) publishes nothing.
func (db *DB) PublishAdvisory(ctx context.Context, a *Advisory, targets []Org, logged func(publicID string) error) error {
	actions, _ := json.Marshal(a.Actions)
	aud, _ := json.Marshal(a.Audience)
	var id int64
	pub := NewPublicID()
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO advisories(kind, title, body, findings, campaign, actions, audience, severity, due_at, published_by, published_at, public_id)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.Kind, a.Title, a.Body, a.Findings, a.Campaign, string(actions), string(aud),
			a.Severity, Micros(a.Due), a.PublishedBy, Micros(a.Published), pub).Scan(&id); err != nil {
			return fmt.Errorf("publish advisory: %w", err)
		}
		for _, o := range targets {
			if _, err := tx.Exec(ctx, "INSERT INTO advisory_targets(advisory_id, org_id) VALUES(?, ?)", id, o.ID); err != nil {
				return fmt.Errorf("address %s: %w", o.Name, err)
			}
		}
		if logged != nil {
			return logged(pub)
		}
		return nil
	})
	if err == nil {
		a.ID, a.PublicID = id, pub
	}
	return err
}

// advisoryByPublicID is the row id of the advisory of a public id, as a
// subquery's text and its argument.
const advisoryByPublicID = "(SELECT id FROM advisories WHERE public_id = ?)"

// AcknowledgeAdvisory records that org, through user, has read the
// advisory of public id id at at, and reports whether this was the first
// acknowledgement of an advisory addressed to org (false when it was
// acknowledged already, or is not addressed to org).
func (db *DB) AcknowledgeAdvisory(ctx context.Context, id string, org string, user int64, at time.Time) (bool, error) {
	res, err := db.Exec(ctx, "UPDATE advisory_targets SET acked_at = ?, acked_by = ? WHERE advisory_id = "+advisoryByPublicID+" AND org_id = ? AND acked_at = 0",
		Micros(at), user, id, org)
	if err != nil {
		return false, fmt.Errorf("acknowledge advisory %s: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// AdvisoryAddressed reports whether the advisory of public id id addresses org.
func (db *DB) AdvisoryAddressed(ctx context.Context, id string, org string) (bool, error) {
	var n int
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM advisory_targets WHERE advisory_id = "+advisoryByPublicID+" AND org_id = ?", id, org).Scan(&n); err != nil {
		return false, fmt.Errorf("targets of advisory %s: %w", id, err)
	}
	return n > 0, nil
}

// AddressedAdvisoryKind returns the kind of the advisory of public id id if
// it addresses org; ErrNotFound otherwise.
func (db *DB) AddressedAdvisoryKind(ctx context.Context, id string, org string) (string, error) {
	var kind string
	err := db.QueryRow(ctx, "SELECT a.kind FROM advisories a JOIN advisory_targets t ON t.advisory_id = a.id WHERE a.public_id = ? AND t.org_id = ?", id, org).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("advisory %s addressed to your organization: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("advisory %s: %w", id, err)
	}
	return kind, nil
}

// CompleteAdvisory records that org, through user, has done what the
// advisory of public id id requires, with evidence, at at, acknowledging it
// too if that was not done. Completing twice keeps the first.
func (db *DB) CompleteAdvisory(ctx context.Context, id string, org string, user int64, evidence string, at time.Time) error {
	_, err := db.Exec(ctx, `UPDATE advisory_targets SET completed_at = ?, completed_by = ?, evidence = ?,
		acked_at = CASE WHEN acked_at = 0 THEN ? ELSE acked_at END, acked_by = CASE WHEN acked_by = 0 THEN ? ELSE acked_by END
		WHERE advisory_id = `+advisoryByPublicID+` AND org_id = ? AND completed_at = 0`, Micros(at), user, evidence, Micros(at), user, id, org)
	if err != nil {
		return fmt.Errorf("complete advisory %s: %w", id, err)
	}
	return nil
}

// CloseAdvisory closes the advisory of public id id at at; ErrNotFound when
// it is not open.
func (db *DB) CloseAdvisory(ctx context.Context, id string, at time.Time) error {
	res, err := db.Exec(ctx, "UPDATE advisories SET closed_at = ? WHERE public_id = ? AND closed_at = 0", Micros(at), id)
	if err != nil {
		return fmt.Errorf("close advisory %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("open advisory %s: %w", id, ErrNotFound)
	}
	return nil
}

const advisoryCols = "a.id, a.public_id, a.kind, a.title, a.body, a.findings, a.campaign, a.actions, a.audience, a.severity, a.due_at, a.published_by, a.published_at, a.closed_at"

// advisoryCountsSQL counts targets with correlated subqueries, so that one
// query gives every advisory's exact tallies at the same instant. Counted
// are the targets v may see the progress of: every target for the center,
// its own for a member (policy.SeesEveryRecipientsProgress); overdue at now.
// Its arguments come first in a query's arguments.
func advisoryCountsSQL(v policy.Viewer, now time.Time) (string, []any) {
	tc, targs := "", []any(nil)
	if !policy.SeesEveryRecipientsProgress(v) {
		tc, targs = " AND t.org_id = ?", []any{v.OrgID}
	}
	q := `(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id` + tc + `),
	(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id AND t.acked_at <> 0` + tc + `),
	(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id AND t.completed_at <> 0` + tc + `),
	(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id AND t.completed_at = 0 AND a.due_at < ?` + tc + `)`
	var args []any
	for range 3 {
		args = append(args, targs...)
	}
	args = append(args, Micros(now))
	return q, append(args, targs...)
}

func scanAdvisory(row interface{ Scan(...any) error }) (Advisory, error) {
	var a Advisory
	var actions, aud string
	var due, pub, closed int64
	err := row.Scan(&a.ID, &a.PublicID, &a.Kind, &a.Title, &a.Body, &a.Findings, &a.Campaign, &actions, &aud, &a.Severity, &due, &a.PublishedBy, &pub, &closed,
		&a.Counts.Targets, &a.Counts.Acknowledged, &a.Counts.Completed, &a.Counts.Overdue)
	json.Unmarshal([]byte(actions), &a.Actions)
	json.Unmarshal([]byte(aud), &a.Audience)
	a.Due, a.Published, a.Closed = FromMicros(due), FromMicros(pub), FromMicros(closed)
	return a, err
}

// Advisories lists the advisories v may read (policy.AdvisoryFilter) that q
// selects, newest first, with the counts of the targets v may see the
// progress of, overdue at now. q.Limit must be set.
func (db *DB) Advisories(ctx context.Context, v policy.Viewer, q AdvisoryQuery, now time.Time) ([]Advisory, error) {
	cond, args := policy.AdvisoryFilter(v, "a")
	counts, cargs := advisoryCountsSQL(v, now)
	query := "SELECT " + advisoryCols + ", " + counts + " FROM advisories a WHERE " + cond
	args = append(cargs, args...)
	if q.Kind != "" {
		query += " AND a.kind = ?"
		args = append(args, q.Kind)
	}
	if q.OpenOnly {
		query += " AND a.closed_at = 0"
	}
	query += " ORDER BY a.id DESC LIMIT ?"
	args = append(args, q.Limit)
	return queryAll(ctx, db, "list advisories", scanAdvisory, query, args...)
}

// Advisory returns the advisory of public id id if v may read it
// (policy.AdvisoryFilter), with the counts of the targets v may see the
// progress of, overdue at now; ErrNotFound otherwise, and for anything that
// is not a public id (a row id above all).
func (db *DB) Advisory(ctx context.Context, v policy.Viewer, id string, now time.Time) (Advisory, error) {
	if !ValidPublicID(id) {
		return Advisory{}, fmt.Errorf("advisory %q: %w", id, ErrNotFound)
	}
	cond, args := policy.AdvisoryFilter(v, "a")
	counts, cargs := advisoryCountsSQL(v, now)
	a, err := scanAdvisory(db.QueryRow(ctx, "SELECT "+advisoryCols+", "+counts+" FROM advisories a WHERE a.public_id = ? AND "+cond,
		append(append(cargs, id), args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("advisory %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("advisory %s: %w", id, err)
	}
	return a, nil
}

// AdvisoryTargets returns the targets of advisory id whose progress v may
// see (policy.SeesEveryRecipientsProgress: every target for the center, its
// own for an addressed organization), by organization name.
func (db *DB) AdvisoryTargets(ctx context.Context, v policy.Viewer, id int64) ([]AdvisoryTarget, error) {
	q := "SELECT t.org_id, o.name, t.acked_at, t.completed_at, t.evidence FROM advisory_targets t JOIN orgs o ON o.id = t.org_id WHERE t.advisory_id = ?"
	args := []any{id}
	if !policy.SeesEveryRecipientsProgress(v) {
		q += " AND t.org_id = ?"
		args = append(args, v.OrgID)
	}
	rows, err := db.Query(ctx, q+" ORDER BY o.name", args...)
	if err != nil {
		return nil, fmt.Errorf("targets of advisory %d: %w", id, err)
	}
	defer rows.Close()
	var ts []AdvisoryTarget
	for rows.Next() {
		var t AdvisoryTarget
		var ack, done int64
		if err := rows.Scan(&t.OrgID, &t.OrgName, &ack, &done, &t.Evidence); err != nil {
			return nil, fmt.Errorf("targets of advisory %d: %w", id, err)
		}
		t.Acked, t.Completed = FromMicros(ack), FromMicros(done)
		ts = append(ts, t)
	}
	return ts, rows.Err()
}
