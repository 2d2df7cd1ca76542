// Package api is Renkei's REST API under /api/v1/: JSON over HTTPS for what
// TAXII does not cover — the caller, organizations, groups, users, tokens,
// alerts, webhooks, and object search with sightings.
//
// Callers authenticate with a Bearer token (or HTTP Basic with login and
// token); cookies are not accepted here, so no request can be forged from a
// browser. Objects are read only through store listings filtered by the access
// policy, and shown through hub.Present.
package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"renkei/internal/alert"
	"renkei/internal/app"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/i18n"
	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/stix"
	"renkei/internal/store"
)

// Server serves the REST API over the process's capabilities, which it is
// given (package app) and never builds.
type Server struct {
	*app.App
	Log     *slog.Logger
	MaxBody int64
}

// Error is the body of every error response, as the typed client reads it.
type Error = client.Problem

func writeError(w http.ResponseWriter, code int, title, desc string) {
	writeJSON(w, code, problem.NewBody(code, title, desc))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// request is an authenticated call.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	caller auth.Caller
	viewer policy.Viewer
}

func (q *request) role() policy.Role { return policy.Role(q.caller.User.Role) }

// lang is the language texts for people are given in: the Accept-Language
// header when it names one of ours, else the caller's setting.
func (q *request) lang() string {
	if l, ok := i18n.Accept(q.r.Header.Get("Accept-Language")); ok {
		return l
	}
	return i18n.Lang(q.caller.User.Lang)
}

type handler func(q *request) error

// httpError is an error with a status for the client.
type httpError struct {
	code        int
	title, desc string
}

func (e *httpError) Error() string { return e.desc }

func fail(code int, title, format string, args ...any) error {
	return &httpError{code: code, title: title, desc: fmt.Sprintf(format, args...)}
}

func (s *Server) wrap(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// No browser may take an answer for another type than it says
		// (JSON, CSV, signed packages, attachments).
		w.Header().Set("X-Content-Type-Options", "nosniff")
		c, err := s.Auth.Request(r)
		if auth.Unchecked(err) {
			s.internal(w, r, err)
			return
		}
		if err != nil {
			auth.LogFailure(s.Log, "api", r, err)
			w.Header().Set("WWW-Authenticate", `Bearer realm="renkei"`)
			if errors.Is(err, auth.ErrNoCredentials) {
				writeError(w, http.StatusUnauthorized, "authentication required", "send Authorization: Bearer <token>")
			} else {
				writeError(w, http.StatusUnauthorized, "authentication failed", "the token is not valid (expired, revoked or wrong)")
			}
			return
		}
		if c.ReadOnly && r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, http.StatusForbidden, "read-only token", "this token may only read; create a token without --read-only to change things")
			return
		}
		v, err := s.Hub.Viewer(r.Context(), c)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if s.MaxBody > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, s.MaxBody)
		}
		if !s.recordAtDoor(w, r, c) {
			return
		}
		if err := h(&request{w: w, r: r, caller: c, viewer: v}); err != nil {
			var he *httpError
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &he):
				writeError(w, he.code, he.title, he.desc)
			case errors.As(err, &mbe):
				writeError(w, http.StatusRequestEntityTooLarge, "request too large", fmt.Sprintf("at most %d bytes are accepted", s.MaxBody))
			case writeProblem(w, err):
			default:
				s.internal(w, r, err)
			}
		}
	}
}

// recordAtDoor appends, before a state-changing request is handled, the
// action its line in routes names, unless the capability logs the act itself.
// It answers the request and returns false when the act must not happen: the
// route is missing from the table, or the log refused the entry.
func (s *Server) recordAtDoor(w http.ResponseWriter, r *http.Request, c auth.Caller) bool {
	if !audit.ChangesState(r.Method) {
		return true
	}
	rt, ok := routeTable[r.Pattern]
	if !ok || rt.Action == "" {
		s.internal(w, r, fmt.Errorf("route %q changes state but has no audit action in api/routes.go", r.Pattern))
		return false
	}
	if rt.Inside {
		return true
	}
	if _, err := s.Hub.Record(r.Context(), c, rt.Action, r.URL.Path, map[string]string{"route": r.Pattern, "via": "api"}); err != nil {
		if s.Log != nil {
			s.Log.Error("api: refused, the audit log could not record it", "route", r.Pattern, "err", err)
		}
		writeError(w, http.StatusServiceUnavailable, "audit log unavailable", "the act was not done because the audit log could not record it first; try again later")
		return false
	}
	return true
}

