package policy

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestInspectableEntriesMatchDecisions is TestRecordFiltersMatchDecisions
// for the audit log, whose entries are filtered in Go: random entries of
// random organizations (and of the hub itself) are narrowed for random
// viewers of every role in the center, a member or the committee (some with
// read-only tokens, and the anonymous reader), and the filter must keep
// exactly, and in order, the entries MayInspectEntry allows; whoever may
// read the whole log (its tiles: MayInspectAudit) keeps every entry.
func TestInspectableEntriesMatchDecisions(t *testing.T) {
	orgs := []string{"identity--center", "identity--committee", "identity--m1", "identity--m2", "identity--m3"}
	for seed := uint64(1); seed <= 5; seed++ {
		r := rand.New(rand.NewPCG(seed, 30))
		type entry struct {
			i   int
			org string
		}
		var es []entry
		for i := range 50 {
			org := "" // the hub or the command line acted
			if r.IntN(6) != 0 {
				org = orgs[r.IntN(len(orgs))]
			}
			es = append(es, entry{i, org})
		}
		for i := range 60 {
			role := Roles[r.IntN(len(Roles))]
			org := orgs[r.IntN(len(orgs))]
			if role == RoleOverseer {
				org = orgs[1]
			}
			v := Person(int64(i+1), org, role, org == orgs[0], nil, r.IntN(4) == 0)
			if i == 0 {
				v = Viewer{}
			}
			got := InspectableEntries(v, es, func(e entry) AuditEntry { return AuditEntry{Org: e.org} })
			var want []entry
			for _, e := range es {
				if MayInspectEntry(v, AuditEntry{Org: e.org}) {
					want = append(want, e)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d, viewer %+v: the filter keeps %v, the policy allows %v", seed, v, got, want)
			}
			if MayInspectAudit(v) && len(got) != len(es) {
				t.Fatalf("seed %d, viewer %+v reads the whole log but the filter keeps %d of %d entries", seed, v, len(got), len(es))
			}
		}
	}
}

// TestAuditInspectionByRole: the oversight committee and the hub
// administrator read every entry, whoever acted; no other role reads any,
// not even of its own organization's acts; nobody reads anonymously.
func TestAuditInspectionByRole(t *testing.T) {
	const own = "identity--reader"
	for _, s := range seats {
		for _, role := range s.roles {
			v := Person(1, own, role, s.isCenter, nil, false)
			want := role == RoleOverseer || role == RoleAdmin && s.isCenter
			for _, org := range []string{own, "identity--other", ""} {
				if got := MayInspectEntry(v, AuditEntry{Org: org}); got != want {
					t.Errorf("%s in the %s, entry of %q: inspects %v, want %v", role, s.seat, org, got, want)
				}
			}
			if got := MayInspectAudit(v); got != want {
				t.Errorf("%s in the %s: reads the whole log %v, want %v", role, s.seat, got, want)
			}
		}
	}
	if MayInspectEntry(Viewer{}, AuditEntry{}) || MayInspectAudit(Viewer{}) {
		t.Error("the anonymous reader inspects the audit log")
	}
}
