package api_test

import (
	"context"
	"time"

	"renkei/internal/hub"
	"renkei/internal/store"
)

// addTestUser adds a user; an overseer is the committee's first member, in
// the committee's own organization, as "renkei committee bootstrap" makes it.
func addTestUser(ctx context.Context, db *store.DB, login, org, role string, now time.Time) error {
	if role == "overseer" {
		_, _, err := hub.BootstrapCommittee(ctx, db, "Oversight Committee", login, "test", now)
		return err
	}
	_, err := hub.AddUser(ctx, db, login, org, role, "", now)
	return err
}
