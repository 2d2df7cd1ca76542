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

// TestAlertQueriesFilterInsideWhatReaderMaySee raises alerts of random kinds,
// severities, times and subjects (so that some are duplicates of one event),
// marks some read, and checks on each store, for every viewer and random
// queries, that the filtered listing (through paging) gives exactly the
// alerts policy.AlertVisible allows and the query matches, and that the
// grouped listing gives one row per group of them, with the latest alert,
// the count and the unread count of the matching members.
func TestAlertQueriesFilterInsideWhatReaderMaySee(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			checkAlertQueries(t, storetest.Open(t, kind), 3)
		})
	}
}

func checkAlertQueries(t *testing.T, db *store.DB, seed uint64) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 17))
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tag := fmt.Sprintf("q%d", seed)
	w := randomWorld(t, db, r, tag, now)
	coll := "c-" + tag
	if err := db.AddCollection(ctx, store.Collection{ID: coll, Title: coll, Audience: "members", Writable: true, Created: now}); err != nil {
		t.Fatal(err)
	}
	var objs []store.Object
	for i := range 30 {
		objs = append(objs, store.Object{CollectionID: coll, ID: fmt.Sprintf("indicator--%08d-0000-4000-8000-%012d", seed, i), Type: "indicator",
			SpecVersion: "2.1", Created: now, Modified: now, ACL: w.acl(r), Raw: []byte("{}")})
	}
	if _, err := db.InsertObjects(ctx, objs, now, "", store.StatusProgress{}); err != nil {
		t.Fatal(err)
	}
	kinds := []string{"sighting", "vulnerability", "advisory"}
	severities := []string{"info", "medium", "high", "critical"}
	type raised struct {
		store.Alert
		named []policy.ACL
		read  bool
	}
	var alerts []raised
	for i := range 120 {
		org := w.orgs[r.IntN(len(w.orgs))]
		a := raised{Alert: store.Alert{OrgID: org.ID, Kind: kinds[r.IntN(len(kinds))], Severity: severities[r.IntN(len(severities))],
			Title: fmt.Sprintf("alert %d", i), Subject: fmt.Sprintf("CVE-2026-%d", r.IntN(4)), Created: now.Add(time.Duration(r.IntN(10*24)) * time.Hour)}}
		for range r.IntN(2) {
			o := objs[r.IntN(len(objs))]
			a.Objects = append(a.Objects, o.PK)
			a.named = append(a.named, o.ACL)
		}
		id, err := db.AddAlert(ctx, a.Alert, w.audience(t, db, org))
		if err != nil {
			t.Fatal(err)
		}
		a.ID = id
		a.GroupKey = store.AlertGroupKey(a.Alert)
		if r.IntN(3) == 0 {
			a.read = true
			if _, err := db.Exec(ctx, "UPDATE alerts SET read_at = ? WHERE id = ?", store.Micros(now.Add(time.Hour)), id); err != nil {
				t.Fatal(err)
			}
		}
		alerts = append(alerts, a)
	}
	matches := func(q store.AlertQuery, a raised) bool {
		return (q.Kind == "" || a.Kind == q.Kind) && (q.Severity == "" || a.Severity == q.Severity) &&
			(!q.Unread || !a.read) && (!q.ReadOnly || a.read) &&
			(q.Since.IsZero() || !a.Created.Before(q.Since)) && (q.Until.IsZero() || a.Created.Before(q.Until)) &&
			(q.Group == "" || a.GroupKey == q.Group)
	}
	for _, v := range w.viewers {
		for range 8 {
			var q store.AlertQuery
			if r.IntN(2) == 0 {
				q.Kind = kinds[r.IntN(len(kinds))]
			}
			if r.IntN(2) == 0 {
				q.Severity = severities[r.IntN(len(severities))]
			}
			switch r.IntN(3) {
			case 0:
				q.Unread = true
			case 1:
				q.ReadOnly = true
			}
			if r.IntN(2) == 0 {
				q.Since = now.Add(time.Duration(r.IntN(5*24)) * time.Hour)
			}
			if r.IntN(2) == 0 {
				q.Until = now.Add(time.Duration(5*24+r.IntN(5*24)) * time.Hour)
			}
			if r.IntN(4) == 0 {
				q.Group = alerts[r.IntN(len(alerts))].GroupKey
			}
			var want []int64
			type group struct{ latest, n, unread int64 }
			groups := map[string]*group{}
			for _, a := range alerts {
				if !policy.AlertVisible(v, a.OrgID, a.named) || !matches(q, a) {
					continue
				}
				want = append(want, a.ID)
				g := groups[a.GroupKey]
				if g == nil {
					g = &group{}
					groups[a.GroupKey] = g
				}
				g.latest, g.n = max(g.latest, a.ID), g.n+1
				if !a.read {
					g.unread++
				}
			}
			var got []int64
			for after := ""; ; {
				page, next, err := db.AlertsMatching(ctx, v, q, after, 5)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range page {
					got = append(got, a.ID)
				}
				if after = next; next == "" {
					break
				}
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(want, got) {
				t.Fatalf("viewer %+v query %+v: listed %v, want %v", v, q, got, want)
			}
			seen := map[string]bool{}
			var prev int64
			for after := ""; ; {
				page, next, err := db.AlertGroups(ctx, v, q, after, 3)
				if err != nil {
					t.Fatal(err)
				}
				for _, g := range page {
					w := groups[g.Latest.GroupKey]
					if w == nil || seen[g.Latest.GroupKey] || g.Latest.ID != w.latest || g.Count != w.n || g.Unread != w.unread {
						t.Fatalf("viewer %+v query %+v: group %s latest %d count %d unread %d, want %+v", v, q, g.Latest.GroupKey, g.Latest.ID, g.Count, g.Unread, w)
					}
					if prev != 0 && g.Latest.ID >= prev {
						t.Fatalf("viewer %+v query %+v: groups not newest first (%d after %d)", v, q, g.Latest.ID, prev)
					}
					seen[g.Latest.GroupKey], prev = true, g.Latest.ID
				}
				if after = next; next == "" {
					break
				}
			}
			if len(seen) != len(groups) {
				t.Fatalf("viewer %+v query %+v: %d groups, want %d", v, q, len(seen), len(groups))
			}
		}
	}
}