// internal answers an error the client cannot fix: 503 when the store does
// not answer (credentials that could not be checked, or a request in flight
// when the store went away), 500 otherwise.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	if s.Log != nil {
		s.Log.Error("api", "path", r.URL.Path, "err", err)
	}
	if s.Store.Unavailable(r.Context(), err) {
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusServiceUnavailable, "store unavailable", "the store is unavailable; try again shortly")
		return
	}
	writeError(w, http.StatusInternalServerError, "internal error", "the server could not complete the request; it has been logged")
}

// decode reads a JSON body into v, rejecting unknown fields so typos are seen.
func decode(q *request, v any) error {
	dec := json.NewDecoder(q.r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return fail(http.StatusBadRequest, "invalid JSON body", "%v", err)
	}
	return nil
}

func (s *Server) now() time.Time { return s.Now().UTC() }

// Routes returns the patterns Handler registers and the route table that
// must hold each of them (routes.go), for the tests that walk every route.
func (s *Server) Routes() (registered []string, table map[string]audit.Route) {
	return s.mux().Patterns, routeTable
}

// Handler returns the routes under /api/.
func (s *Server) Handler() http.Handler {
	m := s.mux()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := m.Handler(r); pattern == "" {
			writeError(w, http.StatusNotFound, "not found", "no API resource "+r.Method+" "+r.URL.Path+" (see docs/api.md)")
			return
		}
		m.ServeHTTP(w, r)
	})
}

