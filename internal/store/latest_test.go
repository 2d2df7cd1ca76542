package store_test

import (
	"context"
	"testing"
	"time"

	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestLatestVersion checks that "last" listings follow versions however they
// arrive (newer, older, several in one batch) and leave.
func TestLatestVersion(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			db.AddCollection(ctx, store.Collection{ID: "c", Title: "c", Audience: "members", Created: now})
			acl := policy.ACL{TLP: policy.Clear, AuthorOrg: "identity--a", SubmitterUser: 1}
			v := func(id string, h int) store.Object {
				t := now.Add(time.Duration(h) * time.Hour)
				return store.Object{CollectionID: "c", ID: id, Type: "indicator", SpecVersion: "2.1", Created: now, Modified: t, ACL: acl, Raw: []byte("{}")}
			}
			last := func(id string) time.Time {
				t.Helper()
				objs, _, err := db.Objects(ctx, store.ObjectQuery{CollectionID: "c", IDs: []string{id}})
				if err != nil || len(objs) != 1 {
					t.Fatalf("%s: %d latest versions, %v", id, len(objs), err)
				}
				return objs[0].Modified
			}
			ins := func(objs ...store.Object) {
				t.Helper()
				if _, err := db.InsertObjects(ctx, objs, now, "", store.StatusProgress{}); err != nil {
					t.Fatal(err)
				}
			}
			const a, b = "indicator--00000000-0000-4000-8000-00000000000a", "indicator--00000000-0000-4000-8000-00000000000b"
			ins(v(a, 1))
			ins(v(a, 3))
			ins(v(a, 2)) // an older version arriving late
			if got := last(a); !got.Equal(now.Add(3 * time.Hour)) {
				t.Fatalf("latest of a is %v", got)
			}
			ins(v(b, 5), v(b, 4), v(b, 6)) // several versions in one batch
			if got := last(b); !got.Equal(now.Add(6 * time.Hour)) {
				t.Fatalf("latest of b is %v", got)
			}
			if _, err := db.DeleteObject(ctx, store.ObjectQuery{CollectionID: "c", IDs: []string{a}, Versions: "specific", VersionTimes: []time.Time{now.Add(3 * time.Hour)}}); err != nil {
				t.Fatal(err)
			}
			if got := last(a); !got.Equal(now.Add(2 * time.Hour)) {
				t.Fatalf("after deleting the latest, a's latest is %v", got)
			}
			n, _ := db.CountObjects(ctx, store.ObjectQuery{CollectionID: "c"})
			if n != 2 {
				t.Fatalf("count of latest versions %d, want 2", n)
			}
		})
	}
}
