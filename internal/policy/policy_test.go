package policy

import (
	"fmt"
	"testing"
)

// TestDecideTable walks every role × TLP × relation of the viewer to the
// object and checks the answer against the rules of DESIGN.md, written out
// independently here.
func TestDecideTable(t *testing.T) {
	const author, center, other, recipient, groupMember = "identity--author", "identity--center", "identity--other", "identity--recipient", "identity--member"
	acl := func(tlp TLP) ACL {
		return ACL{TLP: tlp, AuthorOrg: author, SubmitterUser: 1, RecipientOrgs: []string{recipient},
			RecipientGroups: []string{"group--g"}, RecipientUsers: []int64{7}}
	}
	type relation struct {
		name   string
		viewer func(Role) Viewer
	}
	relations := []relation{
		{"anonymous", func(Role) Viewer { return Viewer{} }},
		{"submitter", func(r Role) Viewer { return Viewer{UserID: 1, OrgID: author, Role: r} }},
		{"author's colleague", func(r Role) Viewer { return Viewer{UserID: 2, OrgID: author, Role: r} }},
		{"named recipient org", func(r Role) Viewer { return Viewer{UserID: 3, OrgID: recipient, Role: r} }},
		{"member of named group", func(r Role) Viewer {
			return Viewer{UserID: 4, OrgID: groupMember, Role: r, Groups: []string{"group--g"}}
		}},
		{"center", func(r Role) Viewer { return Viewer{UserID: 5, OrgID: center, Role: r, IsCenter: true} }},
		{"other member", func(r Role) Viewer { return Viewer{UserID: 6, OrgID: other, Role: r} }},
		{"named RED user", func(r Role) Viewer { return Viewer{UserID: 7, OrgID: other, Role: r} }},
	}
	// want says who sees what, for roles that read content.
	want := func(tlp TLP, rel string) bool {
		switch rel {
		case "anonymous":
			return tlp == Clear
		case "submitter":
			return true
		}
		switch tlp {
		case Clear:
			return true
		case Green:
			// recipients are named, so GREEN narrows to them, the author and the center
			return rel != "other member" && rel != "named RED user"
		case Amber:
			return rel == "author's colleague" || rel == "named recipient org" || rel == "member of named group" || rel == "center"
		case AmberStrict:
			return rel == "author's colleague" || rel == "named recipient org" || rel == "member of named group"
		case Red:
			return rel == "named RED user"
		}
		return false
	}
	for _, role := range Roles {
		for tlp := Clear; tlp <= Red; tlp++ {
			for _, rel := range relations {
				t.Run(fmt.Sprintf("%s/%s/%s", role, tlp, rel.name), func(t *testing.T) {
					v := rel.viewer(role)
					w := want(tlp, rel.name)
					if !role.readsContent() && rel.name != "anonymous" && rel.name != "submitter" {
						w = tlp == Clear // reporters and overseers see only TLP:CLEAR and their own submissions
					}
					if got := Decide(v, acl(tlp)); got != w {
						t.Fatalf("Decide = %v, want %v", got, w)
					}
				})
			}
		}
	}
}

func TestGreenWithoutRecipientsReachesEveryMember(t *testing.T) {
	a := ACL{TLP: Green, AuthorOrg: "identity--a", SubmitterUser: 1}
	if !Decide(Viewer{UserID: 9, OrgID: "identity--z", Role: RoleViewer}, a) {
		t.Fatal("GREEN without recipients is for every member")
	}
	if Decide(Viewer{}, a) {
		t.Fatal("GREEN is never for anonymous readers")
	}
}

func TestShowsAuthor(t *testing.T) {
	member := Viewer{UserID: 2, OrgID: "identity--m", Role: RoleAnalyst}
	center := Viewer{UserID: 3, OrgID: "identity--c", Role: RoleAnalyst, IsCenter: true}
	own := Viewer{UserID: 4, OrgID: "identity--a", Role: RoleViewer}
	for _, tt := range []struct {
		consent              Consent
		member, center, self bool
	}{
		{ConsentEveryone, true, true, true},
		{ConsentCenter, false, true, true},
		{ConsentNone, false, false, true},
	} {
		a := ACL{AuthorOrg: "identity--a", Consent: tt.consent}
		if ShowsAuthor(member, a) != tt.member || ShowsAuthor(center, a) != tt.center || ShowsAuthor(own, a) != tt.self {
			t.Errorf("consent %s: member %v center %v own %v", tt.consent, ShowsAuthor(member, a), ShowsAuthor(center, a), ShowsAuthor(own, a))
		}
	}
}

func TestTLPMarkings(t *testing.T) {
	for _, tt := range []struct {
		refs  []string
		want  TLP
		found bool
	}{
		{nil, 0, false},
		{[]string{MarkingTLP1White}, Clear, true},
		{[]string{MarkingTLP1Amber}, Amber, true},
		{[]string{MarkingGreen, MarkingAmberStrict}, AmberStrict, true},
		{[]string{"marking-definition--00000000-0000-4000-8000-000000000000", MarkingRed}, Red, true},
	} {
		got, found := TLPFromMarkings(tt.refs)
		if got != tt.want || found != tt.found {
			t.Errorf("%v: got %v %v", tt.refs, got, found)
		}
	}
	for tlp := Clear; tlp <= Red; tlp++ {
		back, err := ParseTLP(tlp.Label())
		if err != nil || back != tlp {
			t.Errorf("%s does not parse back", tlp.Label())
		}
		if got, _ := TLPFromMarkings([]string{tlp.MarkingID()}); got != tlp {
			t.Errorf("marking of %s maps to %s", tlp, got)
		}
	}
}

func TestCollectionAccess(t *testing.T) {
	analyst := Viewer{UserID: 1, OrgID: "identity--a", Role: RoleAnalyst, Groups: []string{"group--g"}}
	for _, tt := range []struct {
		name        string
		v           Viewer
		audience    string
		readOnly    bool
		read, write bool
	}{
		{"anonymous public", Viewer{}, "public", false, true, false},
		{"anonymous members", Viewer{}, "members", false, false, false},
		{"analyst members", analyst, "members", false, true, true},
		{"read-only token", analyst, "members", true, true, false},
		{"viewer cannot write", Viewer{UserID: 2, OrgID: "identity--a", Role: RoleViewer}, "members", false, true, false},
		{"group member", analyst, "group:group--g", false, true, true},
		{"not in group", analyst, "group:group--h", false, false, false},
		{"member cannot write public", analyst, "public", false, true, false},
		{"center writes public", Viewer{UserID: 3, OrgID: "identity--c", Role: RoleAnalyst, IsCenter: true}, "public", false, true, true},
	} {
		r, w := CollectionAccess(tt.v, tt.audience, true, tt.readOnly)
		if r != tt.read || w != tt.write {
			t.Errorf("%s: read %v write %v, want %v %v", tt.name, r, w, tt.read, tt.write)
		}
	}
}
