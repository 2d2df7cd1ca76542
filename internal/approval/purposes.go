package approval

import (
	"context"
	"fmt"

	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Purposes returns the purposes an approval allows its source's records to
// be read for, in the order filed; none means any purpose stated in full
// (policy.CheckPurpose).
func Purposes(ctx context.Context, db *store.DB, id int64) ([]string, error) {
	rows, err := db.Query(ctx, "SELECT purpose FROM approval_purposes WHERE approval_id = ? ORDER BY position", id)
	if err != nil {
		return nil, fmt.Errorf("purposes of approval %d: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// checkPurposes holds each purpose a request names to the rule a handler's
// stated purpose is held to, so that one of them can be stated.
func checkPurposes(ps []string) error {
	for i, p := range ps {
		if err := policy.CheckPurpose(p, nil); err != nil {
			return problem.Field("purposes", "purpose %d: %v", i+1, err)
		}
	}
	return nil
}

// normPurposes is how purposes are stored and shown.
func normPurposes(ps []string) []string {
	var out []string
	for _, p := range ps {
		out = append(out, policy.NormPurpose(p))
	}
	return out
}

// addPurposes records the purposes of a new approval, in its filing transaction.
func addPurposes(ctx context.Context, tx *store.Tx, id int64, ps []string) error {
	for i, p := range ps {
		if _, err := tx.Exec(ctx, "INSERT INTO approval_purposes(approval_id, position, purpose) VALUES(?, ?, ?)", id, i, policy.NormPurpose(p)); err != nil {
			return fmt.Errorf("record purposes of approval %d: %w", id, err)
		}
	}
	return nil
}
