package hub_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestCommitteeRetiresItsMembers: retiring a member of the committee is the
// committee's own act — proposed by one active member, confirmed by another,
// each logged before it takes effect (committee.retire.propose, then
// committee.retire before the account is disabled) — never the operator's,
// and never of the last active member (the operator could then bootstrap a
// committee of its own). A retired member's token stops working at once.
func TestCommitteeRetiresItsMembers(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, kind)
			logged := withLog(t, h)
			ctx := context.Background()
			now := time.Now().UTC()
			chair := committeeOf(t, h, "member2", "member3")
			secret, _, err := hub.CreateToken(ctx, h.DB, "member2", "", 0, false, now)
			if err != nil {
				t.Fatal(err)
			}
			admin := caller(t, h, "admin")
			if _, err := h.RetireOverseer(ctx, admin, "member2", "the operator wants them gone"); !errors.Is(err, hub.ErrForbidden) {
				t.Fatalf("the operator retired a member: %v", err)
			}
			if _, err := h.RetireOverseer(ctx, chair, "member2", "  "); err == nil {
				t.Fatal("a retirement without reasons")
			}
			if _, err := h.RetireOverseer(ctx, chair, "admin", "not ours"); !errors.Is(err, hub.ErrForbidden) {
				t.Fatalf("a member retired an account outside the committee: %v", err)
			}
			before := len(logged())
			u, err := h.RetireOverseer(ctx, chair, "member2", "term ended")
			if err != nil || u.Disabled || u.RetireProposedBy != "chair" {
				t.Fatalf("propose: %+v %v", u, err)
			}
			es := logged()
			if len(es) != before+1 || es[len(es)-1].Action != audit.ActionCommitteeRetirePropose || es[len(es)-1].ObjectID != "user:member2" ||
				es[len(es)-1].User != "chair" || es[len(es)-1].Detail["reason"] != "term ended" {
				t.Fatalf("the proposal is not logged as the committee's act: %+v", es[len(es)-1])
			}
			u, err = h.RetireOverseer(ctx, caller(t, h, "member3"), "member2", "agreed: term ended")
			if err != nil || !u.Disabled {
				t.Fatalf("confirm: %+v %v", u, err)
			}
			es = logged()
			if last := es[len(es)-1]; len(es) != before+2 || last.Action != audit.ActionCommitteeRetire || last.ObjectID != "user:member2" ||
				last.User != "member3" || last.Detail["proposed_by"] != "chair" || last.Detail["reason"] != "agreed: term ended" {
				t.Fatalf("the retirement is not logged as the committee's act: %+v", last)
			}
			if _, err := (&auth.Authenticator{DB: h.DB}).Token(ctx, secret); err == nil {
				t.Fatal("a retired member's token still works")
			}
			// chair proposes its own retirement, member3 confirms it; member3
			// is then the last active member.
			if _, err := h.RetireOverseer(ctx, chair, "chair", "leaving"); err != nil {
				t.Fatal(err)
			}
			if u, err := h.RetireOverseer(ctx, caller(t, h, "member3"), "chair", "agreed"); err != nil || !u.Disabled {
				t.Fatalf("confirm: %+v %v", u, err)
			}
			if _, err := h.RetireOverseer(ctx, caller(t, h, "member3"), "member3", "leaving"); !errors.Is(err, hub.ErrLastMember) {
				t.Fatalf("the last active member retired: %v", err)
			}
		})
	}
}

// committeeOf bootstraps the committee with "chair" and makes each of
// logins an active member (created by the operator, confirmed by chair); it
// returns chair.
func committeeOf(t *testing.T, h *hub.Hub, logins ...string) auth.Caller {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	if _, _, err := hub.BootstrapCommittee(ctx, h.DB, "Oversight Committee", "chair", "cli:root", now); err != nil {
		t.Fatal(err)
	}
	committee, _ := h.DB.CommitteeOrg(ctx)
	chair := caller(t, h, "chair")
	for _, l := range logins {
		if _, err := hub.CreateUser(ctx, h.DB, hub.NewUser{Login: l, Org: committee.ID, Role: "overseer", CreatedBy: "admin"}, now); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.ConfirmOverseer(ctx, chair, l); err != nil {
			t.Fatal(err)
		}
	}
	return chair
}

