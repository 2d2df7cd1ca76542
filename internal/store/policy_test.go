package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestFilterMatchesDecide generates organizations, nested groups, objects and
// viewers at random and checks, on each store, that the SQL-filtered listing
// holds exactly the objects the pure decision function allows — through paging
// and counting too.
func TestFilterMatchesDecide(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= 3; seed++ {
				checkFilter(t, storetest.Open(t, kind), seed)
			}
		})
	}
}

func checkFilter(t *testing.T, db *store.DB, seed uint64) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 99))
	now := time.Now().UTC()
	coll := fmt.Sprintf("c-%d", seed)
	if err := db.AddCollection(ctx, store.Collection{ID: coll, Title: coll, Audience: "members", Writable: true, Created: now}); err != nil {
		t.Fatal(err)
	}
	var orgs []store.Org
	for i := range 8 {
		kind := "operator"
		if i == 0 {
			kind = "center"
		}
		o := store.Org{ID: fmt.Sprintf("identity--s%d-o%d", seed, i), Name: fmt.Sprintf("s%d org %d", seed, i), Kind: kind, Created: now}
		if err := db.AddOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o)
	}
	var groups []string
	for i := range 4 {
		g := store.Group{ID: fmt.Sprintf("group-s%d-%d", seed, i), Name: fmt.Sprintf("s%d group %d", seed, i), Created: now}
		for _, o := range orgs {
			if r.IntN(3) == 0 {
				g.MemberOrgs = append(g.MemberOrgs, o.ID)
			}
		}
		if i > 0 && r.IntN(2) == 0 {
			g.MemberGroups = []string{groups[r.IntN(len(groups))]} // nesting
		}
		if err := db.AddGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g.ID)
	}
	var users []store.User
	for i := range 16 {
		u := store.User{Login: fmt.Sprintf("s%d-u%d", seed, i), OrgID: orgs[r.IntN(len(orgs))].ID, Role: string(policy.Roles[r.IntN(len(policy.Roles))]), Created: now}
		id, err := db.AddUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		u.ID = id
		users = append(users, u)
	}
	var objs []store.Object
	for i := range 300 {
		author := users[r.IntN(len(users))]
		acl := policy.ACL{TLP: policy.TLP(r.IntN(5)), AuthorOrg: author.OrgID, SubmitterUser: author.ID, Consent: policy.Consent(r.IntN(3))}
		for range r.IntN(3) {
			switch r.IntN(3) {
			case 0:
				acl.RecipientOrgs = append(acl.RecipientOrgs, orgs[r.IntN(len(orgs))].ID)
			case 1:
				acl.RecipientGroups = append(acl.RecipientGroups, groups[r.IntN(len(groups))])
			case 2:
				acl.RecipientUsers = append(acl.RecipientUsers, users[r.IntN(len(users))].ID)
			}
		}
		objs = append(objs, store.Object{CollectionID: coll, ID: fmt.Sprintf("indicator--%08d-0000-4000-8000-%012d", seed, i), Type: "indicator",
			SpecVersion: "2.1", Created: now, Modified: now, ACL: acl, Raw: []byte("{}")})
	}
	if _, err := db.InsertObjects(ctx, objs, now, "", store.StatusProgress{}); err != nil {
		t.Fatal(err)
	}
	viewers := []policy.Viewer{{}} // anonymous
	for _, u := range users {
		gs, err := db.OrgGroups(ctx, u.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		viewers = append(viewers, policy.Viewer{UserID: u.ID, OrgID: u.OrgID, Role: policy.Role(u.Role), IsCenter: u.OrgID == orgs[0].ID, Groups: gs})
	}
	for _, v := range viewers {
		var want []string
		for _, o := range objs {
			if policy.Decide(v, o.ACL) {
				want = append(want, o.ID)
			}
		}
		var got []string
		q := store.ObjectQuery{Viewer: v, CollectionID: coll, Limit: 7}
		for {
			page, more, err := db.Objects(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page {
				got = append(got, o.ID)
			}
			if !more {
				break
			}
			last := page[len(page)-1]
			q.After = store.Cursor{DateAdded: store.Micros(last.DateAdded), PK: last.PK}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Fatalf("seed %d viewer %+v: SQL listing gives %d objects, Decide allows %d", seed, v, len(got), len(want))
		}
		n, err := db.CountObjects(ctx, store.ObjectQuery{Viewer: v, CollectionID: coll})
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(len(want)) {
			t.Fatalf("seed %d viewer %+v: count %d, want %d", seed, v, n, len(want))
		}
	}
}
