package policy

import (
	"slices"
	"testing"
)

// TestConsoleSectionsFollowRoleAndKind: a town hall or a hospital is offered
// no incident reports, hunting or communications information; an overseer
// only the committee's pages (and its inbox and the picture's figures);
// handlers no vulnerability register; nobody anonymous anything.
func TestConsoleSectionsFollowRoleAndKind(t *testing.T) {
	person := func(kind string, role Role) Viewer {
		return Person(1, "identity--x", role, kind == OrgKindCenter, nil, false).OfOrgKind(kind)
	}
	tests := []struct {
		name    string
		v       Viewer
		want    []Section
		wantNot []Section
	}{
		{"center analyst", person(OrgKindCenter, RoleAnalyst),
			[]Section{SectionIntel, SectionReports, SectionCases, SectionHunting, SectionVuln, SectionTelemetry, SectionApprovals}, []Section{SectionOversight, SectionAdmin}},
		{"operator's org-admin", person("operator", RoleOrgAdmin),
			[]Section{SectionIntel, SectionReports, SectionHunting, SectionVuln, SectionTelemetry, SectionAdmin}, []Section{SectionOversight, SectionApprovals}},
		{"town hall analyst", person("local-government", RoleAnalyst),
			[]Section{SectionIntel, SectionAdvisories, SectionConsult, SectionVuln, SectionAlerts}, []Section{SectionReports, SectionHunting, SectionTelemetry, SectionOversight}},
		{"hospital org-admin", person("medical", RoleOrgAdmin),
			[]Section{SectionVuln, SectionAdmin}, []Section{SectionReports, SectionHunting, SectionTelemetry}},
		{"vendor analyst", person("vendor", RoleAnalyst),
			[]Section{SectionVuln, SectionHunting, SectionTelemetry}, []Section{SectionReports}},
		{"center handler", person(OrgKindCenter, RoleHandler),
			[]Section{SectionTelemetry, SectionApprovals}, []Section{SectionVuln}},
		{"overseer", person(OrgKindCommittee, RoleOverseer),
			[]Section{SectionHome, SectionAlerts, SectionOversight, SectionPicture, SectionTelemetry},
			[]Section{SectionIntel, SectionReports, SectionCases, SectionConsult, SectionAdvisories, SectionHunting, SectionVuln, SectionApprovals, SectionAdmin}},
		{"anonymous", Viewer{}, nil, []Section{SectionHome, SectionAlerts}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ConsoleSections(tt.v)
			for _, s := range tt.want {
				if !slices.Contains(got, s) || !MayOpenSection(tt.v, s) {
					t.Errorf("%s not offered (%v)", s, got)
				}
			}
			for _, s := range tt.wantNot {
				if slices.Contains(got, s) || MayOpenSection(tt.v, s) {
					t.Errorf("%s offered (%v)", s, got)
				}
			}
		})
	}
}
