package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"renkei/internal/policy"
)

// Consultation and support requests (package consult keeps their rules):
// the consultations table, each request's thread in consult_messages, and
// the organizations the center designated to handle a topic in
// consult_handlers. Which requests a reader lists is
// policy.ConsultationFilter.

// Consultation is one consultation or support request with its thread. Its
// JSON is the API's.
//
// Requests are numbered in one sequence: a member that saw two of its own
// requests' row ids would learn how many the others asked in between.
// PublicID (128 random bits in hex, set by AskConsultation) is the only id
// of one that leaves the hub.
type Consultation struct {
	ID         int64  `json:"-"` // the row id, never shown outside the hub
	PublicID   string `json:"id"`
	OrgID      string `json:"org_id"`
	UserID     int64  `json:"-"`
	HandlerOrg string `json:"handler_org"`
	Kind       string `json:"kind"`
	Subject    string `json:"subject"`
	Body       string `json:"body"`
	Status     string `json:"status"` // open | answered | closed
	// HandoffTo is the organization a hand-off was proposed to, until the
	// asker consents or declines; "" when none is pending.
	HandoffTo string `json:"handoff_to,omitempty"`
	// Step says what a reply did: "handoff.awaiting-consent", "handoff.done",
	// "handoff.consented", "handoff.declined", or the kind of reply. A
	// caller who no longer sees the request after it (a handler that handed
	// it on) gets the request without its thread. Not stored.
	Step     string           `json:"step,omitempty"`
	Created  time.Time        `json:"created"`
	Updated  time.Time        `json:"updated"`
	Messages []ConsultMessage `json:"messages,omitempty"`
}

// ConsultMessage is one step of a request's thread.
type ConsultMessage struct {
	Kind  string    `json:"kind"` // question | answer | handoff | consent | decline | close
	OrgID string    `json:"org_id"`
	User  string    `json:"user"`
	Body  string    `json:"body"`
	At    time.Time `json:"at"`
}

// ConsultHandler is one designation: an organization handles requests of a
// topic.
type ConsultHandler struct {
	Topic     string `json:"topic"`
	OrgID     string `json:"org"`
	OrgName   string `json:"org_name"`
	CreatedBy string `json:"created_by,omitempty"`
}

// ErrConsultationChanged is returned by ReplyToConsultation when another
// step changed the request's handler or pending hand-off meanwhile.
var ErrConsultationChanged = errors.New("the request changed meanwhile")

// AskConsultation stores a new request with the first message of its
// thread, in one transaction, and sets r's row id and public id.
func (db *DB) AskConsultation(ctx context.Context, r *Consultation, first ConsultMessage) error {
	var id int64
	pub := NewPublicID()
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO consultations(org_id, user_id, handler_org, subject, body, kind, status, created_at, updated_at, public_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			r.OrgID, r.UserID, r.HandlerOrg, r.Subject, r.Body, r.Kind, r.Status, Micros(r.Created), Micros(r.Updated), pub).Scan(&id); err != nil {
			return fmt.Errorf("add request: %w", err)
		}
		return addConsultMessage(ctx, tx, id, first)
	})
	if err == nil {
		r.ID, r.PublicID = id, pub
	}
	return err
}

// ReplyToConsultation adds m to the thread of request r.ID and stores r's
// status, handler, pending hand-off and update time, in one transaction —
// provided the request's handler and pending hand-off are still those of
// was, so that a consent applies to the hand-off the asker saw; otherwise
// nothing changes and the error is ErrConsultationChanged.
func (db *DB) ReplyToConsultation(ctx context.Context, r, was Consultation, m ConsultMessage) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := addConsultMessage(ctx, tx, r.ID, m); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "UPDATE consultations SET status = ?, handler_org = ?, handoff_to = ?, updated_at = ? WHERE id = ? AND handoff_to = ? AND handler_org = ?",
			r.Status, r.HandlerOrg, r.HandoffTo, Micros(r.Updated), r.ID, was.HandoffTo, was.HandlerOrg)
		if err != nil {
			return fmt.Errorf("update request %d: %w", r.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrConsultationChanged
		}
		return nil
	})
}

func addConsultMessage(ctx context.Context, tx *Tx, id int64, m ConsultMessage) error {
	if _, err := tx.Exec(ctx, "INSERT INTO consult_messages(consult_id, kind, org_id, user_login, body, at) VALUES(?, ?, ?, ?, ?, ?)",
		id, m.Kind, m.OrgID, m.User, m.Body, Micros(m.At)); err != nil {
		return fmt.Errorf("request %d: add message: %w", id, err)
	}
	return nil
}

const consultCols = "c.id, c.public_id, c.org_id, c.user_id, c.handler_org, c.handoff_to, c.kind, c.subject, c.body, c.status, c.created_at, c.updated_at"

