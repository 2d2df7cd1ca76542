package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"renkei/internal/policy"
)

// Alert is something Renkei tells one organization. Every capability raises
// its alerts through the alert package, which stores them here.
type Alert struct {
	// ID is the row id, one sequence over every organization's alerts: it
	// never leaves the hub, since two alerts of one member would tell it
	// how many the others received in between. PublicID (128 random bits
	// in hex, set by AddAlert) is the only id shown to anyone: in the API,
	// the console, webhooks and e-mail.
	ID       int64
	PublicID string
	OrgID    string
	Kind     string // e.g. "sighting", "kev", "flow-match"
	Severity string // info | low | medium | high | critical
	Title    string
	// TitleKey, when set, names the catalog message (package i18n) that is
	// the title, filled with TitleParams, rendered in each reader's
	// language by alert.Title; its Title is then not stored, and read back
	// empty. Alerts raised before migration 24 have no key and keep the
	// title they were stored with, as do keyed alerts stored with their
	// joined title before it was left empty.
	TitleKey    string
	TitleParams []string
	// BodyMsgs, when set, are the body as catalog messages, one a line,
	// rendered in each reader's language by alert.Body; its Body is then
	// not stored. Alerts raised before migration 29 keep the Body they were
	// stored with (some of them both languages joined).
	BodyMsgs  []AlertMessage
	Body      string
	ObjectRef string
	Data      string // JSON
	Created   time.Time
	Read      time.Time

	// Subject is what the alert is about, for grouping duplicates: the
	// object, vulnerability or asset the event concerns. When empty, it is
	// the ObjectRef, else the title. It is not stored; GroupKey is.
	Subject string
	// GroupKey is what AddAlert derives from the organization, the kind and
	// the subject (AlertGroupKey): alerts with one key are duplicates of
	// one event, which the inbox shows as one row. It is opaque (a hash),
	// so it tells nobody the subject, and names the group in listings
	// (AlertQuery.Group).
	GroupKey string

	// Objects are the row keys (Object.PK) of the objects the alert names —
	// their names, ids, counts or TLP. A reader sees the alert only if it may
	// read every one of them (policy.AlertFilter). Set when raising; listings
	// leave it empty.
	Objects []int64

	// Key, when set, is the alert's effect key: what it is about and for
	// whom (for a flow match, the sighting and the organization). An alert
	// whose organization already has one with the same key is not stored
	// again, nor posted or mailed again: the act that raised it may be
	// repeated (a batch the bus hands out twice) without alerting twice.
	Key string
}

// AlertMessage is a message of the catalog kept with an alert: its key and
// its parameters, as package i18n's Message (the store keeps it, never
// renders it). An empty key is an empty line.
type AlertMessage struct {
	Key    string   `json:"key"`
	Params []string `json:"params,omitempty"`
}

