package hub

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
//     proposal confirms: not its proposer, not an account the proposer
//     created. The member retired may confirm another member's proposal:
//     that is a resignation, and lets a committee of two part with one
//     member when both agree;
//   - a proposal lapses after the committee's proposal period
//     (RetireProposalPeriod, default 14 days): it can no longer be
//     confirmed; the first act on it after the deadline records its expiry
//     (committee.retire.expire) before removing it, and is refused. Its
//     proposer may withdraw it before (WithdrawRetirement).
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
	case !u.Pending && h.retireProposalExpired(ctx, u):
		if err := h.expireRetirement(ctx, u); err != nil {
			return u, err
		}
		return u, fmt.Errorf("%w: %s", ErrRetireProposalExpired, u.Login)
	case u.RetireProposedBy == c.User.Login:
		return u, fmt.Errorf("%w: %s proposed this retirement; another member of the committee confirms it", policy.ErrConflict, c.User.Login)
	case !u.Pending && u.Login == c.User.Login:
		// The member retired agrees with another member's proposal: a
		// resignation, which no one else's interest stands against.
	case !u.Pending && c.User.CreatedBy == u.RetireProposedBy:
		return u, fmt.Errorf("%w: %s created %s's account and cannot confirm their proposal", policy.ErrConflict, u.RetireProposedBy, c.User.Login)
	}
	detail := map[string]string{"reason": reason, "org": u.OrgID, "was": map[bool]string{true: "pending", false: "active"}[u.Pending]}
	if !u.Pending {
		detail["proposed_by"], detail["proposed_reason"] = u.RetireProposedBy, u.RetireReason
		if u.Login == c.User.Login {
			detail["resigned"] = "true"
		}
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

// ErrRetireProposalExpired is returned for an act on a retirement proposal
// past the committee's proposal period: the expiry is recorded and the
// proposal removed; a member may propose the retirement again.
var ErrRetireProposalExpired = problem.Kind(problem.ErrConflict, "", "the proposal to retire this member has expired; propose it again")

// SettingRetireProposalDays is the store setting of how many days a proposal
// to retire a member may wait for its confirmation (renkei committee
// limits); DefaultRetireProposalPeriod applies when it is not set.
const SettingRetireProposalDays = "committee_retire_proposal_days"

// DefaultRetireProposalPeriod is how long a retirement proposal waits for a
// second member's confirmation when the hub sets nothing.
const DefaultRetireProposalPeriod = 14 * 24 * time.Hour

// RetireProposalPeriod returns how long a proposal to retire a member may
// wait for its confirmation.
func RetireProposalPeriod(ctx context.Context, db *store.DB) (time.Duration, error) {
	v, err := db.Setting(ctx, SettingRetireProposalDays)
	if err != nil || v == "" {
		return DefaultRetireProposalPeriod, err
	}
	d, err := strconv.Atoi(v)
	if err != nil || d <= 0 {
		return DefaultRetireProposalPeriod, fmt.Errorf("committee: setting %s is %q, not a positive number of days", SettingRetireProposalDays, v)
	}
	return time.Duration(d) * 24 * time.Hour, nil
}

// SetRetireProposalPeriod changes how long retirement proposals wait, in
// whole days, after recording the change (policy.change). It applies to the
// proposals waiting as to those to come.
func (h *Hub) SetRetireProposalPeriod(ctx context.Context, c auth.Caller, d time.Duration) error {
	if d < 24*time.Hour || d%(24*time.Hour) != 0 {
		return problem.Field("proposal-period", "give the proposal period in whole days, at least 1d")
	}
	days := strconv.Itoa(int(d / (24 * time.Hour)))
	if _, err := h.Record(ctx, c, audit.ActionPolicyChange, "setting:committee-retire-proposal",
		map[string]string{SettingRetireProposalDays: days}); err != nil {
		return err
	}
	return h.DB.SetSetting(ctx, SettingRetireProposalDays, days)
}

// retireProposalExpired reports whether u carries a retirement proposal past
// the proposal period. A period the store cannot say is the default one.
func (h *Hub) retireProposalExpired(ctx context.Context, u store.User) bool {
	if u.RetireProposedBy == "" || u.RetireProposedAt.IsZero() {
		return false
	}
	period, err := RetireProposalPeriod(ctx, h.DB)
	if err != nil {
		h.Log.Warn("committee: proposal period unreadable; using the default", "err", err)
	}
	return !h.now().Before(u.RetireProposedAt.Add(period))
}

// expireRetirement records that u's retirement proposal has expired
// (committee.retire.expire, by renkei-expiry in the committee's
// organization) and then removes it.
func (h *Hub) expireRetirement(ctx context.Context, u store.User) error {
	system := auth.System("renkei-expiry", store.Org{ID: u.OrgID})
	if _, err := h.Record(ctx, system, audit.ActionCommitteeRetireExpire, "user:"+u.Login, map[string]string{
		"org": u.OrgID, "proposed_by": u.RetireProposedBy, "proposed_reason": u.RetireReason,
		"proposed_at": u.RetireProposedAt.Format(time.RFC3339)}); err != nil {
		return err
	}
	if err := h.DB.ClearRetirement(ctx, u.ID, u.RetireProposedBy); err != nil {
		return fmt.Errorf("expire the retirement proposal for %s: %w", u.Login, err)
	}
	h.Log.Info("committee: retirement proposal expired", "login", u.Login, "proposed_by", u.RetireProposedBy)
	return nil
}

// ExpireRetireProposals records the expiry of, then removes, every
// retirement proposal past the proposal period; the server runs it every
// minute so that the committee's page never shows an expired proposal as
// waiting. It returns how many expired.
func (h *Hub) ExpireRetireProposals(ctx context.Context) (int, error) {
	_, members, err := CommitteeMembers(ctx, h.DB)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range members {
		if u.Disabled || !h.retireProposalExpired(ctx, u) {
			continue
		}
		if err := h.expireRetirement(ctx, u); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// WithdrawRetirement is the proposer's withdrawal of their proposal to
// retire a member: recorded (committee.retire.withdraw, with the reasons)
// first, then the proposal is removed. Only the member who proposed it
// withdraws it; an expired proposal is expired, not withdrawn.
func (h *Hub) WithdrawRetirement(ctx context.Context, c auth.Caller, login, reason string) (store.User, error) {
	if !policy.DecidesApprovals(policy.Role(c.User.Role)) || !c.Org.IsCommittee() || c.User.Pending || c.User.Disabled {
		return store.User{}, fmt.Errorf("%w: only members of the oversight committee withdraw proposals", ErrForbidden)
	}
	u, err := h.DB.UserByLogin(ctx, strings.TrimSpace(login))
	if err != nil {
		return u, err
	}
	switch {
	case u.OrgID != c.Org.ID || policy.Role(u.Role) != policy.RoleOverseer:
		return u, fmt.Errorf("%w: %s is not an account of the committee", ErrForbidden, u.Login)
	case u.Disabled || u.RetireProposedBy == "":
		return u, problem.Newf(problem.ErrConflict, "no retirement of %s is proposed", u.Login)
	case h.retireProposalExpired(ctx, u):
		if err := h.expireRetirement(ctx, u); err != nil {
			return u, err
		}
		return u, fmt.Errorf("%w: %s", ErrRetireProposalExpired, u.Login)
	case u.RetireProposedBy != c.User.Login:
		return u, fmt.Errorf("%w: only %s, who proposed it, withdraws this proposal", ErrForbidden, u.RetireProposedBy)
	}
	if _, err := h.Record(ctx, c, audit.ActionCommitteeRetireWithdraw, "user:"+u.Login, map[string]string{
		"org": u.OrgID, "reason": strings.TrimSpace(reason), "proposed_reason": u.RetireReason,
		"proposed_at": u.RetireProposedAt.Format(time.RFC3339)}); err != nil {
		return u, err
	}
	if err := h.DB.ClearRetirement(ctx, u.ID, c.User.Login); err != nil {
		return u, problem.Newf(problem.ErrConflict, "%s: the proposal could not be withdrawn: %v", u.Login, err)
	}
	h.Log.Info("committee: retirement proposal withdrawn", "login", u.Login, "by", c.User.Login)
	u.RetireProposedBy, u.RetireReason, u.RetireProposedAt = "", "", time.Time{}
	return u, nil
}
