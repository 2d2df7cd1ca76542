package policy

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// randomFederationCase draws an agreement and an object over a few orgs,
// types, partners and hubs, so that every branch is met often.
func randomFederationCase(r *rand.Rand) (Agreement, string, string, Outbound) {
	orgs := []string{"identity--a", "identity--b", "identity--c", "identity--center"}
	types := []string{"indicator", "malware", "sighting", "report"}
	partners := []string{"", "p1", "p2"}
	hubs := []string{"", "hub-a", "hub-b"}
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	some := func(xs []string) []string {
		var out []string
		for _, x := range xs {
			if r.IntN(2) == 0 {
				out = append(out, x)
			}
		}
		return out
	}
	a := Agreement{TLPMax: TLP(r.IntN(3)), ArrivalTLP: TLP(r.IntN(5)), Types: some(types), Orgs: some(orgs)}
	a.AmberRecipient = a.TLPMax == Amber && r.IntN(2) == 0
	acl := ACL{TLP: TLP(r.IntN(5)), AuthorOrg: pick(orgs), Consent: Consent(r.IntN(3))}
	if r.IntN(5) == 0 {
		acl.RecipientOrgs = []string{pick(orgs)}
	}
	if r.IntN(8) == 0 {
		acl.RecipientGroups = []string{"group-x"}
	}
	if r.IntN(8) == 0 {
		acl.RecipientUsers = []int64{7}
	}
	o := Outbound{ACL: acl, Type: pick(types), FromPartner: pick(partners), OriginHub: pick(hubs)}
	return a, pick(partners[1:]), pick(hubs), o
}

// TestNothingLeavesAgainstItsAgreement: over random agreements and objects,
// an object leaves only when every rule of the agreement lets it — never
// AMBER+STRICT or RED, never above the agreement's TLP, AMBER only to a
// partner named as its recipient, never addressed to named recipients,
// only of the agreement's types, only of consenting organizations, and
// never back to the partner or the hub it came from.
func TestNothingLeavesAgainstItsAgreement(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 49))
	left := 0
	for range 200000 {
		a, partner, hub, o := randomFederationCase(r)
		if err := a.Check(); err != nil {
			t.Fatalf("drawn agreement %+v: %v", a, err)
		}
		why := MayLeave(a, partner, hub, o)
		allowed := o.ACL.TLP <= Amber && o.ACL.TLP <= a.TLPMax &&
			(o.ACL.TLP != Amber || a.AmberRecipient) &&
			len(o.ACL.RecipientOrgs)+len(o.ACL.RecipientGroups)+len(o.ACL.RecipientUsers) == 0 &&
			(len(a.Types) == 0 || slices.Contains(a.Types, o.Type)) &&
			slices.Contains(a.Orgs, o.ACL.AuthorOrg) &&
			o.FromPartner != partner && (hub == "" || o.OriginHub != hub)
		if (why == "") != allowed {
			t.Fatalf("MayLeave(%+v, %q, %q, %+v) = %q; the agreement's rules say allowed=%v", a, partner, hub, o, why, allowed)
		}
		if why == "" {
			left++
			if o.ACL.TLP >= AmberStrict {
				t.Fatalf("%s left for a partner", o.ACL.TLP.Label())
			}
		}
	}
	if left == 0 {
		t.Fatal("no drawn object ever left: the test draws nothing useful")
	}
}

// TestArrivalIsRecheckedAndNeverLowersTLP: what a partner sends is held to
// the same TLP bounds on arrival, and is stored at least as restricted as
// it came and as the agreement's arrival marking.
func TestArrivalIsRecheckedAndNeverLowersTLP(t *testing.T) {
	r := rand.New(rand.NewPCG(49, 15))
	for range 50000 {
		a, _, _, o := randomFederationCase(r)
		got, why := MayArrive(a, o.ACL.TLP, o.Type)
		accept := o.ACL.TLP <= a.TLPMax && o.ACL.TLP <= Amber && (o.ACL.TLP != Amber || a.AmberRecipient)
		if (why == "") != accept {
			t.Fatalf("MayArrive(%+v, %s) = %q; want accepted=%v", a, o.ACL.TLP, why, accept)
		}
		if why == "" && (got < o.ACL.TLP || got < a.ArrivalTLP) {
			t.Fatalf("MayArrive(%+v, %s) stores it as %s, less restricted than it came or than the agreement marks", a, o.ACL.TLP, got)
		}
	}
}

// TestAgreementsNeverLetStrictOrRedLeave: an agreement naming AMBER+STRICT
// or RED as what may leave is refused when it is made.
func TestAgreementsNeverLetStrictOrRedLeave(t *testing.T) {
	for _, tlp := range []TLP{AmberStrict, Red} {
		if err := (Agreement{TLPMax: tlp}).Check(); err == nil {
			t.Errorf("an agreement with tlp_max %s was accepted", tlp)
		}
	}
	if err := (Agreement{TLPMax: Green, AmberRecipient: true}).Check(); err == nil {
		t.Error("amber_recipient without tlp_max amber was accepted")
	}
}

// TestOnlyTheCenterKeepsPartners: the center's administrators and the hub
// administrator keep partners; the committee and the center's analysts see
// them; members see nothing of them.
func TestOnlyTheCenterKeepsPartners(t *testing.T) {
	for _, c := range []struct {
		name       string
		v          Viewer
		keep, sees bool
	}{
		{"hub administrator", Viewer{UserID: 1, Role: RoleAdmin}, true, true},
		{"the system", System(), true, true},
		{"center org-admin", Viewer{UserID: 2, Role: RoleOrgAdmin, IsCenter: true}, true, true},
		{"center org-admin, read-only token", Viewer{UserID: 2, Role: RoleOrgAdmin, IsCenter: true, ReadOnly: true}, false, true},
		{"center analyst", Viewer{UserID: 3, Role: RoleAnalyst, IsCenter: true}, false, true},
		{"overseer", Viewer{UserID: 4, Role: RoleOverseer}, false, true},
		{"member org-admin", Viewer{UserID: 5, Role: RoleOrgAdmin}, false, false},
		{"member analyst", Viewer{UserID: 6, Role: RoleAnalyst}, false, false},
		{"anonymous", Viewer{}, false, false},
	} {
		if got := MayManagePartners(c.v); got != c.keep {
			t.Errorf("%s: MayManagePartners = %v, want %v", c.name, got, c.keep)
		}
		if got := MaySeePartners(c.v); got != c.sees {
			t.Errorf("%s: MaySeePartners = %v, want %v", c.name, got, c.sees)
		}
	}
}