// TestMarkingAGroupReadMarksOnlyWhatReaderMaySee: marking a group read marks
// every unread duplicate the reader may read, and none of another
// organization's alerts, on each store.
func TestMarkingAGroupReadMarksOnlyWhatReaderMaySee(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			for _, id := range []string{"identity--a", "identity--b"} {
				if err := db.AddOrg(ctx, store.Org{ID: id, Name: id, Kind: "member", Created: now}); err != nil {
					t.Fatal(err)
				}
			}
			var key string
			for i := range 3 {
				a := store.Alert{OrgID: "identity--a", Kind: "vulnerability", Severity: "high", Title: fmt.Sprintf("KEV %d", i), Subject: "CVE-2026-1", Created: now.Add(time.Duration(i) * time.Minute)}
				if _, err := db.AddAlert(ctx, a, policy.OrgAudience(a.OrgID, false, nil)); err != nil {
					t.Fatal(err)
				}
				key = store.AlertGroupKey(a)
			}
			other := store.Alert{OrgID: "identity--b", Kind: "vulnerability", Severity: "high", Title: "KEV", Subject: "CVE-2026-1", Created: now}
			if _, err := db.AddAlert(ctx, other, policy.OrgAudience(other.OrgID, false, nil)); err != nil {
				t.Fatal(err)
			}
			if store.AlertGroupKey(other) == key {
				t.Fatal("two organizations' alerts share a group key")
			}
			b := policy.Viewer{UserID: 2, OrgID: "identity--b", Role: policy.RoleAnalyst}
			if n, err := db.MarkAlertGroupsRead(ctx, b, []string{key}, now); err != nil || n != 0 {
				t.Fatalf("another organization marked %d of the group read (%v)", n, err)
			}
			a := policy.Viewer{UserID: 1, OrgID: "identity--a", Role: policy.RoleAnalyst}
			if n, err := db.MarkAlertGroupsRead(ctx, a, []string{key, "not-a-key"}, now); err != nil || n != 3 {
				t.Fatalf("marked %d of the group read (%v), want 3", n, err)
			}
			if n, _ := db.UnreadAlerts(ctx, a); n != 0 {
				t.Fatalf("%d unread after marking the group", n)
			}
			if n, _ := db.UnreadAlerts(ctx, b); n != 1 {
				t.Fatalf("the other organization has %d unread, want 1", n)
			}
		})
	}
}
