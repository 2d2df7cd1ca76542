package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The hub's people and credentials: the caller, organizations, groups,
// users and API tokens.

// Org is an organization as the API returns it.
type Org struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Kind     string    `json:"kind"`
	Sector   string    `json:"sector,omitempty"`
	Disabled bool      `json:"disabled,omitempty"` // its users can neither log in nor use their tokens
	Created  time.Time `json:"created"`
	// Designated: a designated operator (特別社会基盤事業者); BusinessType
	// and Ministry are keys of the maintained lists (docs/reports.md).
	Designated   bool   `json:"designated,omitempty"`
	BusinessType string `json:"business_type,omitempty"`
	Ministry     string `json:"ministry,omitempty"`
}

// Me is the caller as the API sees it.
type Me struct {
	Login    string   `json:"login"`
	Role     string   `json:"role"`
	Org      Org      `json:"org"`
	ReadOnly bool     `json:"read_only"`
	Groups   []string `json:"groups"`
}

// OrgRequest adds an organization; a center needs a Reason (a policy change).
type OrgRequest struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Sector string `json:"sector,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Group is a sharing group: its member organizations and groups.
type Group struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	MemberOrgs   []string `json:"member_orgs"`
	MemberGroups []string `json:"member_groups"`
}

// GroupRequest adds a group of organizations or groups (names or ids).
type GroupRequest struct {
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// User is an account as the API returns it.
type User struct {
	ID       string `json:"id"` // its public id: 128 random bits in hex
	Login    string `json:"login"`
	Org      string `json:"org"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
	Pending  bool   `json:"pending,omitempty"` // an overseer account awaiting the committee's confirmation
	// Capabilities beyond the role, given by an administrator
	// (register-assets).
	Capabilities []string  `json:"capabilities,omitempty"`
	Created      time.Time `json:"created"`
}

// UserRequest adds an account; Org empty is the caller's own.
type UserRequest struct {
	Login    string `json:"login"`
	Org      string `json:"org,omitempty"`
	Role     string `json:"role"`
	Password string `json:"password,omitempty"`
}

// Token is an API token as listed (never its secret).
type Token struct {
	ID       string     `json:"id"`      // its public id: 128 random bits in hex
	UserID   string     `json:"user_id"` // the public id of the user it acts for
	Name     string     `json:"name"`
	ReadOnly bool       `json:"read_only"`
	Expires  *time.Time `json:"expires,omitempty"`
	Revoked  *time.Time `json:"revoked,omitempty"`
	Created  time.Time  `json:"created"`
	LastUsed *time.Time `json:"last_used,omitempty"`
}

// TokenRequest makes a token for the caller; Expires is a duration such as
// "30d" or "12h" (auth.ParseExpiry).
type TokenRequest struct {
	Name     string `json:"name"`
	Expires  string `json:"expires"`
	ReadOnly bool   `json:"read_only"`
}

// NewToken is a token just made: its secret is shown this once.
type NewToken struct {
	Token    string     `json:"token"`
	ID       string     `json:"id"`
	Expires  *time.Time `json:"expires"`
	ReadOnly bool       `json:"read_only"`
}

// Me returns the caller: login, role, organization, groups.
func (c *Client) Me(ctx context.Context) (Me, error) {
	var m Me
	err := c.do(ctx, http.MethodGet, "/api/v1/me", nil, &m)
	return m, err
}

