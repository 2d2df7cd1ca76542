package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"renkei/internal/audit"
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
		HubID: id, Node: c.Node, Integrate: c.Integrate, Logger: c.Log}
	if db.Postgres() {
		opts.Shared = db
	}
	return audit.Open(ctx, opts)
}