// AddAlert stores an alert and, when the organization as a whole may read
// every object it names (org, built with policy.OrgAudience), queues one
// delivery per active webhook of its organization, in one transaction, so no
// alert is stored without its deliveries. An alert the organization as a
// whole may not read stays in the inbox of those who may, and is neither
// posted nor mailed. An alert with a Key its organization already has is
// not stored: the id of the one stored is returned, and nothing is queued.
func (db *DB) AddAlert(ctx context.Context, a Alert, org policy.Viewer) (int64, error) {
	var id int64
	if a.Data == "" {
		a.Data = "{}"
	}
	if org.OrgID != a.OrgID {
		return 0, fmt.Errorf("add alert: the audience is %s, not the alert's organization %s", org.OrgID, a.OrgID)
	}
	a.PublicID = NewAlertPublicID()
	a.GroupKey = AlertGroupKey(a)
	err := db.InTx(ctx, func(tx *Tx) error {
		wide := true
		if len(a.Objects) > 0 {
			cond, args := policy.Filter(org, "o")
			q := "SELECT COUNT(*) FROM objects o WHERE o.pk IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(a.Objects)), ", ") + ") AND " + cond
			var n int
			if err := tx.QueryRow(ctx, q, append(pkArgs(a.Objects), args...)...).Scan(&n); err != nil {
				return fmt.Errorf("add alert: audience: %w", err)
			}
			wide = n == len(slices.Compact(slices.Sorted(slices.Values(a.Objects))))
		}
		params, _ := json.Marshal(nonNilStrings(a.TitleParams))
		body, _ := json.Marshal(nonNilMessages(a.BodyMsgs))
		var key any
		if a.Key != "" {
			key = a.Key
		}
		err := tx.QueryRow(ctx, `INSERT INTO alerts(public_id, org_id, kind, severity, title, title_key, title_params, body, body_msgs, object_ref, data, created_at, org_wide, effect_key, group_key)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(org_id, effect_key) DO NOTHING RETURNING id`,
			a.PublicID, a.OrgID, a.Kind, a.Severity, a.Title, a.TitleKey, string(params), a.Body, string(body), a.ObjectRef, a.Data, Micros(a.Created), BoolInt(wide), key, a.GroupKey).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) && a.Key != "" {
			// Raised before: the first one stands, with its deliveries.
			if err := tx.QueryRow(ctx, "SELECT id FROM alerts WHERE org_id = ? AND effect_key = ?", a.OrgID, a.Key).Scan(&id); err != nil {
				return fmt.Errorf("add alert: the one raised before: %w", err)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("add alert: %w", err)
		}
		for _, pk := range slices.Compact(slices.Sorted(slices.Values(a.Objects))) {
			if _, err := tx.Exec(ctx, "INSERT INTO alert_objects(alert_id, object_pk) VALUES(?, ?)", id, pk); err != nil {
				return fmt.Errorf("add alert: named object: %w", err)
			}
		}
		if !wide {
			return nil
		}
		// One delivery per active webhook, each with its own public id.
		rows, err := tx.Query(ctx, "SELECT id FROM webhooks WHERE org_id = ? AND active = 1 ORDER BY id", a.OrgID)
		if err != nil {
			return fmt.Errorf("add alert: webhooks: %w", err)
		}
		var hooks []int64
		for rows.Next() {
			var w int64
			if err := rows.Scan(&w); err != nil {
				rows.Close()
				return fmt.Errorf("add alert: webhooks: %w", err)
			}
			hooks = append(hooks, w)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("add alert: webhooks: %w", err)
		}
		for _, w := range hooks {
			if _, err := tx.Exec(ctx, "INSERT INTO deliveries(public_id, webhook_id, alert_id, next_at, updated_at) VALUES(?, ?, ?, ?, ?)",
				NewPublicID(), w, id, Micros(a.Created), Micros(a.Created)); err != nil {
				return fmt.Errorf("add alert: delivery: %w", err)
			}
		}
		return nil
	})
	return id, err
}

// AlertGroupKey is the key of the group of duplicates a is one of: 128 bits
// of the SHA-256 of its organization, kind and subject (Alert.Subject, else
// its ObjectRef, else its title with its parameters), in hex. Two alerts of
// one kind about one thing for one organization are one event told twice.
func AlertGroupKey(a Alert) string {
	subject := a.Subject
	if subject == "" {
		subject = a.ObjectRef
	}
	if subject == "" {
		subject = strings.Join(append([]string{a.TitleKey, a.Title}, a.TitleParams...), "\x00")
	}
	sum := sha256.Sum256([]byte(a.OrgID + "\x00" + a.Kind + "\x00" + subject))
	return hex.EncodeToString(sum[:16])
}

// NewAlertPublicID returns a new alert public id: 128 random bits in hex.
func NewAlertPublicID() string { return NewPublicID() }

// ValidAlertPublicID reports whether s has the form of an alert public id,
// so that anything else (a row id above all) is not found without a query.
func ValidAlertPublicID(s string) bool { return ValidPublicID(s) }

