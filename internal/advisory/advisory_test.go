package advisory_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

type env struct {
	h      *hubtest.Hub
	s      *advisory.Service
	center auth.Caller
	now    time.Time
}

func newEnv(t *testing.T, kind string) *env {
	t.Helper()
	now := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	h := hubtest.New(t, kind, hubtest.At(now))
	e := &env{h: h, s: h.App.Advisories, now: now}
	h.App.Now = func() time.Time { return e.now }
	h.User("kanshi", h.Center().ID, "analyst")
	e.center = h.Caller("kanshi")
	return e
}

// member adds an organization with one analyst named login.
func (e *env) member(t *testing.T, name, kind, sector, login string) auth.Caller {
	e.h.Org(name, kind, sector)
	e.h.User(login, name, "analyst")
	return e.h.Caller(login)
}

func (e *env) viewer(c auth.Caller) policy.Viewer { return e.h.ViewerOf(c.User.Login) }

// TestAdvisoryCountsUnderConcurrentAcks has 40 organizations acknowledge
// (each twice, from two goroutines) and half of them complete, all at once;
// the counts must be exact.
func TestAdvisoryCountsUnderConcurrentAcks(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind)
			ctx := context.Background()
			const n = 40
			var members []auth.Caller
			for i := range n {
				sector := "energy"
				if i%2 == 1 {
					sector = "water"
				}
				members = append(members, e.member(t, fmt.Sprintf("Org %02d", i), "operator", sector, fmt.Sprintf("u%02d", i)))
			}
			outsider := e.member(t, "Hospital", "medical", "medical", "doc")
			a, err := e.s.Publish(ctx, e.center, advisory.Advisory{Title: "Patch the VPN appliance", Actions: []string{"apply 7.2.1", "rotate credentials"},
				Audience: advisory.Audience{Sectors: []string{"energy", "water"}}, Due: e.now.Add(72 * time.Hour), Severity: "high"})
			if err != nil {
				t.Fatal(err)
			}
			if a.Counts.Targets != n {
				t.Fatalf("targets %d, want %d", a.Counts.Targets, n)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 3*n)
			for i, m := range members {
				for range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := e.s.Acknowledge(ctx, m, a.PublicID); err != nil {
							errs <- err
						}
					}()
				}
				if i%2 == 0 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := e.s.Complete(ctx, m, a.PublicID, "patched"); err != nil {
							errs <- err
						}
					}()
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			got, targets, err := e.s.Get(ctx, e.viewer(e.center), a.PublicID)
			if err != nil {
				t.Fatal(err)
			}
			want := advisory.Counts{Targets: n, Acknowledged: n, Completed: n / 2}
			if got.Counts != want {
				t.Fatalf("counts %+v, want %+v", got.Counts, want)
			}
			if len(targets) != n {
				t.Fatalf("center sees %d targets", len(targets))
			}
			// A member sees the advisory and only its own row; an outsider sees nothing.
			_, own, err := e.s.Get(ctx, e.viewer(members[3]), a.PublicID)
			if err != nil || len(own) != 1 || own[0].OrgID != members[3].Org.ID {
				t.Fatalf("member's view: %+v %v", own, err)
			}
			if _, _, err := e.s.Get(ctx, e.viewer(outsider), a.PublicID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("an outsider reads the advisory: %v", err)
			}
			if err := e.s.Acknowledge(ctx, outsider, a.PublicID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("an outsider acknowledged: %v", err)
			}
			if l, _ := e.s.List(ctx, e.viewer(outsider), advisory.ListQuery{}); len(l) != 0 {
				t.Fatalf("outsider lists %d", len(l))
			}
			// After the due date the incomplete ones are overdue.
			e.now = e.now.Add(73 * time.Hour)
			l, _ := e.s.List(ctx, e.viewer(e.center), advisory.ListQuery{})
			if len(l) != 1 || l[0].Counts.Overdue != n/2 {
				t.Fatalf("overdue count: %+v", l)
			}
			alerts, _, _ := e.h.DB.Alerts(ctx, policy.OrgAudience(members[0].Org.ID, false, nil), "", 10, false)
			if len(alerts) != 1 || alerts[0].Kind != "advisory" {
				t.Fatalf("member alerts: %+v", alerts)
			}
		})
	}
}

