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
		return u, "", fmt.Errorf("%s is confirmed already", u.Login)
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
