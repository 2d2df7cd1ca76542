package api

import (
	"net/http"

	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// The oversight committee's own accounts: its members list them and confirm
// the accounts the hub's administrators created for new members. An account
// becomes active only by that confirmation, which is logged first; the
// answer carries the new member's first password, shown once.

func memberOut(u store.User) client.Member {
	return client.Member{Login: u.Login, Pending: u.Pending, Disabled: u.Disabled, CreatedBy: u.CreatedBy, ConfirmedBy: u.ConfirmedBy, Created: u.Created,
		RetireProposedBy: u.RetireProposedBy, RetireReason: u.RetireReason, RetireProposedAt: u.RetireProposedAt}
}

func (s *Server) listCommitteeMembers(q *request) error {
	if !policy.DecidesApprovals(q.role()) || !q.caller.Org.IsCommittee() {
		return fail(http.StatusForbidden, "forbidden", "the committee's accounts are listed by its members")
	}
	_, us, err := hub.CommitteeMembers(q.r.Context(), s.Store)
	if err != nil {
		return err
	}
	out := make([]client.Member, len(us))
	for i, u := range us {
		out[i] = memberOut(u)
	}
	writeJSON(q.w, 200, map[string]any{"members": out})
	return nil
}

func (s *Server) confirmCommitteeMember(q *request) error {
	u, password, err := s.Hub.ConfirmOverseer(q.r.Context(), q.caller, q.r.PathValue("login"))
	if err != nil {
		return err
	}
	s.Auth.Forget()
	m := memberOut(u)
	m.Password = password
	writeJSON(q.w, 200, m)
	return nil
}

// retireCommitteeMember is a committee member's proposal to retire a
// member's account, with reasons (logged as committee.retire.propose, 202),
// or a second member's confirmation of it (logged as committee.retire before
// the account is disabled, 200). The operator has no part in it.
func (s *Server) retireCommitteeMember(q *request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(q, &in); err != nil {
		return err
	}
	u, err := s.Hub.RetireOverseer(q.r.Context(), q.caller, q.r.PathValue("login"), in.Reason)
	if err != nil {
		return err
	}
	if !u.Disabled {
		writeJSON(q.w, http.StatusAccepted, memberOut(u))
		return nil
	}
	s.Auth.Forget()
	writeJSON(q.w, 200, memberOut(u))
	return nil
}

// withdrawCommitteeRetirement is the proposer's withdrawal of their proposal
// to retire a member, with optional reasons (logged first as
// committee.retire.withdraw; 200 with the account).
func (s *Server) withdrawCommitteeRetirement(q *request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if q.r.ContentLength != 0 {
		if err := decode(q, &in); err != nil {
			return err
		}
	}
	u, err := s.Hub.WithdrawRetirement(q.r.Context(), q.caller, q.r.PathValue("login"), in.Reason)
	if err != nil {
		return err
	}
	writeJSON(q.w, 200, memberOut(u))
	return nil
}