// mux registers every route; each must also have its line in routes.go.
func (s *Server) mux() *audit.Mux {
	m := audit.NewMux()
	m.HandleFunc("GET /api/v1/me", s.wrap(s.me))
	m.HandleFunc("GET /api/v1/orgs", s.wrap(s.listOrgs))
	m.HandleFunc("POST /api/v1/orgs", s.wrap(s.addOrg))
	m.HandleFunc("PATCH /api/v1/orgs/{id}", s.wrap(s.changeOrg))
	m.HandleFunc("DELETE /api/v1/orgs/{id}", s.wrap(s.deleteOrg))
	m.HandleFunc("GET /api/v1/groups", s.wrap(s.listGroups))
	m.HandleFunc("POST /api/v1/groups", s.wrap(s.addGroup))
	m.HandleFunc("PATCH /api/v1/groups/{id}", s.wrap(s.changeGroup))
	m.HandleFunc("DELETE /api/v1/groups/{id}", s.wrap(s.deleteGroup))
	m.HandleFunc("GET /api/v1/users", s.wrap(s.listUsers))
	m.HandleFunc("POST /api/v1/users", s.wrap(s.addUser))
	m.HandleFunc("POST /api/v1/users/{id}/role", s.wrap(s.setUserRole))
	m.HandleFunc("POST /api/v1/users/{id}/disable", s.wrap(s.setUserDisabled(true)))
	m.HandleFunc("POST /api/v1/users/{id}/enable", s.wrap(s.setUserDisabled(false)))
	m.HandleFunc("PUT /api/v1/users/{id}/capabilities/{capability}", s.wrap(s.setUserCapability(true)))
	m.HandleFunc("DELETE /api/v1/users/{id}/capabilities/{capability}", s.wrap(s.setUserCapability(false)))
	m.HandleFunc("GET /api/v1/tokens", s.wrap(s.listTokens))
	m.HandleFunc("POST /api/v1/tokens", s.wrap(s.createToken))
	m.HandleFunc("DELETE /api/v1/tokens/{id}", s.wrap(s.revokeToken))
	m.HandleFunc("GET /api/v1/alerts", s.wrap(s.listAlerts))
	m.HandleFunc("POST /api/v1/alerts/{id}/read", s.wrap(s.readAlert))
	m.HandleFunc("POST /api/v1/alerts/read", s.wrap(s.readAlerts))
	m.HandleFunc("GET /api/v1/webhooks", s.wrap(s.listWebhooks))
	m.HandleFunc("POST /api/v1/webhooks", s.wrap(s.addWebhook))
	m.HandleFunc("DELETE /api/v1/webhooks/{id}", s.wrap(s.deleteWebhook))
	m.HandleFunc("GET /api/v1/webhooks/dead", s.wrap(s.deadLetters))
	m.HandleFunc("POST /api/v1/webhooks/dead/{id}/retry", s.wrap(s.retryDead))
	m.HandleFunc("GET /api/v1/objects", s.wrap(s.searchObjects))
	m.HandleFunc("POST /api/v1/objects", s.wrap(s.submit))
	m.HandleFunc("GET /api/v1/objects/{id}", s.wrap(s.getObject))
	m.HandleFunc("GET /api/v1/reports", s.wrap(s.listReports))
	m.HandleFunc("POST /api/v1/reports", s.wrap(s.fileReport))
	m.HandleFunc("GET /api/v1/reports/{id}", s.wrap(s.getReport))
	m.HandleFunc("GET /api/v1/attachments/{id}", s.wrap(s.getAttachment))
	m.HandleFunc("GET /api/v1/computers", s.wrap(s.listComputers))
	m.HandleFunc("POST /api/v1/computers", s.wrap(s.registerComputer))
	m.HandleFunc("POST /api/v1/computers/{id}/changes", s.wrap(s.changeComputer))
	m.HandleFunc("GET /api/v1/cases", s.wrap(s.listCases))
	m.HandleFunc("POST /api/v1/cases", s.wrap(s.openCase))
	m.HandleFunc("GET /api/v1/cases/{id}", s.wrap(s.getCase))
	m.HandleFunc("POST /api/v1/cases/{id}/actions", s.wrap(s.actOnCase))
	m.HandleFunc("POST /api/v1/cases/{id}/tasks", s.wrap(s.addCaseTask))
	m.HandleFunc("PATCH /api/v1/cases/{id}/tasks/{task}", s.wrap(s.setCaseTask))
	m.HandleFunc("GET /api/v1/case-templates", s.wrap(s.listCaseTemplates))
	m.HandleFunc("PUT /api/v1/case-templates/{name}", s.wrap(s.putCaseTemplate))
	m.HandleFunc("DELETE /api/v1/case-templates/{name}", s.wrap(s.deleteCaseTemplate))
	m.HandleFunc("GET /api/v1/advisories", s.wrap(s.listAdvisories))
	m.HandleFunc("POST /api/v1/advisories", s.wrap(s.publishAdvisory))
	m.HandleFunc("GET /api/v1/advisories/{id}", s.wrap(s.getAdvisory))
	m.HandleFunc("POST /api/v1/advisories/{id}/ack", s.wrap(s.ackAdvisory))
	m.HandleFunc("POST /api/v1/advisories/{id}/complete", s.wrap(s.completeAdvisory))
	m.HandleFunc("GET /api/v1/consultations", s.wrap(s.listConsultations))
	m.HandleFunc("POST /api/v1/consultations", s.wrap(s.askConsultation))
	m.HandleFunc("GET /api/v1/consultations/{id}", s.wrap(s.getConsultation))
	m.HandleFunc("GET /api/v1/consultations/handlers", s.wrap(s.listHandlers))
	m.HandleFunc("POST /api/v1/consultations/handlers", s.wrap(s.designateHandler))
	m.HandleFunc("POST /api/v1/consultations/handlers/revoke", s.wrap(s.revokeHandler))
	m.HandleFunc("POST /api/v1/consultations/{id}/replies", s.wrap(s.replyConsultation))
	m.HandleFunc("GET /api/v1/cop", s.wrap(s.copFigures))
	m.HandleFunc("GET /api/v1/audit/entries", s.wrap(s.auditEntries))
	m.HandleFunc("GET /api/v1/approvals", s.wrap(s.listApprovals))
	m.HandleFunc("POST /api/v1/approvals", s.wrap(s.fileApproval))
	m.HandleFunc("POST /api/v1/approvals/{id}/decision", s.wrap(s.decideApproval))
	m.HandleFunc("POST /api/v1/approvals/{id}/revocation", s.wrap(s.revokeApproval))
	m.HandleFunc("GET /api/v1/committee/members", s.wrap(s.listCommitteeMembers))
	m.HandleFunc("POST /api/v1/committee/members/{login}/confirmation", s.wrap(s.confirmCommitteeMember))
	m.HandleFunc("POST /api/v1/committee/members/{login}/retirement", s.wrap(s.retireCommitteeMember))
	m.HandleFunc("DELETE /api/v1/committee/members/{login}/retirement", s.wrap(s.withdrawCommitteeRetirement))
	m.HandleFunc("GET /api/v1/connection-points", s.wrap(s.listConnectionPoints))
	m.HandleFunc("GET /api/v1/products", s.wrap(s.listProducts))
	m.HandleFunc("POST /api/v1/connection-points", s.wrap(s.addConnectionPoint))
	m.HandleFunc("POST /api/v1/connection-points/import", s.wrap(s.importConnectionPoints))
	m.HandleFunc("PUT /api/v1/connection-points/{id}", s.wrap(s.updateConnectionPoint))
	m.HandleFunc("DELETE /api/v1/connection-points/{id}", s.wrap(s.deleteConnectionPoint))
	m.HandleFunc("GET /api/v1/sboms", s.wrap(s.listSBOMs))
	m.HandleFunc("POST /api/v1/sboms", s.wrap(s.registerSBOM))
	m.HandleFunc("DELETE /api/v1/sboms/{id}", s.wrap(s.deleteSBOM))
	m.HandleFunc("GET /api/v1/vulnerabilities/affecting-us", s.wrap(s.affectingUs))
	m.HandleFunc("GET /api/v1/publications", s.wrap(s.listPublications))
	m.HandleFunc("POST /api/v1/publications", s.wrap(s.publish))
	m.HandleFunc("GET /api/v1/suppliers", s.wrap(s.listSuppliers))
	m.HandleFunc("POST /api/v1/suppliers", s.wrap(s.addSupplier))
	m.HandleFunc("DELETE /api/v1/suppliers/{id}", s.wrap(s.removeSupplier))
	m.HandleFunc("GET /api/v1/exposure/{id}", s.wrap(s.exposure))
	m.HandleFunc("GET /api/v1/feeds", s.wrap(s.listFeeds))
	m.HandleFunc("POST /api/v1/feeds", s.wrap(s.addFeed))
	m.HandleFunc("GET /api/v1/hunting/key", s.wrap(s.huntingKey))
	m.HandleFunc("GET /api/v1/hunting/packages", s.wrap(s.listHuntPackages))
	m.HandleFunc("POST /api/v1/hunting/packages", s.wrap(s.publishHuntPackage))
	m.HandleFunc("GET /api/v1/hunting/packages/{id}", s.wrap(s.getHuntPackage))
	m.HandleFunc("POST /api/v1/hunting/packages/{id}/reports", s.wrap(s.reportHuntRun))
	m.HandleFunc("GET /api/v1/hunting/packages/{id}/coverage", s.wrap(s.huntCoverage))
	m.HandleFunc("GET /api/v1/hunting/packages/{id}/findings", s.wrap(s.huntFindings))
	m.HandleFunc("GET /api/v1/pqc/assets", s.wrap(s.pqcInventory))
	m.HandleFunc("POST /api/v1/pqc/assets", s.wrap(s.pqcAddAsset))
	m.HandleFunc("PUT /api/v1/pqc/assets/{id}/data-lifetime", s.wrap(s.pqcDataLifetime))
	m.HandleFunc("POST /api/v1/pqc/cbom", s.wrap(s.pqcImportCBOM))
	m.HandleFunc("GET /api/v1/pqc/cbom", s.wrap(s.pqcExportCBOM))
	m.HandleFunc("GET /api/v1/pqc/endpoints", s.wrap(s.pqcEndpoints))
	m.HandleFunc("POST /api/v1/pqc/endpoints", s.wrap(s.pqcRegisterEndpoint))
	m.HandleFunc("POST /api/v1/pqc/endpoints/{id}/confirm", s.wrap(s.pqcConfirmEndpoint))
	m.HandleFunc("POST /api/v1/pqc/probes", s.wrap(s.pqcProbe))
	m.HandleFunc("POST /api/v1/pqc/scans", s.wrap(s.pqcReportScan))
	m.HandleFunc("GET /api/v1/pqc/plan", s.wrap(s.pqcPlan))
	m.HandleFunc("POST /api/v1/pqc/steps", s.wrap(s.pqcAddStep))
	m.HandleFunc("PATCH /api/v1/pqc/steps/{id}", s.wrap(s.pqcUpdateStep))
	m.HandleFunc("GET /api/v1/pqc/sectors", s.wrap(s.pqcSectors))
	m.HandleFunc("PUT /api/v1/pqc/milestones", s.wrap(s.pqcMilestones))
	m.HandleFunc("GET /api/v1/telemetry/sources", s.wrap(s.listSources))
	m.HandleFunc("POST /api/v1/telemetry/sources", s.wrap(s.addSource))
	m.HandleFunc("GET /api/v1/telemetry/sources/{id}/records", s.wrap(s.sourceRecords))
	m.HandleFunc("POST /api/v1/telemetry/sources/{id}/exporters", s.wrap(s.changeExporter))
	m.HandleFunc("DELETE /api/v1/telemetry/sources/{id}/exporters", s.wrap(s.changeExporter))
	m.HandleFunc("GET /api/v1/telemetry/matches", s.wrap(s.telemetryMatches))
	m.HandleFunc("GET /api/v1/exports/{format}", exportChallenge(s.wrap(s.exportIndicators)))
	m.HandleFunc("GET /api/v1/exports/explain", s.wrap(s.explainExport))
	m.HandleFunc("GET /api/v1/warninglists", s.wrap(s.listWarninglists))
	m.HandleFunc("POST /api/v1/warninglists", s.wrap(s.importWarninglist))
	m.HandleFunc("GET /api/v1/warninglists/check", s.wrap(s.checkWarninglists))
	m.HandleFunc("POST /api/v1/warninglists/{id}/entries", s.wrap(s.editWarninglist))
	m.HandleFunc("DELETE /api/v1/warninglists/{id}/entries", s.wrap(s.editWarninglist))
	m.HandleFunc("POST /api/v1/warninglists/{id}/{op}", s.wrap(s.switchWarninglist))
	m.HandleFunc("GET /api/v1/export-policies", s.wrap(s.listExportPolicies))
	m.HandleFunc("PUT /api/v1/export-policies", s.wrap(s.setExportPolicy))
	m.HandleFunc("POST /api/v1/export-reviews", s.wrap(s.reviewExport))
	m.HandleFunc("GET /api/v1/export-reviews", s.wrap(s.exportReviewQueue))
	m.HandleFunc("GET /api/v1/export-thresholds", s.wrap(s.exportThresholds))
	m.HandleFunc("PUT /api/v1/export-thresholds", s.wrap(s.setExportThresholds))
	m.HandleFunc("GET /api/v1/partners", s.wrap(s.listPartners))
	m.HandleFunc("POST /api/v1/partners", s.wrap(s.addPartner))
	m.HandleFunc("POST /api/v1/partners/{name}/sync", s.wrap(s.syncPartner))
	return m
}

