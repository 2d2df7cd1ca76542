package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Approval is an approval as the API returns it.
type Approval struct {
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

// ApprovalRequest is what a requester files (an approval request, or the
// record of an emergency measure).
type ApprovalRequest struct {
	Kind          string    `json:"kind"`
	LegalBasis    string    `json:"legal_basis"`
	Target        string    `json:"target"`
	Justification string    `json:"justification"`
	ValidFrom     time.Time `json:"valid_from"`
	ValidUntil    time.Time `json:"valid_until"`
	Emergency     bool      `json:"emergency"`
	// Purposes are the only purposes the source's records may be read for
	// under the approval (none: any purpose stated in full).
	Purposes []string `json:"purposes,omitempty"`
	// PrefixPreserving asks for prefix-preserving pseudonyms (collection only).
	PrefixPreserving bool `json:"prefix_preserving,omitempty"`
}

// Decision is the committee's decision on an approval, with its reasons.
type Decision struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"`
}

// Revocation is the committee's revocation of an approval, with its reasons.
type Revocation struct {
	Reason string `json:"reason"`
}

// Member is an account of the oversight committee as the API returns it.
type Member struct {
	Login       string    `json:"login"`
	Pending     bool      `json:"pending"`
	Disabled    bool      `json:"disabled,omitempty"`
	CreatedBy   string    `json:"created_by"`
	ConfirmedBy string    `json:"confirmed_by,omitempty"`
	Created     time.Time `json:"created"`
	// RetireProposedBy is the member who proposed retiring this account,
	// with the reasons and when; a different member confirms.
	RetireProposedBy string    `json:"retire_proposed_by,omitempty"`
	RetireReason     string    `json:"retire_reason,omitempty"`
	RetireProposedAt time.Time `json:"retire_proposed_at,omitzero"`
	// Password is the first password of a member just confirmed, shown once.
	Password string `json:"password,omitempty"`
}

// RequestApproval files an approval request (or records an emergency measure).
func (c *Client) RequestApproval(ctx context.Context, r ApprovalRequest) (Approval, error) {
	var a Approval
	err := c.do(ctx, http.MethodPost, "/api/v1/approvals", r, &a)
	return a, err
}

// Approvals returns approvals, newest first; status "" lists all.
func (c *Client) Approvals(ctx context.Context, status string) ([]Approval, error) {
	p := "/api/v1/approvals"
	if status != "" {
		p += "?status=" + url.QueryEscape(status)
	}
	var out struct {
		Approvals []Approval `json:"approvals"`
	}
	err := c.do(ctx, http.MethodGet, p, nil, &out)
	return out.Approvals, err
}

// DecideApproval records the committee's decision with its reasons.
func (c *Client) DecideApproval(ctx context.Context, id int64, approve bool, reason string) (Approval, error) {
	var a Approval
	err := c.do(ctx, http.MethodPost, "/api/v1/approvals/"+strconv.FormatInt(id, 10)+"/decision", Decision{approve, reason}, &a)
	return a, err
}

// RevokeApproval records the committee's revocation of an approval it
// granted, with its reasons; collection and access under it stop at once.
func (c *Client) RevokeApproval(ctx context.Context, id int64, reason string) (Approval, error) {
	var a Approval
	err := c.do(ctx, http.MethodPost, "/api/v1/approvals/"+strconv.FormatInt(id, 10)+"/revocation", Revocation{reason}, &a)
	return a, err
}

// CommitteeMembers lists the committee's accounts, pending ones included.
func (c *Client) CommitteeMembers(ctx context.Context) ([]Member, error) {
	var out struct {
		Members []Member `json:"members"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/committee/members", nil, &out)
	return out.Members, err
}

// ConfirmMember confirms a pending member account; the answer carries its
// first password, shown once, to hand to the new member.
func (c *Client) ConfirmMember(ctx context.Context, login string) (Member, error) {
	var m Member
	err := c.do(ctx, http.MethodPost, "/api/v1/committee/members/"+url.PathEscape(login)+"/confirmation", map[string]any{}, &m)
	return m, err
}

// RetireMember proposes retiring a member's account, with reasons, or
// confirms another member's proposal: logged first; the account is disabled
// once a second member confirms (Disabled in the answer), and carries the
// proposal until then.
func (c *Client) RetireMember(ctx context.Context, login, reason string) (Member, error) {
	var m Member
	err := c.do(ctx, http.MethodPost, "/api/v1/committee/members/"+url.PathEscape(login)+"/retirement", map[string]any{"reason": reason}, &m)
	return m, err
}

// WithdrawRetirement withdraws the caller's own proposal to retire a
// member, with optional reasons: logged first; the account no longer
// carries the proposal.
func (c *Client) WithdrawRetirement(ctx context.Context, login, reason string) (Member, error) {
	var m Member
	err := c.do(ctx, http.MethodDelete, "/api/v1/committee/members/"+url.PathEscape(login)+"/retirement", map[string]any{"reason": reason}, &m)
	return m, err
}