// Orgs lists the hub's organizations.
func (c *Client) Orgs(ctx context.Context) ([]Org, error) {
	var out struct {
		Orgs []Org `json:"orgs"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/orgs", nil, &out)
	return out.Orgs, err
}

// AddOrg adds an organization (hub administrators).
func (c *Client) AddOrg(ctx context.Context, r OrgRequest) (Org, error) {
	var o Org
	err := c.do(ctx, http.MethodPost, "/api/v1/orgs", r, &o)
	return o, err
}

// Groups lists the sharing groups.
func (c *Client) Groups(ctx context.Context) ([]Group, error) {
	var out struct {
		Groups []Group `json:"groups"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/groups", nil, &out)
	return out.Groups, err
}

// AddGroup adds a sharing group (hub administrators); the answer has its
// id and name.
func (c *Client) AddGroup(ctx context.Context, r GroupRequest) (Group, error) {
	var g Group
	err := c.do(ctx, http.MethodPost, "/api/v1/groups", r, &g)
	return g, err
}

// Users lists accounts: a hub administrator's of org ("" for all), an
// organization administrator's of its own.
func (c *Client) Users(ctx context.Context, org string) ([]User, error) {
	p := "/api/v1/users"
	if org != "" {
		p += "?org=" + url.QueryEscape(org)
	}
	var out struct {
		Users []User `json:"users"`
	}
	err := c.do(ctx, http.MethodGet, p, nil, &out)
	return out.Users, err
}

// AddUser adds an account.
func (c *Client) AddUser(ctx context.Context, r UserRequest) (User, error) {
	var u User
	err := c.do(ctx, http.MethodPost, "/api/v1/users", r, &u)
	return u, err
}

// OrgChange changes an organization (PATCH /api/v1/orgs/{id}); a field
// left out stays as it is.
type OrgChange struct {
	Name     *string `json:"name,omitempty"`
	Sector   *string `json:"sector,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
	// Designated and BusinessType set the legal designation together (an
	// absent one is false or none).
	Designated   *bool   `json:"designated,omitempty"`
	BusinessType *string `json:"business_type,omitempty"`
}

// ChangeOrg renames an organization, changes its sector, or disables or
// re-enables it (hub administrators; logged as org.change).
func (c *Client) ChangeOrg(ctx context.Context, org string, ch OrgChange) (Org, error) {
	var o Org
	err := c.do(ctx, http.MethodPatch, "/api/v1/orgs/"+url.PathEscape(org), ch, &o)
	return o, err
}

// DeleteOrg deletes an organization that nothing names (hub administrators;
// logged as org.delete); one that holds users or records is refused (409).
func (c *Client) DeleteOrg(ctx context.Context, org string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/orgs/"+url.PathEscape(org), nil, nil)
}

// GroupChange changes a sharing group (PATCH /api/v1/groups/{id}): Name
// empty keeps its name, Members nil keeps its members (organizations or
// groups, by name or id).
type GroupChange struct {
	Name    string    `json:"name,omitempty"`
	Members *[]string `json:"members,omitempty"`
}

// ChangeGroup renames a sharing group or replaces its members (hub
// administrators; logged as group.change).
func (c *Client) ChangeGroup(ctx context.Context, group string, ch GroupChange) (Group, error) {
	var g Group
	err := c.do(ctx, http.MethodPatch, "/api/v1/groups/"+url.PathEscape(group), ch, &g)
	return g, err
}

// DeleteGroup deletes a sharing group nothing is addressed to (hub
// administrators; logged as group.delete).
func (c *Client) DeleteGroup(ctx context.Context, group string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/groups/"+url.PathEscape(group), nil, nil)
}

// RoleChange gives an account another role.
type RoleChange struct {
	Role string `json:"role"`
}

// SetUserRole gives the user (by public id) another role (logged as
// role.change).
func (c *Client) SetUserRole(ctx context.Context, user, role string) (User, error) {
	var u User
	err := c.do(ctx, http.MethodPost, "/api/v1/users/"+url.PathEscape(user)+"/role", RoleChange{Role: role}, &u)
	return u, err
}

// SetUserDisabled disables the user (by public id), whose sessions and
// tokens stop at once, or enables it again (logged as role.change).
func (c *Client) SetUserDisabled(ctx context.Context, user string, disabled bool) (User, error) {
	op := "enable"
	if disabled {
		op = "disable"
	}
	var u User
	err := c.do(ctx, http.MethodPost, "/api/v1/users/"+url.PathEscape(user)+"/"+op, nil, &u)
	return u, err
}

// SetUserCapability gives the user (by public id) a capability beyond its
// role (register-assets), or takes it back (logged as role.change).
func (c *Client) SetUserCapability(ctx context.Context, user, capability string, give bool) (User, error) {
	method := http.MethodDelete
	if give {
		method = http.MethodPut
	}
	var u User
	err := c.do(ctx, method, "/api/v1/users/"+url.PathEscape(user)+"/capabilities/"+url.PathEscape(capability), nil, &u)
	return u, err
}

// Tokens lists the caller's tokens.
func (c *Client) Tokens(ctx context.Context) ([]Token, error) {
	var out struct {
		Tokens []Token `json:"tokens"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/tokens", nil, &out)
	return out.Tokens, err
}

// CreateToken makes a token for the caller and returns its secret, shown once.
func (c *Client) CreateToken(ctx context.Context, r TokenRequest) (NewToken, error) {
	var t NewToken
	err := c.do(ctx, http.MethodPost, "/api/v1/tokens", r, &t)
	return t, err
}

// RevokeToken revokes one of the caller's tokens (or, for an administrator,
// one it manages).
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/tokens/"+url.PathEscape(id), nil, nil)
}