func TestPublishRejected(t *testing.T) {
	e := newEnv(t, "sqlite")
	ctx := context.Background()
	op := e.member(t, "Kanto Electric", "operator", "energy", "denki")
	e.member(t, "Digital Agency", "government", "", "gov")
	good := func() advisory.Advisory {
		return advisory.Advisory{Title: "t", Actions: []string{"do"}, Audience: advisory.Audience{All: true}, Due: e.now.Add(time.Hour)}
	}
	tests := []struct {
		name   string
		mutate func(*advisory.Advisory)
		want   string
	}{
		{"due in the past", func(a *advisory.Advisory) { a.Due = e.now.Add(-time.Minute) }, "due: 2026-11-20 09:59 JST is in the past"},
		{"no due date", func(a *advisory.Advisory) { a.Due = time.Time{} }, "due: is required"},
		{"no actions", func(a *advisory.Advisory) { a.Actions = []string{" "} }, "actions: name at least one"},
		{"no audience", func(a *advisory.Advisory) { a.Audience = advisory.Audience{} }, "audience: name the audience"},
		{"unknown org", func(a *advisory.Advisory) { a.Audience = advisory.Audience{Orgs: []string{"Nobody"}} }, `audience.orgs[0]: no organization "Nobody"`},
		{"empty sector", func(a *advisory.Advisory) { a.Audience = advisory.Audience{Sectors: []string{"space"}} }, "addresses no member"},
		{"correction without findings", func(a *advisory.Advisory) {
			a.Kind = advisory.KindCorrection
			a.Audience = advisory.Audience{Orgs: []string{"Digital Agency"}}
		}, "findings:"},
		{"correction to an operator", func(a *advisory.Advisory) {
			a.Kind, a.Findings = advisory.KindCorrection, "f"
			a.Audience = advisory.Audience{Orgs: []string{"Kanto Electric"}}
		}, "go to government agencies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := good()
			tt.mutate(&a)
			_, err := e.s.Publish(ctx, e.center, a)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := e.s.Publish(ctx, op, good()); !errors.Is(err, hub.ErrForbidden) {
		t.Fatalf("a member published: %v", err)
	}
	var n int
	e.h.DB.QueryRow(ctx, "SELECT COUNT(*) FROM advisories").Scan(&n)
	if n != 0 {
		t.Fatalf("%d advisories saved by rejected publications", n)
	}
}

// TestCorrectionRequestEvidence follows a correction request to closure.
func TestCorrectionRequestEvidence(t *testing.T) {
	e := newEnv(t, "sqlite")
	ctx := context.Background()
	gov := e.member(t, "Digital Agency", "government", "", "gov")
	a, err := e.s.Publish(ctx, e.center, advisory.Advisory{Kind: advisory.KindCorrection, Title: "MFA on remote access", Campaign: "FY2026 audit 1",
		Findings: "VPN accounts without MFA", Actions: []string{"enforce MFA"}, Audience: advisory.Audience{Orgs: []string{"Digital Agency"}}, Due: e.now.Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.Complete(ctx, gov, a.PublicID, ""); err == nil || !strings.Contains(err.Error(), "evidence") {
		t.Fatalf("completion without evidence: %v", err)
	}
	if err := e.s.Complete(ctx, gov, a.PublicID, "MFA enforced on 2026-11-25; config export attached to case 12"); err != nil {
		t.Fatal(err)
	}
	got, ts, _ := e.s.Get(ctx, e.viewer(e.center), a.PublicID)
	if got.Counts.Completed != 1 || got.Counts.Acknowledged != 1 || !strings.Contains(ts[0].Evidence, "MFA enforced") {
		t.Fatalf("%+v %+v", got.Counts, ts)
	}
}
