package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"renkei/internal/approval"
	"renkei/internal/i18n"
	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/telemetry"
)

// approvalRequestData is the console's form to request an approval from the
// committee: the same request as `renkei approval request` and POST
// /api/v1/approvals, filed through the same approval service, which decides
// who may file (policy.MayFileApproval) and logs the request first.
type approvalRequestData struct {
	Kinds  []string
	Form   map[string]string
	Fields map[string]string // problems at their fields
	Error  string            // problems not about one field
	Filed  int64             // the approval just filed, acknowledged once
	// Requests are the approvals the user may see (policy.ApprovalFilter),
	// newest first: the one just filed among them.
	Requests []approval.Approval
}

func (s *server) approvalRequestPage(w http.ResponseWriter, r *http.Request, req *request) {
	if !policy.MayFileApproval(req.viewer) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	form := map[string]string{}
	// From a source's page: the kind its legal basis needs, and the source
	// as the target.
	if id := r.URL.Query().Get("source"); id != "" && policy.MaySeeSources(req.viewer) {
		if src, err := telemetry.GetSource(r.Context(), s.Store, id); err == nil {
			form["kind"], form["target"] = src.ApprovalKind(), src.Name+" ("+src.ID+")"
		}
	}
	s.showApprovalRequest(w, r, req, http.StatusOK, &approvalRequestData{Form: form})
}

func (s *server) showApprovalRequest(w http.ResponseWriter, r *http.Request, req *request, status int, d *approvalRequestData) {
	d.Kinds = approval.Kinds
	var err error
	if d.Requests, err = s.Approvals.List(r.Context(), req.viewer, "", 50); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, req, status, "approval_request", "approval_request.title", "approval_request", d)
}

// requestApproval files the request; the approval service refuses those who
// may not file and logs the request (or the emergency measure) before it is
// stored.
func (s *server) requestApproval(w http.ResponseWriter, r *http.Request, req *request) {
	form := map[string]string{}
	for _, k := range []string{"kind", "legal_basis", "target", "justification", "valid_until", "purposes", "prefix_preserving", "emergency"} {
		form[k] = r.PostFormValue(k)
	}
	d := &approvalRequestData{Form: form}
	in := approval.Request{Kind: form["kind"], LegalBasis: form["legal_basis"], Target: form["target"], Justification: form["justification"],
		ValidFrom: s.Now().UTC(), PrefixPreserving: form["prefix_preserving"] != ""}
	if form["valid_until"] != "" {
		t, err := time.ParseInLocation("2006-01-02", form["valid_until"], jst.Zone)
		if err != nil {
			d.Fields = map[string]string{"valid_until": i18n.Text(req.lang, "approval_request.error.date")}
			s.showApprovalRequest(w, r, req, http.StatusBadRequest, d)
			return
		}
		in.ValidUntil = t.Add(24 * time.Hour)
	}
	for _, p := range strings.Split(form["purposes"], "\n") {
		if p = strings.TrimSpace(p); p != "" {
			in.Purposes = append(in.Purposes, p)
		}
	}
	a, err := s.Approvals.File(r.Context(), req.caller, in, form["emergency"] != "")
	var ps problem.Problems
	switch {
	case err == nil:
		s.showApprovalRequest(w, r, req, http.StatusOK, &approvalRequestData{Form: map[string]string{}, Filed: a.ID})
	case errors.As(err, &ps):
		d.Fields = s.fieldMap(req, err)
		d.Error = s.problems(req, err, func(_ string, _ catalog, p problem.Problem) string { return p.Text() })
		s.showApprovalRequest(w, r, req, http.StatusBadRequest, d)
	case s.refused(w, r, err):
	default:
		s.serverError(w, r, err)
	}
}
