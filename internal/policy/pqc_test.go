package policy

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPQCDecisionsFollowTheAssetGrants: for random viewers of every role,
// seat and token, and random organizations, an inventory is read and
// changed exactly by whom the role matrix gives the organization's assets
// to; the hub probes only for someone who may change the inventory of the
// organization that registered and confirmed the endpoint, never for
// another organization, never an endpoint not registered or not
// confirmed; only the center's exposure readers see migration across
// members, and only its staff set the milestones.
func TestPQCDecisionsFollowTheAssetGrants(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 2026))
	orgs := []string{"identity--center", "identity--committee", "identity--a", "identity--b"}
	for i := range 2000 {
		role := Roles[r.IntN(len(Roles))]
		org := orgs[r.IntN(len(orgs))]
		if role == RoleOverseer {
			org = orgs[1]
		}
		v := Person(int64(i+1), org, role, org == orgs[0], nil, r.IntN(4) == 0)
		if r.IntN(20) == 0 {
			v = Viewer{}
		}
		target := orgs[r.IntN(len(orgs))]
		registered, confirmed := r.IntN(2) == 0, r.IntN(2) == 0
		name := fmt.Sprintf("%s of %s (read-only %v) on %s", v.Role, v.OrgID, v.ReadOnly, target)
		if got, want := MayReadPQC(v, target), MayRead(v, KindAsset, Own(v, target)); got != want {
			t.Fatalf("%s: read %v, want %v", name, got, want)
		}
		change := MayChangePQC(v, target)
		if want := MayWrite(v, KindAsset, Own(v, target)); change != want {
			t.Fatalf("%s: change %v, want %v", name, change, want)
		}
		if change && (v.OrgID != target || v.ReadOnly || v.Anonymous()) {
			t.Fatalf("%s: changes another organization's inventory, or with a read-only token", name)
		}
		probe := MayProbe(v, target, registered, confirmed)
		if probe != (registered && confirmed && change) {
			t.Fatalf("%s (registered %v, confirmed %v): probe %v", name, registered, confirmed, probe)
		}
		if MayReadPQCSectors(v) && !v.IsCenter {
			t.Fatalf("%s: a member reads the center's view", name)
		}
		if MaySetPQCMilestones(v) && (!v.IsCenter || v.ReadOnly) {
			t.Fatalf("%s: sets the milestones", name)
		}
	}
}