// TestCommitteeRetireNeedsSecondMember: one member of the committee cannot
// retire another alone. The first act only proposes (the account stays
// active and its token works); the proposer cannot confirm, nor can the
// member retired, nor an account the proposer created; a second member
// confirms (or the member retired, resigning: TestCommitteeMemberMayResign).
// With the log refusing, nothing is proposed or retired. A pending
// account (not yet a member) is retired by one member.
func TestCommitteeRetireNeedsSecondMember(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, kind)
			withLog(t, h)
			ctx := context.Background()
			now := time.Now().UTC()
			chair := committeeOf(t, h, "sato", "suzuki")
			committee, _ := h.DB.CommitteeOrg(ctx)
			// An account the chair created (through the operator's form, as
			// created_by records), confirmed by another member.
			if _, err := hub.CreateUser(ctx, h.DB, hub.NewUser{Login: "chairs-pick", Org: committee.ID, Role: "overseer", CreatedBy: "chair"}, now); err != nil {
				t.Fatal(err)
			}
			if _, _, err := h.ConfirmOverseer(ctx, caller(t, h, "sato"), "chairs-pick"); err != nil {
				t.Fatal(err)
			}
			secret, _, err := hub.CreateToken(ctx, h.DB, "sato", "", 0, false, now)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.RetireOverseer(ctx, chair, "sato", "disagrees with the chair"); err != nil {
				t.Fatal(err)
			}
			if u, _ := h.DB.UserByLogin(ctx, "sato"); u.Disabled {
				t.Fatal("one member retired another alone")
			}
			if _, err := (&auth.Authenticator{DB: h.DB}).Token(ctx, secret); err != nil {
				t.Fatalf("a member proposed for retirement lost their token: %v", err)
			}
			for _, who := range []string{"chair", "chairs-pick"} {
				if _, err := h.RetireOverseer(ctx, caller(t, h, who), "sato", "confirmed"); !errors.Is(err, policy.ErrConflict) {
					t.Errorf("%s confirmed the retirement the chair proposed: %v", who, err)
				}
			}
			if u, _ := h.DB.UserByLogin(ctx, "sato"); u.Disabled {
				t.Fatal("retired without a second member")
			}
			h.Audit.Close()
			if _, err := h.RetireOverseer(ctx, caller(t, h, "suzuki"), "sato", "confirmed"); err == nil {
				t.Fatal("retired without the log")
			}
			if _, err := h.RetireOverseer(ctx, caller(t, h, "suzuki"), "chairs-pick", "proposal"); err == nil {
				t.Fatal("proposed without the log")
			}
			if u, _ := h.DB.UserByLogin(ctx, "sato"); u.Disabled {
				t.Fatal("retired unlogged")
			}
			if u, _ := h.DB.UserByLogin(ctx, "chairs-pick"); u.RetireProposedBy != "" {
				t.Fatal("proposed unlogged")
			}
			withLog(t, h)
			if u, err := h.RetireOverseer(ctx, caller(t, h, "suzuki"), "sato", "confirmed"); err != nil || !u.Disabled {
				t.Fatalf("the second member's confirmation: %+v %v", u, err)
			}
			if _, err := (&auth.Authenticator{DB: h.DB}).Token(ctx, secret); err == nil {
				t.Fatal("a retired member's token still works")
			}
			// A pending account is no member yet: one member refuses it.
			if _, err := hub.CreateUser(ctx, h.DB, hub.NewUser{Login: "operators-pick", Org: committee.ID, Role: "overseer", CreatedBy: "admin"}, now); err != nil {
				t.Fatal(err)
			}
			if u, err := h.RetireOverseer(ctx, chair, "operators-pick", "not ours"); err != nil || !u.Disabled {
				t.Fatalf("a pending account: %+v %v", u, err)
			}
		})
	}
}

