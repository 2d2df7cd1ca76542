package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
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

// ReleaseLease gives up holder's lease of job, if it still holds it, so that
// another node takes the job at once instead of when the lease would have
// run out. A process that stops cleanly releases its leases; one that dies
// does not, and its leases run out.
func (db *DB) ReleaseLease(ctx context.Context, job, holder string) error {
	if _, err := db.Exec(ctx, "UPDATE job_leases SET until = 0 WHERE job = ? AND holder = ?", job, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", job, err)
	}
	return nil
}

// LeaseTerm is how long a kept lease (KeepLease) lasts without renewal: a
// holder renews it every third of the term, so another node takes the job
// over within LeaseTerm and a third of it, under a minute, of the holder's
// death.
const LeaseTerm = 45 * time.Second

// Lease is a job lease kept by a process for as long as it runs (KeepLease).
type Lease struct {
	db     *DB
	job    string
	holder string
	term   time.Duration
	now    func() time.Time

	mu    sync.Mutex
	until time.Time // in force until then, by the last successful take
}

// KeepLease asks for job's lease under holder now and then every third of
// term (LeaseTerm when 0) until ctx ends, and then releases it: while this
// process runs it keeps the lease once it has it, and when another holder
// dies without releasing it, this one takes it within term and a third.
// now is the clock (time.Now when nil).
func (db *DB) KeepLease(ctx context.Context, job, holder string, term time.Duration, now func() time.Time) *Lease {
	if term <= 0 {
		term = LeaseTerm
	}
	if now == nil {
		now = time.Now
	}
	l := &Lease{db: db, job: job, holder: holder, term: term, now: now}
	l.take(ctx)
	go func() {
		t := time.NewTicker(term / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				l.mu.Lock()
				l.until = time.Time{}
				l.mu.Unlock()
				db.ReleaseLease(rctx, job, holder)
				return
			case <-t.C:
				l.take(ctx)
			}
		}
	}()
	return l
}

func (l *Lease) take(ctx context.Context) {
	at := l.now()
	ok, err := l.db.TakeLease(ctx, l.job, l.holder, at, l.term)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && ok {
		l.until = at.Add(l.term)
	} else if err == nil {
		l.until = time.Time{}
	} // on an error the lease stands until it would run out
}

// Held reports whether this process holds the lease now.
func (l *Lease) Held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.now().Before(l.until)
}

// Term is the lease's term.
func (l *Lease) Term() time.Duration { return l.term }
