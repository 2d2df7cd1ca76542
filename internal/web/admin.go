package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
)

type userRow struct {
	store.User
	OrgName string
	// Changeable: the caller may change the account (policy.MayChangeAccount);
	// Roles the roles it may give it, Capabilities those it may give or take.
	Changeable   bool
	Roles        []string
	Capabilities []string
}

type tokenRow struct {
	store.Token
	Login string
}

type groupRow struct {
	store.Group
	Members []string // names of direct member organizations and groups
}

type adminData struct {
	HubAdmin bool
	Orgs     []store.Org
	Groups   []groupRow
	Users    []userRow
	Tokens   []tokenRow
	Kinds    []string
	Roles    []string
	// Forms as typed, errors by "form.field" (catalog keys) and details
	// (untranslated messages from the hub) by form.
	In       map[string]string
	Errors   map[string]string
	Detail   map[string]string
	NewToken string
	NewFor   string
}

// adminScope says what the caller administers: everything (hub admin), one
// organization (org admin), or nothing.
func adminScope(req *request) (hubAdmin, ok bool) {
	return policy.AdministersHub(req.viewer), policy.AdministersOrg(req.viewer)
}

func (s *server) admin(w http.ResponseWriter, r *http.Request, req *request) {
	s.showAdmin(w, r, req, http.StatusOK, &adminData{})
}

