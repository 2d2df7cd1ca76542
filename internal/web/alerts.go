package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"renkei/internal/alert"
	"renkei/internal/hub"
	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/store"
)

type alertsData struct {
	// Alerts are the inbox's rows: one per group of duplicates (the
	// group's latest alert, with its counts), or, when the page lists one
	// group (?group=), each of its alerts with a count of one.
	Alerts []store.AlertGroup
	Older  string // address of the next page, empty when none
	// Filter is the inbox's filters as the page was asked for them
	// (alert.ParseQuery), shown in the filter form; Filtered is whether any
	// is set, FilterError the catalog key of a filter that could not be read.
	Filter      url.Values
	Filtered    bool
	FilterError string
	Kinds       []string
	Severities  []string
	Webhooks    []store.Webhook
	Dead        []store.Delivery
	NewSecret   string // a new webhook's secret, shown once
	NewURL      string
	URL         string
	Error       string // catalog key, at the webhook form
}

// orgAdmin reports whether the caller administers its organization.
func orgAdmin(req *request) bool { return policy.AdministersOrg(req.viewer) }

func (s *server) alerts(w http.ResponseWriter, r *http.Request, req *request) {
	s.showAlerts(w, r, req, http.StatusOK, &alertsData{})
}

// inLanguage gives each alert its title and body in the page's language.
func inLanguage(as []store.Alert, lang string) {
	for i := range as {
		as[i].Title, as[i].Body = alert.Title(as[i], lang), alert.Body(as[i], lang)
	}
}

// alertLink is the console page an alert's reader opens to act on it, or ""
// when there is none: only pages its readers may open (the object it names,
// which a reader of the alert may read; the organization's own
// vulnerabilities; the advisory, package, report, case or consultation
// addressed to it).
func alertLink(a store.Alert) string {
	// Each is named by its public id (alerts raised before migration 00043
	// named them by row id, which no page takes any more: they link nothing).
	var d struct {
		Advisory     string `json:"advisory"`
		Incident     string `json:"incident"`
		Case         string `json:"case"`
		Consultation string `json:"consultation"`
	}
	json.Unmarshal([]byte(a.Data), &d)
	switch a.Kind {
	case "sighting", "flow-match":
		if a.ObjectRef != "" {
			return "/objects/" + url.PathEscape(a.ObjectRef)
		}
	case "vulnerability", "vulnerability-suppressed":
		return "/vuln"
	case "advisory":
		if d.Advisory != "" {
			return "/advisories/" + d.Advisory
		}
	case "hunt-package", "hunt-findings":
		if a.ObjectRef != "" {
			return "/hunting/" + url.PathEscape(a.ObjectRef)
		}
	case "incident-report", "report-overdue":
		if d.Incident != "" {
			return "/reports/" + d.Incident
		}
	case "case":
		if d.Case != "" {
			return "/cases/" + d.Case
		}
	case "consultation":
		if d.Consultation != "" {
			return "/consult/" + d.Consultation
		}
	}
	return ""
}

// inboxFilters are the query parameters of the inbox's filters.
var inboxFilters = []string{"kind", "severity", "state", "unread", "read", "since", "until", "group"}