func orgOut(o store.Org) client.Org {
	return client.Org{ID: o.ID, Name: o.Name, Kind: o.Kind, Sector: o.Sector, Disabled: o.Disabled, Created: o.Created,
		Designated: o.Designated, BusinessType: o.BusinessType, Ministry: o.Ministry}
}

func (s *Server) me(q *request) error {
	writeJSON(q.w, 200, client.Me{Login: q.caller.User.Login, Role: q.caller.User.Role, Org: orgOut(q.caller.Org),
		ReadOnly: q.caller.ReadOnly, Groups: q.viewer.Groups})
	return nil
}

func (s *Server) requireAdmin(q *request) error {
	if !policy.AdministersHub(q.viewer) {
		return fail(http.StatusForbidden, "forbidden", "only a hub administrator may do this")
	}
	return nil
}

func (s *Server) listOrgs(q *request) error {
	orgs, err := s.Store.Orgs(q.r.Context())
	if err != nil {
		return err
	}
	out := make([]client.Org, len(orgs))
	for i, o := range orgs {
		out[i] = orgOut(o)
	}
	writeJSON(q.w, 200, map[string]any{"orgs": out})
	return nil
}

func (s *Server) addOrg(q *request) error {
	if err := s.requireAdmin(q); err != nil {
		return err
	}
	var in client.OrgRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	o, err := s.Hub.CreateOrg(q.r.Context(), q.caller, in.Name, in.Kind, in.Sector, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, orgOut(o))
	return nil
}

