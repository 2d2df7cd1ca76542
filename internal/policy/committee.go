package policy

import (
	"fmt"
	"renkei/internal/problem"
)

// The oversight committee's independence from the hub's operator (issue 21).
// The committee has its own organization; its members hold the overseer role
// there and nowhere else; the operator's administrators neither make nor
// manage their accounts alone; and nobody related to a request decides it.

// OrgKindCommittee is the kind of the oversight committee's own organization
// (サイバー通信情報監理委員会). A hub has at most one.
const OrgKindCommittee = "oversight-committee"

// OperatorManages reports whether the hub's administrators (and the command
// line on the server) may manage an account of role target: its tokens and
// whether it is enabled. Overseer accounts are the committee's own.
func OperatorManages(target Role) bool { return target != RoleOverseer }

// DecidesApprovals reports whether a role takes the committee's decisions:
// approving, denying and revoking approvals, and confirming new members.
func DecidesApprovals(r Role) bool { return r == RoleOverseer }

// Party is an account as the conflict-of-interest rule sees it.
type Party struct {
	Login     string
	OrgID     string
	CreatedBy string // the login that created the account
}

// ErrConflict is returned when the decider is related to what is decided.
var ErrConflict = problem.Kind(problem.ErrForbidden, "", "conflict of interest")

// Unrelated refuses a decision on a request when the decider is the
// requester, belongs to the requester's organization, or is an account the
// requester created.
func Unrelated(decider, requester Party) error {
	switch {
	case decider.Login == requester.Login:
		return fmt.Errorf("%w: %s filed this request and cannot decide it", ErrConflict, decider.Login)
	case decider.OrgID == requester.OrgID:
		return fmt.Errorf("%w: %s belongs to the requester's organization", ErrConflict, decider.Login)
	case requester.Login != "" && decider.CreatedBy == requester.Login:
		return fmt.Errorf("%w: %s's account was created by the requester %s", ErrConflict, decider.Login, requester.Login)
	}
	return nil
}

// SeesPictureContent reports whether v sees the content of the common
// operating picture (advisory and correction-request titles) beside its
// figures. Overseers see figures only.
func SeesPictureContent(v Viewer) bool { return !v.Anonymous() && v.Role != RoleOverseer }

// SeesWholePicture reports whether v sees the operating picture across every
// member: the center's users, and overseers (figures only).
func SeesWholePicture(v Viewer) bool { return !v.Anonymous() && (v.IsCenter || v.Role == RoleOverseer) }
