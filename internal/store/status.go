package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Status is a TAXII status resource: the outcome of one POST of objects.
type Status struct {
	ID           string
	CollectionID string
	UserID       int64
	Status       string // pending | complete
	Total        int
	Success      int
	Failure      int
	Pending      int
	Created      time.Time
	Updated      time.Time
	Details      []StatusDetail
}

// StatusDetail is the outcome for one object.
type StatusDetail struct {
	Kind    string // success | failure | pending
	ID      string
	Version string
	Message string
}

// AddStatus stores a status with its details.
func (db *DB) AddStatus(ctx context.Context, s Status) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO statuses(id, collection_id, user_id, status, total, success, failure, pending, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			s.ID, s.CollectionID, s.UserID, s.Status, s.Total, s.Success, s.Failure, s.Pending, Micros(s.Created), Micros(s.Updated))
		if err != nil {
			return fmt.Errorf("add status: %w", err)
		}
		return addStatusDetails(ctx, tx, s.ID, s.Details)
	})
}

func addStatusDetails(ctx context.Context, tx *Tx, id string, ds []StatusDetail) error {
	const chunk = 200
	for start := 0; start < len(ds); start += chunk {
		part := ds[start:min(start+chunk, len(ds))]
		q := "INSERT INTO status_details(status_id, kind, stix_id, version, message) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", len(part)), ", ")
		args := make([]any, 0, 5*len(part))
		for _, d := range part {
			args = append(args, id, d.Kind, d.ID, d.Version, d.Message)
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("status details: %w", err)
		}
	}
	return nil
}

// StatusProgress is a batch of outcomes added to a status.
type StatusProgress struct {
	Success, Failure, Pending int
	Complete                  bool // nothing more will be added
	Details                   []StatusDetail
}

// AdvanceStatus records the outcomes of part of a POST (objects are read and
// stored batch by batch, so the total grows as the body is read) and marks the
// status complete with the last batch.
func (db *DB) AdvanceStatus(ctx context.Context, id string, p StatusProgress, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error { return advanceStatus(ctx, tx, id, p, now) })
}

func advanceStatus(ctx context.Context, tx *Tx, id string, p StatusProgress, now time.Time) error {
	{
		done := p.Success + p.Failure
		_, err := tx.Exec(ctx, `UPDATE statuses SET total = total + ?, success = success + ?, failure = failure + ?,
			status = CASE WHEN ? THEN 'complete' ELSE status END, updated_at = ? WHERE id = ?`,
			done+p.Pending, p.Success, p.Failure, p.Complete, Micros(now), id)
		if err != nil {
			return fmt.Errorf("advance status %s: %w", id, err)
		}
		return addStatusDetails(ctx, tx, id, p.Details)
	}
}

// StatusByID returns a status with its details.
func (db *DB) StatusByID(ctx context.Context, id string) (Status, error) {
	var s Status
	var c, u int64
	err := db.QueryRow(ctx, "SELECT id, collection_id, user_id, status, total, success, failure, pending, created_at, updated_at FROM statuses WHERE id = ?", id).
		Scan(&s.ID, &s.CollectionID, &s.UserID, &s.Status, &s.Total, &s.Success, &s.Failure, &s.Pending, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("status %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return s, err
	}
	s.Created, s.Updated = FromMicros(c), FromMicros(u)
	rows, err := db.Query(ctx, "SELECT kind, stix_id, version, message FROM status_details WHERE status_id = ?", id)
	if err != nil {
		return s, err
	}
	defer rows.Close()
	for rows.Next() {
		var d StatusDetail
		if err := rows.Scan(&d.Kind, &d.ID, &d.Version, &d.Message); err != nil {
			return s, err
		}
		s.Details = append(s.Details, d)
	}
	return s, rows.Err()
}

// FailInterruptedStatuses completes every status still pending that was
// created before startedBefore: its POST was cut off (the hub stopped, or
// the node serving it died) and nothing more will be added. One failure is
// added, saying that the rest of the body was never read and how many
// objects it held is not known. It returns how many statuses it completed.
func (db *DB) FailInterruptedStatuses(ctx context.Context, startedBefore, now time.Time) (int, error) {
	rows, err := db.Query(ctx, "SELECT id, total FROM statuses WHERE status = 'pending' AND created_at < ?", Micros(startedBefore))
	if err != nil {
		return 0, fmt.Errorf("interrupted statuses: %w", err)
	}
	type pending struct {
		id    string
		total int
	}
	var ps []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.total); err != nil {
			rows.Close()
			return 0, err
		}
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, p := range ps {
		err := db.InTx(ctx, func(tx *Tx) error {
			var st string
			if err := tx.QueryRow(ctx, "SELECT status FROM statuses WHERE id = ?", p.id).Scan(&st); err != nil || st != "pending" {
				return err // completed meanwhile
			}
			return advanceStatus(ctx, tx, p.id, StatusProgress{Failure: 1, Complete: true, Details: []StatusDetail{{
				Kind: "failure", ID: fmt.Sprintf("objects[%d]", p.total),
				Message: fmt.Sprintf("the POST was cut off (the hub stopped) after %d objects; the rest of the body was never read and how many objects it held is not known: post them again", p.total),
			}}}, now)
		})
		if err != nil {
			return 0, fmt.Errorf("fail interrupted status %s: %w", p.id, err)
		}
	}
	return len(ps), nil
}
