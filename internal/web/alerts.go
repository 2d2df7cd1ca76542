package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"renkei/internal/alert"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
)

type alertsData struct {
	Alerts    []store.Alert
	Older     string // sealed cursor of the next page, empty when none
	Webhooks  []store.Webhook
	Dead      []store.Delivery
	NewSecret string // a new webhook's secret, shown once
	NewURL    string
	URL       string
	Error     string // catalog key, at the webhook form
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
	var d struct {
		Advisory     json.Number `json:"advisory"`
		Incident     json.Number `json:"incident"`
		Case         json.Number `json:"case"`
		Consultation json.Number `json:"consultation"`
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
			return "/advisories/" + d.Advisory.String()
		}
	case "hunt-package", "hunt-findings":
		if a.ObjectRef != "" {
			return "/hunting/" + url.PathEscape(a.ObjectRef)
		}
	case "incident-report", "report-overdue":
		if d.Incident != "" {
			return "/reports/" + d.Incident.String()
		}
	case "case":
		if d.Case != "" {
			return "/cases/" + d.Case.String()
		}
	case "consultation":
		if d.Consultation != "" {
			return "/consult/" + d.Consultation.String()
		}
	}
	return ""
}

func (s *server) showAlerts(w http.ResponseWriter, r *http.Request, req *request, status int, d *alertsData) {
	ctx := r.Context()
	var err error
	d.Alerts, d.Older, err = s.Store.Alerts(ctx, req.viewer, r.URL.Query().Get("after"), 50, false)
	if errors.Is(err, store.ErrBadCursor) {
		d.Alerts, d.Older, err = s.Store.Alerts(ctx, req.viewer, "", 50, false) // from the newest
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	inLanguage(d.Alerts, req.lang)
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

// markChosenRead marks the alerts chosen in the inbox (each by its public
// id) read at once, as many single marks would: only those the reader may
// read are marked, any other id is passed over.
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
	http.Redirect(w, r, "/alerts?done=read", http.StatusSeeOther)
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
