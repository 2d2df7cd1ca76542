package hub

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"renkei/internal/policy"
)

// TestSightingNeverNarrowsAndReachesAuthor: over random sightings of random
// objects and random viewers, letting the sighted author read a sighting
// never takes it from anyone the sighter's own choice lets read it (a GREEN
// sighting for all members stays for all members), and always gives it to
// the sighted object's organization's readers — to the person who submitted
// it, when the sighting is RED.
func TestSightingNeverNarrowsAndReachesAuthor(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 7))
	orgs := []string{"center", "o1", "o2", "o3", "o4"}
	groups := []string{"g1", "g2"}
	var viewers []policy.Viewer
	for i := range 40 {
		v := policy.Viewer{UserID: int64(i + 1), OrgID: orgs[r.IntN(len(orgs))], Role: policy.Roles[r.IntN(len(policy.Roles))]}
		v.IsCenter = v.OrgID == "center"
		for _, g := range groups {
			if r.IntN(2) == 0 {
				v.Groups = append(v.Groups, g)
			}
		}
		viewers = append(viewers, v)
	}
	randomACL := func() policy.ACL {
		author := viewers[r.IntN(len(viewers))]
		a := policy.ACL{TLP: policy.TLP(r.IntN(5)), AuthorOrg: author.OrgID, SubmitterUser: author.UserID}
		for range r.IntN(3) {
			switch r.IntN(3) {
			case 0:
				a.RecipientOrgs = append(a.RecipientOrgs, orgs[r.IntN(len(orgs))])
			case 1:
				a.RecipientGroups = append(a.RecipientGroups, groups[r.IntN(len(groups))])
			case 2:
				a.RecipientUsers = append(a.RecipientUsers, viewers[r.IntN(len(viewers))].UserID)
			}
		}
		return a
	}
	for i := range 3000 {
		target, chosen := randomACL(), randomACL()
		got := chosen
		got.RecipientOrgs = slices.Clone(chosen.RecipientOrgs)
		got.RecipientUsers = slices.Clone(chosen.RecipientUsers)
		sightedBy(&got, target)
		where := fmt.Sprintf("case %d: sighting %+v of %+v gives %+v", i, chosen, target, got)
		for _, v := range viewers {
			if policy.Decide(v, chosen) && !policy.Decide(v, got) {
				t.Fatalf("%s: viewer %+v loses it", where, v)
			}
			if target.AuthorOrg == chosen.AuthorOrg {
				continue
			}
			// Only roles that read shared intelligence read sightings.
			reads := policy.Decide(v, policy.ACL{TLP: policy.Green, AuthorOrg: v.OrgID})
			author := reads && v.OrgID == target.AuthorOrg
			if chosen.TLP == policy.Red {
				author = reads && v.UserID == target.SubmitterUser
			}
			if author && !policy.Decide(v, got) {
				t.Fatalf("%s: the sighted author %+v cannot read it", where, v)
			}
		}
	}
}
