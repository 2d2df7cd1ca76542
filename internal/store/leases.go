package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"
)

// NewLeaseHolder names this process as a holder of job leases: host, process
// and a random part, so that two processes never share a name.
func NewLeaseHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// TakeLease makes holder the one that runs job until now+d, unless another
// holder's lease is still in force, and reports whether holder has it. Nodes
// sharing a store call it before each run of a periodic job so that one of
// them runs it at a time; the holder renews its lease on every run, and when
// it stops another takes over once the lease has run out. It is one
// statement, atomic on both stores.
func (db *DB) TakeLease(ctx context.Context, job, holder string, now time.Time, d time.Duration) (bool, error) {
	res, err := db.Exec(ctx, `INSERT INTO job_leases(job, holder, until) VALUES(?, ?, ?)
		ON CONFLICT(job) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE job_leases.until < ? OR job_leases.holder = excluded.holder`,
		job, holder, Micros(now.Add(d)), Micros(now))
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", job, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", job, err)
	}
	return n == 1, nil
}
