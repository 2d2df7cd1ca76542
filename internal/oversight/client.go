package oversight

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client talks to a hub's approvals API (/api/v1/approvals) with an API
// token: the center's handlers file requests, the committee lists and
// decides them. The hub logs every request and decision before answering.
type Client struct {
	Hub   string // base URL, e.g. https://hub.example.jp
	Token string
	HTTP  *http.Client // nil means a client with a one-minute timeout
}

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
	Lapsed         bool       `json:"lapsed,omitempty"`
	InForce        bool       `json:"in_force"`
	RevokedBy      string     `json:"revoked_by,omitempty"`
	RevokeReason   string     `json:"revoke_reason,omitempty"`
	RevokedAt      *time.Time `json:"revoked_at,omitempty"`
	// PrefixPreserving grants prefix-preserving pseudonyms; PrefixReveals
	// says what a kept prefix reveals.
	PrefixPreserving bool     `json:"prefix_preserving"`
	PrefixReveals    string   `json:"prefix_preserving_reveals,omitempty"`
	Purposes         []string `json:"purposes"`
}

// ApprovalRequest is what a requester files.
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

// APIError is the hub's error answer.
type APIError struct {
	Status      int
	Title       string `json:"title"`
	Description string `json:"description"`
}

func (e *APIError) Error() string {
	if e.Description != "" {
		return fmt.Sprintf("hub answered %d %s: %s", e.Status, e.Title, e.Description)
	}
	return fmt.Sprintf("hub answered %d %s", e.Status, e.Title)
}

// Request files an approval request (or records an emergency measure).
func (c *Client) Request(ctx context.Context, r ApprovalRequest) (Approval, error) {
	var a Approval
	err := c.do(ctx, http.MethodPost, "/api/v1/approvals", r, &a)
	return a, err
}

// List returns approvals, newest first; status "" lists all.
func (c *Client) List(ctx context.Context, status string) ([]Approval, error) {
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

// Decide records the committee's decision with its reasons.
func (c *Client) Decide(ctx context.Context, id int64, approve bool, reason string) (Approval, error) {
	var a Approval
	err := c.do(ctx, http.MethodPost, "/api/v1/approvals/"+strconv.FormatInt(id, 10)+"/decision",
		map[string]any{"approve": approve, "reason": reason}, &a)
	return a, err
}

// Revoke records the committee's revocation of an approval it granted, with
// its reasons; collection and access under it stop at once.
func (c *Client) Revoke(ctx context.Context, id int64, reason string) (Approval, error) {
	var a Approval
	err := c.do(ctx, http.MethodPost, "/api/v1/approvals/"+strconv.FormatInt(id, 10)+"/revocation",
		map[string]any{"reason": reason}, &a)
	return a, err
}

// Member is an account of the committee as the API returns it.
type Member struct {
	Login       string    `json:"login"`
	Pending     bool      `json:"pending"`
	CreatedBy   string    `json:"created_by"`
	ConfirmedBy string    `json:"confirmed_by,omitempty"`
	Created     time.Time `json:"created"`
	// Password is the first password of a member just confirmed, shown once.
	Password string `json:"password,omitempty"`
}

// Members lists the committee's accounts, pending ones included.
func (c *Client) Members(ctx context.Context) ([]Member, error) {
	var out struct {
		Members []Member `json:"members"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/committee/members", nil, &out)
	return out.Members, err
}

// Confirm confirms a pending member account; the answer carries its first
// password, shown once, to hand to the new member.
func (c *Client) Confirm(ctx context.Context, login string) (Member, error) {
	var m Member
	err := c.do(ctx, http.MethodPost, "/api/v1/committee/members/"+url.PathEscape(login)+"/confirmation", map[string]any{}, &m)
	return m, err
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	if c.Hub == "" || c.Token == "" {
		return errors.New("the hub URL and an API token are required")
	}
	base, err := url.Parse(strings.TrimRight(c.Hub, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return fmt.Errorf("hub URL %q: want https://host[:port]", c.Hub)
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base.String()+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		ae := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(b, ae) != nil || ae.Title == "" {
			ae.Title = http.StatusText(resp.StatusCode)
			ae.Description = strings.TrimSpace(string(b[:min(len(b), 300)]))
		}
		return ae
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: the hub's answer is not the expected JSON: %w", method, path, err)
	}
	return nil
}
