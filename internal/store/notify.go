package store

// The e-mail preferences of organizations (package notify): where each
// organization's alerts are mailed, how often, in which language, and the
// cursor of the last alert mailed, which two nodes advance only once.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"renkei/internal/policy"
)

// NotifyPref is an organization's e-mail preference (notify_prefs).
type NotifyPref struct {
	OrgID       string    `json:"org_id"`
	Emails      []string  `json:"emails"`
	Digest      string    `json:"digest"`
	LastAlertID int64     `json:"last_alert_id"`
	LastSent    time.Time `json:"last_sent,omitzero"`
	// Lang is the language the mail is written in (ja, en); empty, both,
	// Japanese first.
	Lang string `json:"lang,omitempty"`
}

// SetNotifyPref stores an organization's addresses and digest preference.
// A new preference's cursor starts at the organization's newest alert, so
// configuring e-mail does not mail the whole inbox's history; a changed one
// keeps its cursor and language.
func (db *DB) SetNotifyPref(ctx context.Context, orgID string, emails []string, digest string) error {
	var newest int64
	if err := db.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM alerts WHERE org_id = ?", orgID).Scan(&newest); err != nil {
		return fmt.Errorf("set e-mail preference: newest alert: %w", err)
	}
	_, err := db.Exec(ctx, `INSERT INTO notify_prefs(org_id, emails, digest, last_alert_id) VALUES(?, ?, ?, ?)
		ON CONFLICT(org_id) DO UPDATE SET emails = excluded.emails, digest = excluded.digest`, orgID, strings.Join(emails, ","), digest, newest)
	if err != nil {
		return fmt.Errorf("set e-mail preference: %w", err)
	}
	return nil
}

// SetNotifyLang sets the language of an organization's alert mail; the
// organization must have a preference.
func (db *DB) SetNotifyLang(ctx context.Context, orgID, lang string) error {
	res, err := db.Exec(ctx, "UPDATE notify_prefs SET lang = ? WHERE org_id = ?", lang, orgID)
	if err != nil {
		return fmt.Errorf("set e-mail language: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return fmt.Errorf("e-mail language of %s: no e-mail preference (set the addresses first): %w", orgID, ErrNotFound)
	}
	return nil
}

// NotifyPrefs lists every organization's preference, by organization.
func (db *DB) NotifyPrefs(ctx context.Context) ([]NotifyPref, error) {
	rows, err := db.Query(ctx, "SELECT org_id, emails, digest, last_alert_id, last_sent_at, lang FROM notify_prefs ORDER BY org_id")
	if err != nil {
		return nil, fmt.Errorf("e-mail preferences: %w", err)
	}
	defer rows.Close()
	var out []NotifyPref
	for rows.Next() {
		var p NotifyPref
		var emails string
		var sent int64
		if err := rows.Scan(&p.OrgID, &emails, &p.Digest, &p.LastAlertID, &sent, &p.Lang); err != nil {
			return nil, fmt.Errorf("e-mail preferences: %w", err)
		}
		if emails != "" {
			p.Emails = strings.Split(emails, ",")
		}
		p.LastSent = FromMicros(sent)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ClaimNotifyCursor moves an organization's cursor from the alert it was
// at (from) to to, sent at, and reports whether this call moved it: another
// node that moved it first mails those alerts.
func (db *DB) ClaimNotifyCursor(ctx context.Context, orgID string, from, to int64, at time.Time) (bool, error) {
	res, err := db.Exec(ctx, "UPDATE notify_prefs SET last_alert_id = ?, last_sent_at = ? WHERE org_id = ? AND last_alert_id = ?",
		to, Micros(at), orgID, from)
	if err != nil {
		return false, fmt.Errorf("claim the e-mail of %s: %w", orgID, err)
	}
	k, _ := res.RowsAffected()
	return k == 1, nil
}

// RewindNotifyCursor puts an organization's cursor back from at to back,
// after mail that failed, unless another node moved it since.
func (db *DB) RewindNotifyCursor(ctx context.Context, orgID string, at, back int64) error {
	if _, err := db.Exec(ctx, "UPDATE notify_prefs SET last_alert_id = ? WHERE org_id = ? AND last_alert_id = ?", back, orgID, at); err != nil {
		return fmt.Errorf("put back the e-mail cursor of %s: %w", orgID, err)
	}
	return nil
}

// AlertsToMail returns, oldest first and at most limit, the alerts after
// the alert id after that v — an organization as a whole (policy.OrgAudience)
// — may read now and that were raised for the organization as a whole.
func (db *DB) AlertsToMail(ctx context.Context, v policy.Viewer, after int64, limit int) ([]Alert, error) {
	cond, args := policy.AlertFilter(v, "a")
	rows, err := db.Query(ctx, "SELECT "+AlertCols+" FROM alerts a WHERE a.id > ? AND a.org_wide = 1 AND "+cond+" ORDER BY a.id LIMIT ?",
		append(append([]any{after}, args...), limit)...)
	if err != nil {
		return nil, fmt.Errorf("new alerts of %s: %w", v.OrgID, err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		a, err := ScanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("new alerts of %s: %w", v.OrgID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
