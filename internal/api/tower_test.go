package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/cases"
	"renkei/internal/client"
	"renkei/internal/hubtest"
	"renkei/internal/incident"
	"renkei/internal/problem"
)

// TestTowerAPI files a report over HTTP, sees a bad one refused field by
// field, and checks who can read what.
func TestTowerAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := hubtest.New(t, "sqlite", hubtest.WithAudit())
	now := h.Now.UTC()
	h.Org("Suido Water", "operator", "water")
	h.Org("Kanto Electric", "operator", "energy")
	h.User("kanshi", h.Center().ID, "analyst")
	h.User("mizu", "Suido Water", "analyst")
	h.User("denki", "Kanto Electric", "analyst")
	s := serve(t, h)
	kanshi, mizu, denki := s.as("kanshi"), s.as("mizu"), s.as("denki")
	detected := now.Add(-time.Hour).Format(time.RFC3339)
	filed, err := mizu.FileReport(ctx, incident.Filing{Duties: []string{"art5"}, Type: "art5", Stage: "initial", Category: "ddos", Title: "Flood",
		WhatHappened: "UDP flood", DetectedAt: detected, CurrentStatus: "ongoing"})
	if err != nil {
		t.Fatalf("file: %v", err)
	}
	id := filed.Incident.PublicID
	if dl := filed.Incident.Deadlines; len(dl) != 2 || dl[0].Overdue {
		t.Fatalf("deadlines %+v", dl)
	}
	_, err = mizu.FileReport(ctx, incident.Filing{Duties: []string{"art5"}, Type: "art5", Stage: "initial", Category: "ddos", WhatHappened: "",
		CurrentStatus: "ongoing", DetectedAt: "2099-01-01T00:00:00Z"})
	var ps problem.Problems
	if status(err) != 400 || !errors.As(err, &ps) {
		t.Fatalf("bad filing: %v", err)
	}
	fields := map[string]bool{}
	for _, p := range ps {
		fields[p.Field] = true
	}
	for _, f := range []string{"title", "what_happened", "detected_at"} {
		if !fields[f] {
			t.Errorf("no error at field %s: %v", f, ps)
		}
	}
	if _, err := kanshi.Incident(ctx, id); err != nil {
		t.Fatalf("center reads the report: %v", err)
	}
	if _, err := denki.Incident(ctx, id); status(err) != 404 {
		t.Fatalf("another member reads the report: %v", err)
	}
	k, err := kanshi.OpenCase(ctx, cases.Case{Title: "Flood at Suido", Source: "report:" + id})
	if err != nil {
		t.Fatalf("open case: %v", err)
	}
	if got, err := kanshi.ActOnCase(ctx, k.PublicID, cases.Act{Status: "responding"}); err != nil || got.Status != "responding" {
		t.Fatalf("act: %v %+v", err, got)
	}
	if l, err := mizu.Cases(ctx, client.CaseQuery{Source: "report:" + id}); err != nil || len(l) != 1 {
		t.Fatalf("reporter's cases: %v %+v", err, l)
	}
	if _, err := mizu.OpenCase(ctx, cases.Case{Title: "x"}); status(err) != 403 {
		t.Fatalf("a member opened a case: %v", err)
	}
	_, err = kanshi.PublishAdvisory(ctx, advisory.Advisory{Title: "Patch", Actions: []string{"patch"}, Audience: advisory.Audience{Sectors: []string{"water"}},
		Due: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	if status(err) != 400 || !strings.Contains(description(err), "in the past") {
		t.Fatalf("advisory due in the past: %v", err)
	}
	if f, err := kanshi.COP(ctx, 0); err != nil || f.OverdueReports != 0 {
		t.Fatalf("cop: %v %+v", err, f)
	}
	if f, err := denki.COP(ctx, 0); err != nil || f.Whole || len(f.IncidentsBySector) != 0 {
		t.Fatalf("another member's picture: %v %+v", err, f)
	}
}
