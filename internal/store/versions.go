package store

import (
	"context"
	"fmt"
	"strings"
)

// Authors returns, for each of ids that has a stored version in any
// collection, the organization that authored its first stored version: the
// object's author, the only organization that may write further versions of
// it (see policy.MayWriteVersion). Ids without a stored version are absent.
// Knowing who owns an id is the intake's business only: it decides whether a
// version is accepted, and must not be shown to the submitter.
func (db *DB) Authors(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := db.Query(ctx, "SELECT stix_id, author_org FROM objects WHERE stix_id IN ("+
			strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+") ORDER BY pk", args...)
		if err != nil {
			return nil, fmt.Errorf("authors of stored versions: %w", err)
		}
		for rows.Next() {
			var id, org string
			if err := rows.Scan(&id, &org); err != nil {
				rows.Close()
				return nil, fmt.Errorf("authors of stored versions: %w", err)
			}
			if _, ok := out[id]; !ok {
				out[id] = org
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("authors of stored versions: %w", err)
		}
	}
	return out, nil
}
