package hub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// The oversight committee's accounts (issue 21). The committee is independent
// of the hub's operator: its members hold the overseer role in the
// committee's own organization only; an account the operator creates for a
// member stays pending until a member of the committee confirms it, and the
// confirming member, not the operator, receives its first password. The very
// first member of a hub is created by BootstrapCommittee, a command run on
// the server that is possible only while the committee has no active member.

// ErrCommitteeHasMembers is returned by BootstrapCommittee once the
// committee has an active member: from then on, members confirm new members.
var ErrCommitteeHasMembers = errors.New("the oversight committee has active members already; they confirm new members (renkei committee confirm)")

// CommitteeMembers returns the accounts of the committee's organization,
// pending ones included.
func CommitteeMembers(ctx context.Context, db *store.DB) (store.Org, []store.User, error) {
	o, err := db.CommitteeOrg(ctx)
	if err != nil {
		return o, nil, err
	}
	us, err := db.Users(ctx, o.ID)
	return o, us, err
}

// BootstrapCommittee creates the committee's organization (named orgName)
// when the hub has none, and its first member, active, with a random password
// that it returns to be shown once. It refuses when the committee already has
// an active member. by is who ran it ("cli:" and the local account); the
// caller records the act in the audit log before calling.
func BootstrapCommittee(ctx context.Context, db *store.DB, orgName, login, by string, now time.Time) (store.User, string, error) {
	o, members, err := CommitteeMembers(ctx, db)
	if errors.Is(err, store.ErrNotFound) {
		if o, err = AddOrg(ctx, db, orgName, policy.OrgKindCommittee, "", now); err != nil {
			return store.User{}, "", err
		}
	} else if err != nil {
		return store.User{}, "", err
	}
	for _, m := range members {
		if !m.Pending && !m.Disabled {
			return store.User{}, "", ErrCommitteeHasMembers
		}
	}
	u, err := CreateUser(ctx, db, NewUser{Login: login, Org: o.ID, Role: string(policy.RoleOverseer), CreatedBy: by}, now)
	if err != nil {
		return u, "", err
	}
	password, hash, err := firstPassword()
	if err != nil {
		return u, "", err
	}
	if err := db.ConfirmUser(ctx, u.ID, "bootstrap:"+by, hash); err != nil {
		return u, "", err
	}
	u.Pending, u.ConfirmedBy, u.PasswordHash = false, "bootstrap:"+by, hash
	return u, password, nil
}

// ConfirmOverseer is a committee member's confirmation of a pending member
// account of the committee: recorded in the audit log (committee.confirm)
// first, then the account is activated with a random first password, which is
// returned to be shown once to the confirming member, who hands it over. The
// confirming member must be an active member of the same committee and must
// not be the account's creator.
func (h *Hub) ConfirmOverseer(ctx context.Context, c auth.Caller, login string) (store.User, string, error) {
	if !policy.DecidesApprovals(policy.Role(c.User.Role)) || !c.Org.IsCommittee() || c.User.Pending {
		return store.User{}, "", fmt.Errorf("%w: only members of the oversight committee confirm its members", ErrForbidden)
	}
	u, err := h.DB.UserByLogin(ctx, strings.TrimSpace(login))
	if err != nil {
		return u, "", err
	}
	switch {
	case u.OrgID != c.Org.ID || policy.Role(u.Role) != policy.RoleOverseer:
		return u, "", fmt.Errorf("%w: %s is not an account of the committee", ErrForbidden, u.Login)
	case !u.Pending:
		return u, "", problem.Newf(problem.ErrConflict, "%s is confirmed already", u.Login)
	case u.CreatedBy == c.User.Login:
		return u, "", fmt.Errorf("%w: %s created this account and cannot confirm it", policy.ErrConflict, c.User.Login)
	}
	password, hash, err := firstPassword()
	if err != nil {
		return u, "", err
	}
	if _, err := h.Record(ctx, c, audit.ActionCommitteeConfirm, "user:"+u.Login,
		map[string]string{"created_by": u.CreatedBy, "org": u.OrgID}); err != nil {
		return u, "", err
	}
	if err := h.DB.ConfirmUser(ctx, u.ID, c.User.Login, hash); err != nil {
		return u, "", err
	}
	h.Log.Info("committee: member confirmed", "login", u.Login, "by", c.User.Login, "created_by", u.CreatedBy)
	u.Pending, u.ConfirmedBy, u.PasswordHash = false, c.User.Login, hash
	return u, password, nil
}

// firstPassword is a random password for a new member, and its hash.
func firstPassword() (password, hash string, err error) {
	secret, _ := auth.NewSecret()
	password = strings.TrimPrefix(secret, "rk_")[:24]
	hash, err = auth.HashPassword(password)
	return password, hash, err
}

// ErrLastMember is returned when retiring an account would leave the
// committee without an active member: the operator could then bootstrap a
// committee of its choosing.
var ErrLastMember = problem.Kind(problem.ErrConflict, "", "the committee would have no active member left; confirm a new member first")

