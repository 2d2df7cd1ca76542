package store

import (
	"context"
	"fmt"
	"strings"
)

// ClaimIDs claims for org each of ids that no organization has claimed yet,
// and returns the organization that holds the claim on each of ids after
// that: org for the ids it has just claimed, or claimed before, and the first
// claimant for the others. The claimant of an id is the object's author, the
// only organization that may write versions of it (policy.MayWriteVersion);
// it is decided by the table's primary key, so that when two organizations
// post the same new id at once exactly one of them claims it and the other
// sees the claim. Claims outlive the object's versions. Knowing who owns an
// id is the intake's business only: it decides whether a version is
// accepted, and must not be shown to the submitter.
func (db *DB) ClaimIDs(ctx context.Context, ids []string, org string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		err := db.InTx(ctx, func(tx *Tx) error {
			claims := make([]any, 0, 2*len(part))
			for _, id := range part {
				claims = append(claims, id, org)
			}
			if err := claim(ctx, tx, claims); err != nil {
				return err
			}
			args := make([]any, len(part))
			for i, id := range part {
				args[i] = id
			}
			rows, err := tx.Query(ctx, "SELECT stix_id, author_org FROM object_claims WHERE stix_id IN ("+
				strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+")", args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id, owner string
				if err := rows.Scan(&id, &owner); err != nil {
					return err
				}
				out[id] = owner
			}
			return rows.Err()
		})
		if err != nil {
			return nil, fmt.Errorf("claim object ids: %w", err)
		}
	}
	return out, nil
}

// claim inserts the claims given as pairs of id and organization (at most
// 500), leaving ids already claimed as they are.
func claim(ctx context.Context, tx *Tx, pairs []any) error {
	if len(pairs) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, "INSERT INTO object_claims(stix_id, author_org) VALUES "+
		strings.TrimSuffix(strings.Repeat("(?, ?), ", len(pairs)/2), ", ")+" ON CONFLICT (stix_id) DO NOTHING", pairs...)
	if err != nil {
		return fmt.Errorf("claim ids: %w", err)
	}
	return nil
}
