package policy

// Which roles may be held in which kind of organization, who may grant them,
// and who may read communications information (the flow records kept from
// telemetry sources). The law gives communications information to the
// national center's designated handlers only, always for a stated purpose
// and only while the approval their source rests on is in force; these are
// the only functions that say so, and every route that grants a role or
// serves records asks them.

import (
	"fmt"
	"renkei/internal/problem"
	"slices"
	"strings"
	"unicode"
)

// Kinds of organization the rules below name. The other kinds (operators,
// local governments, vendors…) hold no role restricted here.
// OrgKindCommittee, the oversight committee's own organization, is in committee.go.
const OrgKindCenter = "center"

// roleOrgKinds lists, for each restricted role, the kinds of organization
// whose users may hold it. A role not listed may be held in any organization.
var roleOrgKinds = map[Role][]string{
	RoleAdmin:   {OrgKindCenter}, // the hub administrator works for the center
	RoleHandler: {OrgKindCenter}, // the law's designated handlers are the center's staff
	// The committee is independent of the center; its overseers belong to its
	// own organization, which holds nothing else (see RoleFitsOrg).
	RoleOverseer: {OrgKindCommittee},
}

// ErrRoleNotInOrgKind is returned when a role is granted to a user of an
// organization whose kind may not hold it.
var ErrRoleNotInOrgKind = problem.Kind(problem.ErrForbidden, "role not held in this organization", "role not held in this kind of organization")

// RoleFitsOrg reports, as an error wrapping ErrRoleNotInOrgKind, whether a
// user of an organization of kind orgKind may hold role r. The committee's
// organization holds overseer accounts only.
func RoleFitsOrg(r Role, orgKind string) error {
	if orgKind == OrgKindCommittee && r != RoleOverseer {
		return fmt.Errorf("%w: the oversight committee's organization holds overseer accounts only, not %s", ErrRoleNotInOrgKind, r)
	}
	kinds, restricted := roleOrgKinds[r]
	if !restricted || slices.Contains(kinds, orgKind) {
		return nil
	}
	return fmt.Errorf("%w: the %s role is held only by users of the %s organization, not of a %s organization",
		ErrRoleNotInOrgKind, r, strings.Join(kinds, " or "), orgKind)
}

// MayGrant reports whether a user with role granter may give role r to
// someone: an organization administrator gives its own organization's
// ordinary roles; the roles of the center and of the committee (admin,
// handler, overseer) are given by the hub administrator only.
func MayGrant(granter, r Role) bool {
	switch granter {
	case RoleAdmin:
		return true
	case RoleOrgAdmin:
		_, restricted := roleOrgKinds[r]
		return !restricted
	}
	return false
}

// ReadsRecords reports whether v is one of the center's designated handlers,
// the only people who may read communications information. A handler of any
// other organization — a grant that RoleFitsOrg refuses, but that a store
// may still hold — reads nothing.
func ReadsRecords(v Viewer) bool {
	return !v.Anonymous() && v.IsCenter && v.Role == RoleHandler
}

// RecordsRead is what the policy needs to know of one read of a source's
// records: whether the approval the source rests on is in force now, the
// purposes that approval names (if any), and the purpose the handler states.
type RecordsRead struct {
	ApprovalInForce bool
	// ApprovalPurposes are the purposes the approval allows; when it names
	// none, any purpose stated in full is accepted.
	ApprovalPurposes []string
	Purpose          string
}

// MinPurposeLen is the fewest characters (letters, digits, signs; spaces not
// counted) a stated purpose has: "x", "test" or "check" say nothing an
// overseer could hold a handler to.
const MinPurposeLen = 10

// Reasons a read of communications information is refused.
var (
	ErrNotDesignatedHandler = problem.Kind(problem.ErrForbidden, "", "only the center's designated handlers may read communications information, for a stated purpose")
	ErrApprovalNotInForce   = problem.Kind(problem.ErrForbidden, "approval not in force", "the approval this source rests on is not in force: its records may not be read")
	ErrPurposeMissing       = problem.Kind(problem.ErrInvalid, "invalid purpose", "state the purpose of this access")
	ErrPurposeTooShort      = problem.Kind(problem.ErrInvalid, "invalid purpose", fmt.Sprintf("state the purpose in full: at least %d characters, with words", MinPurposeLen))
	ErrPurposeNotApproved   = problem.Kind(problem.ErrInvalid, "invalid purpose", "the purpose is not one the source's approval allows")
)

// MayReadRecords decides whether v may read a source's records now, for the
// stated purpose. It returns nil, or one of the errors above (the purpose
// error wrapped with the purposes the approval allows). Every route that
// serves records — the API, the console, the CLI through the API — asks it.
func MayReadRecords(v Viewer, r RecordsRead) error {
	if !ReadsRecords(v) {
		return ErrNotDesignatedHandler
	}
	if !r.ApprovalInForce {
		return ErrApprovalNotInForce
	}
	return CheckPurpose(r.Purpose, r.ApprovalPurposes)
}

// CheckPurpose says whether purpose is a real statement: at least
// MinPurposeLen characters other than spaces, with letters in it, and, when
// the approval lists purposes, one of them (compared without regard to case
// or runs of spaces).
func CheckPurpose(purpose string, allowed []string) error {
	p := NormPurpose(purpose)
	if p == "" {
		return ErrPurposeMissing
	}
	n, letters := 0, 0
	for _, c := range p {
		if !unicode.IsSpace(c) {
			n++
		}
		if unicode.IsLetter(c) {
			letters++
		}
	}
	if n < MinPurposeLen || letters == 0 {
		return ErrPurposeTooShort
	}
	if len(allowed) == 0 {
		return nil
	}
	for _, a := range allowed {
		if strings.EqualFold(NormPurpose(a), p) {
			return nil
		}
	}
	return fmt.Errorf("%w (allowed: %s)", ErrPurposeNotApproved, strings.Join(allowed, "; "))
}

// NormPurpose trims a purpose and folds runs of spaces into one.
func NormPurpose(s string) string { return strings.Join(strings.Fields(s), " ") }