func (s *Server) listGroups(q *request) error {
	gs, err := s.Store.Groups(q.r.Context())
	if err != nil {
		return err
	}
	out := make([]client.Group, len(gs))
	for i, x := range gs {
		out[i] = client.Group{ID: x.ID, Name: x.Name, MemberOrgs: x.MemberOrgs, MemberGroups: x.MemberGroups}
	}
	writeJSON(q.w, 200, map[string]any{"groups": out})
	return nil
}

func (s *Server) addGroup(q *request) error {
	if err := s.requireAdmin(q); err != nil {
		return err
	}
	var in client.GroupRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	g, err := s.Hub.CreateGroup(q.r.Context(), q.caller, in.Name, in.Members)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, map[string]any{"id": g.ID, "name": g.Name})
	return nil
}

func userOut(u store.User) client.User {
	return client.User{ID: u.PublicID, Login: u.Login, Org: u.OrgID, Role: u.Role, Disabled: u.Disabled, Pending: u.Pending, Capabilities: u.Capabilities, Created: u.Created}
}

func (s *Server) listUsers(q *request) error {
	org := q.caller.Org.ID
	switch {
	case policy.AdministersHub(q.viewer):
		org = q.r.URL.Query().Get("org")
	case policy.AdministersOrg(q.viewer):
	default:
		return fail(http.StatusForbidden, "forbidden", "only administrators list users")
	}
	us, err := s.Store.Users(q.r.Context(), org)
	if err != nil {
		return err
	}
	out := make([]client.User, len(us))
	for i, u := range us {
		out[i] = userOut(u)
	}
	writeJSON(q.w, 200, map[string]any{"users": out})
	return nil
}