// RetireOverseer is a committee member's act towards retiring a member's
// account, with reasons. Retiring a member takes two members of the
// committee, as making one does:
//
//   - the first act proposes it: recorded in the audit log
//     (committee.retire.propose, with the reasons) first, then the proposal
//     is kept on the account, which stays active;
//   - a different active member confirms it: recorded (committee.retire, with
//     the reasons of both) first, then the account is disabled — it can no
//     longer log in, and its tokens no longer work. Nobody related to the
//     proposal confirms: not its proposer, not the account retired, not an
//     account the proposer created.
//
// An account still pending (not yet confirmed, so not yet a member) is
// retired by one member's act, logged as committee.retire: a committee of one
// can refuse an account the operator made. Only active members of the
// committee act, only on accounts of the committee, and never to retire the
// last active member. The operator has no part in it. The returned account
// is disabled when it is retired, and carries the proposal otherwise.
func (h *Hub) RetireOverseer(ctx context.Context, c auth.Caller, login, reason string) (store.User, error) {
	if !policy.DecidesApprovals(policy.Role(c.User.Role)) || !c.Org.IsCommittee() || c.User.Pending || c.User.Disabled {
		return store.User{}, fmt.Errorf("%w: only members of the oversight committee retire its members", ErrForbidden)
	}
	if strings.TrimSpace(reason) == "" {
		return store.User{}, problem.Problems{{Field: "reason", Code: "reason.required", Msg: "reason: give the reasons for the retirement"}}
	}
	_, members, err := CommitteeMembers(ctx, h.DB)
	if err != nil {
		return store.User{}, err
	}
	var u store.User
	active := 0
	for _, m := range members {
		if m.Login == strings.TrimSpace(login) {
			u = m
		}
		if !m.Pending && !m.Disabled {
			active++
		}
	}
	switch {
	case u.ID == 0 || policy.Role(u.Role) != policy.RoleOverseer:
		return u, fmt.Errorf("%w: %s is not an account of the committee", ErrForbidden, login)
	case u.Disabled:
		return u, problem.Newf(problem.ErrConflict, "%s is retired already", u.Login)
	case !u.Pending && active <= 1:
		return u, ErrLastMember
	case !u.Pending && u.RetireProposedBy == "":
		return h.proposeRetirement(ctx, c, u, reason)
	case u.RetireProposedBy == c.User.Login:
		return u, fmt.Errorf("%w: %s proposed this retirement; another member of the committee confirms it", policy.ErrConflict, c.User.Login)
	case !u.Pending && u.Login == c.User.Login:
		return u, fmt.Errorf("%w: %s cannot confirm their own retirement; another member of the committee confirms it", policy.ErrConflict, c.User.Login)
	case !u.Pending && c.User.CreatedBy == u.RetireProposedBy:
		return u, fmt.Errorf("%w: %s created %s's account and cannot confirm their proposal", policy.ErrConflict, u.RetireProposedBy, c.User.Login)
	}
	detail := map[string]string{"reason": reason, "org": u.OrgID, "was": map[bool]string{true: "pending", false: "active"}[u.Pending]}
	if !u.Pending {
		detail["proposed_by"], detail["proposed_reason"] = u.RetireProposedBy, u.RetireReason
	}
	if _, err := h.Record(ctx, c, audit.ActionCommitteeRetire, "user:"+u.Login, detail); err != nil {
		return u, err
	}
	if u.Pending {
		u.Disabled = true
		err = h.DB.UpdateUser(ctx, u)
	} else {
		err = h.DB.RetireUser(ctx, u.ID, u.RetireProposedBy)
	}
	if err != nil {
		return u, fmt.Errorf("retire %s: %w", u.Login, err)
	}
	u.Disabled = true
	h.Log.Info("committee: member retired", "login", u.Login, "by", c.User.Login, "proposed_by", u.RetireProposedBy)
	return u, nil
}

// proposeRetirement records the first member's proposal to retire u, logged
// first (committee.retire.propose).
func (h *Hub) proposeRetirement(ctx context.Context, c auth.Caller, u store.User, reason string) (store.User, error) {
	if _, err := h.Record(ctx, c, audit.ActionCommitteeRetirePropose, "user:"+u.Login,
		map[string]string{"reason": reason, "org": u.OrgID}); err != nil {
		return u, err
	}
	now := h.now()
	if err := h.DB.ProposeRetirement(ctx, u.ID, c.User.Login, reason, now); err != nil {
		return u, problem.Newf(problem.ErrConflict, "%s: the retirement could not be proposed: %v", u.Login, err)
	}
	h.Log.Info("committee: retirement proposed", "login", u.Login, "by", c.User.Login)
	u.RetireProposedBy, u.RetireReason, u.RetireProposedAt = c.User.Login, reason, now
	return u, nil
}
