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
	"time"

	"renkei/internal/advisory"
	"renkei/internal/cases"
	"renkei/internal/consult"
	"renkei/internal/hub"
	"renkei/internal/incident"
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
}

// New builds every capability over h. h.Audit must be set before, when the
// process keeps an audit log: a capability that logs its acts is given the
// recorder only then.
func New(h *hub.Hub) *App {
	now := func() time.Time { return h.Now() } // the hub's clock, as tests set it
	record := h.Record
	if h.Audit == nil {
		record = nil
	}
	center := h.Center().ID
	return &App{
		Hub:        h,
		Cases:      &cases.Service{DB: h.DB, Now: now, Alerts: h.Alerts, Log: h.Log, Center: center},
		Consult:    &consult.Service{DB: h.DB, Now: now, Alerts: h.Alerts, Log: h.Log, Center: center, Record: record},
		Incidents:  &incident.Service{DB: h.DB, Now: now, Alerts: h.Alerts, Log: h.Log, Center: center, Submit: h.Submit, Deadlines: incident.DefaultDeadlines()},
		Advisories: &advisory.Service{DB: h.DB, Now: now, Alerts: h.Alerts, Record: record},
	}
}
