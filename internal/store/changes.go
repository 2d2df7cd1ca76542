package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Change counters (store_changes, migration 00032): what one process keeps
// loaded from the store — the vulnerability engine of `renkei serve` — must
// see what another process changed: a CLI import while serve runs, another
// hub node. Every write of a kind bumps its counter inside the transaction
// that makes the write, so a reader that sees the counter move is sure to
// read the change; reading a counter is one primary-key lookup, cheap
// enough to poll every few seconds.

// ChangeVuln counts changes of what the vulnerability engine is built from:
// connection points, registered SBOMs, advisory documents, publications and
// the product–supplier register.
const ChangeVuln = "vuln"

// ChangeAuth counts changes of what an authenticator remembers of a
// credential for a few seconds (auth.Authenticator's token cache): a token
// revoked, a user's role, capabilities or disabled flag changed, an
// organization changed. Every node forgets what it remembers when it hears
// of one (a NATS notification, package bus), so the change holds on every
// node at once; the cache's short lifetime bounds it when the notification
// is lost.
const ChangeAuth = "auth"

type execer interface {
	Exec(context.Context, string, ...any) (sql.Result, error)
}

// bumpChange counts one change of kind, in x's transaction.
func bumpChange(ctx context.Context, x execer, kind string) error {
	if _, err := x.Exec(ctx, "INSERT INTO store_changes(kind, counter) VALUES(?, 1) ON CONFLICT(kind) DO UPDATE SET counter = store_changes.counter + 1", kind); err != nil {
		return fmt.Errorf("count change of %s: %w", kind, err)
	}
	return nil
}

// Changed returns the change counter of kind: 0 until its first change.
// Two equal answers mean no write of that kind committed in between.
func (db *DB) Changed(ctx context.Context, kind string) (int64, error) {
	var n int64
	err := db.QueryRow(ctx, "SELECT counter FROM store_changes WHERE kind = ?", kind).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("change counter of %s: %w", kind, err)
	}
	return n, nil
}

// inTxChanged runs fn in a transaction that also counts a change of kind.
func (db *DB) inTxChanged(ctx context.Context, kind string, fn func(*Tx) error) error {
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return bumpChange(ctx, tx, kind)
	})
	if err == nil {
		db.changed(kind)
	}
	return err
}

// OnChange sets fn to be told of each change of a kind once its write has
// committed, so that other processes can hear of it at once (a NATS
// notification where the hub runs with NATS, see package bus) instead of
// at their next look at the counter. The counter stays the truth: a
// notification lost or never sent only delays what they see until they
// poll.
func (db *DB) OnChange(fn func(kind string)) {
	db.onChange.Store(&fn)
}

func (db *DB) changed(kind string) {
	if fn := db.onChange.Load(); fn != nil && *fn != nil {
		(*fn)(kind)
	}
}