func (s *server) showAlerts(w http.ResponseWriter, r *http.Request, req *request, status int, d *alertsData) {
	ctx := r.Context()
	d.Kinds, d.Severities, d.Filter = alert.Kinds, alert.Severities, url.Values{}
	for _, k := range inboxFilters {
		if v := r.URL.Query().Get(k); v != "" {
			d.Filter.Set(k, v)
		}
	}
	d.Filtered = len(d.Filter) > 0
	aq, err := alert.ParseQuery(d.Filter, jst.Zone)
	if err != nil {
		d.FilterError, aq, status = "alerts.error.filter", store.AlertQuery{}, http.StatusBadRequest
	}
	after := r.URL.Query().Get("after")
	next, err := s.inbox(ctx, req, aq, after, d)
	if errors.Is(err, store.ErrBadCursor) {
		next, err = s.inbox(ctx, req, aq, "", d) // from the newest
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if next != "" {
		q := url.Values{}
		for k, v := range d.Filter {
			q[k] = v
		}
		q.Set("after", next)
		d.Older = "/alerts?" + q.Encode()
	}
	for i := range d.Alerts {
		a := &d.Alerts[i].Latest
		a.Title, a.Body = alert.Title(*a, req.lang), alert.Body(*a, req.lang)
	}
	if orgAdmin(req) {
		if d.Webhooks, err = s.Store.Webhooks(ctx, req.caller.Org.ID); err != nil {
			s.serverError(w, r, err)
			return
		}
		if d.Dead, err = s.Store.DeadDeliveries(ctx, req.caller.Org.ID, 50); err != nil {
			s.serverError(w, r, err)
			return
		}
		for i := range d.Dead {
			d.Dead[i].Alert.Title = alert.Title(d.Dead[i].Alert, req.lang)
		}
	}
	s.render(w, r, req, status, "alerts", "nav.alerts", "alerts", d)
}

// inbox fills d.Alerts with a page of the inbox: the groups of duplicates
// among the alerts the reader may read that aq matches, or the alerts of
// the one group aq names. It returns the cursor of the next page.
func (s *server) inbox(ctx context.Context, req *request, aq store.AlertQuery, after string, d *alertsData) (string, error) {
	if aq.Group == "" {
		gs, next, err := s.Store.AlertGroups(ctx, req.viewer, aq, after, 50)
		d.Alerts = gs
		return next, err
	}
	as, next, err := s.Store.AlertsMatching(ctx, req.viewer, aq, after, 50)
	d.Alerts = make([]store.AlertGroup, len(as))
	for i, a := range as {
		d.Alerts[i] = store.AlertGroup{Latest: a, Count: 1, Unread: int64(store.BoolInt(a.Read.IsZero()))}
	}
	return next, err
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// markRead marks one of the caller's organization's alerts, named by its
// public id, read; another organization's alert is "not found", and so is
// one named by its row id (which never leaves the hub, see store.Alert).
func (s *server) markRead(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id")
	if !policy.MayWrite(req.viewer, policy.KindAlert, policy.RelAddressed) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	err := s.Store.MarkAlertRead(r.Context(), req.viewer, id, s.Now())
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	back := "/alerts?done=read"
	if r.PostFormValue("back") == "dashboard" {
		back = "/?done=read"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// markChosenRead marks the alerts chosen in the inbox read at once, as
// many single marks would: each alert chosen by its public id (id) and
// every alert of each group of duplicates chosen by its key (group). Only
// those the reader may read are marked, any other is passed over.
func (s *server) markChosenRead(w http.ResponseWriter, r *http.Request, req *request) {
	if !policy.MayWrite(req.viewer, policy.KindAlert, policy.RelAddressed) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	r.ParseForm()
	if _, err := s.Store.MarkAlertsRead(r.Context(), req.viewer, r.PostForm["id"], s.Now()); err != nil {
		s.serverError(w, r, err)
		return
	}
	if _, err := s.Store.MarkAlertGroupsRead(r.Context(), req.viewer, r.PostForm["group"], s.Now()); err != nil {
		s.serverError(w, r, err)
		return
	}
	back := "/alerts?done=read"
	if r.PostFormValue("back") == "dashboard" {
		back = "/?done=read"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// addWebhook registers a webhook with a new random secret, which the page
// shows once so the receiver can verify signatures.
func (s *server) addWebhook(w http.ResponseWriter, r *http.Request, req *request) {
	if !orgAdmin(req) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	raw := strings.TrimSpace(r.PostFormValue("url"))
	d := &alertsData{URL: raw}
	if err := s.Hub.CheckWebhookURL(r.Context(), raw); err != nil {
		d.Error = "alerts.error.url"
		if errors.Is(err, alert.ErrInside) {
			d.Error = "alerts.error.inside"
		}
		s.showAlerts(w, r, req, http.StatusBadRequest, d)
		return
	}
	_, secret, err := s.Hub.AddWebhook(r.Context(), req.caller, req.caller.Org.ID, raw)
	if errors.Is(err, hub.ErrAuditUnavailable) {
		s.auditRefused(w, r, err)
		return
	}
	if err != nil {
		d.Error = "alerts.error.url"
		s.showAlerts(w, r, req, http.StatusBadRequest, d)
		return
	}
	s.showAlerts(w, r, req, http.StatusOK, &alertsData{NewSecret: secret, NewURL: raw})
}

func (s *server) deleteWebhook(w http.ResponseWriter, r *http.Request, req *request) {
	if !orgAdmin(req) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	// The public id; a row id is not found (store.Webhook).
	err := s.Hub.DeleteWebhook(r.Context(), req.caller, req.caller.Org.ID, r.PathValue("id"))
	if errors.Is(err, hub.ErrAuditUnavailable) {
		s.auditRefused(w, r, err)
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/alerts?done=webhook-deleted", http.StatusSeeOther)
}

func (s *server) retryDelivery(w http.ResponseWriter, r *http.Request, req *request) {
	if !orgAdmin(req) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	// The public id; a row id is not found (store.Delivery).
	err := s.Store.RetryDelivery(r.Context(), req.caller.Org.ID, r.PathValue("id"), s.Now())
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/alerts?done=retried", http.StatusSeeOther)
}
