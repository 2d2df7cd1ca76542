package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/policy"
)

// Partner is a federation partner (internal/federation): a remote TAXII
// 2.1 API root, MISP instance or feed, with its sharing agreement and what
// its synchronizations did. SecretRef says where the secret is read
// (env:NAME or file:PATH); no secret is ever stored or shown.
type Partner struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	Kind            string           `json:"kind"` // taxii, misp or feed
	URL             string           `json:"url"`
	SecretRef       string           `json:"secret_ref,omitempty"`
	Direction       string           `json:"direction"` // pull, push or both
	Collections     []string         `json:"collections,omitempty"`
	LocalCollection string           `json:"local_collection"`
	Format          string           `json:"format,omitempty"` // a feed's: csv, text or misp
	Schedule        time.Duration    `json:"schedule_ns,omitempty"`
	HubID           string           `json:"hub_id,omitempty"` // the partner's hub id, when it is a Renkei hub
	OrgID           string           `json:"org_id"`           // the organization its objects are stored under
	Login           string           `json:"login"`            // the account they are submitted by
	Agreement       policy.Agreement `json:"agreement"`
	CreatedAt       time.Time        `json:"created_at"`
	CreatedBy       string           `json:"created_by,omitempty"`
	LastRunAt       time.Time        `json:"last_run_at,omitzero"`
	LastSuccessAt   time.Time        `json:"last_success_at,omitzero"`
	LastError       string           `json:"last_error,omitempty"`
	ObjectsIn       int64            `json:"objects_in"`
	ObjectsOut      int64            `json:"objects_out"`
	Refused         int64            `json:"refused"`
}

const partnerCols = `id, name, kind, url, secret_ref, direction, collections, local_collection, format, schedule_seconds,
	hub_id, org_id, login, agreement, created_at, created_by, last_run_at, last_success_at, last_error, objects_in, objects_out, refused`

func scanPartner(r interface{ Scan(...any) error }) (Partner, error) {
	var p Partner
	var cols, agreement string
	var sched, created, run, success int64
	if err := r.Scan(&p.ID, &p.Name, &p.Kind, &p.URL, &p.SecretRef, &p.Direction, &cols, &p.LocalCollection, &p.Format, &sched,
		&p.HubID, &p.OrgID, &p.Login, &agreement, &created, &p.CreatedBy, &run, &success, &p.LastError, &p.ObjectsIn, &p.ObjectsOut, &p.Refused); err != nil {
		return p, err
	}
	if cols != "" {
		p.Collections = strings.Split(cols, ",")
	}
	if err := json.Unmarshal([]byte(agreement), &p.Agreement); err != nil {
		return p, fmt.Errorf("partner %s: agreement: %w", p.Name, err)
	}
	p.Schedule = time.Duration(sched) * time.Second
	p.CreatedAt, p.LastRunAt, p.LastSuccessAt = FromMicros(created), FromMicros(run), FromMicros(success)
	return p, nil
}

// AddPartner stores a new partner; a partner of the same name is a unique
// violation.
func (db *DB) AddPartner(ctx context.Context, p Partner) error {
	agreement, err := json.Marshal(p.Agreement)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `INSERT INTO partners(`+partnerCols+`) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '', 0, 0, 0)`,
		p.ID, p.Name, p.Kind, p.URL, p.SecretRef, p.Direction, strings.Join(p.Collections, ","), p.LocalCollection, p.Format,
		int64(p.Schedule/time.Second), p.HubID, p.OrgID, p.Login, string(agreement), Micros(p.CreatedAt), p.CreatedBy)
	if err != nil {
		return fmt.Errorf("add partner %s: %w", p.Name, err)
	}
	return nil
}

// Partners lists every partner, by name.
func (db *DB) Partners(ctx context.Context) ([]Partner, error) {
	return queryAll(ctx, db, "list partners", scanPartner, "SELECT "+partnerCols+" FROM partners ORDER BY name")
}

// PartnerByName reads one partner by its name or its id; ErrNotFound when
// there is none.
func (db *DB) PartnerByName(ctx context.Context, name string) (Partner, error) {
	p, err := scanPartner(db.QueryRow(ctx, "SELECT "+partnerCols+" FROM partners WHERE name = ? OR id = ?", name, name))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("partner %q: %w", name, ErrNotFound)
	}
	return p, err
}

