package store

import (
	"context"
	"fmt"
	"time"
)

// Alert is something Renkei tells one organization. Every capability raises
// its alerts through the alert package, which stores them here.
type Alert struct {
	ID        int64
	OrgID     string
	Kind      string // e.g. "sighting", "kev", "flow-match"
	Severity  string // info | low | medium | high | critical
	Title     string
	Body      string
	ObjectRef string
	Data      string // JSON
	Created   time.Time
	Read      time.Time
}

// AddAlert stores an alert and queues one delivery per active webhook of its
// organization, in one transaction, so no alert is stored without its deliveries.
func (db *DB) AddAlert(ctx context.Context, a Alert) (int64, error) {
	var id int64
	if a.Data == "" {
		a.Data = "{}"
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		err := tx.QueryRow(ctx, "INSERT INTO alerts(org_id, kind, severity, title, body, object_ref, data, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			a.OrgID, a.Kind, a.Severity, a.Title, a.Body, a.ObjectRef, a.Data, Micros(a.Created)).Scan(&id)
		if err != nil {
			return fmt.Errorf("add alert: %w", err)
		}
		_, err = tx.Exec(ctx, "INSERT INTO deliveries(webhook_id, alert_id, next_at, updated_at) SELECT id, ?, ?, ? FROM webhooks WHERE org_id = ? AND active = 1",
			id, Micros(a.Created), Micros(a.Created), a.OrgID)
		return err
	})
	return id, err
}

const alertCols = "id, org_id, kind, severity, title, body, object_ref, data, created_at, read_at"

func scanAlert(row interface{ Scan(...any) error }) (Alert, error) {
	var a Alert
	var c, r int64
	err := row.Scan(&a.ID, &a.OrgID, &a.Kind, &a.Severity, &a.Title, &a.Body, &a.ObjectRef, &a.Data, &c, &r)
	a.Created, a.Read = FromMicros(c), FromMicros(r)
	return a, err
}

