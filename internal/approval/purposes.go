package approval

import (
	"context"

	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Purposes returns the purposes an approval allows its source's records to
// be read for, in the order filed; none means any purpose stated in full
// (policy.CheckPurpose).
func Purposes(ctx context.Context, db *store.DB, id int64) ([]string, error) {
	return db.ApprovalPurposes(ctx, id)
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
