package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"renkei/internal/approval"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
)

// TestRecordsAccessAcrossOrgKinds is the access property test for
// communications information: users of every role in organizations of every
// kind (put straight into the store, as grants made before the rules would
// be), sources whose approvals are in force, pending, revoked or past their
// end, and purposes from empty to full statements, drawn at random. Each read
// through telemetry.Access must be allowed exactly when the law, written out
// independently here, allows it — a handler of the center, an approval in
// force, a purpose in full — and must then return the source's records and
// be the only thing appended to the audit log.
func TestRecordsAccessAcrossOrgKinds(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= 2; seed++ {
				checkRecordsAccess(t, kind, seed)
			}
		})
	}
}

func checkRecordsAccess(t *testing.T, kind string, seed uint64) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 21))
	db := storetest.Open(t, kind)
	now := time.Now().UTC().Truncate(time.Second)
	clock := now
	if _, err := hub.Bootstrap(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	a := hubtest.App(t, db, hubtest.WithAudit())
	h := a.Hub
	a.Now = func() time.Time { return clock }
	var err error

	// One organization of every kind, the center included.
	orgs := []store.Org{h.Center()}
	for _, k := range store.OrgKinds {
		if k == "center" {
			continue
		}
		o := store.Org{ID: fmt.Sprintf("identity--s%d-%s", seed, k), Name: fmt.Sprintf("s%d %s", seed, k), Kind: k, Created: now}
		if err := db.AddOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o)
	}
	var callers []auth.Caller
	for _, o := range orgs {
		for _, role := range policy.Roles {
			u := store.User{Login: fmt.Sprintf("s%d-%s-%s", seed, o.Kind, role), OrgID: o.ID, Role: string(role), Created: now}
			if u.ID, err = db.AddUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			callers = append(callers, auth.Caller{User: u, Org: o})
		}
	}
	find := func(kind string, role policy.Role) auth.Caller {
		i := slices.IndexFunc(callers, func(c auth.Caller) bool { return c.Org.Kind == kind && c.User.Role == string(role) })
		return callers[i]
	}
	handler, overseer := find("center", policy.RoleHandler), find(policy.OrgKindCommittee, policy.RoleOverseer)

	// Sources under approvals in each state; "expired" ends before the clock moves.
	as := a.Approvals
	inForce := map[string]bool{}
	records := map[string][]int64{}
	for i, state := range []string{"in-force", "pending", "revoked", "expired", "denied"} {
		until := now.Add(30 * 24 * time.Hour)
		if state == "expired" {
			until = now.Add(time.Hour)
		}
		a, err := as.File(ctx, handler, approval.Request{Kind: approval.KindCollectionAgreement, LegalBasis: "operator agreement 2026-7",
			Target: state, Justification: "C2 detection", ValidFrom: now.Add(-time.Hour), ValidUntil: until}, false)
		if err != nil {
			t.Fatal(err)
		}
		if state != "pending" {
			if _, err := as.Decide(ctx, overseer, a.ID, state != "denied", "reasons"); err != nil {
				t.Fatal(err)
			}
		}
		if state == "revoked" {
			if _, err := db.Exec(ctx, "UPDATE approvals SET status = 'revoked' WHERE id = ?", a.ID); err != nil {
				t.Fatal(err)
			}
		}
		src := fmt.Sprintf("src-%d-%s", seed, state)
		if err := telemetry.AddSource(ctx, db, telemetry.Source{ID: src, LegalBasis: telemetry.BasisAgreement, ApprovalRef: fmt.Sprintf("approval-%d", a.ID),
			Retention: 24 * time.Hour, Created: now}); err != nil {
			t.Fatal(err)
		}
		inForce[src] = state == "in-force"
		for j := range 1 + i%3 {
			var id int64
			if err := db.QueryRow(ctx, `INSERT INTO telemetry_records(source_id, src, dst, src_port, dst_port, proto, start_at, end_at, bytes, packets,
				tcp_flags, direction, exporter, received_at, expires_at) VALUES(?, ?, '192.0.2.10', 443, ?, 6, ?, ?, 1200, 4, 27, 'foreign-domestic', '', ?, ?)
				RETURNING id`, src, fmt.Sprintf("203.0.113.%d", j+1), 50000+j, store.Micros(now), store.Micros(now), store.Micros(now),
				store.Micros(now.Add(24*time.Hour))).Scan(&id); err != nil {
				t.Fatal(err)
			}
			records[src] = append(records[src], id)
		}
	}
	clock = now.Add(2 * time.Hour) // "expired" is now past its end

	// Purposes, with whether each says enough, judged by hand.
	purposes := []struct {
		text string
		full bool
	}{
		{"", false}, {"  ", false}, {"x", false}, {"check", false}, {"2026-113-000", false},
		{"incident 2026-113", true}, {"関東電力事案の影響範囲確認", true}, {"scope of the Kanto Electric intrusion", true},
	}
	sources := make([]string, 0, len(inForce))
	for s := range inForce {
		sources = append(sources, s)
	}
	slices.Sort(sources)

	var last uint64
	logged := false
	for range 300 {
		c := callers[r.IntN(len(callers))]
		if r.IntN(4) == 0 {
			c = handler // keep enough allowed reads in the draw
		}
		src := sources[r.IntN(len(sources))]
		p := purposes[r.IntN(len(purposes))]
		want := c.Org.Kind == "center" && c.User.Role == "handler" && inForce[src] && p.full

		got, idx, err := a.Telemetry.Access(ctx, c, src, p.text, 100)
		if (err == nil) != want {
			t.Fatalf("seed %d: %s (%s of a %s organization) reads %s (in force %v) for %q: err %v, want allowed %v",
				seed, c.User.Login, c.User.Role, c.Org.Kind, src, inForce[src], p.text, err, want)
		}
		if err != nil {
			if errors.Is(err, hub.ErrAuditUnavailable) || got != nil {
				t.Fatalf("seed %d: a refusal released records or failed otherwise: %v", seed, err)
			}
			continue
		}
		var ids []int64
		for _, rec := range got {
			ids = append(ids, rec.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, records[src]) {
			t.Fatalf("seed %d: %s read %v from %s, want %v", seed, c.User.Login, ids, src, records[src])
		}
		// Nothing is appended between two allowed reads: refusals are not logged as accesses.
		if logged && idx != last+1 {
			t.Fatalf("seed %d: log index %d after %d: something else was appended", seed, idx, last)
		}
		last, logged = idx, true
	}
	if !logged {
		t.Fatalf("seed %d: no read was allowed: the draw tests nothing", seed)
	}
}
