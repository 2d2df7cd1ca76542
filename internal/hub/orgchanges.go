package hub

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/designation"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Changes to organizations, groups and users after they are made (issue
// 18), through every door, each logged before it takes effect as the acts
// in acts.go are. Who may make them is for the door to ask the policy
// (AdministersHub for organizations and groups; AdministersUser and
// MayGiveCapability for users).
//
// Deletion is safe: an organization is deleted only while nothing names it
// — no user, object, report, case, register entry, alert or setting — that
// is, when it was added by mistake; otherwise it is disabled, which stops
// its users' logins and tokens at once and keeps everything it did under
// its name. A group is deleted only while no object or hunting scope is
// addressed to it, since deleting it would change who reads what.

// OrgChange is what to change of an organization; nil fields stay.
type OrgChange struct {
	Name, Sector *string
	Disabled     *bool
	Designation  *Designation
}

// Designation is an organization's legal designation: whether it is a
// designated operator (特別社会基盤事業者) and its business type, a key of
// the maintained list (package designation), which names its designating
// ministry. A designated operator needs a business type.
type Designation struct {
	Designated   bool   `json:"designated"`
	BusinessType string `json:"business_type,omitempty"`
}

// ErrOrgHolds refuses to delete an organization that something names.
var ErrOrgHolds = problem.Kind(problem.ErrConflict, "organization in use", "the organization has users or records: disable it instead")

// ChangeOrg renames an organization, changes its sector, or disables or
// re-enables it (logged as org.change). The center and the committee are
// never disabled.
func (h *Hub) ChangeOrg(ctx context.Context, c auth.Caller, org string, ch OrgChange) (store.Org, error) {
	o, err := h.DB.Org(ctx, org)
	if err != nil {
		return o, err
	}
	detail := map[string]string{"via": c.Via(), "org": o.ID}
	if ch.Name != nil {
		name := strings.TrimSpace(*ch.Name)
		if name == "" {
			return o, problem.Wrap(problem.ErrInvalid, "invalid organization", errors.New("an organization needs a name"))
		}
		if other, err := h.DB.Org(ctx, name); err == nil && other.ID != o.ID {
			return o, problem.Wrap(problem.ErrInvalid, "invalid organization", fmt.Errorf("an organization named %q already exists", name))
		}
		detail["name"], detail["old_name"] = name, o.Name
		o.Name = name
	}
	if ch.Sector != nil {
		detail["sector"], detail["old_sector"] = store.SectorKey(*ch.Sector), o.Sector
		o.Sector = *ch.Sector
	}
	if d := ch.Designation; d != nil {
		bt, ok := designation.Default().BusinessTypes.Find(d.BusinessType)
		switch {
		case d.BusinessType != "" && !ok:
			return o, problem.Wrap(problem.ErrInvalid, "invalid organization", fmt.Errorf("business type %q is not one of %s", d.BusinessType,
				strings.Join(designation.Default().BusinessTypes.Keys(), ", ")))
		case d.Designated && d.BusinessType == "":
			return o, problem.Wrap(problem.ErrInvalid, "invalid organization", errors.New("a designated operator needs its business type"))
		case d.Designated && (o.IsCenter() || o.IsCommittee()):
			return o, problem.Wrap(problem.ErrInvalid, "invalid organization", fmt.Errorf("%s is the hub's %s organization and is never a designated operator", o.Name, o.Kind))
		}
		detail["designated"], detail["business_type"], detail["ministry"] = strconv.FormatBool(d.Designated), bt.Key, bt.Ministry
		detail["old_designated"], detail["old_business_type"] = strconv.FormatBool(o.Designated), o.BusinessType
		o.Designated, o.BusinessType, o.Ministry = d.Designated, bt.Key, bt.Ministry
	}
	if ch.Disabled != nil {
		if *ch.Disabled && (o.IsCenter() || o.IsCommittee()) {
			return o, problem.Wrap(problem.ErrInvalid, "invalid organization", fmt.Errorf("%s is the hub's %s organization and is never disabled", o.Name, o.Kind))
		}
		detail["disabled"] = strconv.FormatBool(*ch.Disabled)
		o.Disabled = *ch.Disabled
	}
	if _, err := h.Record(ctx, c, audit.ActionOrgChange, "org:"+o.ID, detail); err != nil {
		return o, err
	}
	if err := h.DB.UpdateOrg(ctx, o); err != nil {
		return o, err
	}
	h.Auth.Forget()
	return h.DB.Org(ctx, o.ID)
}

// DeleteOrg deletes an organization that nothing names (logged as
// org.delete); one that holds users or records is refused with
// ErrOrgHolds, saying what it holds.
func (h *Hub) DeleteOrg(ctx context.Context, c auth.Caller, org string) error {
	o, err := h.DB.Org(ctx, org)
	if err != nil {
		return err
	}
	if o.IsCenter() || o.IsCommittee() {
		return fmt.Errorf("%w: %s is the hub's %s organization", ErrOrgHolds, o.Name, o.Kind)
	}
	holds, err := h.DB.OrgHoldings(ctx, o.ID)
	if err != nil {
		return err
	}
	if len(holds) > 0 {
		var what []string
		for _, t := range slices.Sorted(maps.Keys(holds)) {
			what = append(what, fmt.Sprintf("%s %d", t, holds[t]))
		}
		return fmt.Errorf("%w: %s holds %s", ErrOrgHolds, o.Name, strings.Join(what, ", "))
	}
	if _, err := h.Record(ctx, c, audit.ActionOrgDelete, "org:"+o.ID, map[string]string{"via": c.Via(), "name": o.Name, "kind": o.Kind}); err != nil {
		return err
	}
	return h.DB.DeleteOrg(ctx, o.ID)
}

