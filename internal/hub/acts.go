package hub

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Administrative acts. Every door — the CLI, the console, the API — does
// these through the functions below, which check the request, append the act
// to the audit log and only then make the change: when the log refuses the
// append, nothing changes (TestAdminActsAuditedFirst). Who may do an act is
// for the door to check before calling; what is logged is decided here, once.
// A request that fails its checks is refused as problem.ErrInvalid titled
// after what was asked ("invalid user"), for the doors' one mapping.
// AddOrg, AddGroup, AddUser and CreateToken in admin.go are the same acts
// without the log, for bootstrap, demo data and tests.

// CreateOrg adds an organization. A center organization (kind "center")
// beside the bootstrapped one is a change of sharing policy — its analysts
// read every member's AMBER — so it needs a reason and is logged as
// policy.change, where overseers see it; any other kind is logged as
// org.create.
func (h *Hub) CreateOrg(ctx context.Context, c auth.Caller, name, kind, sector, reason string) (store.Org, error) {
	o, err := newOrg(ctx, h.DB, name, kind, sector, h.Now())
	if err != nil {
		return o, problem.Wrap(problem.ErrInvalid, "invalid organization", err)
	}
	action, detail := audit.ActionOrgCreate, map[string]string{"via": c.Via(), "name": o.Name, "kind": o.Kind, "sector": o.Sector}
	if kind == policy.OrgKindCenter {
		if reason = strings.TrimSpace(reason); reason == "" {
			return store.Org{}, problem.Wrap(problem.ErrInvalid, "invalid organization", ErrOneCenter)
		}
		action, detail["change"], detail["reason"] = audit.ActionPolicyChange, "center-org", reason
	}
	if _, err := h.Record(ctx, c, action, "org:"+o.ID, detail); err != nil {
		return store.Org{}, err
	}
	return o, h.DB.AddOrg(ctx, o)
}

// CreateGroup adds a sharing group with its member organizations and groups:
// who a TLP:AMBER object addressed to the group reaches.
func (h *Hub) CreateGroup(ctx context.Context, c auth.Caller, name string, members []string) (store.Group, error) {
	g, err := newGroup(ctx, h.DB, name, members, h.Now())
	if err != nil {
		return g, problem.Wrap(problem.ErrInvalid, "invalid group", err)
	}
	if _, err := h.Record(ctx, c, audit.ActionGroupCreate, "group:"+g.ID, map[string]string{"via": c.Via(), "name": g.Name,
		"member_orgs": strings.Join(g.MemberOrgs, ","), "member_groups": strings.Join(g.MemberGroups, ",")}); err != nil {
		return store.Group{}, err
	}
	return g, h.DB.AddGroup(ctx, g)
}

// CreateUser adds a user with a role (logged as role.change, change
// "create"), recording the caller as its creator (a creator never decides
// the committee's approvals of its requests). An empty password leaves the
// account without web login; an overseer account is created pending, for
// the committee to confirm.
func (h *Hub) CreateUser(ctx context.Context, c auth.Caller, login, org, role, password string) (store.User, error) {
	u, err := newUser(ctx, h.DB, NewUser{Login: login, Org: org, Role: role, Password: password, CreatedBy: c.User.Login}, h.Now())
	if err != nil {
		return u, problem.Wrap(problem.ErrInvalid, "invalid user", err)
	}
	if _, err := h.DB.UserByLogin(ctx, u.Login); err == nil {
		return store.User{}, problem.Wrap(problem.ErrInvalid, "invalid user", fmt.Errorf("login %q is taken", u.Login))
	}
	if _, err := h.Record(ctx, c, audit.ActionRoleChange, "user:"+u.Login, map[string]string{"via": c.Via(), "change": "create", "role": u.Role, "org": u.OrgID}); err != nil {
		return store.User{}, err
	}
	u.ID, err = h.DB.AddUser(ctx, u)
	return u, err
}

