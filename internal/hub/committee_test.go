package hub_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store/storetest"
)

// TestOverseerOnlyInCommitteeOrg: the overseer role is held in the oversight
// committee's own organization and nowhere else; that organization holds
// overseers only; an overseer account is created pending and without a
// password the operator knows; the hub has one committee; and the first
// member is made once only.
func TestOverseerOnlyInCommitteeOrg(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, kind)
			ctx := context.Background()
			now := time.Now().UTC()
			if _, err := hub.AddOrg(ctx, h.DB, "Power Co", "operator", "energy", now); err != nil {
				t.Fatal(err)
			}
			committee, err := hub.AddOrg(ctx, h.DB, "Oversight Committee", policy.OrgKindCommittee, "", now)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := hub.AddOrg(ctx, h.DB, "Second Committee", policy.OrgKindCommittee, "", now); err == nil {
				t.Error("a second oversight committee was created")
			}
			for _, tt := range []struct {
				name, login, org, role, password string
				ok                               bool
			}{
				{"an overseer of the center", "ov-center", h.Center().ID, "overseer", "", false},
				{"an overseer of an operator", "ov-power", "Power Co", "overseer", "", false},
				{"an analyst of the committee", "an-committee", committee.ID, "analyst", "", false},
				{"an administrator of the committee", "admin-committee", committee.ID, "admin", "", false},
				{"an overseer with a password the operator chose", "ov-pw", committee.ID, "overseer", "operator-knows-this", false},
				{"an overseer of the committee", "ov-1", committee.ID, "overseer", "", true},
			} {
				u, err := hub.CreateUser(ctx, h.DB, hub.NewUser{Login: tt.login, Org: tt.org, Role: tt.role, Password: tt.password, CreatedBy: "admin"}, now)
				if (err == nil) != tt.ok {
					t.Errorf("%s: %v", tt.name, err)
					continue
				}
				if tt.ok && (!u.Pending || u.PasswordHash != "" || u.CreatedBy != "admin") {
					t.Errorf("%s: created %+v, want pending, without a password, created by admin", tt.name, u)
				}
			}
			// A pending account neither logs in nor uses a token.
			secret, _, err := hub.CreateToken(ctx, h.DB, "ov-1", "", 0, false, now)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.Auth.Token(ctx, secret); !errors.Is(err, auth.ErrBadCredentials) {
				t.Errorf("a pending overseer's token works: %v", err)
			}
			// The first member is made on the server, once.
			first, password, err := hub.BootstrapCommittee(ctx, h.DB, "ignored: the committee exists", "chair", "cli:root", now)
			if err != nil || first.Pending || first.OrgID != committee.ID || password == "" {
				t.Fatalf("bootstrap: %+v %v", first, err)
			}
			if _, err := h.Auth.Password(ctx, "chair", password); err != nil {
				t.Errorf("the first member cannot log in: %v", err)
			}
			if _, _, err := hub.BootstrapCommittee(ctx, h.DB, "", "chair-2", "cli:root", now); !errors.Is(err, hub.ErrCommitteeHasMembers) {
				t.Errorf("a second bootstrap: %v", err)
			}
		})
	}
}

// TestCommitteeConfirmsMembers: an account made for a new member becomes
// active only when an active member confirms it, logged first; the operator
// cannot confirm, nor can the account's creator.
func TestCommitteeConfirmsMembers(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, kind)
			ctx := context.Background()
			dir := t.TempDir()
			var err error
			h.Audit, err = audit.Open(ctx, audit.Options{Dir: filepath.Join(dir, "log"), KeyDir: filepath.Join(dir, "keys"), Node: "t", CheckpointInterval: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { h.Audit.Close() })
			now := time.Now().UTC()
			if _, _, err := hub.BootstrapCommittee(ctx, h.DB, "Oversight Committee", "chair", "cli:root", now); err != nil {
				t.Fatal(err)
			}
			committee, _ := h.DB.CommitteeOrg(ctx)
			if _, err := hub.CreateUser(ctx, h.DB, hub.NewUser{Login: "sato", Org: committee.ID, Role: "overseer", CreatedBy: "admin"}, now); err != nil {
				t.Fatal(err)
			}
			if _, _, err := h.ConfirmOverseer(ctx, caller(t, h, "admin"), "sato"); !errors.Is(err, hub.ErrForbidden) {
				t.Fatalf("the hub admin confirms a member: %v", err)
			}
			before, _ := h.Audit.Size(ctx)
			u, password, err := h.ConfirmOverseer(ctx, caller(t, h, "chair"), "sato")
			if err != nil || u.Pending || u.ConfirmedBy != "chair" || password == "" {
				t.Fatalf("confirm: %+v %v", u, err)
			}
			if after, _ := h.Audit.Size(ctx); after != before+1 {
				t.Errorf("the confirmation is not in the log (%d → %d entries)", before, after)
			}
			if _, err := h.Auth.Password(ctx, "sato", password); err != nil {
				t.Errorf("the confirmed member cannot log in: %v", err)
			}
			if _, _, err := h.ConfirmOverseer(ctx, caller(t, h, "chair"), "sato"); err == nil {
				t.Error("confirmed twice")
			}
			// A member does not confirm an account they created.
			if _, err := hub.CreateUser(ctx, h.DB, hub.NewUser{Login: "suzuki", Org: committee.ID, Role: "overseer", CreatedBy: "sato"}, now); err != nil {
				t.Fatal(err)
			}
			if _, _, err := h.ConfirmOverseer(ctx, caller(t, h, "sato"), "suzuki"); !errors.Is(err, policy.ErrConflict) {
				t.Errorf("a member confirms the account they created: %v", err)
			}
		})
	}
}
