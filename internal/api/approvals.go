package api

import (
	"net/http"
	"time"

	"renkei/internal/approval"
	"renkei/internal/client"
	"renkei/internal/policy"
)

// approvalOut is an approval as the API answers it.
func approvalOut(a approval.Approval, now time.Time) client.Approval {
	out := client.Approval{ID: a.ID, Kind: a.Kind, Requester: a.RequesterUser, LegalBasis: a.LegalBasis, Target: a.Target,
		Justification: a.Justification, ValidFrom: a.ValidFrom, ValidUntil: a.ValidUntil, Status: a.Status, Emergency: a.Emergency,
		DecidedBy: a.DecidedBy, DecisionReason: a.DecisionReason, DecidedAt: optTime(a.DecidedAt), NotifyDue: optTime(a.NotifyDue),
		AuditIndex: a.AuditIndex, Created: a.Created, Lapsed: a.Lapsed(now), InForce: a.InForceAt(now), RevokedBy: a.RevokedBy,
		RevokeReason: a.RevokeReason, RevokedAt: optTime(a.RevokedAt), PrefixPreserving: a.PrefixPreserving, Purposes: a.Purposes}
	if a.PrefixPreserving {
		out.PrefixReveals = approval.PrefixPreservingReveals
	}
	if out.Purposes == nil {
		out.Purposes = []string{}
	}
	return out
}

func (s *Server) listApprovals(q *request) error {
	if !policy.MayReadApprovals(q.viewer) {
		return fail(http.StatusForbidden, "forbidden", "approvals are seen by the oversight committee and the center's handlers")
	}
	as, err := s.Approvals.List(q.r.Context(), q.viewer, q.r.URL.Query().Get("status"), 500)
	if err != nil {
		return err
	}
	out := make([]client.Approval, len(as))
	for i, a := range as {
		out[i] = approvalOut(a, s.now())
	}
	writeJSON(q.w, 200, map[string]any{"approvals": out})
	return nil
}

func (s *Server) fileApproval(q *request) error {
	var in client.ApprovalRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	a, err := s.Approvals.File(q.r.Context(), q.caller,
		approval.Request{Kind: in.Kind, LegalBasis: in.LegalBasis, Target: in.Target, Justification: in.Justification, ValidFrom: in.ValidFrom, ValidUntil: in.ValidUntil,
			Purposes: in.Purposes, PrefixPreserving: in.PrefixPreserving}, in.Emergency)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, approvalOut(a, s.now()))
	return nil
}

func (s *Server) decideApproval(q *request) error {
	id, err := pathID(q)
	if err != nil {
		return err
	}
	var in client.Decision
	if err := decode(q, &in); err != nil {
		return err
	}
	a, err := s.Approvals.Decide(q.r.Context(), q.caller, id, in.Approve, in.Reason)
	if err != nil {
		return err
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
	var in client.Revocation
	if err := decode(q, &in); err != nil {
		return err
	}
	a, err := s.Approvals.Revoke(q.r.Context(), q.caller, id, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, approvalOut(a, s.now()))
	return nil
}
