package policy

import (
	"fmt"
	"slices"
	"strings"
)

// Capabilities: a right an organization administrator gives one user of
// its organization beyond what the user's role grants, without making the
// user an administrator (issue 18). A small member (a town hall, a clinic)
// often has one administrator and a few people who keep the register of
// connection points; they are given that right alone. Each capability adds
// rows to the role matrix (CapabilityGrants), which grants() reads as it
// reads Matrix, so the decisions and the listing filters hold it alike, and
// docs/access.md renders them beside the matrix.

// Capability is a right given to one user.
type Capability string

// The capabilities.
const (
	// CapRegisterAssets: register, confirm and remove the organization's
	// connection points and SBOMs (vulnerability relevance).
	CapRegisterAssets Capability = "register-assets"
)

// Capabilities lists every capability.
var Capabilities = []Capability{CapRegisterAssets}

// CapabilityGrant is a row of the role matrix that a capability adds for
// the user holding it, in the roles it may be given to.
type CapabilityGrant struct {
	Cap   Capability
	Roles []Role // the roles that may be given it
	Grant
}

// CapabilityGrants are the rows each capability adds.
var CapabilityGrants = []CapabilityGrant{
	{CapRegisterAssets, []Role{RoleViewer},
		Grant{KindAsset, SeatMember, nil, RelOwn, ReadWrite, "register, confirm and remove its own connection points and SBOMs, given by its organization administrator"}},
	{CapRegisterAssets, []Role{RoleViewer},
		Grant{KindAsset, SeatCenter, nil, RelOwn, ReadWrite, "register, confirm and remove its own connection points and SBOMs, given by its organization administrator"}},
}

// ParseCapability checks s is a capability.
func ParseCapability(s string) (Capability, error) {
	if slices.Contains(Capabilities, Capability(s)) {
		return Capability(s), nil
	}
	names := make([]string, len(Capabilities))
	for i, c := range Capabilities {
		names[i] = string(c)
	}
	return "", fmt.Errorf("unknown capability %q (want one of %s)", s, strings.Join(names, ", "))
}

// CapabilityFits reports whether capability c may be given to a user of
// role r: only to the roles its grants name (an administrator has the
// right already; an overseer or a handler has no part in it).
func CapabilityFits(c Capability, r Role) bool {
	for _, g := range CapabilityGrants {
		if g.Cap == c && slices.Contains(g.Roles, r) {
			return true
		}
	}
	return false
}

// MayGiveCapability reports whether v may give or take back a capability
// of a user of organization org: the organization's administrator, or the
// hub administrator. Whether the capability fits the user's role is
// CapabilityFits.
func MayGiveCapability(v Viewer, org string) bool {
	return !v.ReadOnly && (AdministersHub(v) || AdministersOrg(v) && v.OrgID == org)
}

// WithCapabilities returns the person v holding the capabilities caps (as
// the store keeps them on the user). auth.Caller.Viewer calls it.
func (v Viewer) WithCapabilities(caps []string) Viewer {
	if v.Anonymous() {
		return v
	}
	v.Caps = nil
	for _, c := range caps {
		if slices.Contains(Capabilities, Capability(c)) {
			v.Caps = append(v.Caps, Capability(c))
		}
	}
	return v
}

// capabilityGrants returns what v's capabilities add to its access to
// records of kind k that stand in relations rel to its organization.
func capabilityGrants(v Viewer, k Kind, rel Relation) Access {
	var a Access
	seat := SeatOf(v)
	for _, g := range CapabilityGrants {
		if !slices.Contains(v.Caps, g.Cap) || !slices.Contains(g.Roles, v.Role) || g.Kind != k || g.Seat != seat {
			continue
		}
		if g.Rel == RelAny || g.Rel&rel != 0 {
			a |= g.Access
		}
	}
	return a
}
