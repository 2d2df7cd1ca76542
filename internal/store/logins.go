package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Failed console logins, per address and per login (package web's limiter),
// counted in the store so that every hub node on it sees the same counts.

// LoginFailures returns the most failures any of keys has had in the window
// that began window before now.
func (db *DB) LoginFailures(ctx context.Context, keys []string, now time.Time, window time.Duration) (int64, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	args := make([]any, 0, len(keys)+1)
	for _, k := range keys {
		args = append(args, k)
	}
	args = append(args, Micros(now.Add(-window)))
	var n int64
	err := db.QueryRow(ctx, "SELECT COALESCE(MAX(failures), 0) FROM login_failures WHERE key IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ")+") AND window_start > ?", args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("failed logins: %w", err)
	}
	return n, nil
}

// CountLoginFailure adds a failure to each of keys, starting a new window at
// now for a key whose window has ended, and forgets windows long ended.
func (db *DB) CountLoginFailure(ctx context.Context, keys []string, now time.Time, window time.Duration) error {
	ended := Micros(now.Add(-window))
	return db.InTx(ctx, func(tx *Tx) error {
		for _, k := range keys {
			if _, err := tx.Exec(ctx, `INSERT INTO login_failures(key, failures, window_start) VALUES(?, 1, ?)
				ON CONFLICT(key) DO UPDATE SET
				failures = CASE WHEN login_failures.window_start <= ? THEN 1 ELSE login_failures.failures + 1 END,
				window_start = CASE WHEN login_failures.window_start <= ? THEN excluded.window_start ELSE login_failures.window_start END`,
				k, Micros(now), ended, ended); err != nil {
				return fmt.Errorf("count failed login: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM login_failures WHERE window_start <= ?", ended); err != nil {
			return fmt.Errorf("forget old failed logins: %w", err)
		}
		return nil
	})
}

// ClearLoginFailures forgets the failures of keys (after a login succeeded).
func (db *DB) ClearLoginFailures(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if _, err := db.Exec(ctx, "DELETE FROM login_failures WHERE key = ?", k); err != nil {
			return fmt.Errorf("clear failed logins: %w", err)
		}
	}
	return nil
}