// ErrGroupAddressed refuses to delete a group that objects or hunting
// scopes are addressed to.
var ErrGroupAddressed = problem.Kind(problem.ErrConflict, "group in use", "objects or hunting packages are addressed to the group")

// ChangeGroup renames a group (name not empty) and, when members is not
// nil, replaces its members (logged as group.change).
func (h *Hub) ChangeGroup(ctx context.Context, c auth.Caller, group, name string, members []string) (store.Group, error) {
	g, err := h.DB.Group(ctx, group)
	if err != nil {
		return g, err
	}
	detail := map[string]string{"via": c.Via(), "group": g.ID}
	if name = strings.TrimSpace(name); name != "" && name != g.Name {
		if other, err := h.DB.Group(ctx, name); err == nil && other.ID != g.ID {
			return g, problem.Wrap(problem.ErrInvalid, "invalid group", fmt.Errorf("a group named %q already exists", name))
		}
		detail["name"], detail["old_name"] = name, g.Name
	}
	var next store.Group
	if members != nil {
		if next, err = newGroup(ctx, h.DB, g.Name, members, h.Now()); err != nil {
			return g, problem.Wrap(problem.ErrInvalid, "invalid group", err)
		}
		next.ID = g.ID
		detail["member_orgs"], detail["member_groups"] = strings.Join(next.MemberOrgs, ","), strings.Join(next.MemberGroups, ",")
	}
	if _, err := h.Record(ctx, c, audit.ActionGroupChange, "group:"+g.ID, detail); err != nil {
		return g, err
	}
	if detail["name"] != "" {
		if err := h.DB.RenameGroup(ctx, g.ID, detail["name"]); err != nil {
			return g, err
		}
	}
	if members != nil {
		if err := h.DB.SetGroupMembers(ctx, next); err != nil {
			return g, err
		}
	}
	return h.DB.Group(ctx, g.ID)
}

// DeleteGroup deletes a group that nothing is addressed to (logged as
// group.delete).
func (h *Hub) DeleteGroup(ctx context.Context, c auth.Caller, group string) error {
	g, err := h.DB.Group(ctx, group)
	if err != nil {
		return err
	}
	n, err := h.DB.GroupAddressed(ctx, g)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: %d objects or hunting scopes are addressed to %s; change its members instead", ErrGroupAddressed, n, g.Name)
	}
	if _, err := h.Record(ctx, c, audit.ActionGroupDelete, "group:"+g.ID, map[string]string{"via": c.Via(), "name": g.Name}); err != nil {
		return err
	}
	return h.DB.DeleteGroup(ctx, g.ID)
}

// SetUserRole gives a user another role (logged as role.change, change
// "role"). The role must fit the user's organization (RoleFitsOrg); the
// capabilities that do not fit the new role are taken back with it.
func (h *Hub) SetUserRole(ctx context.Context, c auth.Caller, u store.User, role string) (store.User, error) {
	r, _, err := checkRoleGrant(ctx, h.DB, u.OrgID, role)
	if err != nil {
		return u, problem.Wrap(problem.ErrInvalid, "invalid user", err)
	}
	if !policy.OperatorManages(r) || !policy.OperatorManages(policy.Role(u.Role)) {
		return u, problem.Wrap(problem.ErrInvalid, "invalid user", errors.New("overseer accounts are made and retired by the committee (renkei committee), not given another role"))
	}
	if _, err := h.Record(ctx, c, audit.ActionRoleChange, "user:"+u.Login, map[string]string{"via": c.Via(), "change": "role", "role": string(r), "old_role": u.Role, "org": u.OrgID}); err != nil {
		return u, err
	}
	u.Role = string(r)
	u.Capabilities = slices.DeleteFunc(u.Capabilities, func(cp string) bool { return !policy.CapabilityFits(policy.Capability(cp), r) })
	if err := h.DB.UpdateUser(ctx, u); err != nil {
		return u, err
	}
	h.Auth.Forget()
	return u, nil
}

// SetUserCapability gives a user a capability, or takes it back (logged as
// role.change, change "capability-give" or "capability-take"). It must fit
// the user's role (policy.CapabilityFits).
func (h *Hub) SetUserCapability(ctx context.Context, c auth.Caller, u store.User, capability string, give bool) (store.User, error) {
	cp, err := policy.ParseCapability(capability)
	if err != nil {
		return u, problem.Wrap(problem.ErrInvalid, "invalid user", err)
	}
	if give && !policy.CapabilityFits(cp, policy.Role(u.Role)) {
		return u, problem.Wrap(problem.ErrInvalid, "invalid user", fmt.Errorf("the %s capability is not given to a user with the %s role", cp, u.Role))
	}
	change := "capability-take"
	if give {
		change = "capability-give"
	}
	if _, err := h.Record(ctx, c, audit.ActionRoleChange, "user:"+u.Login, map[string]string{"via": c.Via(), "change": change, "capability": string(cp), "role": u.Role, "org": u.OrgID}); err != nil {
		return u, err
	}
	u.Capabilities = slices.DeleteFunc(u.Capabilities, func(x string) bool { return x == string(cp) })
	if give {
		u.Capabilities = append(u.Capabilities, string(cp))
	}
	if err := h.DB.UpdateUser(ctx, u); err != nil {
		return u, err
	}
	h.Auth.Forget()
	return u, nil
}
