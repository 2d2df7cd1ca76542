package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestRecordFiltersMatchDecisions is TestFilterMatchesDecide for every other
// kind of record a person can see: random cases, consultations, incidents
// and reports, critical computers, advisories with their targets, and the
// connection points, SBOMs and alerted vulnerability findings of members are
// listed through the policy's SQL filters on each store, for random viewers
// of every role in the center, a member or the committee (some with
// read-only tokens), and each listing must hold exactly the records
// policy.MayRead allows — both the filters alone and the store's own
// listings (Cases, Consultations, Incidents, Computers, Advisories) that the
// capabilities show people. Every kind of the role matrix, for reading and
// writing, is checked the same way through policy.RecordFilter.
func TestRecordFiltersMatchDecisions(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, kind)
			for seed := uint64(1); seed <= 3; seed++ {
				checkRecordFilters(t, db, seed)
			}
		})
	}
}

// recordViewers returns random viewers over orgs, where orgs[0] is the
// center and orgs[1] the committee, and the anonymous reader.
func recordViewers(r *rand.Rand, orgs []string) []policy.Viewer {
	vs := []policy.Viewer{{}}
	for i := range 40 {
		role := policy.Roles[r.IntN(len(policy.Roles))]
		org := orgs[r.IntN(len(orgs))]
		if role == policy.RoleOverseer {
			org = orgs[1]
		}
		vs = append(vs, policy.Person(int64(i+1), org, role, org == orgs[0], nil, r.IntN(4) == 0))
	}
	return vs
}

