package retention_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/retention"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

// newHub is a hub with an audit log of its own, on a store of kind.
func newHub(t *testing.T, kind string) *hub.Hub {
	t.Helper()
	return hubtest.New(t, kind, hubtest.WithAudit()).Hub
}

// service is the retention of h, as package app builds it.
func service(h *hub.Hub) *retention.Service {
	return &retention.Service{DB: h.DB, Record: h.Record, Center: h.Center(), Now: h.Now}
}

// put stores objects added at the given time.
func put(t *testing.T, h *hub.Hub, added time.Time, objs ...store.Object) {
	t.Helper()
	cs, err := h.DB.Collections(context.Background())
	if err != nil || len(cs) == 0 {
		t.Fatalf("collections: %v", err)
	}
	for i := range objs {
		o := &objs[i]
		o.CollectionID, o.SpecVersion, o.Created, o.Modified = cs[0].ID, "2.1", added, added
		if o.ACL.AuthorOrg == "" {
			o.ACL.AuthorOrg = "identity--member"
		}
		if o.Raw == nil {
			o.Raw, _ = json.Marshal(map[string]any{"type": o.Type, "id": o.ID, "description": "secret content " + o.ID})
		}
	}
	if _, err := h.DB.InsertObjects(context.Background(), objs, added, "", store.StatusProgress{}); err != nil {
		t.Fatal(err)
	}
}

func obj(typ string, n int, tlp policy.TLP) store.Object {
	return store.Object{Type: typ, ID: fmt.Sprintf("%s--00000000-0000-4000-8000-%012d", typ, n), ACL: policy.ACL{TLP: tlp}}
}

