package api_test

import (
	"context"
	"testing"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/hubtest"
	"renkei/internal/store/storetest"
)

// TestAdvisoryProgressOwnOnly: over the API a recipient of an advisory
// reads its own progress only — counts and targets — and the center every
// recipient's.
func TestAdvisoryProgressOwnOnly(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := hubtest.New(t, kind, hubtest.WithAudit())
			now := h.Now.UTC()
			h.Org("Suido Water", "operator", "water")
			h.Org("Kita Water", "operator", "water")
			h.User("kanshi", h.Center().ID, "analyst")
			h.User("mizu", "Suido Water", "analyst")
			h.User("kita", "Kita Water", "analyst")
			s := serve(t, h)
			a, err := s.as("kanshi").PublishAdvisory(ctx, advisory.Advisory{Title: "Patch", Actions: []string{"patch"},
				Audience: advisory.Audience{Sectors: []string{"water"}}, Due: now.Add(72 * time.Hour).Truncate(time.Second)})
			if err != nil {
				t.Fatalf("publish: %v", err)
			}
			mizu := s.as("mizu")
			if err := mizu.AcknowledgeAdvisory(ctx, a.PublicID); err != nil {
				t.Fatalf("ack: %v", err)
			}
			if err := mizu.CompleteAdvisory(ctx, a.PublicID, "patched"); err != nil {
				t.Fatalf("complete: %v", err)
			}
			for _, c := range []struct {
				who           string
				targets, done int
			}{{"kanshi", 2, 1}, {"mizu", 1, 1}, {"kita", 1, 0}} {
				l, err := s.as(c.who).Advisories(ctx, "", false)
				if err != nil || len(l) != 1 {
					t.Fatalf("%s: list %v %+v", c.who, err, l)
				}
				if counts := l[0].Counts; counts.Targets != c.targets || counts.Completed != c.done {
					t.Errorf("%s: listing counts %+v, want %v targets, %v completed", c.who, counts, c.targets, c.done)
				}
				got, err := s.as(c.who).Advisory(ctx, a.PublicID)
				if err != nil {
					t.Fatalf("%s: get %v", c.who, err)
				}
				if counts := got.Advisory.Counts; counts.Targets != c.targets || counts.Completed != c.done {
					t.Errorf("%s: advisory counts %+v", c.who, counts)
				}
				if len(got.Targets) != c.targets {
					t.Errorf("%s: %d targets", c.who, len(got.Targets))
				}
			}
		})
	}
}
