package store

import (
	"context"
	"slices"

	"renkei/internal/policy"
)

// AlertSeverities are the severities of alerts, most severe first.
var AlertSeverities = []string{"critical", "high", "medium", "low", "info"}

// SeverityCount is how many unread alerts of one severity a reader has.
type SeverityCount struct {
	Severity string
	Count    int64
}

// UnreadAlertsBySeverity counts the unread alerts v may read
// (policy.AlertFilter), by severity, most severe first; severities without
// any are left out.
func (db *DB) UnreadAlertsBySeverity(ctx context.Context, v policy.Viewer) ([]SeverityCount, error) {
	cond, args := policy.AlertFilter(v, "a")
	counts, err := queryAll(ctx, db, "count unread alerts by severity", func(row interface{ Scan(...any) error }) (SeverityCount, error) {
		var c SeverityCount
		err := row.Scan(&c.Severity, &c.Count)
		return c, err
	}, "SELECT a.severity, COUNT(*) FROM alerts a WHERE a.read_at = 0 AND "+cond+" GROUP BY a.severity", args...)
	if err != nil {
		return nil, err
	}
	rank := func(s string) int {
		if i := slices.Index(AlertSeverities, s); i >= 0 {
			return i
		}
		return len(AlertSeverities) // a severity not listed comes last
	}
	slices.SortStableFunc(counts, func(a, b SeverityCount) int { return rank(a.Severity) - rank(b.Severity) })
	return counts, nil
}