func (s *server) showAdmin(w http.ResponseWriter, r *http.Request, req *request, status int, d *adminData) {
	hubAdmin, ok := adminScope(req)
	if !ok {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	ctx := r.Context()
	d.HubAdmin = hubAdmin
	if d.In == nil {
		d.In = map[string]string{}
	}
	if d.Errors == nil {
		d.Errors, d.Detail = map[string]string{}, map[string]string{}
	}
	d.Kinds = store.OrgKinds
	for _, role := range policy.Roles {
		if !policy.MayGrant(req.viewer.Role, role) {
			continue // offered only what the caller may give
		}
		d.Roles = append(d.Roles, string(role))
	}
	orgs, err := s.Store.Orgs(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	names := orgNames{}
	for _, o := range orgs {
		names[o.ID] = o.Name
		if hubAdmin || o.ID == req.caller.Org.ID {
			d.Orgs = append(d.Orgs, o)
		}
	}
	scope := req.caller.Org.ID
	if hubAdmin {
		scope = ""
		groups, err := s.Store.Groups(ctx)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		gnames := map[string]string{}
		for _, g := range groups {
			gnames[g.ID] = g.Name
		}
		for _, g := range groups {
			gr := groupRow{Group: g}
			for _, o := range g.MemberOrgs {
				gr.Members = append(gr.Members, names.name(o))
			}
			for _, sg := range g.MemberGroups {
				gr.Members = append(gr.Members, gnames[sg])
			}
			d.Groups = append(d.Groups, gr)
		}
	}
	users, err := s.Store.Users(ctx, scope)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	logins := map[int64]string{}
	for _, u := range users {
		logins[u.ID] = u.Login
		row := userRow{User: u, OrgName: names.name(u.OrgID), Changeable: policy.MayChangeAccount(req.viewer, u.ID, u.OrgID, policy.Role(u.Role))}
		if row.Changeable {
			for _, role := range d.Roles {
				if policy.MayGiveRole(req.viewer, u.ID, u.OrgID, policy.Role(u.Role), policy.Role(role)) {
					row.Roles = append(row.Roles, role)
				}
			}
			for _, c := range policy.Capabilities {
				if policy.MayGiveCapability(req.viewer, u.OrgID) && (policy.CapabilityFits(c, policy.Role(u.Role)) || slices.Contains(u.Capabilities, string(c))) {
					row.Capabilities = append(row.Capabilities, string(c))
				}
			}
		}
		d.Users = append(d.Users, row)
	}
	tokens, err := s.Store.Tokens(ctx, 0)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, t := range tokens {
		if l, ok := logins[t.UserID]; ok {
			d.Tokens = append(d.Tokens, tokenRow{Token: t, Login: l})
		}
	}
	s.render(w, r, req, status, "admin", "nav.admin", "admin", d)
}

// formIn collects the named form fields for redisplay.
func formIn(r *http.Request, form string, fields ...string) map[string]string {
	in := map[string]string{}
	for _, f := range fields {
		in[form+"."+f] = strings.TrimSpace(r.PostFormValue(f))
	}
	return in
}

func (s *server) adminRefused(w http.ResponseWriter, r *http.Request, req *request, in map[string]string, field, key string, err error) {
	d := &adminData{In: in, Errors: map[string]string{field: key}, Detail: map[string]string{}}
	if err != nil {
		d.Detail[strings.SplitN(field, ".", 2)[0]] = err.Error()
	}
	s.showAdmin(w, r, req, http.StatusBadRequest, d)
}

func (s *server) addOrg(w http.ResponseWriter, r *http.Request, req *request) {
	if hubAdmin, _ := adminScope(req); !hubAdmin {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	in := formIn(r, "org", "name", "kind", "sector")
	if in["org.name"] == "" {
		s.adminRefused(w, r, req, in, "org.name", "admin.error.org_name", nil)
		return
	}
	if !slices.Contains(store.OrgKinds, in["org.kind"]) || in["org.kind"] == "center" {
		s.adminRefused(w, r, req, in, "org.kind", "admin.error.org_kind", nil)
		return
	}
	if _, err := s.Hub.CreateOrg(r.Context(), req.caller, in["org.name"], in["org.kind"], in["org.sector"], ""); err != nil {
		if errors.Is(err, hub.ErrAuditUnavailable) {
			s.auditRefused(w, r, err)
			return
		}
		s.adminRefused(w, r, req, in, "org.name", "admin.error.org", err)
		return
	}
	http.Redirect(w, r, "/admin?done=org#orgs", http.StatusSeeOther)
}

func (s *server) addGroup(w http.ResponseWriter, r *http.Request, req *request) {
	if hubAdmin, _ := adminScope(req); !hubAdmin {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	in := formIn(r, "group", "name")
	members := append(nonEmpty(r.PostForm["member_orgs"]), nonEmpty(r.PostForm["member_groups"])...)
	in["group.members"] = strings.Join(members, ",")
	if in["group.name"] == "" {
		s.adminRefused(w, r, req, in, "group.name", "admin.error.group_name", nil)
		return
	}
	if _, err := s.Hub.CreateGroup(r.Context(), req.caller, in["group.name"], members); err != nil {
		if errors.Is(err, hub.ErrAuditUnavailable) {
			s.auditRefused(w, r, err)
			return
		}
		s.adminRefused(w, r, req, in, "group.name", "admin.error.group", err)
		return
	}
	http.Redirect(w, r, "/admin?done=group#groups", http.StatusSeeOther)
}

// addUser creates a user. An org admin creates users of its own organization
// only, and never hub administrators.
func (s *server) addUser(w http.ResponseWriter, r *http.Request, req *request) {
	hubAdmin, ok := adminScope(req)
	if !ok {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	in := formIn(r, "user", "login", "org", "role")
	password := r.PostFormValue("password")
	if !hubAdmin {
		if in["user.org"] != "" && in["user.org"] != req.caller.Org.ID {
			s.fail(w, r, http.StatusForbidden, "error.forbidden")
			return
		}
		in["user.org"] = req.caller.Org.ID
	}
	role, err := policy.ParseRole(in["user.role"])
	if err != nil {
		s.adminRefused(w, r, req, in, "user.role", "admin.error.role", nil)
		return
	}
	if !policy.MayGrant(policy.Role(req.caller.User.Role), role) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	if err := hub.CheckRoleGrant(r.Context(), s.Store, in["user.org"], in["user.role"]); errors.Is(err, policy.ErrRoleNotInOrgKind) {
		s.adminRefused(w, r, req, in, "user.role", "admin.error.role_org", err)
		return
	}
	if password != "" && len(password) < 10 {
		s.adminRefused(w, r, req, in, "user.password", "admin.error.password", nil)
		return
	}
	if _, err := s.Store.UserByLogin(r.Context(), in["user.login"]); err == nil {
		s.adminRefused(w, r, req, in, "user.login", "admin.error.login_taken", nil)
		return
	}
	if _, err := s.Hub.CreateUser(r.Context(), req.caller, in["user.login"], in["user.org"], in["user.role"], password); err != nil {
		if errors.Is(err, hub.ErrAuditUnavailable) {
			s.auditRefused(w, r, err)
			return
		}
		s.adminRefused(w, r, req, in, "user.login", "admin.error.user", err)
		return
	}
	http.Redirect(w, r, "/admin?done=user#users", http.StatusSeeOther)
}

// mayManageUser reports whether the caller administers the user's tokens and
// whether it is enabled. The committee's accounts are its own: no
// administrator of the hub manages them.
func (s *server) mayManageUser(r *http.Request, req *request, u store.User) bool {
	hubAdmin, ok := adminScope(req)
	return ok && (hubAdmin || u.OrgID == req.caller.Org.ID) && policy.OperatorManages(policy.Role(u.Role))
}

// createToken makes an API token and shows it once.
func (s *server) createToken(w http.ResponseWriter, r *http.Request, req *request) {
	if _, ok := adminScope(req); !ok {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	in := formIn(r, "token", "login", "name", "expires")
	readOnly := r.PostFormValue("read_only") != ""
	u, err := s.Store.UserByLogin(r.Context(), in["token.login"])
	if errors.Is(err, store.ErrNotFound) {
		s.adminRefused(w, r, req, in, "token.login", "admin.error.token_login", nil)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !s.mayManageUser(r, req, u) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	exp, err := auth.ParseExpiry(in["token.expires"])
	if err != nil {
		s.adminRefused(w, r, req, in, "token.expires", "admin.error.expires", nil)
		return
	}
	secret, _, err := s.Hub.IssueToken(r.Context(), req.caller, u.Login, in["token.name"], exp, readOnly)
	if errors.Is(err, hub.ErrAuditUnavailable) {
		s.auditRefused(w, r, err)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.Info("web: token created", "by", req.caller.User.Login, "for", u.Login)
	s.showAdmin(w, r, req, http.StatusOK, &adminData{NewToken: secret, NewFor: u.Login})
}

func (s *server) revokeToken(w http.ResponseWriter, r *http.Request, req *request) {
	if _, ok := adminScope(req); !ok {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	// A token is named by its public id; its row id (a sequence over every
	// user's tokens) never leaves the hub and is not found.
	ctx := r.Context()
	t, err := s.Store.TokenByPublicID(ctx, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	u, err := s.Store.UserByID(ctx, t.UserID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !s.mayManageUser(r, req, u) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err := s.Hub.RevokeToken(ctx, req.caller, t); errors.Is(err, hub.ErrAuditUnavailable) {
		s.auditRefused(w, r, err)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin?done=revoked#tokens", http.StatusSeeOther)
}

// setUserDisabled disables or re-enables a user. A disabled user's sessions
// and tokens stop working at once (auth refuses disabled users). Nobody
// disables themselves, and an org admin touches only its own organization's
// users, never a hub administrator.
func (s *server) setUserDisabled(disabled bool) func(http.ResponseWriter, *http.Request, *request) {
	return func(w http.ResponseWriter, r *http.Request, req *request) {
		_, ok := adminScope(req)
		if !ok {
			s.fail(w, r, http.StatusForbidden, "error.forbidden")
			return
		}
		// A user is named by its public id, as a token is.
		ctx := r.Context()
		u, err := s.Store.UserByPublicID(ctx, r.PathValue("id"))
		if errors.Is(err, store.ErrNotFound) || err == nil && !s.mayManageUser(r, req, u) {
			s.fail(w, r, http.StatusNotFound, "error.notfound")
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if u.ID == req.caller.User.ID || !policy.AdministersUser(req.viewer, policy.Role(u.Role)) {
			s.fail(w, r, http.StatusForbidden, "error.forbidden")
			return
		}
		if err := s.Hub.SetUserDisabled(ctx, req.caller, u, disabled); errors.Is(err, hub.ErrAuditUnavailable) {
			s.auditRefused(w, r, err)
			return
		} else if err != nil {
			s.serverError(w, r, err)
			return
		}
		s.log.Info("web: user access changed", "by", req.caller.User.Login, "login", u.Login, "disabled", disabled)
		done := "enabled"
		if disabled {
			done = "disabled"
		}
		http.Redirect(w, r, "/admin?done="+done+"#users", http.StatusSeeOther)
	}
}
