package policy

// Sign-in (issue 18 point 9): who configures single sign-on and client
// certificates, which roles an identity provider's claims may give, and
// which roles must give a passkey as the second factor before the console
// shows them anything.

import (
	"fmt"

	"renkei/internal/problem"
)

// MayConfigureSignIn reports whether v may add, change or remove identity
// providers and their claim mappings, and register or revoke the client
// certificates of machine clients: the hub administrator only (the
// center configures how every organization signs in).
func MayConfigureSignIn(v Viewer) bool { return AdministersHub(v) && !v.ReadOnly }

// ErrRoleNotMappable refuses a claim mapping to a role that single sign-on
// may not give.
var ErrRoleNotMappable = problem.Kind(problem.ErrForbidden, "role not given by single sign-on", "role not given by single sign-on")

// MayMapRole reports, as an error, whether a claim mapping may give role r
// to users of an organization of kind orgKind: the role must fit the
// organization (RoleFitsOrg), and never overseer, since the committee
// confirms its own members (committee.go) and no identity provider of the
// center may make one.
func MayMapRole(r Role, orgKind string) error {
	if r == RoleOverseer {
		return fmt.Errorf("%w: overseer accounts are confirmed by the committee, not made by an identity provider", ErrRoleNotMappable)
	}
	return RoleFitsOrg(r, orgKind)
}

// NeedsPasskey reports whether a person of role r must give a passkey as
// the second factor in every console session: the hub administrator, an
// organization's administrator, the center's designated handlers and the
// committee's overseers. Until they do, and until they have registered one,
// the console shows them only the passkey page.
func NeedsPasskey(r Role) bool {
	switch r {
	case RoleAdmin, RoleOrgAdmin, RoleHandler, RoleOverseer:
		return true
	}
	return false
}

// MayLinkAccount reports whether a provider's user whom a mapping gives
// role mapped may sign in as an existing account holding role account (of
// the mapping's organization): only when they are the same role, so that a
// mapping for analysts never opens an administrator's account.
func MayLinkAccount(account, mapped Role) bool { return account == mapped }