func scanConsultation(row interface{ Scan(...any) error }) (Consultation, error) {
	var r Consultation
	var cr, up int64
	err := row.Scan(&r.ID, &r.PublicID, &r.OrgID, &r.UserID, &r.HandlerOrg, &r.HandoffTo, &r.Kind, &r.Subject, &r.Body, &r.Status, &cr, &up)
	r.Created, r.Updated = FromMicros(cr), FromMicros(up)
	return r, err
}

// Consultation returns the request of public id id with its thread if v
// may read it (policy.ConsultationFilter); ErrNotFound otherwise, and for
// anything that is not a public id (a row id above all).
func (db *DB) Consultation(ctx context.Context, v policy.Viewer, id string) (Consultation, error) {
	if !ValidPublicID(id) {
		return Consultation{}, fmt.Errorf("request %q: %w", id, ErrNotFound)
	}
	cond, args := policy.ConsultationFilter(v, "c")
	r, err := scanConsultation(db.QueryRow(ctx, "SELECT "+consultCols+" FROM consultations c WHERE c.public_id = ? AND "+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("request %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("request %s: %w", id, err)
	}
	rows, err := db.Query(ctx, "SELECT kind, org_id, user_login, body, at FROM consult_messages WHERE consult_id = ? ORDER BY id", r.ID)
	if err != nil {
		return r, fmt.Errorf("request %s: thread: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m ConsultMessage
		var at int64
		if err := rows.Scan(&m.Kind, &m.OrgID, &m.User, &m.Body, &at); err != nil {
			return r, fmt.Errorf("request %s: thread: %w", id, err)
		}
		m.At = FromMicros(at)
		r.Messages = append(r.Messages, m)
	}
	return r, rows.Err()
}

// Consultations lists the requests v may read (policy.ConsultationFilter),
// of one status or all when status is "", most recently updated first,
// without their threads.
func (db *DB) Consultations(ctx context.Context, v policy.Viewer, status string, limit int) ([]Consultation, error) {
	cond, args := policy.ConsultationFilter(v, "c")
	q := "SELECT " + consultCols + " FROM consultations c WHERE " + cond
	if status != "" {
		q += " AND c.status = ?"
		args = append(args, status)
	}
	return queryAll(ctx, db, "list requests", scanConsultation, q+" ORDER BY c.updated_at DESC, c.id DESC LIMIT ?", append(args, limit)...)
}

// ConsultHandlerDesignated reports whether org is designated to handle
// requests of topic.
func (db *DB) ConsultHandlerDesignated(ctx context.Context, topic, org string) (bool, error) {
	var one int
	err := db.QueryRow(ctx, "SELECT 1 FROM consult_handlers WHERE topic = ? AND org_id = ?", topic, org).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("designation of %s for %s: %w", org, topic, err)
	}
	return true, nil
}

// DesignateConsultHandler designates h.OrgID to handle requests of h.Topic,
// as h.CreatedBy at at; designating it again changes nothing.
func (db *DB) DesignateConsultHandler(ctx context.Context, h ConsultHandler, at time.Time) error {
	if _, err := db.Exec(ctx, "INSERT INTO consult_handlers(topic, org_id, created_by, created_at) VALUES(?, ?, ?, ?) ON CONFLICT DO NOTHING",
		h.Topic, h.OrgID, h.CreatedBy, Micros(at)); err != nil {
		return fmt.Errorf("designate %s for %s: %w", h.OrgName, h.Topic, err)
	}
	return nil
}

// RevokeConsultHandler withdraws the designation of org for topic.
func (db *DB) RevokeConsultHandler(ctx context.Context, topic, org string) error {
	if _, err := db.Exec(ctx, "DELETE FROM consult_handlers WHERE topic = ? AND org_id = ?", topic, org); err != nil {
		return fmt.Errorf("withdraw %s for %s: %w", org, topic, err)
	}
	return nil
}

// ConsultHandlers lists the designations, of one topic or of all when topic
// is "", by topic and organization name.
func (db *DB) ConsultHandlers(ctx context.Context, topic string) ([]ConsultHandler, error) {
	q, args := "SELECT h.topic, h.org_id, o.name, h.created_by FROM consult_handlers h JOIN orgs o ON o.id = h.org_id", []any{}
	if topic != "" {
		q += " WHERE h.topic = ?"
		args = append(args, topic)
	}
	rows, err := db.Query(ctx, q+" ORDER BY h.topic, o.name", args...)
	if err != nil {
		return nil, fmt.Errorf("list handlers: %w", err)
	}
	defer rows.Close()
	var out []ConsultHandler
	for rows.Next() {
		var h ConsultHandler
		if err := rows.Scan(&h.Topic, &h.OrgID, &h.OrgName, &h.CreatedBy); err != nil {
			return nil, fmt.Errorf("list handlers: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