// TestMisplacedRolesDemotedAtStartup: accounts a store holds with a role
// their organization's kind may not hold — an overseer outside the
// committee's organization, a handler or an administrator outside the
// center, an analyst in the committee's organization — are demoted when the
// hub starts, each change logged first (role.change, from and why); fitting
// accounts are left alone, and a second start changes nothing.
func TestMisplacedRolesDemotedAtStartup(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, kind)
			logged := withLog(t, h)
			ctx := context.Background()
			now := time.Now().UTC()
			power, err := hub.AddOrg(ctx, h.DB, "Power Co", "operator", "energy", now)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := hub.BootstrapCommittee(ctx, h.DB, "Oversight Committee", "chair", "cli:root", now); err != nil {
				t.Fatal(err)
			}
			committee, _ := h.DB.CommitteeOrg(ctx)
			// What an older store may hold: written as it was, past today's checks.
			for _, u := range []struct{ login, org, role string }{
				{"ov-power", power.ID, "overseer"}, {"h-power", power.ID, "handler"}, {"adm-power", power.ID, "admin"},
				{"an-committee", committee.ID, "analyst"}, {"ok-power", power.ID, "analyst"}, {"ok-handler", h.Center().ID, "handler"},
			} {
				if _, err := h.DB.Exec(ctx, "INSERT INTO users(login, org_id, role, password_hash, created_at, public_id) VALUES(?, ?, ?, '', ?, ?)",
					u.login, u.org, u.role, store.Micros(now), store.NewPublicID()); err != nil {
					t.Fatal(err)
				}
			}
			ds, err := h.DemoteMisplacedRoles(ctx)
			if err != nil || len(ds) != 4 {
				t.Fatalf("demotions %+v %v: want four", ds, err)
			}
			for login, want := range map[string]struct {
				role     string
				disabled bool
			}{
				"ov-power": {"viewer", false}, "h-power": {"viewer", false}, "adm-power": {"viewer", false}, "an-committee": {"analyst", true},
				"ok-power": {"analyst", false}, "ok-handler": {"handler", false}, "chair": {"overseer", false},
			} {
				u, err := h.DB.UserByLogin(ctx, login)
				if err != nil || u.Role != want.role || u.Disabled != want.disabled {
					t.Errorf("%s: role %s disabled %v (%v), want %s %v", login, u.Role, u.Disabled, err, want.role, want.disabled)
				}
				if err == nil && !u.Disabled {
					o, _ := h.DB.Org(ctx, u.OrgID)
					if err := policy.RoleFitsOrg(policy.Role(u.Role), o.Kind); err != nil {
						t.Errorf("%s still holds a role its organization may not: %v", login, err)
					}
				}
			}
			changes := map[string]audit.Entry{}
			for _, e := range logged() {
				if e.Action == audit.ActionRoleChange && e.User == "renkei-startup" {
					changes[e.ObjectID] = e
				}
			}
			if len(changes) != 4 || changes["user:ov-power"].Detail["from"] != "overseer" || changes["user:an-committee"].Detail["disabled"] != "true" {
				t.Fatalf("demotions logged: %+v", changes)
			}
			if ds, err := h.DemoteMisplacedRoles(ctx); err != nil || len(ds) != 0 {
				t.Fatalf("a second start demoted %+v %v", ds, err)
			}
			// With the log refusing, nothing is demoted.
			if _, err := h.DB.Exec(ctx, "UPDATE users SET role = 'overseer' WHERE login = 'ov-power'"); err != nil {
				t.Fatal(err)
			}
			h.Audit.Close()
			if _, err := h.DemoteMisplacedRoles(ctx); err == nil {
				t.Fatal("a demotion without the log")
			}
			if u, _ := h.DB.UserByLogin(ctx, "ov-power"); u.Role != "overseer" {
				t.Fatalf("demoted unlogged: %+v", u)
			}
		})
	}
}

