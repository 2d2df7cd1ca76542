// Package app makes, once per process, the parts Renkei's capabilities share
// — the authenticator, the alerts, the clock, over the store and the audit
// log that the door opened — and builds the hub (STIX intake and
// presentation) and each capability over them. The server gives the one App
// to the REST API and the web console; each CLI command builds one. Each
// service is constructed here, in one place, with exactly what it needs, so
// that the API, the console and the CLI share one service (and one in-memory
// engine where a capability keeps one) instead of building their own.
//
// It must hold no logic of its own and decide nothing: no access rule (package
// policy), no handler (api, web), no SQL (the capabilities and store). Nothing
// below it may import it; see docs/architecture.md.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/alert"
	"renkei/internal/approval"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/cases"
	"renkei/internal/consult"
	"renkei/internal/exportgate"
	"renkei/internal/federation"
	"renkei/internal/hub"
	"renkei/internal/huntpkg"
	"renkei/internal/incident"
	"renkei/internal/metrics"
	"renkei/internal/pqc"
	"renkei/internal/relevance"
	"renkei/internal/retention"
	"renkei/internal/signin"
	"renkei/internal/store"
	"renkei/internal/telemetry"
)

// Deps are what the door that starts the process opens before anything
// else: the store and, where acts are logged, the audit log.
type Deps struct {
	Store *store.DB
	// Audit is the tamper-evident log. Nil (some CLI commands) refuses every
	// act that must be logged first; advisories alone are then published
	// unlogged.
	Audit *audit.Log
	// Log receives the capabilities' lines; nil discards.
	Log *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// WebhookAllow lists the ranges inside the hub's network that webhooks
	// may nevertheless reach (alert.Reach).
	WebhookAllow []netip.Prefix
	// Metrics is the process's counters for /metrics (the server makes
	// them over its registry); nil counts nothing.
	Metrics *metrics.Set
}

// App is one process's capabilities, each built once, and the parts they
// share, each made once.
type App struct {
	// The shared parts: the store, the authenticator, the alerts, the audit
	// log (nil where the process keeps none), the logger.
	Store  *store.DB
	Auth   *auth.Authenticator
	Alerts *alert.Service
	Audit  *audit.Log
	Log    *slog.Logger
	// Metrics counts what an operator watches; nil counts nothing.
	Metrics *metrics.Set
	// Now is the one clock every part reads, at each call: a test sets it
	// to move time for the hub and every service at once.
	Now func() time.Time

	// Hub is the STIX intake and presentation, and the administrative acts.
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
	// Exports is the export gate: warninglists, export policies and reviews;
	// every export opens its Gate.
	Exports *exportgate.Service
	// PQC keeps the organizations' crypto inventories and migration plans,
	// and probes the endpoints they registered and confirmed.
	PQC *pqc.Service
	// Federation keeps the partners and their sharing agreements, and
	// pulls from and pushes to them.
	Federation *federation.Service
	// SignIn is single sign-on, passkeys and client certificates.
	SignIn *signin.Service
}