func count(t *testing.T, h *hub.Hub, q string, args ...any) int {
	var n int
	if err := h.DB.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestC5RetentionPerObjectClassIsLoggedBeforeDeleting(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			h := newHub(t, kind)
			now := time.Now()
			old := now.Add(-100 * 24 * time.Hour)
			commRaw := func(o store.Object) store.Object {
				o.ACL.AuthorOrg = h.Center().ID
				o.Raw, _ = json.Marshal(map[string]any{"type": "sighting", "id": o.ID, "description": "Matched in communications information (source ix-1)"})
				return o
			}
			put(t, h, old,
				commRaw(obj("sighting", 1, policy.Amber)), commRaw(obj("sighting", 2, policy.Amber)), // old comm sightings: go
				obj("sighting", 3, policy.Amber),  // an old member sighting: stays (no rule for it)
				obj("indicator", 4, policy.Red),   // old RED: goes
				obj("indicator", 5, policy.Green), // old GREEN: stays
				obj("report", 6, policy.Red),      // old RED report: goes
			)
			put(t, h, now, commRaw(obj("sighting", 7, policy.Amber)), obj("indicator", 8, policy.Red)) // new: stay

			admin, err := h.DB.UserByLogin(ctx, "admin")
			if err != nil {
				t.Fatal(err)
			}
			c := auth.Caller{User: admin, Org: h.Center()}
			if err := service(h).SetRules(ctx, c, []retention.Rule{{Name: "everything", Days: 1}}); err == nil {
				t.Errorf("a rule for every object was accepted")
			}
			if err := service(h).SetRules(ctx, c, []retention.Rule{{Name: "x", Type: "indicator", Days: 0}}); err == nil {
				t.Errorf("a rule of 0 days was accepted")
			}
			if err := service(h).SetRules(ctx, c, []retention.Rule{
				{Name: "comm-sightings-90d", Type: retention.ClassCommSighting, Days: 90},
				{Name: "red-60d", TLP: "red", Days: 60},
			}); err != nil {
				t.Fatal(err)
			}
			ds, err := service(h).Expire(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, d := range ds {
				got[d.Rule] = d.Count
			}
			if got["comm-sightings-90d"] != 2 || got["red-60d"] != 2 {
				t.Errorf("deleted %v, want 2 comm sightings and 2 RED objects", got)
			}
			for _, c := range []struct {
				name string
				n    int
				stay bool
			}{{"comm sighting 1", 1, false}, {"comm sighting 2", 2, false}, {"member sighting", 3, true}, {"old red", 4, false},
				{"old green", 5, true}, {"old red report", 6, false}, {"new comm sighting", 7, true}, {"new red", 8, true}} {
				t.Run(c.name, func(t *testing.T) {
					left := count(t, h, "SELECT COUNT(*) FROM objects WHERE stix_id LIKE ?", fmt.Sprintf("%%-%012d", c.n))
					if (left == 1) != c.stay {
						t.Errorf("object %d: %d left, want kept=%v", c.n, left, c.stay)
					}
				})
			}
			// A second run finds nothing more.
			if ds, err := service(h).Expire(ctx, now); err != nil || len(ds) != 0 {
				t.Errorf("second run: %v %v", ds, err)
			}

			// The log has the policy change and each deletion, with counts
			// and hashes and never the content.
			es := readLog(t, h)
			var policyChanges, deletions int
			for _, e := range es {
				switch e.Action {
				case audit.ActionPolicyChange:
					policyChanges++
				case audit.ActionRetentionDelete:
					deletions++
					if e.Detail["count"] != "2" || len(e.Detail["objects_sha256"]) != 64 {
						t.Errorf("deletion entry lacks count or hash: %v", e.Detail)
					}
					b, _ := json.Marshal(e)
					if json.Valid(b) && containsAny(string(b), "secret content", "Matched in") {
						t.Errorf("the log holds content: %s", b)
					}
				}
			}
			if policyChanges != 1 || deletions != 2 {
				t.Errorf("%d policy changes and %d deletions logged, want 1 and 2", policyChanges, deletions)
			}

			// When the log refuses, nothing is deleted.
			put(t, h, old, obj("indicator", 9, policy.Red))
			h.Audit.Close()
			before := count(t, h, "SELECT COUNT(*) FROM objects")
			if _, err := service(h).Expire(ctx, now.Add(400*24*time.Hour)); err == nil {
				t.Errorf("expire without a log succeeded")
			}
			if n := count(t, h, "SELECT COUNT(*) FROM objects"); n != before {
				t.Errorf("unlogged deletions happened: %d objects left of %d", n, before)
			}
		})
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

func readLog(t *testing.T, h *hub.Hub) []audit.Entry {
	t.Helper()
	ctx := context.Background()
	f, _ := audit.NewFetcher(h.Audit.Dir(), nil)
	v, err := audit.NewVerifier(h.Audit.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := h.Audit.Size(ctx)
	var es []audit.Entry
	var scanErr error
	if !testwait.Until(10*time.Second, func() bool {
		es = nil
		cp, err := audit.Scan(ctx, f, []note.Verifier{v}, func(_ uint64, e audit.Entry) error { es = append(es, e); return nil })
		scanErr = err
		return err == nil && cp.Size >= want
	}) {
		t.Fatalf("no checkpoint covering %d entries: %v", want, scanErr)
	}
	return es
}

// TestScheduleRunsAtOnceAndStops: the server's job deletes at start, then
// returns when the server stops.
func TestScheduleRunsAtOnceAndStops(t *testing.T) {
	h := newHub(t, "sqlite")
	put(t, h, time.Now().Add(-10*24*time.Hour), obj("indicator", 1, policy.Red))
	admin, _ := h.DB.UserByLogin(context.Background(), "admin")
	if err := service(h).SetRules(context.Background(), auth.Caller{User: admin, Org: h.Center()}, []retention.Rule{{Name: "red-7d", TLP: "red", Days: 7}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { service(h).Schedule(ctx, time.Hour); close(done) }()
	testwait.For(t, 5*time.Second, "the scheduled job to delete the expired object", func() bool {
		return count(t, h, "SELECT COUNT(*) FROM objects") == 0
	})
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Schedule did not return after its context ended")
	}
}

// TestScheduleTakesOverFromADeadNode: node A runs the schedule, then dies
// — its connection to the store gone, so it neither renews nor gives up its
// lease. Node B's schedule takes the job over once A's lease has run out (a
// lease term, 45 s in service, not the hours of an interval) and deletes
// what is due.
func TestScheduleTakesOverFromADeadNode(t *testing.T) {
	dir := t.TempDir()
	h := hubtest.New(t, "sqlite", hubtest.WithAudit(), hubtest.InDir(dir)).Hub
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const term = 600 * time.Millisecond
	dbA, err := store.Open(ctx, filepath.Join(dir, "renkei.db"))
	if err != nil {
		t.Fatal(err)
	}
	a := service(h)
	a.DB, a.LeaseTerm = dbA, term
	actx, killA := context.WithCancel(ctx)
	go a.Schedule(actx, time.Hour)
	testwait.For(t, 10*time.Second, "node A to hold the lease", func() bool {
		return count(t, h, "SELECT COUNT(*) FROM job_leases WHERE job = ? AND until > ?", retention.LeaseJob, store.Micros(time.Now())) == 1
	})
	dbA.Close() // node A dies
	killA()
	died := time.Now()

	put(t, h, time.Now().Add(-10*24*time.Hour), obj("indicator", 1, policy.Red))
	admin, _ := h.DB.UserByLogin(ctx, "admin")
	if err := service(h).SetRules(ctx, auth.Caller{User: admin, Org: h.Center()}, []retention.Rule{{Name: "red-7d", TLP: "red", Days: 7}}); err != nil {
		t.Fatal(err)
	}
	b := service(h)
	b.LeaseTerm = term
	done := make(chan struct{})
	go func() { b.Schedule(ctx, time.Hour); close(done) }()
	testwait.For(t, 10*time.Second, "node B to take over and delete the expired object", func() bool {
		return count(t, h, "SELECT COUNT(*) FROM objects") == 0
	})
	t.Logf("retention resumed %v after node A died (lease term %v)", time.Since(died).Round(time.Millisecond), term)
	cancel()
	<-done
}