func (s *Server) addUser(q *request) error {
	var in client.UserRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	switch {
	case policy.AdministersHub(q.viewer):
	case policy.AdministersOrg(q.viewer):
		if in.Org == "" {
			in.Org = q.caller.Org.ID
		}
		o, err := s.Store.Org(q.r.Context(), in.Org)
		if err != nil || o.ID != q.caller.Org.ID {
			return fail(http.StatusForbidden, "forbidden", "an organization administrator adds users to its own organization only")
		}
	default:
		return fail(http.StatusForbidden, "forbidden", "only administrators add users")
	}
	if !policy.MayGrant(q.role(), policy.Role(in.Role)) {
		return fail(http.StatusForbidden, "forbidden", "only a hub administrator gives the %s role", in.Role)
	}
	if err := hub.CheckRoleGrant(q.r.Context(), s.Store, in.Org, in.Role); errors.Is(err, policy.ErrRoleNotInOrgKind) {
		return err
	}
	u, err := s.Hub.CreateUser(q.r.Context(), q.caller, in.Login, in.Org, in.Role, in.Password)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, userOut(u))
	return nil
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) listTokens(q *request) error {
	ts, err := s.Store.Tokens(q.r.Context(), q.caller.User.ID)
	if err != nil {
		return err
	}
	out := make([]client.Token, len(ts))
	for i, t := range ts {
		out[i] = client.Token{ID: t.PublicID, UserID: q.caller.User.PublicID, Name: t.Name, ReadOnly: t.ReadOnly, Expires: optTime(t.Expires), Revoked: optTime(t.Revoked),
			Created: t.Created, LastUsed: optTime(t.LastUsed)}
	}
	writeJSON(q.w, 200, map[string]any{"tokens": out})
	return nil
}

func (s *Server) createToken(q *request) error {
	var in client.TokenRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	d, err := auth.ParseExpiry(in.Expires)
	if err != nil {
		return fail(http.StatusBadRequest, "invalid expiry", "%v", err)
	}
	secret, t, err := s.Hub.IssueToken(q.r.Context(), q.caller, q.caller.User.Login, in.Name, d, in.ReadOnly)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, client.NewToken{Token: secret, ID: t.PublicID, Expires: optTime(t.Expires), ReadOnly: t.ReadOnly})
	return nil
}

func pathID(q *request) (int64, error) {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fail(http.StatusBadRequest, "invalid id", "%q is not an id", q.r.PathValue("id"))
	}
	return id, nil
}

// revokeToken revokes a token named by its public id; a row id (a sequence
// over every user's tokens, which never leaves the hub), like a token the
// caller does not manage, is not found.
func (s *Server) revokeToken(q *request) error {
	id := q.r.PathValue("id")
	t, err := s.Store.TokenByPublicID(q.r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !policy.ManagesToken(q.viewer, t.UserID) {
		return fail(http.StatusNotFound, "not found", "no token %s of yours", id)
	}
	if err != nil {
		return err
	}
	if err := s.Hub.RevokeToken(q.r.Context(), q.caller, t); err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"revoked": id})
	return nil
}

// alertOut is an alert as the API shows it, in lang: by its public id only (the row
// id never leaves the hub, see store.Alert).
func alertOut(a store.Alert, lang string) client.Alert {
	return client.Alert{ID: a.PublicID, Kind: a.Kind, Severity: a.Severity, Title: alert.Title(a, lang), Body: alert.Body(a, lang), ObjectRef: a.ObjectRef,
		Data: json.RawMessage(a.Data), Created: a.Created, Read: optTime(a.Read), Group: a.GroupKey}
}

