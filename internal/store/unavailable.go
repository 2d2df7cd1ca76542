package store

import (
	"context"
	"errors"
	"time"
)

// Unavailable reports whether err, returned by an operation on the store,
// means the store does not answer rather than that the request was wrong or
// the code is: the store is asked once more (a ping, bounded to a second),
// and only if that fails too is it an outage. Callers answer an outage with
// 503 "the store is unavailable", so that clients retry and operators look
// at the database, instead of 401 or 500. A cancelled request is not one.
func (db *DB) Unavailable(ctx context.Context, err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ErrNotFound) {
		return false
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	return db.sql.PingContext(ctx) != nil
}