// Alert is an alert as the API returns it, titled in the reader's language.
type Alert struct {
	ID        string          `json:"id"` // the public id; the row id never leaves the hub
	Kind      string          `json:"kind"`
	Severity  string          `json:"severity"`
	Title     string          `json:"title"`
	Body      string          `json:"body,omitempty"`
	ObjectRef string          `json:"object_ref,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	Created   time.Time       `json:"created"`
	Read      *time.Time      `json:"read,omitempty"`
	// Group is the key of the alert's group of duplicates: alerts of one
	// kind about one subject for one organization share it. In a grouped
	// listing (AlertQuery.Grouped) the alert is the group's latest, Count
	// how many match and Unread how many of those are unread; list the
	// members with AlertQuery.Group. Groups come newest first: the group
	// whose latest alert is newest.
	Group  string `json:"group,omitempty"`
	Count  int64  `json:"count,omitempty"`
	Unread int64  `json:"unread,omitempty"`
}

// AlertPage is one page of the caller's alerts; Cursor asks for the next.
type AlertPage struct {
	Alerts []Alert `json:"alerts"`
	Cursor string  `json:"cursor,omitempty"`
}

// AlertQuery pages the caller's alerts, and narrows them to those that
// match every filter set.
type AlertQuery struct {
	Limit    int    // 0: the hub's default
	Cursor   string // from the page before
	Unread   bool   // only alerts not read yet
	Read     bool   // only alerts read already
	Kind     string // one kind, e.g. "vulnerability"
	Severity string // info | low | medium | high | critical
	Since    time.Time
	Until    time.Time // raised before
	Group    string    // only the duplicates of one group (Alert.Group)
	// Grouped lists one alert per group of duplicates, its latest, with
	// the group's Count and Unread.
	Grouped bool
}

// Alerts returns one page of the caller's alerts, newest first.
func (c *Client) Alerts(ctx context.Context, q AlertQuery) (AlertPage, error) {
	v := url.Values{}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	if q.Unread {
		v.Set("unread", "1")
	}
	if q.Read {
		v.Set("read", "1")
	}
	for k, s := range map[string]string{"kind": q.Kind, "severity": q.Severity, "group": q.Group} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.Format(time.RFC3339Nano))
	}
	if q.Grouped {
		v.Set("grouped", "1")
	}
	var p AlertPage
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/alerts", v), nil, &p)
	return p, err
}

// ReadAlert marks an alert read.
func (c *Client) ReadAlert(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/alerts/"+url.PathEscape(id)+"/read", nil, nil)
}

// ReadAlerts asks to mark alerts read at once: those named by their ids,
// and every alert of the groups named by their keys (Alert.Group).
type ReadAlerts struct {
	IDs    []string `json:"ids,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

// AlertsMarked is how many alerts a ReadAlerts marked read: those the
// caller may read that were unread; any other id is passed over.
type AlertsMarked struct {
	Read int64 `json:"read"`
}

// ReadAlertsAtOnce marks the alerts r names read and returns how many it
// marked.
func (c *Client) ReadAlertsAtOnce(ctx context.Context, r ReadAlerts) (int64, error) {
	var out AlertsMarked
	err := c.do(ctx, http.MethodPost, "/api/v1/alerts/read", r, &out)
	return out.Read, err
}

// Webhook is an organization's webhook (never its secret).
type Webhook struct {
	ID      string    `json:"id"` // its public id: 128 random bits in hex
	URL     string    `json:"url"`
	Active  bool      `json:"active"`
	Created time.Time `json:"created"`
}

// WebhookRequest adds a webhook.
type WebhookRequest struct {
	URL string `json:"url"`
}

// NewWebhook is a webhook just added, with the secret that signs its
// deliveries, shown this once.
type NewWebhook struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Secret string `json:"secret"`
}

// DeadDelivery is a webhook delivery that gave up.
type DeadDelivery struct {
	ID        string    `json:"id"` // its public id: 128 random bits in hex
	Webhook   string    `json:"webhook"`
	Alert     string    `json:"alert"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	Updated   time.Time `json:"updated"`
}

// Webhooks lists the caller's organization's webhooks (its administrators).
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	var out struct {
		Webhooks []Webhook `json:"webhooks"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/webhooks", nil, &out)
	return out.Webhooks, err
}

// AddWebhook adds a webhook for the caller's organization.
func (c *Client) AddWebhook(ctx context.Context, r WebhookRequest) (NewWebhook, error) {
	var w NewWebhook
	err := c.do(ctx, http.MethodPost, "/api/v1/webhooks", r, &w)
	return w, err
}

// DeleteWebhook removes a webhook of the caller's organization.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/webhooks/"+url.PathEscape(id), nil, nil)
}

// DeadDeliveries lists the deliveries that gave up.
func (c *Client) DeadDeliveries(ctx context.Context) ([]DeadDelivery, error) {
	var out struct {
		Dead []DeadDelivery `json:"dead"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/webhooks/dead", nil, &out)
	return out.Dead, err
}

// RetryDelivery tries a dead delivery again.
func (c *Client) RetryDelivery(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/webhooks/dead/"+url.PathEscape(id)+"/retry", nil, nil)
}

// withQuery is path with v as its query, if any.
func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}