// TestCommitteeMemberMayResign: the member whose retirement another member
// proposed may confirm it, resigning — so a committee of two parts with a
// member when both agree (logged committee.retire with resigned=true) — but
// never without the other's proposal, and never as the last member.
func TestCommitteeMemberMayResign(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, kind)
			logged := withLog(t, h)
			ctx := context.Background()
			chair := committeeOf(t, h, "sato")
			sato := caller(t, h, "sato")
			// sato proposing their own retirement does not retire them.
			if u, err := h.RetireOverseer(ctx, sato, "sato", "leaving"); err != nil || u.Disabled {
				t.Fatalf("self-proposal: %+v %v", u, err)
			}
			if _, err := h.RetireOverseer(ctx, sato, "sato", "still leaving"); !errors.Is(err, policy.ErrConflict) {
				t.Fatalf("a member retired alone by proposing and confirming: %v", err)
			}
			if _, err := h.WithdrawRetirement(ctx, sato, "sato", "changed my mind"); err != nil {
				t.Fatal(err)
			}
			// The chair proposes; sato agrees and resigns.
			if _, err := h.RetireOverseer(ctx, chair, "sato", "term ended"); err != nil {
				t.Fatal(err)
			}
			u, err := h.RetireOverseer(ctx, caller(t, h, "sato"), "sato", "I agree")
			if err != nil || !u.Disabled {
				t.Fatalf("resignation: %+v %v", u, err)
			}
			es := logged()
			if last := es[len(es)-1]; last.Action != audit.ActionCommitteeRetire || last.User != "sato" || last.Detail["resigned"] != "true" ||
				last.Detail["proposed_by"] != "chair" {
				t.Fatalf("the resignation is not logged as such: %+v", last)
			}
			// The chair is the last member: no one retires them, not even by resigning.
			if _, err := h.RetireOverseer(ctx, chair, "chair", "leaving"); !errors.Is(err, hub.ErrLastMember) {
				t.Fatalf("the last member: %v", err)
			}
		})
	}
}

// TestCommitteeRetireProposalWithdrawnByProposer: a proposal to retire a
// member is withdrawn by its proposer alone, logged first
// (committee.retire.withdraw); no one else withdraws it, a withdrawn
// proposal can no longer be confirmed, and with the log refusing nothing is
// withdrawn.
func TestCommitteeRetireProposalWithdrawnByProposer(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, kind)
			withLog(t, h)
			ctx := context.Background()
			chair := committeeOf(t, h, "sato", "suzuki")
			if _, err := h.WithdrawRetirement(ctx, chair, "sato", ""); !errors.Is(err, problem.ErrConflict) {
				t.Fatalf("withdrew a proposal no one made: %v", err)
			}
			if _, err := h.RetireOverseer(ctx, chair, "sato", "term ended"); err != nil {
				t.Fatal(err)
			}
			for _, who := range []string{"sato", "suzuki", "admin"} {
				if _, err := h.WithdrawRetirement(ctx, caller(t, h, who), "sato", "not mine"); !errors.Is(err, hub.ErrForbidden) {
					t.Errorf("%s withdrew the chair's proposal: %v", who, err)
				}
			}
			h.Audit.Close()
			if _, err := h.WithdrawRetirement(ctx, chair, "sato", "mistake"); err == nil {
				t.Fatal("withdrawn without the log")
			}
			if u, _ := h.DB.UserByLogin(ctx, "sato"); u.RetireProposedBy != "chair" {
				t.Fatalf("withdrawn unlogged: %+v", u)
			}
			logged := withLog(t, h)
			u, err := h.WithdrawRetirement(ctx, chair, "sato", "mistake")
			if err != nil || u.RetireProposedBy != "" {
				t.Fatalf("withdraw: %+v %v", u, err)
			}
			es := logged()
			if last := es[len(es)-1]; last.Action != audit.ActionCommitteeRetireWithdraw || last.User != "chair" || last.ObjectID != "user:sato" ||
				last.Detail["reason"] != "mistake" || last.Detail["proposed_reason"] != "term ended" {
				t.Fatalf("the withdrawal is not logged: %+v", last)
			}
			if u, _ := h.DB.UserByLogin(ctx, "sato"); u.RetireProposedBy != "" || !u.RetireProposedAt.IsZero() {
				t.Fatalf("the proposal is still kept: %+v", u)
			}
			// suzuki's act is now a new proposal, not a confirmation.
			if u, err := h.RetireOverseer(ctx, caller(t, h, "suzuki"), "sato", "confirmed"); err != nil || u.Disabled || u.RetireProposedBy != "suzuki" {
				t.Fatalf("a withdrawn proposal was confirmed: %+v %v", u, err)
			}
		})
	}
}

