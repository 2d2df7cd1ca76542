package advisory_test

import (
	"context"
	"testing"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/auth"
	"renkei/internal/store/storetest"
)

// TestAdvisoryProgressOwnOnly: each recipient of an advisory sees its own
// progress only — the counts of a listing and of one advisory count its own
// row, and its targets are its own row — never how the other recipients
// are doing; the center sees every recipient's.
func TestAdvisoryProgressOwnOnly(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind)
			ctx := context.Background()
			done := e.member(t, "Suido Water", "operator", "water", "mizu")
			acked := e.member(t, "Kita Water", "operator", "water", "kita")
			silent := e.member(t, "Minami Water", "operator", "water", "minami")
			adv, err := e.s.Publish(ctx, e.center, advisory.Advisory{Title: "Patch the VPN appliance", Actions: []string{"apply 7.2.1"},
				Audience: advisory.Audience{Sectors: []string{"water"}}, Due: e.now.Add(time.Hour), Severity: "high"})
			if err != nil {
				t.Fatal(err)
			}
			for _, err := range []error{e.s.Acknowledge(ctx, done, adv.PublicID), e.s.Complete(ctx, done, adv.PublicID, "patched"), e.s.Acknowledge(ctx, acked, adv.PublicID)} {
				if err != nil {
					t.Fatal(err)
				}
			}
			e.now = e.now.Add(2 * time.Hour) // past due: the two not completed are overdue
			for _, c := range []struct {
				name string
				who  auth.Caller
				want advisory.Counts
				rows int
			}{
				{"center", e.center, advisory.Counts{Targets: 3, Acknowledged: 2, Completed: 1, Overdue: 2}, 3},
				{"completed member", done, advisory.Counts{Targets: 1, Acknowledged: 1, Completed: 1}, 1},
				{"acknowledged member", acked, advisory.Counts{Targets: 1, Acknowledged: 1, Overdue: 1}, 1},
				{"silent member", silent, advisory.Counts{Targets: 1, Overdue: 1}, 1},
			} {
				v := e.viewer(c.who)
				l, err := e.s.List(ctx, v, advisory.ListQuery{})
				if err != nil || len(l) != 1 {
					t.Fatalf("%s: list %v %v", c.name, l, err)
				}
				if l[0].Counts != c.want {
					t.Errorf("%s: listing counts %+v, want %+v", c.name, l[0].Counts, c.want)
				}
				a, ts, err := e.s.Get(ctx, v, adv.PublicID)
				if err != nil {
					t.Fatal(err)
				}
				if a.Counts != c.want {
					t.Errorf("%s: advisory counts %+v, want %+v", c.name, a.Counts, c.want)
				}
				if len(ts) != c.rows {
					t.Errorf("%s: %d targets, want %d", c.name, len(ts), c.rows)
				}
				for _, tg := range ts {
					if c.rows == 1 && tg.OrgID != c.who.Org.ID {
						t.Errorf("%s sees the progress of %s", c.name, tg.OrgName)
					}
				}
			}
		})
	}
}