// PartnerByOrg reads the partner whose objects are stored under org;
// ErrNotFound when org is no partner's.
func (db *DB) PartnerByOrg(ctx context.Context, org string) (Partner, error) {
	p, err := scanPartner(db.QueryRow(ctx, "SELECT "+partnerCols+" FROM partners WHERE org_id = ?", org))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("partner of %s: %w", org, ErrNotFound)
	}
	return p, err
}

// PartnerRun is what one synchronization of a partner did.
type PartnerRun struct {
	At       time.Time
	OK       bool
	Error    string
	In, Out  int64
	Refused  int64
	Failures []PartnerFailure
}

// PartnerFailure is one object refused on the way in or out.
type PartnerFailure struct {
	Run       string    `json:"run"`
	Direction string    `json:"direction"` // in or out
	ObjectID  string    `json:"object_id"`
	Version   string    `json:"version,omitempty"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
}

// RecordPartnerRun adds what a synchronization (or one page or bundle of
// it) did to the partner's state, with its refusals, in one transaction.
func (db *DB) RecordPartnerRun(ctx context.Context, id, run string, r PartnerRun) error {
	return db.InTx(ctx, func(tx *Tx) error {
		q := `UPDATE partners SET last_run_at = ?, objects_in = objects_in + ?, objects_out = objects_out + ?, refused = refused + ?, last_error = ?`
		args := []any{Micros(r.At), r.In, r.Out, r.Refused, r.Error}
		if r.OK {
			q += ", last_success_at = ?"
			args = append(args, Micros(r.At))
		}
		if _, err := tx.Exec(ctx, q+" WHERE id = ?", append(args, id)...); err != nil {
			return fmt.Errorf("record partner run: %w", err)
		}
		for _, f := range r.Failures {
			if _, err := tx.Exec(ctx, `INSERT INTO partner_failures(partner_id, run, direction, object_id, version, reason, at) VALUES(?, ?, ?, ?, ?, ?, ?)`,
				id, run, f.Direction, f.ObjectID, f.Version, f.Reason, Micros(r.At)); err != nil {
				return fmt.Errorf("record partner failure: %w", err)
			}
		}
		return nil
	})
}

// PartnerFailures lists a partner's latest refusals, newest first.
func (db *DB) PartnerFailures(ctx context.Context, id string, limit int) ([]PartnerFailure, error) {
	return queryAll(ctx, db, "list partner failures", func(r interface{ Scan(...any) error }) (PartnerFailure, error) {
		var f PartnerFailure
		var at int64
		err := r.Scan(&f.Run, &f.Direction, &f.ObjectID, &f.Version, &f.Reason, &at)
		f.At = FromMicros(at)
		return f, err
	}, `SELECT run, direction, object_id, version, reason, at FROM partner_failures WHERE partner_id = ? ORDER BY id DESC LIMIT ?`, id, limit)
}

// PartnerCursor is where a pull or a push of one collection has got to.
type PartnerCursor struct {
	AddedAfter string // a pull's: the partner's date added to resume after
	After      Cursor // a push's: the last local object sent
}

// PartnerCursor reads a cursor; the zero cursor when there is none yet.
func (db *DB) PartnerCursor(ctx context.Context, id, collection, direction string) (PartnerCursor, error) {
	var c PartnerCursor
	err := db.QueryRow(ctx, `SELECT added_after, after_added, after_pk FROM partner_cursors WHERE partner_id = ? AND collection = ? AND direction = ?`,
		id, collection, direction).Scan(&c.AddedAfter, &c.After.DateAdded, &c.After.PK)
	if errors.Is(err, sql.ErrNoRows) {
		return PartnerCursor{}, nil
	}
	if err != nil {
		return c, fmt.Errorf("read partner cursor: %w", err)
	}
	return c, nil
}

// SetPartnerCursor saves a cursor.
func (db *DB) SetPartnerCursor(ctx context.Context, id, collection, direction string, c PartnerCursor, now time.Time) error {
	_, err := db.Exec(ctx, `INSERT INTO partner_cursors(partner_id, collection, direction, added_after, after_added, after_pk, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(partner_id, collection, direction) DO UPDATE SET added_after = excluded.added_after, after_added = excluded.after_added,
		after_pk = excluded.after_pk, updated_at = excluded.updated_at`,
		id, collection, direction, c.AddedAfter, c.After.DateAdded, c.After.PK, Micros(now))
	if err != nil {
		return fmt.Errorf("save partner cursor: %w", err)
	}
	return nil
}