// SetUserDisabled disables or re-enables a user (logged as role.change).
// A disabled user's sessions and tokens stop working at once.
func (h *Hub) SetUserDisabled(ctx context.Context, c auth.Caller, u store.User, disabled bool) error {
	change := "enable"
	if disabled {
		change = "disable"
	}
	if _, err := h.Record(ctx, c, audit.ActionRoleChange, "user:"+u.Login, map[string]string{"via": c.Via(), "change": change, "role": u.Role, "org": u.OrgID}); err != nil {
		return err
	}
	u.Disabled = disabled
	if err := h.DB.UpdateUser(ctx, u); err != nil {
		return err
	}
	h.Auth.Forget()
	return nil
}

// IssueToken makes an API token for a user and returns its secret, shown
// once and never stored.
func (h *Hub) IssueToken(ctx context.Context, c auth.Caller, login, name string, expires time.Duration, readOnly bool) (string, store.Token, error) {
	u, err := h.DB.UserByLogin(ctx, login)
	if err != nil {
		return "", store.Token{}, err
	}
	exp := "never"
	if expires > 0 {
		exp = expires.String()
	}
	if _, err := h.Record(ctx, c, audit.ActionTokenCreate, "user:"+u.Login, map[string]string{"via": c.Via(), "name": name, "read_only": strconv.FormatBool(readOnly), "expires": exp}); err != nil {
		return "", store.Token{}, err
	}
	return createToken(ctx, h.DB, u, name, expires, readOnly, h.Now())
}

// RevokeToken revokes a token at once, in this process's cache too.
func (h *Hub) RevokeToken(ctx context.Context, c auth.Caller, t store.Token) error {
	owner := strconv.FormatInt(t.UserID, 10)
	if u, err := h.DB.UserByID(ctx, t.UserID); err == nil {
		owner = u.Login
	}
	if _, err := h.Record(ctx, c, audit.ActionTokenRevoke, "token:"+t.PublicID, map[string]string{"via": c.Via(), "user": owner, "name": t.Name}); err != nil {
		return err
	}
	if err := h.DB.RevokeToken(ctx, t.ID, h.Now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	h.Auth.Forget()
	return nil
}

// AddWebhook adds a webhook to an organization and returns its public id
// (store.Webhook: the row id never leaves the hub) and the secret that signs
// its bodies (shown once). Only the URL's host is logged: webhook URLs often
// carry a secret in their path.
func (h *Hub) AddWebhook(ctx context.Context, c auth.Caller, orgID, rawURL string) (string, string, error) {
	if err := h.CheckWebhookURL(ctx, rawURL); err != nil {
		return "", "", problem.Wrap(problem.ErrInvalid, "invalid webhook URL", err)
	}
	u, _ := url.Parse(rawURL)
	id := store.NewPublicID()
	if _, err := h.Record(ctx, c, audit.ActionWebhookCreate, "org:"+orgID, map[string]string{"via": c.Via(), "host": u.Host, "webhook": id}); err != nil {
		return "", "", err
	}
	secret, _ := auth.NewSecret()
	id, err := h.DB.AddWebhook(ctx, store.Webhook{PublicID: id, OrgID: orgID, URL: rawURL, Secret: secret, Active: true, Created: h.Now()})
	return id, secret, err
}

// DeleteWebhook removes one of an organization's webhooks, named by its
// public id; a webhook of another organization, or one named by its row id,
// is not found.
func (h *Hub) DeleteWebhook(ctx context.Context, c auth.Caller, orgID, id string) error {
	ws, err := h.DB.Webhooks(ctx, orgID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ws, func(w store.Webhook) bool { return w.PublicID == id }) {
		return fmt.Errorf("webhook %q of %s: %w", id, orgID, store.ErrNotFound)
	}
	if _, err := h.Record(ctx, c, audit.ActionWebhookDelete, "org:"+orgID, map[string]string{"via": c.Via(), "webhook": id}); err != nil {
		return err
	}
	return h.DB.DeleteWebhook(ctx, orgID, id)
}