// Alerts lists an organization's alerts, newest first, before the given id
// (0: from the newest).
func (db *DB) Alerts(ctx context.Context, orgID string, before int64, limit int, unreadOnly bool) ([]Alert, error) {
	q := "SELECT " + alertCols + " FROM alerts WHERE org_id = ?"
	args := []any{orgID}
	if before > 0 {
		q += " AND id < ?"
		args = append(args, before)
	}
	if unreadOnly {
		q += " AND read_at = 0"
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// UnreadAlerts counts an organization's unread alerts.
func (db *DB) UnreadAlerts(ctx context.Context, orgID string) (int64, error) {
	var n int64
	err := db.QueryRow(ctx, "SELECT COUNT(*) FROM alerts WHERE org_id = ? AND read_at = 0", orgID).Scan(&n)
	return n, err
}

// MarkAlertRead marks one of an organization's alerts read.
func (db *DB) MarkAlertRead(ctx context.Context, orgID string, id int64, at time.Time) error {
	res, err := db.Exec(ctx, "UPDATE alerts SET read_at = ? WHERE id = ? AND org_id = ? AND read_at = 0", Micros(at), id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("alert %d: %w", id, ErrNotFound)
	}
	return nil
}

// Webhook is where an organization wants its alerts posted.
type Webhook struct {
	ID      int64
	OrgID   string
	URL     string
	Secret  string // HMAC key; shown to the org admin once
	Active  bool
	Created time.Time
}

// AddWebhook stores a webhook.
func (db *DB) AddWebhook(ctx context.Context, w Webhook) (int64, error) {
	var id int64
	err := db.QueryRow(ctx, "INSERT INTO webhooks(org_id, url, secret, active, created_at) VALUES(?, ?, ?, ?, ?) RETURNING id",
		w.OrgID, w.URL, w.Secret, boolInt(w.Active), Micros(w.Created)).Scan(&id)
	return id, err
}

// Webhooks lists an organization's webhooks.
func (db *DB) Webhooks(ctx context.Context, orgID string) ([]Webhook, error) {
	rows, err := db.Query(ctx, "SELECT id, org_id, url, secret, active, created_at FROM webhooks WHERE org_id = ? ORDER BY id", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Webhook
	for rows.Next() {
		var w Webhook
		var act int
		var c int64
		if err := rows.Scan(&w.ID, &w.OrgID, &w.URL, &w.Secret, &act, &c); err != nil {
			return nil, err
		}
		w.Active, w.Created = act != 0, FromMicros(c)
		out = append(out, w)
	}
	return out, rows.Err()
}

// DeleteWebhook removes one of an organization's webhooks.
func (db *DB) DeleteWebhook(ctx context.Context, orgID string, id int64) error {
	res, err := db.Exec(ctx, "DELETE FROM webhooks WHERE id = ? AND org_id = ?", id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("webhook %d: %w", id, ErrNotFound)
	}
	return nil
}

// Delivery is one attempt series to post one alert to one webhook.
type Delivery struct {
	ID        int64
	Webhook   Webhook
	Alert     Alert
	State     string // pending | delivered | dead
	Attempts  int
	Next      time.Time
	LastError string
	Updated   time.Time
}

// DueDeliveries returns pending deliveries whose time has come.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error) {
	return db.deliveries(ctx, "d.state = 'pending' AND d.next_at <= ? ORDER BY d.next_at LIMIT ?", Micros(now), limit)
}

// DeadDeliveries returns the dead-letter list of an organization.
func (db *DB) DeadDeliveries(ctx context.Context, orgID string, limit int) ([]Delivery, error) {
	return db.deliveries(ctx, "d.state = 'dead' AND w.org_id = ? ORDER BY d.updated_at DESC LIMIT ?", orgID, limit)
}

func (db *DB) deliveries(ctx context.Context, where string, args ...any) ([]Delivery, error) {
	rows, err := db.Query(ctx, `SELECT d.id, d.state, d.attempts, d.next_at, d.last_error, d.updated_at,
		w.id, w.org_id, w.url, w.secret, w.active, w.created_at,
		a.id, a.org_id, a.kind, a.severity, a.title, a.body, a.object_ref, a.data, a.created_at, a.read_at
		FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN alerts a ON a.id = d.alert_id WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var next, upd, wc, ac, ar int64
		var act int
		if err := rows.Scan(&d.ID, &d.State, &d.Attempts, &next, &d.LastError, &upd,
			&d.Webhook.ID, &d.Webhook.OrgID, &d.Webhook.URL, &d.Webhook.Secret, &act, &wc,
			&d.Alert.ID, &d.Alert.OrgID, &d.Alert.Kind, &d.Alert.Severity, &d.Alert.Title, &d.Alert.Body, &d.Alert.ObjectRef, &d.Alert.Data, &ac, &ar); err != nil {
			return nil, err
		}
		d.Next, d.Updated = FromMicros(next), FromMicros(upd)
		d.Webhook.Active, d.Webhook.Created = act != 0, FromMicros(wc)
		d.Alert.Created, d.Alert.Read = FromMicros(ac), FromMicros(ar)
		out = append(out, d)
	}
	return out, rows.Err()
}

// UpdateDelivery records the outcome of an attempt.
func (db *DB) UpdateDelivery(ctx context.Context, d Delivery, now time.Time) error {
	_, err := db.Exec(ctx, "UPDATE deliveries SET state = ?, attempts = ?, next_at = ?, last_error = ?, updated_at = ? WHERE id = ?",
		d.State, d.Attempts, Micros(d.Next), d.LastError, Micros(now), d.ID)
	return err
}

// RetryDelivery puts a dead delivery back in the queue.
func (db *DB) RetryDelivery(ctx context.Context, orgID string, id int64, now time.Time) error {
	res, err := db.Exec(ctx, "UPDATE deliveries SET state = 'pending', attempts = 0, next_at = ?, updated_at = ? WHERE id = ? AND state = 'dead' AND webhook_id IN (SELECT id FROM webhooks WHERE org_id = ?)",
		Micros(now), Micros(now), id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("dead delivery %d: %w", id, ErrNotFound)
	}
	return nil
}
