// Package app builds Renkei's capabilities once per process and hands them
// to the doors: the server gives the one App to the REST API and the web
// console, the CLI builds one for its command. Each service is constructed
// here, in one place, with exactly what it needs — the store, the clock, the
// audit recorder, the alerts, the logger, the STIX intake where it submits
// objects — so that the API, the console and the CLI share one service (and
// one in-memory engine where a capability keeps one) instead of building
// their own.
//
// It must hold no logic of its own and decide nothing: no access rule (package
// policy), no handler (api, web), no SQL (the capabilities and store). Nothing
// below it may import it; see docs/architecture.md.
package app

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/approval"
	"renkei/internal/audit"
	"renkei/internal/cases"
	"renkei/internal/consult"
	"renkei/internal/hub"
	"renkei/internal/huntpkg"
	"renkei/internal/incident"
	"renkei/internal/relevance"
	"renkei/internal/retention"
	"renkei/internal/telemetry"
)

// App is one process's capabilities, each built once.
type App struct {
	// Hub is the STIX intake and presentation, and owns what the
	// capabilities share: the store, the authenticator, the alerts, the
	// audit log and the clock.
	Hub *hub.Hub

	Cases      *cases.Service
	Consult    *consult.Service
	Incidents  *incident.Service
	Advisories *advisory.Service
	Approvals  *approval.Service
	// Relevance keeps the vulnerability engine in memory: one per process.
	Relevance *relevance.Service
	Hunting   *huntpkg.Service
	// Telemetry is the communications-information pipeline's shared side;
	// the pipeline and its matchers run over it (telemetry.NewPipeline).
	Telemetry *telemetry.Service
	// Retention deletes expired objects under the hub's rules, logged first.
	Retention *retention.Service
}

// New builds every capability over h. Acts are recorded through h.Record,
// which refuses them while h.Audit is nil; advisories alone are published
// unlogged by a process without an audit log (the CLI), so h.Audit must be
// set before New when the process keeps one.
func New(h *hub.Hub) *App {
	now := func() time.Time { return h.Now() } // the hub's clock, as tests set it
	unlessUnlogged := h.Record
	if h.Audit == nil {
		unlessUnlogged = nil
	}
	center := h.Center().ID
	rel := relevance.New(h.DB, h.Alerts, h.Log)
	rel.Now, rel.Record, rel.Center = now, h.Record, center
	// Hunting packages are signed with a key kept beside the audit log
	// (DATA/hunt-keys); a process without a log publishes none.
	huntKeys := ""
	if h.Audit != nil {
		huntKeys = filepath.Join(filepath.Dir(h.Audit.Dir()), "hunt-keys")
	}
	appendAudit := func(ctx context.Context, e audit.Entry) (uint64, error) {
		if h.Audit == nil {
			return 0, errors.New("the process keeps no audit log")
		}
		return h.Audit.Append(ctx, e)
	}
	return &App{
		Hub:        h,
		Cases:      &cases.Service{DB: h.DB, Now: now, Alerts: h.Alerts, Log: h.Log, Center: center},
		Consult:    &consult.Service{DB: h.DB, Now: now, Alerts: h.Alerts, Log: h.Log, Center: center, Record: h.Record},
		Incidents:  &incident.Service{DB: h.DB, Now: now, Alerts: h.Alerts, Log: h.Log, Center: center, Submit: h.Submit, Deadlines: incident.DefaultDeadlines()},
		Advisories: &advisory.Service{DB: h.DB, Now: now, Alerts: h.Alerts, Record: unlessUnlogged},
		Approvals:  &approval.Service{DB: h.DB, Now: now, Alerts: h.Alerts, Center: center, Record: h.Record},
		Relevance:  rel,
		Hunting:    &huntpkg.Service{DB: h.DB, Now: now, Alerts: h.Alerts, Log: h.Log, Viewer: h.Viewer, Record: h.Record, KeyDir: huntKeys},
		Telemetry: &telemetry.Service{DB: h.DB, Now: now, Alerts: h.Alerts, Log: h.Log, Center: h.Center(), Viewer: h.Viewer, Record: h.Record,
			Append: appendAudit, Submit: h.Submit},
		Retention: &retention.Service{DB: h.DB, Record: h.Record, Center: h.Center(), Now: now, Log: h.Log},
	}
}