// NewPublicID returns a new public id, 128 random bits in hex: the id by
// which a record numbered in one sequence over every organization (alerts,
// webhooks, webhook deliveries) is known outside the hub, so that two of one
// member's records tell nothing of how many the others have.
func NewPublicID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// ValidPublicID reports whether s has the form of a public id, so that
// anything else (a row id above all) is not found without a query.
func ValidPublicID(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

func pkArgs(pks []int64) []any {
	out := make([]any, len(pks))
	for i, pk := range pks {
		out[i] = pk
	}
	return out
}

// AlertCols are the columns ScanAlert reads, of alerts as a.
const AlertCols = "a.id, a.public_id, a.org_id, a.kind, a.severity, a.title, a.title_key, a.title_params, a.body, a.body_msgs, a.object_ref, a.data, a.created_at, a.read_at, a.group_key"

// ScanAlert reads an alert selected as AlertCols.
func ScanAlert(row interface{ Scan(...any) error }) (Alert, error) {
	var a Alert
	var c, r int64
	var params, body string
	err := row.Scan(&a.ID, &a.PublicID, &a.OrgID, &a.Kind, &a.Severity, &a.Title, &a.TitleKey, &params, &a.Body, &body, &a.ObjectRef, &a.Data, &c, &r, &a.GroupKey)
	if err == nil && params != "" && params != "[]" {
		if err := json.Unmarshal([]byte(params), &a.TitleParams); err != nil {
			return a, fmt.Errorf("alert %d: title parameters: %w", a.ID, err)
		}
	}
	if err == nil && body != "" && body != "[]" {
		if err := json.Unmarshal([]byte(body), &a.BodyMsgs); err != nil {
			return a, fmt.Errorf("alert %d: body messages: %w", a.ID, err)
		}
	}
	a.Created, a.Read = FromMicros(c), FromMicros(r)
	return a, err
}

// scanFunc scans a row whose leading columns are not the alert's.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

func nonNilMessages(m []AlertMessage) []AlertMessage {
	if m == nil {
		return []AlertMessage{}
	}
	return m
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AlertQuery narrows a listing of alerts to those matching every field
// set; the zero query matches every alert. It is applied in SQL beside the
// access condition (policy.AlertFilter), which it never widens.
type AlertQuery struct {
	Kind     string    // one kind, e.g. "vulnerability"
	Severity string    // info | low | medium | high | critical
	Unread   bool      // only alerts not read yet
	ReadOnly bool      // only alerts read already
	Since    time.Time // raised at or after
	Until    time.Time // raised before
	Group    string    // only the duplicates of one group (Alert.GroupKey)
}

// where is q as SQL conditions on alerts as a, each preceded by AND.
func (q AlertQuery) where() (string, []any) {
	var b strings.Builder
	var args []any
	if q.Kind != "" {
		b.WriteString(" AND a.kind = ?")
		args = append(args, q.Kind)
	}
	if q.Severity != "" {
		b.WriteString(" AND a.severity = ?")
		args = append(args, q.Severity)
	}
	if q.Unread {
		b.WriteString(" AND a.read_at = 0")
	}
	if q.ReadOnly {
		b.WriteString(" AND a.read_at <> 0")
	}
	if !q.Since.IsZero() {
		b.WriteString(" AND a.created_at >= ?")
		args = append(args, Micros(q.Since))
	}
	if !q.Until.IsZero() {
		b.WriteString(" AND a.created_at < ?")
		args = append(args, Micros(q.Until))
	}
	if q.Group != "" {
		b.WriteString(" AND a.group_key = ?")
		args = append(args, q.Group)
	}
	return b.String(), args
}

// Alerts lists the alerts v may read, newest first, from after (the zero
// cursor: from the newest); unreadOnly keeps those not read yet. It is
// AlertsMatching with that query.
func (db *DB) Alerts(ctx context.Context, v policy.Viewer, after string, limit int, unreadOnly bool) (as []Alert, next string, err error) {
	return db.AlertsMatching(ctx, v, AlertQuery{Unread: unreadOnly}, after, limit)
}

// AlertsMatching lists the alerts v may read that match q, newest first,
// from after (the zero cursor: from the newest). The access condition and
// the query are part of the SQL, so pages and counts hold only what v may
// read. next is the sealed cursor of the next page, empty on the last.
func (db *DB) AlertsMatching(ctx context.Context, v policy.Viewer, aq AlertQuery, after string, limit int) (as []Alert, next string, err error) {
	cond, args := policy.AlertFilter(v, "a")
	w, wargs := aq.where()
	q := "SELECT " + AlertCols + " FROM alerts a WHERE " + cond + w
	args = append(args, wargs...)
	if after != "" {
		c, err := db.OpenCursor(ctx, after)
		if err != nil {
			return nil, "", err
		}
		q += " AND a.id < ?"
		args = append(args, c.PK)
	}
	q += " ORDER BY a.id DESC LIMIT ?"
	args = append(args, limit+1)
	if as, err = queryAll(ctx, db, "list alerts", ScanAlert, q, args...); err != nil {
		return nil, "", err
	}
	if len(as) > limit {
		as = as[:limit]
		if next, err = db.SealCursor(ctx, Cursor{PK: as[limit-1].ID}); err != nil {
			return nil, "", err
		}
	}
	return as, next, nil
}

// AlertGroup is the duplicates of one event in a listing: the latest of
// them, how many match and how many of those are unread.
type AlertGroup struct {
	Latest Alert
	Count  int64
	Unread int64
}

// AlertGroups lists the groups of duplicates (Alert.GroupKey) among the
// alerts v may read that match q, the group with the latest alert first,
// from after. Grouping, counting and paging happen in the query: a group
// holds only alerts v may read and q matches, and the listing never loads
// the members.
func (db *DB) AlertGroups(ctx context.Context, v policy.Viewer, aq AlertQuery, after string, limit int) (gs []AlertGroup, next string, err error) {
	cond, args := policy.AlertFilter(v, "a")
	w, wargs := aq.where()
	inner := "SELECT a.group_key AS gk, MAX(a.id) AS latest, COUNT(*) AS n, SUM(CASE WHEN a.read_at = 0 THEN 1 ELSE 0 END) AS unread FROM alerts a WHERE " + cond + w + " GROUP BY a.group_key"
	args = append(args, wargs...)
	if after != "" {
		c, err := db.OpenCursor(ctx, after)
		if err != nil {
			return nil, "", err
		}
		inner += " HAVING MAX(a.id) < ?"
		args = append(args, c.PK)
	}
	q := "SELECT " + AlertCols + ", g.n, g.unread FROM alerts a JOIN (" + inner + ") g ON a.id = g.latest ORDER BY a.id DESC LIMIT ?"
	args = append(args, limit+1)
	gs, err = queryAll(ctx, db, "list alert groups", func(r interface{ Scan(...any) error }) (AlertGroup, error) {
		var g AlertGroup
		var err error
		g.Latest, err = ScanAlert(scanFunc(func(alert ...any) error {
			return r.Scan(append(alert, &g.Count, &g.Unread)...)
		}))
		return g, err
	}, q, args...)
	if err != nil {
		return nil, "", err
	}
	if len(gs) > limit {
		gs = gs[:limit]
		if next, err = db.SealCursor(ctx, Cursor{PK: gs[limit-1].Latest.ID}); err != nil {
			return nil, "", err
		}
	}
	return gs, next, nil
}

// UnreadAlerts counts the unread alerts v may read.
func (db *DB) UnreadAlerts(ctx context.Context, v policy.Viewer) (int64, error) {
	cond, args := policy.AlertFilter(v, "a")
	var n int64
	err := db.QueryRow(ctx, "SELECT COUNT(*) FROM alerts a WHERE a.read_at = 0 AND "+cond, args...).Scan(&n)
	return n, err
}

// MarkAlertRead marks an alert v may read, named by its public id, as read;
// any other alert is not found, whether or not it exists, and so is one
// named by its row id.
func (db *DB) MarkAlertRead(ctx context.Context, v policy.Viewer, publicID string, at time.Time) error {
	if !ValidAlertPublicID(publicID) {
		return fmt.Errorf("alert %q: %w", publicID, ErrNotFound)
	}
	cond, args := policy.AlertFilter(v, "a")
	res, err := db.Exec(ctx, "UPDATE alerts SET read_at = ? WHERE public_id = ? AND read_at = 0 AND id IN (SELECT a.id FROM alerts a WHERE a.public_id = ? AND "+cond+")",
		append([]any{Micros(at), publicID, publicID}, args...)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("alert %s: %w", publicID, ErrNotFound)
	}
	return nil
}

// MarkAlertsRead marks the alerts v may read among those named by their
// public ids read, and returns how many it marked; an id of any other alert,
// or no alert, is passed over.
func (db *DB) MarkAlertsRead(ctx context.Context, v policy.Viewer, publicIDs []string, at time.Time) (int64, error) {
	var n int64
	for _, id := range publicIDs {
		err := db.MarkAlertRead(ctx, v, id, at)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// MarkAlertGroupsRead marks read every unread alert v may read in the
// groups named by their keys (Alert.GroupKey), and returns how many it
// marked; alerts of a group v may not read stay as they are.
func (db *DB) MarkAlertGroupsRead(ctx context.Context, v policy.Viewer, groups []string, at time.Time) (int64, error) {
	var n int64
	cond, args := policy.AlertFilter(v, "a")
	for _, g := range groups {
		if !ValidPublicID(g) { // a group key has the form of a public id
			continue
		}
		res, err := db.Exec(ctx, "UPDATE alerts SET read_at = ? WHERE group_key = ? AND read_at = 0 AND id IN (SELECT a.id FROM alerts a WHERE a.group_key = ? AND "+cond+")",
			append([]any{Micros(at), g, g}, args...)...)
		if err != nil {
			return n, fmt.Errorf("mark alert group %s read: %w", g, err)
		}
		m, _ := res.RowsAffected()
		n += m
	}
	return n, nil
}

// Webhook is where an organization wants its alerts posted.
type Webhook struct {
	// ID is the row id, one sequence over every organization's webhooks:
	// it never leaves the hub. PublicID (128 random bits in hex) is the only
	// id shown to anyone, in the API, the console and the audit log.
	ID       int64
	PublicID string
	OrgID    string
	URL      string
	Secret   string // HMAC key; shown to the org admin once
	Active   bool
	Created  time.Time
}

// AddWebhook stores a webhook and returns its public id: w.PublicID when
// the caller chose it (to log it before the webhook exists), else a new one.
func (db *DB) AddWebhook(ctx context.Context, w Webhook) (string, error) {
	if w.PublicID == "" {
		w.PublicID = NewPublicID()
	}
	_, err := db.Exec(ctx, "INSERT INTO webhooks(public_id, org_id, url, secret, active, created_at) VALUES(?, ?, ?, ?, ?, ?)",
		w.PublicID, w.OrgID, w.URL, w.Secret, BoolInt(w.Active), Micros(w.Created))
	if err != nil {
		return "", fmt.Errorf("add webhook of %s: %w", w.OrgID, err)
	}
	return w.PublicID, nil
}

// Webhooks lists an organization's webhooks, oldest first.
func (db *DB) Webhooks(ctx context.Context, orgID string) ([]Webhook, error) {
	return queryAll(ctx, db, "list webhooks", func(r interface{ Scan(...any) error }) (Webhook, error) {
		var w Webhook
		var act int
		var c int64
		err := r.Scan(&w.ID, &w.PublicID, &w.OrgID, &w.URL, &w.Secret, &act, &c)
		w.Active, w.Created = act != 0, FromMicros(c)
		return w, err
	}, "SELECT id, public_id, org_id, url, secret, active, created_at FROM webhooks WHERE org_id = ? ORDER BY id", orgID)
}

// DeleteWebhook removes one of an organization's webhooks, named by its
// public id; any other webhook is not found, whether or not it exists, and
// so is one named by its row id.
func (db *DB) DeleteWebhook(ctx context.Context, orgID, publicID string) error {
	if !ValidPublicID(publicID) {
		return fmt.Errorf("webhook %q: %w", publicID, ErrNotFound)
	}
	res, err := db.Exec(ctx, "DELETE FROM webhooks WHERE public_id = ? AND org_id = ?", publicID, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("webhook %s: %w", publicID, ErrNotFound)
	}
	return nil
}

// Delivery is one attempt series to post one alert to one webhook.
type Delivery struct {
	// ID is the row id, one sequence over every organization's deliveries:
	// it never leaves the hub. PublicID (128 random bits in hex) names a
	// dead delivery in the dead-letter list and its retry.
	ID        int64
	PublicID  string
	Webhook   Webhook
	Alert     Alert
	State     string // pending | delivered | dead
	Attempts  int
	Next      time.Time
	LastError string
	Updated   time.Time
}

// DueDeliveries returns pending deliveries whose time has come, of alerts
// the organization as a whole may read (deliveries queued before that was
// recorded may name others; they stay pending and are never posted).
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error) {
	return db.deliveries(ctx, "d.state = 'pending' AND d.next_at <= ? AND a.org_wide = 1 ORDER BY d.next_at LIMIT ?", Micros(now), limit)
}

// DeadDeliveries returns the dead-letter list of an organization.
func (db *DB) DeadDeliveries(ctx context.Context, orgID string, limit int) ([]Delivery, error) {
	return db.deliveries(ctx, "d.state = 'dead' AND w.org_id = ? ORDER BY d.updated_at DESC LIMIT ?", orgID, limit)
}

func (db *DB) deliveries(ctx context.Context, where string, args ...any) ([]Delivery, error) {
	rows, err := db.Query(ctx, `SELECT d.id, d.public_id, d.state, d.attempts, d.next_at, d.last_error, d.updated_at,
		w.id, w.public_id, w.org_id, w.url, w.secret, w.active, w.created_at,
		`+AlertCols+`
		FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN alerts a ON a.id = d.alert_id WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var next, upd, wc int64
		var act int
		var err error
		d.Alert, err = ScanAlert(scanFunc(func(alert ...any) error {
			return rows.Scan(append([]any{&d.ID, &d.PublicID, &d.State, &d.Attempts, &next, &d.LastError, &upd,
				&d.Webhook.ID, &d.Webhook.PublicID, &d.Webhook.OrgID, &d.Webhook.URL, &d.Webhook.Secret, &act, &wc}, alert...)...)
		}))
		if err != nil {
			return nil, err
		}
		d.Next, d.Updated = FromMicros(next), FromMicros(upd)
		d.Webhook.Active, d.Webhook.Created = act != 0, FromMicros(wc)
		out = append(out, d)
	}
	return out, rows.Err()
}

// ClaimDelivery makes d this node's to attempt until until, and reports
// whether it did: the delivery must still be pending at the time DueDeliveries
// read (d.Next). Of hub nodes sharing the store that read the same due
// delivery, one moves its time and the others find it moved, so that one
// posts. A node that dies while posting leaves the delivery due again at
// until. It is one conditional UPDATE, atomic on both stores.
func (db *DB) ClaimDelivery(ctx context.Context, d Delivery, until, now time.Time) (bool, error) {
	res, err := db.Exec(ctx, "UPDATE deliveries SET next_at = ?, updated_at = ? WHERE id = ? AND state = 'pending' AND next_at = ?",
		Micros(until), Micros(now), d.ID, Micros(d.Next))
	if err != nil {
		return false, fmt.Errorf("claim delivery %d: %w", d.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim delivery %d: %w", d.ID, err)
	}
	return n == 1, nil
}

// UpdateDelivery records the outcome of an attempt.
func (db *DB) UpdateDelivery(ctx context.Context, d Delivery, now time.Time) error {
	_, err := db.Exec(ctx, "UPDATE deliveries SET state = ?, attempts = ?, next_at = ?, last_error = ?, updated_at = ? WHERE id = ?",
		d.State, d.Attempts, Micros(d.Next), d.LastError, Micros(now), d.ID)
	return err
}

// RetryDelivery puts a dead delivery of an organization, named by its
// public id, back in the queue; any other delivery is not found, whether or
// not it exists, and so is one named by its row id.
func (db *DB) RetryDelivery(ctx context.Context, orgID, publicID string, now time.Time) error {
	if !ValidPublicID(publicID) {
		return fmt.Errorf("dead delivery %q: %w", publicID, ErrNotFound)
	}
	res, err := db.Exec(ctx, "UPDATE deliveries SET state = 'pending', attempts = 0, next_at = ?, updated_at = ? WHERE public_id = ? AND state = 'dead' AND webhook_id IN (SELECT id FROM webhooks WHERE org_id = ?)",
		Micros(now), Micros(now), publicID, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("dead delivery %s: %w", publicID, ErrNotFound)
	}
	return nil
}

// AlertReadable reports whether v may read alert id now: the same decision
// as the inbox's (policy.AlertFilter), made at the moment of reading. Webhook
// deliveries and e-mail ask it for the organization as a whole
// (policy.OrgAudience) just before they send, since the organization's
// groups, and so what it may read, may have changed since the alert was
// raised.
func (db *DB) AlertReadable(ctx context.Context, id int64, v policy.Viewer) (bool, error) {
	cond, args := policy.AlertFilter(v, "a")
	var n int
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM alerts a WHERE a.id = ? AND "+cond, append([]any{id}, args...)...).Scan(&n); err != nil {
		return false, fmt.Errorf("alert %d readable: %w", id, err)
	}
	return n == 1, nil
}
