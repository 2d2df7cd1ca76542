package policy

import (
	"errors"
	"testing"
)

// TestRoleGrantsFitOrgKind: the hub administrator and the designated
// handlers are the center's, overseers the committee's; every other role
// may be held in any organization. Only a hub administrator gives the
// restricted roles.
func TestRoleGrantsFitOrgKind(t *testing.T) {
	for _, c := range []struct {
		name string
		role Role
		kind string
		ok   bool
	}{
		{"handler in the center", RoleHandler, OrgKindCenter, true},
		{"handler in an operator", RoleHandler, "operator", false},
		{"handler in a government agency", RoleHandler, "government", false},
		{"handler in the committee", RoleHandler, OrgKindCommittee, false},
		{"hub admin in the center", RoleAdmin, OrgKindCenter, true},
		{"hub admin in an operator", RoleAdmin, "operator", false},
		{"hub admin in a vendor", RoleAdmin, "vendor", false},
		{"overseer in the committee", RoleOverseer, OrgKindCommittee, true},
		{"overseer in an operator", RoleOverseer, "operator", false},
		{"overseer in a research institute", RoleOverseer, "research", false},
		{"org admin in an operator", RoleOrgAdmin, "operator", true},
		{"analyst in a local government", RoleAnalyst, "local-government", true},
		{"analyst in the center", RoleAnalyst, OrgKindCenter, true},
		{"analyst in the committee", RoleAnalyst, OrgKindCommittee, false},
		{"viewer in a hospital", RoleViewer, "medical", true},
		{"reporter in a vendor", RoleReporter, "vendor", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := RoleFitsOrg(c.role, c.kind)
			if (err == nil) != c.ok {
				t.Fatalf("RoleFitsOrg(%s, %s) = %v, want ok=%v", c.role, c.kind, err, c.ok)
			}
			if err != nil && !errors.Is(err, ErrRoleNotInOrgKind) {
				t.Fatalf("the refusal must be ErrRoleNotInOrgKind: %v", err)
			}
		})
	}
	for _, c := range []struct {
		granter, role Role
		ok            bool
	}{
		{RoleAdmin, RoleHandler, true}, {RoleAdmin, RoleOverseer, true}, {RoleAdmin, RoleAdmin, true}, {RoleAdmin, RoleAnalyst, true},
		{RoleOrgAdmin, RoleAnalyst, true}, {RoleOrgAdmin, RoleOrgAdmin, true}, {RoleOrgAdmin, RoleViewer, true}, {RoleOrgAdmin, RoleReporter, true},
		{RoleOrgAdmin, RoleHandler, false}, {RoleOrgAdmin, RoleOverseer, false}, {RoleOrgAdmin, RoleAdmin, false},
		{RoleAnalyst, RoleViewer, false}, {RoleHandler, RoleHandler, false}, {RoleOverseer, RoleOverseer, false},
	} {
		if got := MayGrant(c.granter, c.role); got != c.ok {
			t.Errorf("MayGrant(%s, %s) = %v, want %v", c.granter, c.role, got, c.ok)
		}
	}
}

// TestOnlyCenterHandlersReadRecords walks every role in the center and in a
// member organization: only the center's handler reads records.
func TestOnlyCenterHandlersReadRecords(t *testing.T) {
	read := RecordsRead{ApprovalInForce: true, Purpose: "incident 2026-113: scope of the intrusion"}
	for _, center := range []bool{true, false} {
		for _, r := range Roles {
			v := Viewer{UserID: 7, OrgID: "identity--x", Role: r, IsCenter: center}
			want := center && r == RoleHandler
			err := MayReadRecords(v, read)
			if (err == nil) != want || ReadsRecords(v) != want {
				t.Errorf("role %s, center %v: MayReadRecords = %v, ReadsRecords = %v; want %v", r, center, err, ReadsRecords(v), want)
			}
			if err != nil && !errors.Is(err, ErrNotDesignatedHandler) {
				t.Errorf("role %s, center %v: refusal %v, want ErrNotDesignatedHandler", r, center, err)
			}
		}
	}
	if err := MayReadRecords(Viewer{Role: RoleHandler, IsCenter: true}, read); !errors.Is(err, ErrNotDesignatedHandler) {
		t.Errorf("an anonymous viewer claiming the role reads records: %v", err)
	}
}

// TestNoAccessAfterApprovalLapses: a handler reads nothing from a source
// whose approval is not in force, whatever the purpose.
func TestNoAccessAfterApprovalLapses(t *testing.T) {
	v := Viewer{UserID: 7, OrgID: "identity--center", Role: RoleHandler, IsCenter: true}
	if err := MayReadRecords(v, RecordsRead{ApprovalInForce: false, Purpose: "incident 2026-113: scope of the intrusion"}); !errors.Is(err, ErrApprovalNotInForce) {
		t.Fatalf("lapsed approval: %v", err)
	}
	if err := MayReadRecords(v, RecordsRead{ApprovalInForce: true, Purpose: "incident 2026-113: scope of the intrusion"}); err != nil {
		t.Fatalf("approval in force: %v", err)
	}
}

// TestPurposeIsARealStatement: a purpose has at least MinPurposeLen
// characters besides spaces, with letters, and is one the approval names
// when it names any.
func TestPurposeIsARealStatement(t *testing.T) {
	listed := []string{"Scope of the Kanto Electric intrusion", "関東電力事案の影響範囲確認"}
	for _, c := range []struct {
		name, purpose string
		allowed       []string
		want          error
	}{
		{"empty", "", nil, ErrPurposeMissing},
		{"spaces", "   \t ", nil, ErrPurposeMissing},
		{"one letter", "x", nil, ErrPurposeTooShort},
		{"a word", "check", nil, ErrPurposeTooShort},
		{"short with spaces", "a b c d e f g", nil, ErrPurposeTooShort},
		{"digits only", "2026-113-000", nil, ErrPurposeTooShort},
		{"a statement", "incident 2026-113", nil, nil},
		{"a statement in Japanese", "関東電力事案の影響範囲の確認", nil, nil},
		{"one of the approval's", "  scope of the  kanto electric intrusion ", listed, nil},
		{"one of the approval's, in Japanese", "関東電力事案の影響範囲確認", listed, nil},
		{"not one of the approval's", "incident 2026-113", listed, ErrPurposeNotApproved},
		{"too short even if listed", "check", []string{"check"}, ErrPurposeTooShort},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckPurpose(c.purpose, c.allowed)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("CheckPurpose(%q) = %v, want %v", c.purpose, err, c.want)
			}
			v := Viewer{UserID: 7, Role: RoleHandler, IsCenter: true}
			if got := MayReadRecords(v, RecordsRead{ApprovalInForce: true, ApprovalPurposes: c.allowed, Purpose: c.purpose}); (got == nil) != (c.want == nil) {
				t.Fatalf("MayReadRecords does not apply the purpose rule: %v", got)
			}
		})
	}
}