// listAlerts lists the caller's alerts, filtered as alert.ParseQuery reads
// the query (kind, severity, unread, read, since, until, group); grouped=1
// lists one alert per group of duplicates, its latest, with the group's
// counts.
func (s *Server) listAlerts(q *request) error {
	limit, _ := strconv.Atoi(q.r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	zone, err := jst.ReaderZone(q.caller.User.TimeZone) // the days of since and until
	if err != nil {
		zone = jst.Zone
	}
	aq, err := alert.ParseQuery(q.r.URL.Query(), zone)
	if err != nil {
		return fail(http.StatusBadRequest, "invalid alert filter", "%v", err)
	}
	c, lang := q.r.URL.Query().Get("cursor"), q.lang()
	if q.r.URL.Query().Get("grouped") != "" {
		gs, next, err := s.Store.AlertGroups(q.r.Context(), q.viewer, aq, c, limit)
		if err != nil {
			return err
		}
		out := make([]client.Alert, len(gs))
		for i, g := range gs {
			out[i] = alertOut(g.Latest, lang)
			out[i].Count, out[i].Unread = g.Count, g.Unread
		}
		writeJSON(q.w, 200, client.AlertPage{Alerts: out, Cursor: next})
		return nil
	}
	as, next, err := s.Store.AlertsMatching(q.r.Context(), q.viewer, aq, c, limit)
	if err != nil {
		return err
	}
	out := make([]client.Alert, len(as))
	for i, a := range as {
		out[i] = alertOut(a, lang)
	}
	writeJSON(q.w, 200, client.AlertPage{Alerts: out, Cursor: next})
	return nil
}

// readAlert marks an alert, named by its public id, read; a row id, like
// any id that is not one of the caller's alerts, is not found.
func (s *Server) readAlert(q *request) error {
	id := q.r.PathValue("id")
	if err := s.Store.MarkAlertRead(q.r.Context(), q.viewer, id, s.now()); err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"read": id})
	return nil
}

// readAlerts marks alerts read at once, as the console's bulk mark does:
// those named by their public ids and every alert of the groups named, of
// those the caller may read; any other id is passed over. It answers how
// many were marked.
func (s *Server) readAlerts(q *request) error {
	var in client.ReadAlerts
	if err := decode(q, &in); err != nil {
		return err
	}
	if len(in.IDs)+len(in.Groups) > 1000 {
		return fail(http.StatusBadRequest, "too many alerts", "at most 1000 ids and groups at once, got %d", len(in.IDs)+len(in.Groups))
	}
	n, err := s.Store.MarkAlertsRead(q.r.Context(), q.viewer, in.IDs, s.now())
	if err != nil {
		return err
	}
	m, err := s.Store.MarkAlertGroupsRead(q.r.Context(), q.viewer, in.Groups, s.now())
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, client.AlertsMarked{Read: n + m})
	return nil
}

func (s *Server) requireOrgAdmin(q *request) error {
	if !policy.AdministersOrg(q.viewer) {
		return fail(http.StatusForbidden, "forbidden", "only an organization administrator manages webhooks")
	}
	return nil
}

func (s *Server) listWebhooks(q *request) error {
	if err := s.requireOrgAdmin(q); err != nil {
		return err
	}
	ws, err := s.Store.Webhooks(q.r.Context(), q.caller.Org.ID)
	if err != nil {
		return err
	}
	out := make([]client.Webhook, len(ws))
	for i, w := range ws {
		out[i] = client.Webhook{ID: w.PublicID, URL: w.URL, Active: w.Active, Created: w.Created}
	}
	writeJSON(q.w, 200, map[string]any{"webhooks": out})
	return nil
}

func (s *Server) addWebhook(q *request) error {
	if err := s.requireOrgAdmin(q); err != nil {
		return err
	}
	var in client.WebhookRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	id, secret, err := s.Hub.AddWebhook(q.r.Context(), q.caller, q.caller.Org.ID, in.URL)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, client.NewWebhook{ID: id, URL: in.URL, Secret: secret})
	return nil
}

func (s *Server) deleteWebhook(q *request) error {
	if err := s.requireOrgAdmin(q); err != nil {
		return err
	}
	id := q.r.PathValue("id") // the public id; a row id is not found
	if err := s.Hub.DeleteWebhook(q.r.Context(), q.caller, q.caller.Org.ID, id); err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"deleted": id})
	return nil
}

