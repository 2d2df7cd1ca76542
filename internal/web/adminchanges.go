package web

import (
	"errors"
	"net/http"
	"strings"

	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// The administration page's changes to organizations, groups and users
// after they are made (issue 18 point 5), as `renkei org|group|user` and the
// REST API make them: the hub's acts (hub/orgchanges.go) log each before it
// takes effect; who may make them is decided in policy (AdministersHub,
// MayChangeAccount, MayGiveRole, MayGiveCapability).

// adminChanged answers a change made on the administration page: back to
// the page's section when it took effect; the page again, with the hub's
// reason under the section, when the hub refused what was asked (an empty
// or taken name, an organization that still holds users or records); the
// refusal's page otherwise.
func (s *server) adminChanged(w http.ResponseWriter, r *http.Request, req *request, err error, section, done string) {
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin?done="+done+"#"+section, http.StatusSeeOther)
	case errors.Is(err, problem.ErrInvalid), errors.Is(err, problem.ErrConflict):
		s.adminRefused(w, r, req, nil, section+".change", "admin.error.change", err)
	case s.refused(w, r, err):
	default:
		s.serverError(w, r, err)
	}
}

// hubAdministers answers 403 and returns false unless the caller
// administers the hub: organizations and groups are the hub
// administrator's.
func (s *server) hubAdministers(w http.ResponseWriter, r *http.Request, req *request) bool {
	if !policy.AdministersHub(req.viewer) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return false
	}
	return true
}

func (s *server) changeOrg(w http.ResponseWriter, r *http.Request, req *request) {
	if !s.hubAdministers(w, r, req) {
		return
	}
	name, sector := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("sector"))
	_, err := s.Hub.ChangeOrg(r.Context(), req.caller, r.PathValue("id"), hub.OrgChange{Name: &name, Sector: &sector})
	s.adminChanged(w, r, req, err, "orgs", "org-changed")
}

func (s *server) setOrgDisabled(disabled bool) func(http.ResponseWriter, *http.Request, *request) {
	return func(w http.ResponseWriter, r *http.Request, req *request) {
		if !s.hubAdministers(w, r, req) {
			return
		}
		_, err := s.Hub.ChangeOrg(r.Context(), req.caller, r.PathValue("id"), hub.OrgChange{Disabled: &disabled})
		s.adminChanged(w, r, req, err, "orgs", "org-changed")
	}
}

func (s *server) deleteOrg(w http.ResponseWriter, r *http.Request, req *request) {
	if !s.hubAdministers(w, r, req) {
		return
	}
	err := s.Hub.DeleteOrg(r.Context(), req.caller, r.PathValue("id"))
	s.adminChanged(w, r, req, err, "orgs", "org-deleted")
}

func (s *server) changeGroup(w http.ResponseWriter, r *http.Request, req *request) {
	if !s.hubAdministers(w, r, req) {
		return
	}
	members := append(nonEmpty(r.PostForm["member_orgs"]), nonEmpty(r.PostForm["member_groups"])...)
	if members == nil {
		members = []string{} // a group may be emptied
	}
	_, err := s.Hub.ChangeGroup(r.Context(), req.caller, r.PathValue("id"), r.PostFormValue("name"), members)
	s.adminChanged(w, r, req, err, "groups", "group-changed")
}

func (s *server) deleteGroup(w http.ResponseWriter, r *http.Request, req *request) {
	if !s.hubAdministers(w, r, req) {
		return
	}
	err := s.Hub.DeleteGroup(r.Context(), req.caller, r.PathValue("id"))
	s.adminChanged(w, r, req, err, "groups", "group-deleted")
}

// changedUser reads the account named by its public id in the path and
// answers 404 unless the caller may change it (policy.MayChangeAccount): an
// account of another organization is not shown to an organization's
// administrator, as setUserDisabled does.
func (s *server) changedUser(w http.ResponseWriter, r *http.Request, req *request) (store.User, bool) {
	u, err := s.Store.UserByPublicID(r.Context(), r.PathValue("id"))
	if err == nil && !policy.MayChangeAccount(req.viewer, u.ID, u.OrgID, policy.Role(u.Role)) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return u, false
	}
	if err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return u, false
	}
	return u, true
}

func (s *server) setUserRole(w http.ResponseWriter, r *http.Request, req *request) {
	u, ok := s.changedUser(w, r, req)
	if !ok {
		return
	}
	role := r.PostFormValue("role")
	if !policy.MayGiveRole(req.viewer, u.ID, u.OrgID, policy.Role(u.Role), policy.Role(role)) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	_, err := s.Hub.SetUserRole(r.Context(), req.caller, u, role)
	s.adminChanged(w, r, req, err, "users", "role-changed")
}

func (s *server) setUserCapability(give bool) func(http.ResponseWriter, *http.Request, *request) {
	return func(w http.ResponseWriter, r *http.Request, req *request) {
		u, ok := s.changedUser(w, r, req)
		if !ok {
			return
		}
		if !policy.MayGiveCapability(req.viewer, u.OrgID) {
			s.fail(w, r, http.StatusForbidden, "error.forbidden")
			return
		}
		_, err := s.Hub.SetUserCapability(r.Context(), req.caller, u, r.PostFormValue("capability"), give)
		s.adminChanged(w, r, req, err, "users", "capability-changed")
	}
}
