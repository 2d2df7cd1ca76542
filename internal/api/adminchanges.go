package api

import (
	"net/http"

	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// Changes to organizations, groups and users after they are made (issue 18
// point 5), as `renkei org|group|user` and the console's administration page
// make them: the hub's acts (hub/orgchanges.go) log each before it takes
// effect; who may make them is decided in policy (AdministersHub,
// MayChangeAccount, MayGiveRole, MayGiveCapability).

func (s *Server) changeOrg(q *request) error {
	if err := s.requireAdmin(q); err != nil {
		return err
	}
	var in client.OrgChange
	if err := decode(q, &in); err != nil {
		return err
	}
	if in == (client.OrgChange{}) {
		return fail(http.StatusBadRequest, "nothing to change", "give name, sector, disabled, designated or business_type")
	}
	ch := hub.OrgChange{Name: in.Name, Sector: in.Sector, Disabled: in.Disabled}
	if in.Designated != nil || in.BusinessType != nil {
		ch.Designation = &hub.Designation{Designated: in.Designated != nil && *in.Designated}
		if in.BusinessType != nil {
			ch.Designation.BusinessType = *in.BusinessType
		}
	}
	o, err := s.Hub.ChangeOrg(q.r.Context(), q.caller, q.r.PathValue("id"), ch)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusOK, orgOut(o))
	return nil
}

func (s *Server) deleteOrg(q *request) error {
	if err := s.requireAdmin(q); err != nil {
		return err
	}
	if err := s.Hub.DeleteOrg(q.r.Context(), q.caller, q.r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"deleted": q.r.PathValue("id")})
	return nil
}

func (s *Server) changeGroup(q *request) error {
	if err := s.requireAdmin(q); err != nil {
		return err
	}
	var in client.GroupChange
	if err := decode(q, &in); err != nil {
		return err
	}
	var members []string
	if in.Members != nil {
		members = append([]string{}, *in.Members...)
	}
	if in.Name == "" && members == nil {
		return fail(http.StatusBadRequest, "nothing to change", "give name or members")
	}
	g, err := s.Hub.ChangeGroup(q.r.Context(), q.caller, q.r.PathValue("id"), in.Name, members)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusOK, client.Group{ID: g.ID, Name: g.Name, MemberOrgs: g.MemberOrgs, MemberGroups: g.MemberGroups})
	return nil
}

func (s *Server) deleteGroup(q *request) error {
	if err := s.requireAdmin(q); err != nil {
		return err
	}
	if err := s.Hub.DeleteGroup(q.r.Context(), q.caller, q.r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"deleted": q.r.PathValue("id")})
	return nil
}

// changedUser reads the account named by its public id in the path, and
// refuses it unless the caller may change it (policy.MayChangeAccount).
func (s *Server) changedUser(q *request) (store.User, error) {
	u, err := s.Store.UserByPublicID(q.r.Context(), q.r.PathValue("id"))
	if err != nil {
		return u, err
	}
	if !policy.MayChangeAccount(q.viewer, u.ID, u.OrgID, policy.Role(u.Role)) {
		return u, fail(http.StatusForbidden, "forbidden", "you may not change the account %s", u.PublicID)
	}
	return u, nil
}

func (s *Server) setUserRole(q *request) error {
	var in client.RoleChange
	if err := decode(q, &in); err != nil {
		return err
	}
	u, err := s.changedUser(q)
	if err != nil {
		return err
	}
	if !policy.MayGiveRole(q.viewer, u.ID, u.OrgID, policy.Role(u.Role), policy.Role(in.Role)) {
		return fail(http.StatusForbidden, "forbidden", "you may not give the %s role", in.Role)
	}
	if u, err = s.Hub.SetUserRole(q.r.Context(), q.caller, u, in.Role); err != nil {
		return err
	}
	writeJSON(q.w, http.StatusOK, userOut(u))
	return nil
}

func (s *Server) setUserDisabled(disabled bool) handler {
	return func(q *request) error {
		u, err := s.changedUser(q)
		if err != nil {
			return err
		}
		if err := s.Hub.SetUserDisabled(q.r.Context(), q.caller, u, disabled); err != nil {
			return err
		}
		u.Disabled = disabled
		writeJSON(q.w, http.StatusOK, userOut(u))
		return nil
	}
}

func (s *Server) setUserCapability(give bool) handler {
	return func(q *request) error {
		u, err := s.changedUser(q)
		if err != nil {
			return err
		}
		if !policy.MayGiveCapability(q.viewer, u.OrgID) {
			return fail(http.StatusForbidden, "forbidden", "you may not change the capabilities of %s", u.PublicID)
		}
		if u, err = s.Hub.SetUserCapability(q.r.Context(), q.caller, u, q.r.PathValue("capability"), give); err != nil {
			return err
		}
		writeJSON(q.w, http.StatusOK, userOut(u))
		return nil
	}
}
