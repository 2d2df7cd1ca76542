package store_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// BenchmarkObjectsPage measures what one TAXII page costs the store: a brief
// page of 100 latest versions read after a cursor, as the TAXII server reads
// it, in a collection filled by batches that share their date_added (as the
// hub stores them). Cursors fall anywhere in a batch, so a page that starts in
// the middle of one must not scan the rows of the batch before its cursor.
// With versions, a tenth of the objects also have older versions, some of
// them at another TLP, so that "latest over the versions the reader may see"
// has work to do.
func BenchmarkObjectsPage(b *testing.B) {
	for _, kind := range storetest.Kinds(b) {
		for _, versioned := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/versions=%v", kind, versioned), func(b *testing.B) {
				ctx := context.Background()
				db := storetest.Open(b, kind)
				now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
				if err := db.AddCollection(ctx, store.Collection{ID: "c", Title: "c", Audience: "members", Created: now}); err != nil {
					b.Fatal(err)
				}
				const n, batch = 20_000, 2000
				author, reader := "identity--00000000-0000-4000-8000-0000000000a1", "identity--00000000-0000-4000-8000-0000000000b2"
				tlps := []policy.TLP{policy.Clear, policy.Green, policy.Amber, policy.Green}
				obj := func(i, version int, tlp policy.TLP) store.Object {
					t := now.Add(time.Duration(version) * time.Hour)
					return store.Object{CollectionID: "c", ID: fmt.Sprintf("indicator--%08x-0000-4000-8000-000000000000", i), Type: "indicator",
						SpecVersion: "2.1", Created: now, Modified: t, Name: "synthetic", Pattern: "[ipv4-addr:value = '10.0.0.1']",
						ACL: policy.ACL{TLP: tlp, AuthorOrg: author, SubmitterUser: 1, RecipientOrgs: recipients(tlp, reader)}, Raw: []byte(`{"type":"indicator"}`)}
				}
				for start := 0; start < n; start += batch {
					var objs []store.Object
					for i := start; i < start+batch; i++ {
						if versioned && i%10 == 0 {
							objs = append(objs, obj(i, 0, policy.Clear), obj(i, 1, policy.Red))
						}
						objs = append(objs, obj(i, 2, tlps[i%len(tlps)]))
					}
					if _, err := db.InsertObjects(ctx, objs, now.Add(time.Duration(start)*time.Second), "", store.StatusProgress{}); err != nil {
						b.Fatal(err)
					}
				}
				v := policy.Viewer{UserID: 2, OrgID: reader, Role: policy.RoleAnalyst}
				// The cursors of every page, from the start.
				var starts []store.Cursor
				var after store.Cursor
				for {
					starts = append(starts, after)
					var last store.Cursor
					more, err := db.EachObject(ctx, store.ObjectQuery{Viewer: v, CollectionID: "c", After: after, Limit: 100, Brief: true}, func(o *store.Object) error {
						last = store.Cursor{DateAdded: store.Micros(o.DateAdded), PK: o.PK}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
					if !more {
						break
					}
					after = last
				}
				cpu0 := cpuTime()
				for i := 0; b.Loop(); i++ {
					rows := 0
					_, err := db.EachObject(ctx, store.ObjectQuery{Viewer: v, CollectionID: "c", After: starts[i%len(starts)], Limit: 100, Brief: true}, func(*store.Object) error {
						rows++
						return nil
					})
					if err != nil || rows == 0 {
						b.Fatalf("page %d: %d rows, %v", i%len(starts), rows, err)
					}
				}
				// On a shared machine wall time is noisy; this process's CPU
				// time much less so.
				b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
			})
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// recipients addresses AMBER objects to the reader's organization, so that
// the reader sees a mix of levels and the filter's every branch is taken.
func recipients(tlp policy.TLP, org string) []string {
	if tlp == policy.Amber {
		return []string{org}
	}
	return nil
}