// TestCommitteeRetireProposalExpires: a proposal to retire a member waits
// for its confirmation for the committee's proposal period (14 days unless
// set, renkei committee limits); past it, it can no longer be confirmed:
// the expiry is logged (committee.retire.expire) before the proposal is
// removed, whether a member acts on it or the server's sweep finds it. The
// period is a setting, changed with a logged policy.change.
func TestCommitteeRetireProposalExpires(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, kind)
			logged := withLog(t, h)
			ctx := context.Background()
			now := time.Now().UTC()
			h.Now = func() time.Time { return now }
			chair := committeeOf(t, h, "sato", "suzuki", "tanaka")
			if p, err := hub.RetireProposalPeriod(ctx, h.DB); err != nil || p != 14*24*time.Hour {
				t.Fatalf("default period %v %v, want 14 days", p, err)
			}
			if _, err := h.RetireOverseer(ctx, chair, "sato", "term ended"); err != nil {
				t.Fatal(err)
			}
			now = now.Add(14*24*time.Hour - time.Minute)
			if n, err := h.ExpireRetireProposals(ctx); err != nil || n != 0 {
				t.Fatalf("expired before the period: %d %v", n, err)
			}
			now = now.Add(time.Minute)
			_, err := h.RetireOverseer(ctx, caller(t, h, "suzuki"), "sato", "agreed")
			if !errors.Is(err, hub.ErrRetireProposalExpired) {
				t.Fatalf("an expired proposal was confirmed: %v", err)
			}
			if u, _ := h.DB.UserByLogin(ctx, "sato"); u.Disabled || u.RetireProposedBy != "" {
				t.Fatalf("after expiry: %+v", u)
			}
			es := logged()
			if last := es[len(es)-1]; last.Action != audit.ActionCommitteeRetireExpire || last.ObjectID != "user:sato" || last.Detail["proposed_by"] != "chair" {
				t.Fatalf("the expiry is not logged: %+v", last)
			}
			// A shorter period, set with a logged act, applies to the
			// proposals waiting; the sweep expires them.
			if err := h.SetRetireProposalPeriod(ctx, chair, 36*time.Hour); err == nil {
				t.Fatal("a period in part days")
			}
			if err := h.SetRetireProposalPeriod(ctx, chair, 3*24*time.Hour); err != nil {
				t.Fatal(err)
			}
			es = logged()
			if last := es[len(es)-1]; last.Action != audit.ActionPolicyChange || last.Detail[hub.SettingRetireProposalDays] != "3" {
				t.Fatalf("the period change is not logged: %+v", last)
			}
			if _, err := h.RetireOverseer(ctx, caller(t, h, "suzuki"), "tanaka", "absent"); err != nil {
				t.Fatal(err)
			}
			now = now.Add(3 * 24 * time.Hour)
			h.Audit.Close()
			if n, err := h.ExpireRetireProposals(ctx); err == nil || n != 0 {
				t.Fatalf("expired without the log: %d %v", n, err)
			}
			if u, _ := h.DB.UserByLogin(ctx, "tanaka"); u.RetireProposedBy != "suzuki" {
				t.Fatalf("expired unlogged: %+v", u)
			}
			logged = withLog(t, h)
			if n, err := h.ExpireRetireProposals(ctx); err != nil || n != 1 {
				t.Fatalf("sweep: %d %v", n, err)
			}
			if u, _ := h.DB.UserByLogin(ctx, "tanaka"); u.RetireProposedBy != "" {
				t.Fatalf("the sweep left the expired proposal: %+v", u)
			}
			if es := logged(); es[len(es)-1].Action != audit.ActionCommitteeRetireExpire || es[len(es)-1].ObjectID != "user:tanaka" {
				t.Fatalf("the sweep's expiry is not logged: %+v", es[len(es)-1])
			}
		})
	}
}
