package hub

import (
	"context"
	"fmt"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
)

// A store made before roles were tied to kinds of organization (issue 21)
// may hold accounts with a role their organization may not hold: an overseer
// outside the committee's organization, a handler or an administrator
// outside the center, or an account of the committee's organization with a
// role other than overseer. The policy already gives them nothing; so that
// the store says what the policy does, the server demotes them when it
// starts, each change logged first.

// MisplacedRoleTo is the role a misplaced account is demoted to; in the
// committee's organization, which holds overseers only, the account is
// disabled instead.
const MisplacedRoleTo = policy.RoleViewer

// Demotion is one account demoted because its role did not fit its organization.
type Demotion struct {
	Login, Org, From, To string
	Disabled             bool
	Why                  string
}

// DemoteMisplacedRoles demotes every account whose role its organization's
// kind may not hold (policy.RoleFitsOrg): to MisplacedRoleTo, or disabled in
// the committee's organization. Each change is recorded in the audit log
// (role.change, by "renkei-startup", with the old role and why) before it is
// stored; if the log refuses, nothing more is changed and the error says so.
func (h *Hub) DemoteMisplacedRoles(ctx context.Context) ([]Demotion, error) {
	orgs, err := h.DB.Orgs(ctx)
	if err != nil {
		return nil, fmt.Errorf("demote misplaced roles: %w", err)
	}
	system := auth.System("renkei-startup", h.Center())
	var out []Demotion
	for _, o := range orgs {
		us, err := h.DB.Users(ctx, o.ID)
		if err != nil {
			return out, fmt.Errorf("demote misplaced roles: users of %s: %w", o.Name, err)
		}
		for _, u := range us {
			why := policy.RoleFitsOrg(policy.Role(u.Role), o.Kind)
			if why == nil {
				continue
			}
			d := Demotion{Login: u.Login, Org: o.Name, From: u.Role, To: string(MisplacedRoleTo), Why: why.Error()}
			if policy.RoleFitsOrg(MisplacedRoleTo, o.Kind) != nil {
				d.To, d.Disabled = u.Role, true
			}
			if u.Disabled && d.Disabled {
				continue // already retired: nothing to change
			}
			detail := map[string]string{"from": d.From, "to": d.To, "org": o.ID, "why": d.Why}
			if d.Disabled {
				detail["disabled"] = "true"
			}
			if _, err := h.Record(ctx, system, audit.ActionRoleChange, "user:"+u.Login, detail); err != nil {
				return out, fmt.Errorf("demote %s (%s in %s): %w", u.Login, u.Role, o.Name, err)
			}
			u.Role, u.Disabled = d.To, u.Disabled || d.Disabled
			if err := h.DB.UpdateUser(ctx, u); err != nil {
				return out, fmt.Errorf("demote %s: %w", u.Login, err)
			}
			h.Log.Warn("role does not fit the organization: demoted", "login", u.Login, "org", o.Name, "from", d.From, "to", d.To, "disabled", d.Disabled, "why", d.Why)
			out = append(out, d)
		}
	}
	return out, nil
}