func (s *Server) deadLetters(q *request) error {
	if err := s.requireOrgAdmin(q); err != nil {
		return err
	}
	ds, err := s.Store.DeadDeliveries(q.r.Context(), q.caller.Org.ID, 200)
	if err != nil {
		return err
	}
	out := make([]client.DeadDelivery, len(ds))
	for i, d := range ds {
		out[i] = client.DeadDelivery{ID: d.PublicID, Webhook: d.Webhook.URL, Alert: d.Alert.PublicID, Attempts: d.Attempts, LastError: d.LastError, Updated: d.Updated}
	}
	writeJSON(q.w, 200, map[string]any{"dead": out})
	return nil
}

func (s *Server) retryDead(q *request) error {
	if err := s.requireOrgAdmin(q); err != nil {
		return err
	}
	id := q.r.PathValue("id") // the public id; a row id is not found
	if err := s.Store.RetryDelivery(q.r.Context(), q.caller.Org.ID, id, s.now()); err != nil {
		return err
	}
	writeJSON(q.w, 200, map[string]any{"retrying": id})
	return nil
}

func (s *Server) searchObjects(q *request) error {
	v := q.r.URL.Query()
	oq := store.ObjectQuery{Viewer: q.viewer, Search: v.Get("q"), Descending: true, Limit: 50}
	if t := v.Get("type"); t != "" {
		oq.Types = []string{t}
	}
	if t := v.Get("tlp"); t != "" {
		tlp, err := policy.ParseTLP(t)
		if err != nil {
			return fail(http.StatusBadRequest, "invalid tlp", "%v", err)
		}
		oq.TLPs = []policy.TLP{tlp}
	}
	if n, err := strconv.Atoi(v.Get("limit")); err == nil && n > 0 && n <= 500 {
		oq.Limit = n
	}
	if c := v.Get("cursor"); c != "" {
		cur, err := s.Store.OpenCursor(q.r.Context(), c)
		if err != nil {
			return err
		}
		oq.After = cur
	}
	objs, more, err := s.Store.Objects(q.r.Context(), oq)
	if err != nil {
		return err
	}
	if err := s.release(q, objs...); err != nil {
		return err
	}
	out := make([]json.RawMessage, len(objs))
	for i, o := range objs {
		out[i] = s.Hub.Present(q.viewer, o)
	}
	res := client.ObjectPage{Objects: out, More: more}
	if more {
		l := objs[len(objs)-1]
		if res.Cursor, err = s.Store.SealCursor(q.r.Context(), store.Cursor{DateAdded: store.Micros(l.DateAdded), PK: l.PK}); err != nil {
			return err
		}
	}
	writeJSON(q.w, 200, res)
	return nil
}

func (s *Server) getObject(q *request) error {
	o, err := s.Store.ObjectByID(q.r.Context(), q.viewer, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	sum, err := s.Store.Sightings(q.r.Context(), q.viewer, o.ID)
	if err != nil {
		return err
	}
	if err := s.release(q, o); err != nil {
		return err
	}
	sight := client.Sightings{Sightings: sum.Sightings, Count: sum.Count}
	if !sum.FirstSeen.IsZero() {
		sight.FirstSeen = stix.FormatTime(sum.FirstSeen)
		sight.LastSeen = stix.FormatTime(sum.LastSeen)
	}
	writeJSON(q.w, 200, client.ObjectWithSightings{Object: s.Hub.Present(q.viewer, o), TLP: o.ACL.TLP.Label(), Sightings: sight,
		WarninglistHits: s.Exports.ObjectHits(o)})
	return nil
}

// release logs what rule C7 says must be logged before objs are sent, and
// sets the receipt header.
func (s *Server) release(q *request, objs ...store.Object) error {
	idx, err := s.Hub.Release(q.r.Context(), q.caller, audit.ActionObjectRead, q.r.Header.Get("X-Request-ID"), objs)
	if err != nil {
		return fail(http.StatusServiceUnavailable, "audit log unavailable", "%v", err)
	}
	s.Hub.Audit.SetReceipt(q.w.Header(), idx...)
	return nil
}

func (s *Server) submit(q *request) error {
	col, err := s.Store.Collection(q.r.Context(), hub.MembersCollection)
	if err != nil {
		return err
	}
	st, err := s.Hub.Submit(q.r.Context(), q.caller, col, io.Reader(q.r.Body))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return err // 413, whether the body declared its length or was chunked
	case errors.Is(err, hub.ErrBodyCut):
		// The client stopped sending: the status says what was stored.
	case errors.Is(err, hub.ErrBadBundle):
		return fail(http.StatusBadRequest, "invalid bundle", "%v", err)
	case err != nil:
		return err
	}
	writeJSON(q.w, http.StatusAccepted, st)
	return nil
}
