package telemetry

import (
	"context"
	"io"
	"log/slog"
	"time"

	"renkei/internal/alert"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Service is the pipeline's shared side: the sources' status, the retention
// job, a handler's access to records, and what matching produced. Package
// app builds the one service of a process with what it needs; the pipeline
// (NewPipeline) and the matcher workers (Worker) run over it.
type Service struct {
	DB     *store.DB
	Now    func() time.Time
	Alerts *alert.Service // the matcher's alerts to members whose address space matched
	Log    *slog.Logger
	// Center is the national center: matches are sighted by it and its
	// retention job acts in its name.
	Center store.Org
	// Viewer is how the access policy sees a caller, its organization's
	// sharing groups included (hub.Hub.Viewer).
	Viewer func(ctx context.Context, c auth.Caller) (policy.Viewer, error)
	// Record appends an act to the audit log before it takes effect
	// (hub.Hub.Record): deletions by the retention job.
	Record func(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error)
	// Append appends an entry that carries a purpose and a legal basis (a
	// handler's access, rule C7) to the audit log; nil when the process
	// keeps none, and every access is then refused.
	Append func(ctx context.Context, e audit.Entry) (uint64, error)
	// Submit takes the matcher's sightings into the store (hub.Hub.Submit),
	// so that the indicators' authors are alerted as for any sighting.
	Submit func(ctx context.Context, c auth.Caller, coll store.Collection, body io.Reader) (store.Status, error)
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// record is Record, refusing the act when the process keeps no audit log.
func (s *Service) record(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error) {
	if s.Record == nil {
		return 0, problem.ErrAuditUnavailable
	}
	return s.Record(ctx, c, action, objectID, detail)
}
