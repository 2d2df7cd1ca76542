package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/huntpkg"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestCommsRecordFiltersMatchDecisions is TestRecordFiltersMatchDecisions for
// approvals, telemetry sources, kept flow records, hunting packages and their
// runs: random records of each kind are listed through the store's methods,
// whose SQL takes its condition from policy (ApprovalFilter,
// TelemetrySourceFilter, TelemetryRecordFilter, HuntPackageFilter,
// HuntRunFilter), for random viewers of every role
// in organizations of every kind, sector and group, and each listing must hold
// exactly what policy.MayRead allows — for packages with the scope decided by
// huntpkg.InScope, the rule the publisher's alerts and the package pages use.
func TestCommsRecordFiltersMatchDecisions(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, kind)
			for seed := uint64(1); seed <= 3; seed++ {
				checkCommsRecordFilters(t, db, seed)
			}
		})
	}
}

func checkCommsRecordFilters(t *testing.T, db *store.DB, seed uint64) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 29))
	tag := fmt.Sprintf("c%d", seed)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

	// Organizations of every kind and a few sectors (in upper case, as
	// members type them, and outside ASCII: accented, full-width, Japanese),
	// and groups over them.
	var orgs []store.Org
	for i, k := range []string{"center", policy.OrgKindCommittee, "operator", "operator", "medical", "government", "operator"} {
		o := store.Org{ID: fmt.Sprintf("identity--%s-o%d", tag, i), Name: fmt.Sprintf("%s org %d", tag, i), Kind: k,
			Sector: []string{"", "energy", "Energy", "water", "Énergie", "ＷＡＴＥＲ", "電力"}[r.IntN(7)], Created: now}
		if i == 2 || i == 3 { // never lower-cased by SQLite's ASCII-only LOWER
			o.Sector = []string{"Énergie", "ＷＡＴＥＲ"}[i-2]
		}
		if err := db.AddOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o)
	}
	groupsOf := map[string][]string{}
	groups := []string{tag + "-g1", tag + "-g2"}
	for _, o := range orgs {
		for _, g := range groups {
			if r.IntN(3) == 0 {
				if _, err := db.Exec(ctx, "INSERT INTO group_orgs(group_id, org_id) VALUES(?, ?)", g, o.ID); err != nil {
					t.Fatal(err)
				}
				groupsOf[o.ID] = append(groupsOf[o.ID], g)
			}
		}
	}
	pick := func() store.Org { return orgs[r.IntN(len(orgs))] }

	// Approvals filed by random organizations.
	approvals := map[int64]string{} // id → requester
	for range 12 {
		o := pick()
		a, err := db.FileApproval(ctx, store.Approval{Kind: "collection-agreement", RequesterUser: "u", RequesterOrg: o.ID, LegalBasis: "b",
			Target: tag, Justification: "j", ValidFrom: now, ValidUntil: now.Add(time.Hour), Status: "pending", Created: now},
			func(int64) (uint64, error) { return 0, nil })
		if err != nil {
			t.Fatal(err)
		}
		approvals[a.ID] = o.ID
	}
	// Sources, and records kept for one of them.
	for i := range 3 {
		if err := db.AddTelemetrySource(ctx, store.TelemetrySource{ID: fmt.Sprintf("%s-src%d", tag, i), Name: "s", LegalBasis: "agreement",
			ApprovalRef: "approval-1", Directions: []string{"foreign-domestic"}, Retention: time.Hour, Created: now}); err != nil {
			t.Fatal(err)
		}
	}
	var recs []store.TelemetryRecord
	for range 5 {
		recs = append(recs, store.TelemetryRecord{Source: tag + "-src0", Src: "203.0.113.1", Dst: "192.0.2.1", Start: now, End: now,
			Direction: "foreign-domestic", Indicators: []string{"indicator--x"}, Received: now, Expires: now.Add(time.Hour)})
	}
	if _, err := db.KeepTelemetryRecords(ctx, recs); err != nil {
		t.Fatal(err)
	}
	// Packages by random publishers to random scopes.
	type pkg struct {
		publisher string
		scope     []huntpkg.ScopeEntry
	}
	pkgs := map[string]pkg{}
	for i := range 20 {
		p := pkg{publisher: pick().ID}
		for range 1 + r.IntN(2) {
			var e huntpkg.ScopeEntry
			switch r.IntN(5) {
			case 0:
				e = huntpkg.ScopeEntry{Kind: huntpkg.ScopeAll}
			case 1:
				e = huntpkg.ScopeEntry{Kind: huntpkg.ScopeSector, Value: []string{"energy", "water", "rail", "énergie", "ÉNERGIE", "電力"}[r.IntN(6)]}
			case 2:
				e = huntpkg.ScopeEntry{Kind: huntpkg.ScopeOrgKind, Value: []string{"operator", "medical", "government"}[r.IntN(3)]}
			case 3:
				e = huntpkg.ScopeEntry{Kind: huntpkg.ScopeOrg, Value: pick().ID}
			default:
				e = huntpkg.ScopeEntry{Kind: huntpkg.ScopeGroup, Value: groups[r.IntN(len(groups))]}
			}
			p.scope = append(p.scope, e)
		}
		if i < 2 { // addressing the sectors of orgs[2] and orgs[3] as another member types them
			p.scope = append(p.scope, huntpkg.ScopeEntry{Kind: huntpkg.ScopeSector, Value: []string{"énergie", "water"}[i]})
		}
		id := fmt.Sprintf("hunt-package--%s-%d", tag, i)
		scope := make([]store.HuntScope, len(p.scope))
		for j, e := range p.scope {
			scope[j] = store.HuntScope{Kind: e.Kind, Value: e.Value}
		}
		if err := db.PublishHuntPackage(ctx, store.HuntPackage{ID: id, Title: tag, PublisherOrg: p.publisher, PublisherUser: 1, TLP: 1,
			Rules: "[]", Indicators: "[]", Created: now.Add(time.Duration(i) * time.Second), Signed: "x", KeyName: "k"}, scope); err != nil {
			t.Fatal(err)
		}
		pkgs[id] = p
	}

	// Runs of the first packages, reported by random organizations.
	type run struct{ org, publisher string }
	runs := map[string]map[int64]run{} // package → run id → who
	for i := range 8 {
		id := fmt.Sprintf("hunt-package--%s-%d", tag, i)
		runs[id] = map[int64]run{}
		for range r.IntN(5) {
			o := pick()
			rid, err := db.ReportHuntRun(ctx, store.HuntRun{PackageID: id, OrgID: o.ID, UserID: 1, User: "u", RanAt: now, Reported: now, Matches: ""},
				[]store.HuntRuleHits{{RuleID: "r", Title: "t", Hits: 1}})
			if err != nil {
				t.Fatal(err)
			}
			runs[id][rid] = run{o.ID, pkgs[id].publisher}
		}
	}

	for i := range 60 {
		o := pick()
		role := policy.Roles[r.IntN(len(policy.Roles))]
		if role == policy.RoleOverseer {
			o = orgs[1]
		}
		v := policy.Person(int64(i+1), o.ID, role, o.IsCenter(), groupsOf[o.ID], r.IntN(4) == 0)
		if i == 0 {
			v = policy.Viewer{}
		}

		as, err := db.Approvals(ctx, v, "", 10000)
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for _, a := range as {
			if a.Target == tag {
				got = append(got, fmt.Sprint(a.ID))
			}
		}
		for id, org := range approvals {
			if policy.MayRead(v, policy.KindApproval, policy.Own(v, org)) {
				want = append(want, fmt.Sprint(id))
			}
		}
		compare(t, seed, "approvals", v, got, want)

		srcs, err := db.TelemetrySources(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		got, want = nil, nil
		for _, s := range srcs {
			if strings.HasPrefix(s.ID, tag+"-") {
				got = append(got, s.ID)
			}
		}
		if policy.MayRead(v, policy.KindTelemetrySource, 0) {
			want = []string{tag + "-src0", tag + "-src1", tag + "-src2"}
		}
		compare(t, seed, "telemetry sources", v, got, want)

		kept, err := db.TelemetryRecords(ctx, v, tag+"-src0", 100)
		if err != nil {
			t.Fatal(err)
		}
		if n, may := len(kept), policy.MayRead(v, policy.KindTelemetryRecord, 0); (n == len(recs)) != may || (n != 0 && n != len(recs)) {
			t.Fatalf("seed %d, telemetry records, viewer %+v: SQL lists %d of %d, the policy allows reading: %v", seed, v, n, len(recs), may)
		}

		ids, err := db.HuntPackageIDs(ctx, v, 10000)
		if err != nil {
			t.Fatal(err)
		}
		got, want = nil, nil
		for _, id := range ids {
			if strings.HasPrefix(id, "hunt-package--"+tag+"-") {
				got = append(got, id)
			}
		}
		for id, p := range pkgs {
			rel := policy.Own(v, p.publisher)
			if !v.Anonymous() && huntpkg.InScope(o, groupsOf[o.ID], p.scope) {
				rel |= policy.RelAddressed
			}
			if policy.MayRead(v, policy.KindHuntPackage, rel) {
				want = append(want, id)
			}
		}
		compare(t, seed, "hunting packages", v, got, want)

		for id, rs := range runs {
			listed, err := db.HuntRuns(ctx, v, id)
			if err != nil {
				t.Fatal(err)
			}
			got, want = nil, nil
			for _, x := range listed {
				got = append(got, fmt.Sprint(x.ID))
			}
			for rid, x := range rs {
				if policy.MayReadHuntRun(v, policy.HuntRunRel(v, x.org, x.publisher)) {
					want = append(want, fmt.Sprint(rid))
				}
			}
			compare(t, seed, "hunting runs of "+id, v, got, want)
		}
	}
}

func compare(t *testing.T, seed uint64, what string, v policy.Viewer, got, want []string) {
	t.Helper()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("seed %d, %s, viewer %+v: SQL lists %v, the policy allows %v", seed, what, v, got, want)
	}
}
