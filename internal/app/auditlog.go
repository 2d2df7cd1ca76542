package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"renkei/internal/audit"
	"renkei/internal/metrics"
	"renkei/internal/store"
)

// AuditConfig says how a process opens the hub's audit log.
type AuditConfig struct {
	DataDir string // the log's directory is DATA/audit, its keys DATA/audit-keys
	Node    string // this process's name in entries; "" is the host name
	// Integrate makes the process a candidate integrator of the cluster's
	// log: hub nodes (serve), not workers or the command line.
	Integrate bool
	Log       *slog.Logger
	// Metrics counts appends and watches the log's integration lag
	// (renkei_audit_integration_lag); nil counts nothing.
	Metrics *metrics.Set
}

// OpenAudit opens the hub's one audit log for this process. On PostgreSQL,
// the store that the processes of several machines share, it is the
// cluster's log, journaled in the store (audit/cluster.go); on SQLite, which
// only the processes of one machine can share, it is the log in DATA/audit
// that they take turns writing (audit/journal.go). Either way a new log is
// named after the hub (store.HubID), so that two hubs' logs never share an
// origin.
func OpenAudit(ctx context.Context, db *store.DB, c AuditConfig) (*audit.Log, error) {
	id, err := db.HubID(ctx)
	if err != nil {
		return nil, fmt.Errorf("open the audit log: hub id: %w", err)
	}
	opts := audit.Options{Dir: filepath.Join(c.DataDir, "audit"), KeyDir: filepath.Join(c.DataDir, "audit-keys"),
		HubID: id, Node: c.Node, Integrate: c.Integrate, Logger: c.Log, Metrics: c.Metrics}
	if db.Postgres() {
		opts.Shared = db
	}
	l, err := audit.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.Metrics.Watch("renkei_audit_integration_lag", "Audit entries appended (durable, index returned) that the published signed checkpoint does not cover yet; it grows when integration stops.",
		nil, func(emit func(float64, ...string)) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if n, err := l.Lag(ctx); err == nil {
				emit(float64(n))
			}
		})
	return l, nil
}