// New makes the shared parts over d and builds the hub and every capability
// over them, once. The store must have been bootstrapped (hub.Bootstrap).
func New(ctx context.Context, d Deps) (*App, error) {
	if d.Store == nil {
		return nil, fmt.Errorf("app: the store is required")
	}
	a := &App{Store: d.Store, Audit: d.Audit, Log: d.Log, Now: d.Now, Metrics: d.Metrics}
	if a.Log == nil {
		a.Log = slog.New(slog.DiscardHandler)
	}
	if a.Now == nil {
		a.Now = time.Now
	}
	now := func() time.Time { return a.Now() } // read at each call, as tests move it
	a.Auth = &auth.Authenticator{DB: d.Store, Now: now}
	a.Alerts = &alert.Service{DB: d.Store, Log: a.Log, Now: now, Metrics: d.Metrics}
	a.Alerts.Reach.Allow = d.WebhookAllow
	h, err := hub.New(ctx, hub.Deps{Store: d.Store, Auth: a.Auth, Alerts: a.Alerts, Audit: d.Audit, Log: a.Log, Now: now, Metrics: d.Metrics})
	if err != nil {
		return nil, err
	}
	a.Hub = h

	db, alerts, log, record := d.Store, a.Alerts, a.Log, h.Record
	unlessUnlogged := record
	if d.Audit == nil {
		unlessUnlogged = nil
	}
	center := h.Center().ID
	a.Relevance = relevance.New(db, alerts, log)
	a.Relevance.Now, a.Relevance.Record, a.Relevance.Center = now, record, center
	a.Relevance.WatchFeeds(d.Metrics)
	a.Consult = &consult.Service{DB: db, Now: now, Alerts: alerts, Log: log, Center: center, Record: record}
	a.Incidents = &incident.Service{DB: db, Now: now, Alerts: alerts, Log: log, Center: center, Submit: h.Submit, Deadlines: incident.DefaultDeadlines()}
	a.Advisories = &advisory.Service{DB: db, Now: now, Alerts: alerts, Record: unlessUnlogged}
	a.Approvals = &approval.Service{DB: db, Now: now, Alerts: alerts, Center: center, Record: record}
	// Hunting packages are signed with a key kept beside the audit log
	// (DATA/hunt-keys); a process without a log publishes none.
	huntKeys := ""
	if d.Audit != nil {
		huntKeys = filepath.Join(filepath.Dir(d.Audit.Dir()), "hunt-keys")
	}
	a.Hunting = &huntpkg.Service{DB: db, Now: now, Alerts: alerts, Log: log, Viewer: h.Viewer, Record: record, KeyDir: huntKeys}
	a.Cases = &cases.Service{DB: db, Now: now, Alerts: alerts, Log: log, Center: center, Readers: a.caseLinkReaders()}
	a.PQC = &pqc.Service{DB: db, Now: now, Log: log, Record: record}
	appendAudit := func(ctx context.Context, e audit.Entry) (uint64, error) {
		if d.Audit == nil {
			return 0, errors.New("the process keeps no audit log")
		}
		return d.Audit.Append(ctx, e)
	}
	a.Telemetry = &telemetry.Service{DB: db, Now: now, Alerts: alerts, Log: log, Center: h.Center(), Viewer: h.Viewer, Record: record,
		Append: appendAudit, Submit: h.Submit}
	a.Retention = &retention.Service{DB: db, Record: record, Center: h.Center(), Now: now, Log: log}
	a.Exports = &exportgate.Service{DB: db, Now: now, Center: center, Record: record, Log: log}
	a.SignIn = &signin.Service{DB: db, Now: now, Log: log, Record: record, CreateUser: h.CreateUser, Forget: a.Auth.Forget}
	h.WarninglistHits = a.Exports.ObjectHitsJSON // shown on every object the hub presents
	a.Hunting.Screen = a.Exports.Screen          // a package's indicators pass the export gate
	a.Federation = &federation.Service{DB: db, Now: now, Log: log, Record: record, Submit: h.Submit, Present: h.Present, Viewer: h.Viewer,
		Reach: a.Alerts.Reach,
		NewOrg: func(ctx context.Context, name string) (store.Org, error) {
			return hub.AddOrg(ctx, db, name, federation.OrgKind, "", now())
		},
		NewUser: func(ctx context.Context, login, org string) (store.User, error) {
			return hub.AddUser(ctx, db, login, org, federation.Role, "", now())
		}}
	h.Arrival = a.Federation.Arrive // what a partner sends is re-checked against its agreement
	return a, nil
}

// caseLinkReaders read the record a case link names as the case's worker
// reads it on its own page and through the API (cases.Service.Readers).
func (a *App) caseLinkReaders() map[string]cases.Reader {
	viewer := a.Hub.Viewer
	return map[string]cases.Reader{
		"object": func(ctx context.Context, c auth.Caller, ref string) (string, error) {
			v, err := viewer(ctx, c)
			if err != nil {
				return "", err
			}
			_, err = a.Store.ObjectByID(ctx, v, ref)
			return ref, err
		},
		"org": func(ctx context.Context, c auth.Caller, ref string) (string, error) {
			// Every organization's name and id are the center's to read
			// (the admin page); a link names it by its id.
			o, err := a.Store.Org(ctx, ref)
			return o.ID, err
		},
		"report": func(ctx context.Context, c auth.Caller, ref string) (string, error) {
			_, err := a.Incidents.Get(ctx, c.Viewer(), ref)
			return ref, err
		},
		"alert": func(ctx context.Context, c auth.Caller, ref string) (string, error) {
			v, err := viewer(ctx, c)
			if err != nil {
				return "", err
			}
			return ref, a.Store.VisibleAlert(ctx, v, ref)
		},
		"consult": func(ctx context.Context, c auth.Caller, ref string) (string, error) {
			_, err := a.Consult.Get(ctx, c.Viewer(), ref)
			return ref, err
		},
		"hunting": func(ctx context.Context, c auth.Caller, ref string) (string, error) {
			return ref, a.Hunting.Visible(ctx, c, ref)
		},
		"advisory": func(ctx context.Context, c auth.Caller, ref string) (string, error) {
			_, _, err := a.Advisories.Get(ctx, c.Viewer(), ref)
			return ref, err
		},
	}
}