func checkRecordFilters(t *testing.T, db *store.DB, seed uint64) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 12))
	var orgs []string
	for i := range 6 {
		orgs = append(orgs, fmt.Sprintf("identity--r%d-o%d", seed, i))
	}
	for _, o := range orgs { // the register's listing names each computer's organization
		if err := db.AddOrg(ctx, store.Org{ID: o, Name: o, Kind: "operator"}); err != nil {
			t.Fatal(err)
		}
	}
	pick := func() string { return orgs[r.IntN(len(orgs))] }
	exec := func(q string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := db.QueryRow(ctx, q+" RETURNING id", args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	type rec struct {
		id  int64
		rel func(policy.Viewer) policy.Relation
	}
	own := func(org string) func(policy.Viewer) policy.Relation {
		return func(v policy.Viewer) policy.Relation { return policy.Own(v, org) }
	}
	tag := fmt.Sprintf("seed-%d", seed) // keeps each seed's rows apart
	var cases, consults, incidents, computers, advisories, points, sboms, findings []rec
	for i := range 30 {
		o := pick()
		c := store.ConnectionPoint{OrgID: o, Kind: "vpn", Vendor: tag, Product: "p"}
		if err := db.AddConnectionPoints(ctx, []store.ConnectionPoint{c}); err != nil {
			t.Fatal(err)
		}
		o = pick()
		b := store.SBOM{OrgID: o, Name: tag, Format: "CycloneDX 1.6"}
		if err := db.AddSBOM(ctx, &b, []byte{}, func(string) ([]byte, int, error) { return []byte{}, 0, nil }); err != nil {
			t.Fatal(err)
		}
		sboms = append(sboms, rec{b.ID, own(o)})
		o = pick()
		if _, err := db.Exec(ctx, "INSERT INTO vuln_alerts_sent(org_id, asset, vulnerability, exploited, alert_id, created_at) VALUES(?, ?, ?, 0, ?, 0)", o, tag, fmt.Sprintf("CVE-2026-%05d", i), i+1); err != nil {
			t.Fatal(err)
		}
		findings = append(findings, rec{int64(i + 1), own(o)})
	}
	cps, err := db.ConnectionPointsOf(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cps {
		if c.Vendor == tag {
			points = append(points, rec{c.ID, own(c.OrgID)})
		}
	}
	for range 30 {
		o := pick()
		cases = append(cases, rec{exec("INSERT INTO cases(title, status, severity, org_id, created_by, created_at, updated_at, public_id) VALUES(?, 'new', 'low', ?, 1, 0, 0, ?)", tag, o, store.NewPublicID()), own(o)})
		asker, handler := pick(), pick()
		consults = append(consults, rec{exec("INSERT INTO consultations(org_id, user_id, handler_org, subject, body, kind, status, created_at, updated_at, public_id) VALUES(?, 1, ?, ?, '', 'consultation', 'open', 0, 0, ?)", asker, handler, tag, store.NewPublicID()),
			func(v policy.Viewer) policy.Relation { return policy.ConsultationRel(v, asker, handler) }})
		o = pick()
		incidents = append(incidents, rec{exec("INSERT INTO incidents(org_id, title, category, detected_at, aware_at, tlp, created_by, created_at, public_id) VALUES(?, ?, 'other', 0, 0, 2, 1, 0, ?)", o, tag, store.NewPublicID()), own(o)})
		o = pick()
		computers = append(computers, rec{exec("INSERT INTO critical_computers(public_id, org_id, name, function, ministry, registered_at, updated_at) VALUES(?, ?, ?, 'f', 'm', 0, 0)", store.NewPublicID(), o, tag), own(o)})
		id := exec("INSERT INTO advisories(kind, title, due_at, published_by, published_at, public_id) VALUES('advisory', ?, 0, 1, 0, ?)", tag, store.NewPublicID())
		var targets []string
		for _, o := range orgs[2:] {
			if r.IntN(3) == 0 {
				targets = append(targets, o)
				if _, err := db.Exec(ctx, "INSERT INTO advisory_targets(advisory_id, org_id) VALUES(?, ?)", id, o); err != nil {
					t.Fatal(err)
				}
			}
		}
		advisories = append(advisories, rec{id, func(v policy.Viewer) policy.Relation {
			if !v.Anonymous() && slices.Contains(targets, v.OrgID) {
				return policy.RelAddressed
			}
			return 0
		}})
	}
	list := func(q string, args ...any) []int64 {
		t.Helper()
		rows, err := db.Query(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		return ids
	}
	decided := func(rs []rec, may func(policy.Viewer, policy.Relation) bool, v policy.Viewer) []int64 {
		var ids []int64
		for _, x := range rs {
			if may(v, x.rel(v)) {
				ids = append(ids, x.id)
			}
		}
		slices.Sort(ids)
		return ids
	}
	reads := func(k policy.Kind) func(policy.Viewer, policy.Relation) bool {
		return func(v policy.Viewer, rel policy.Relation) bool { return policy.MayRead(v, k, rel) }
	}
	// The targets of every advisory id, for the sweep below.
	targets := map[int64][]string{}
	rows, err := db.Query(ctx, "SELECT advisory_id, org_id FROM advisory_targets")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var o string
		if err := rows.Scan(&id, &o); err != nil {
			t.Fatal(err)
		}
		targets[id] = append(targets[id], o)
	}
	rows.Close()
	for _, v := range recordViewers(r, orgs) {
		for _, c := range []struct {
			name  string
			rs    []rec
			table string
			alias string
			where func(policy.Viewer) (string, []any)
			may   func(policy.Viewer, policy.Relation) bool
		}{
			{"cases", cases, "cases", "k", func(v policy.Viewer) (string, []any) { return policy.CaseFilter(v, "k") }, reads(policy.KindCase)},
			{"consultations", consults, "consultations", "c", func(v policy.Viewer) (string, []any) { return policy.ConsultationFilter(v, "c") }, reads(policy.KindConsultation)},
			{"incidents", incidents, "incidents", "i", func(v policy.Viewer) (string, []any) { return policy.IncidentFilter(v, "i.org_id") }, reads(policy.KindIncident)},
			{"critical computers", computers, "critical_computers", "c", func(v policy.Viewer) (string, []any) { return policy.ComputerFilter(v, "c.org_id") }, reads(policy.KindComputer)},
			{"advisories", advisories, "advisories", "a", func(v policy.Viewer) (string, []any) { return policy.AdvisoryFilter(v, "a") }, reads(policy.KindAdvisory)},
		} {
			col := "title"
			if c.table == "consultations" {
				col = "subject"
			} else if c.table == "critical_computers" {
				col = "name"
			}
			cond, args := c.where(v)
			got := list("SELECT "+c.alias+".id FROM "+c.table+" "+c.alias+" WHERE "+c.alias+"."+col+" = ? AND "+cond, append([]any{tag}, args...)...)
			if want := decided(c.rs, c.may, v); !slices.Equal(got, want) {
				t.Fatalf("seed %d, %s, viewer %+v: SQL lists %v, the policy allows %v", seed, c.name, v, got, want)
			}
		}
		checkListings(t, db, v, tag, seed, map[string][]int64{
			"cases": decided(cases, reads(policy.KindCase), v), "consultations": decided(consults, reads(policy.KindConsultation), v),
			"incidents": decided(incidents, reads(policy.KindIncident), v), "critical computers": decided(computers, reads(policy.KindComputer), v),
			"advisories":        decided(advisories, reads(policy.KindAdvisory), v),
			"connection points": decided(points, reads(policy.KindAsset), v), "SBOMs": decided(sboms, reads(policy.KindAsset), v)})
		// The findings alerted to a member (vuln_alerts_sent, keyed by alert
		// id here) through the assets' filter.
		cond, args := policy.AssetFilter(v, "f.org_id")
		got := list("SELECT f.alert_id FROM vuln_alerts_sent f WHERE f.asset = ? AND "+cond, append([]any{tag}, args...)...)
		if want := decided(findings, reads(policy.KindAsset), v); !slices.Equal(got, want) {
			t.Fatalf("seed %d, findings, viewer %+v: SQL lists %v, the policy allows %v", seed, v, got, want)
		}
		// Every kind, for reading and writing, through RecordFilter over the
		// consultations: org_id stands for "own", handler_org for "handles",
		// and an advisory target for "addressed".
		cols := policy.RelCols{policy.RelOwn: "c.org_id = ?", policy.RelHandles: "c.handler_org = ?",
			policy.RelAddressed: "EXISTS (SELECT 1 FROM advisory_targets vt WHERE vt.advisory_id = c.id AND vt.org_id = ?)"}
		for _, k := range policy.Kinds {
			for _, a := range []policy.Access{policy.Read, policy.Write} {
				cond, args := policy.RecordFilter(v, k, a, cols)
				got := list("SELECT c.id FROM consultations c WHERE c.subject = ? AND "+cond, append([]any{tag}, args...)...)
				var want []int64
				for _, x := range consults {
					rel := x.rel(v)
					if !v.Anonymous() && slices.Contains(targets[x.id], v.OrgID) {
						rel |= policy.RelAddressed
					}
					if a == policy.Read && policy.MayRead(v, k, rel) || a == policy.Write && policy.MayWrite(v, k, rel) {
						want = append(want, x.id)
					}
				}
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d, %s %v, viewer %+v: RecordFilter lists %v, the matrix allows %v", seed, k, a, v, got, want)
				}
			}
		}
	}
}

// checkListings lists the records tagged tag that v may see through the
// store's own listings — what the capabilities show people — and fails
// unless each lists exactly the ids the policy allows (want, by listing).
func checkListings(t *testing.T, db *store.DB, v policy.Viewer, tag string, seed uint64, want map[string][]int64) {
	t.Helper()
	ctx := context.Background()
	got := map[string][]int64{}
	add := func(name string, id int64, title string) {
		if title == tag {
			got[name] = append(got[name], id)
		}
	}
	ks, err := db.Cases(ctx, v, store.CaseQuery{Limit: 1000})
	for _, k := range ks {
		add("cases", k.ID, k.Title)
	}
	cs, err2 := db.Consultations(ctx, v, "", 1000)
	for _, c := range cs {
		add("consultations", c.ID, c.Subject)
	}
	is, err3 := db.Incidents(ctx, v, store.IncidentQuery{Limit: 1000})
	for _, i := range is {
		add("incidents", i.ID, i.Title)
	}
	ccs, err4 := db.Computers(ctx, v, "", true)
	for _, c := range ccs {
		add("critical computers", c.ID, c.Name)
	}
	as, err5 := db.Advisories(ctx, v, store.AdvisoryQuery{Limit: 1000}, time.Now())
	for _, a := range as {
		add("advisories", a.ID, a.Title)
	}
	cps, err6 := db.ConnectionPoints(ctx, v)
	for _, c := range cps {
		add("connection points", c.ID, c.Vendor)
	}
	bs, err7 := db.SBOMs(ctx, v)
	for _, b := range bs {
		add("SBOMs", b.ID, b.Name)
	}
	if err := errors.Join(err, err2, err3, err4, err5, err6, err7); err != nil {
		t.Fatalf("seed %d, viewer %+v: listings: %v", seed, v, err)
	}
	for name, ids := range want {
		slices.Sort(got[name])
		if !slices.Equal(got[name], ids) {
			t.Fatalf("seed %d, %s, viewer %+v: the store's listing shows %v, the policy allows %v", seed, name, v, got[name], ids)
		}
	}
}
