package api

import (
	"errors"
	"net/http"
	"time"

	"renkei/internal/approval"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
)

type approvalJSON struct {
	ID             int64      `json:"id"`
	Kind           string     `json:"kind"`
	Requester      string     `json:"requester"`
	LegalBasis     string     `json:"legal_basis"`
	Target         string     `json:"target"`
	Justification  string     `json:"justification"`
	ValidFrom      time.Time  `json:"valid_from"`
	ValidUntil     time.Time  `json:"valid_until"`
	Status         string     `json:"status"`
	Emergency      bool       `json:"emergency"`
	DecidedBy      string     `json:"decided_by,omitempty"`
	DecisionReason string     `json:"decision_reason,omitempty"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	NotifyDue      *time.Time `json:"post_notification_due,omitempty"`
	AuditIndex     uint64     `json:"audit_index"`
	Created        time.Time  `json:"created"`
	Lapsed         bool       `json:"lapsed,omitempty"` // an emergency measure undecided past its post-notification deadline
	InForce        bool       `json:"in_force"`
	RevokedBy      string     `json:"revoked_by,omitempty"`
	RevokeReason   string     `json:"revoke_reason,omitempty"`
	RevokedAt      *time.Time `json:"revoked_at,omitempty"`
	// PrefixPreserving grants prefix-preserving pseudonyms; PrefixReveals
	// then says what a kept prefix reveals.
	PrefixPreserving bool     `json:"prefix_preserving"`
	PrefixReveals    string   `json:"prefix_preserving_reveals,omitempty"`
	Purposes         []string `json:"purposes"`
}

func approvalOut(a approval.Approval, now time.Time) approvalJSON {
	out := approvalJSON{a.ID, a.Kind, a.RequesterUser, a.LegalBasis, a.Target, a.Justification, a.ValidFrom, a.ValidUntil, a.Status,
		a.Emergency, a.DecidedBy, a.DecisionReason, optTime(a.DecidedAt), optTime(a.NotifyDue), a.AuditIndex, a.Created,
		a.Lapsed(now), a.InForceAt(now), a.RevokedBy, a.RevokeReason, optTime(a.RevokedAt), a.PrefixPreserving, "", a.Purposes}
	if a.PrefixPreserving {
		out.PrefixReveals = approval.PrefixPreservingReveals
	}
	if out.Purposes == nil {
		out.Purposes = []string{}
	}
	return out
}

// approvalErr maps the approval package's errors to responses.
func approvalErr(err error) error {
	var fe *approval.FieldError
	switch {
	case errors.As(err, &fe):
		return fail(http.StatusBadRequest, "invalid request", "%v", err)
	case errors.Is(err, approval.ErrNotAllowed):
		return fail(http.StatusForbidden, "forbidden", "%v", err)
	case errors.Is(err, hub.ErrAuditUnavailable):
		return fail(http.StatusServiceUnavailable, "audit log unavailable", "%v", err)
	case errors.Is(err, store.ErrNotFound):
		return err
	case err != nil:
		return fail(http.StatusConflict, "cannot do that", "%v", err)
	}
	return nil
}

func (s *Server) listApprovals(q *request) error {
	r := q.role()
	if r != policy.RoleOverseer && !(q.caller.Org.IsCenter() && (r == policy.RoleHandler || r == policy.RoleAnalyst || r == policy.RoleAdmin)) {
		return fail(http.StatusForbidden, "forbidden", "approvals are seen by the oversight committee and the center's handlers")
	}
	as, err := (&approval.Service{Hub: s.Hub}).List(q.r.Context(), q.r.URL.Query().Get("status"), 500)
	if err != nil {
		return err
	}
	out := make([]approvalJSON, len(as))
	for i, a := range as {
		out[i] = approvalOut(a, s.now())
	}
	writeJSON(q.w, 200, map[string]any{"approvals": out})
	return nil
}

func (s *Server) fileApproval(q *request) error {
	var in struct {
		Kind          string    `json:"kind"`
		LegalBasis    string    `json:"legal_basis"`
		Target        string    `json:"target"`
		Justification string    `json:"justification"`
		ValidFrom     time.Time `json:"valid_from"`
		ValidUntil    time.Time `json:"valid_until"`
		Emergency     bool      `json:"emergency"`
		Purposes      []string  `json:"purposes"`
		// PrefixPreserving asks for prefix-preserving pseudonyms.
		PrefixPreserving bool `json:"prefix_preserving"`
	}
	if err := decode(q, &in); err != nil {
		return err
	}
	a, err := (&approval.Service{Hub: s.Hub}).File(q.r.Context(), q.caller,
		approval.Request{Kind: in.Kind, LegalBasis: in.LegalBasis, Target: in.Target, Justification: in.Justification, ValidFrom: in.ValidFrom, ValidUntil: in.ValidUntil,
			Purposes: in.Purposes, PrefixPreserving: in.PrefixPreserving}, in.Emergency)
	if err != nil {
		return approvalErr(err)
	}
	writeJSON(q.w, http.StatusCreated, approvalOut(a, s.now()))
	return nil
}

func (s *Server) decideApproval(q *request) error {
	id, err := pathID(q)
	if err != nil {
		return err
	}
	var in struct {
		Approve bool   `json:"approve"`
		Reason  string `json:"reason"`
	}
	if err := decode(q, &in); err != nil {
		return err
	}
	a, err := (&approval.Service{Hub: s.Hub}).Decide(q.r.Context(), q.caller, id, in.Approve, in.Reason)
	if err != nil {
		return approvalErr(err)
	}
	writeJSON(q.w, 200, approvalOut(a, s.now()))
	return nil
}

// revokeApproval records the committee's revocation of an approval, with
// reasons; the approval service logs it before it takes effect.
func (s *Server) revokeApproval(q *request) error {
	id, err := pathID(q)
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(q, &in); err != nil {
		return err
	}
	a, err := (&approval.Service{Hub: s.Hub}).Revoke(q.r.Context(), q.caller, id, in.Reason)
	if err != nil {
		return approvalErr(err)
	}
	writeJSON(q.w, 200, approvalOut(a, s.now()))
	return nil
}
