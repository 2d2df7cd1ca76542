package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"

	"renkei/internal/cases"
	"renkei/internal/hubtest"
	"renkei/internal/incident"
	"renkei/internal/problem"
	"renkei/internal/store/storetest"
)

var publicIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestCaseTasksTemplatesAndLinksThroughTheAPI: through the REST API the
// center opens a case from a shipped template, adds a task for the
// reporter's user, adds a template of its own, and has a link to a record
// that does not exist refused with the problem code the console translates;
// the reporter marks its task done and may not add one.
func TestCaseTasksTemplatesAndLinksThroughTheAPI(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			h := hubtest.New(t, kind, hubtest.WithAudit())
			h.Org("Suido Water", "operator", "water")
			h.User("kanshi", h.Center().ID, "analyst")
			h.User("mizu", "Suido Water", "analyst")
			s := serve(t, h)
			kanshi, mizu := s.as("kanshi"), s.as("mizu")
			filed, err := mizu.FileReport(ctx, incident.Filing{Duties: []string{"art5"}, Type: "art5", Stage: "initial", Category: "ransomware", Title: "Encrypted",
				WhatHappened: "files encrypted", DetectedAt: h.Now.Add(-time.Hour).Format(time.RFC3339), CurrentStatus: "ongoing"})
			if err != nil {
				t.Fatal(err)
			}
			k, err := kanshi.OpenCase(ctx, cases.Case{Template: "ransomware", Source: "report:" + filed.Incident.PublicID})
			if err != nil || len(k.Tasks) != 6 {
				t.Fatalf("open from the template: %+v %v", k, err)
			}
			task, err := kanshi.AddCaseTask(ctx, k.PublicID, cases.NewTask{Title: "Send the VPN logs", Assignee: "mizu", Due: "2026-12-01 17:00"})
			if err != nil || !publicIDRE.MatchString(task.PublicID) {
				t.Fatalf("add a task: %+v %v", task, err)
			}
			if _, err := mizu.AddCaseTask(ctx, k.PublicID, cases.NewTask{Title: "x"}); status(err) != 403 {
				t.Fatalf("the reporter adds a task: %v", err)
			}
			done := true
			if got, err := mizu.SetCaseTask(ctx, k.PublicID, task.PublicID, cases.TaskChange{Done: &done}); err != nil || got.Done.IsZero() {
				t.Fatalf("the reporter marks its task done: %+v %v", got, err)
			}
			_, err = kanshi.ActOnCase(ctx, k.PublicID, cases.Act{Link: &cases.Link{Kind: "object", Ref: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}})
			var ps problem.Problems
			if status(err) != 400 || !errors.As(err, &ps) || ps[0].Code != "link.unknown" {
				t.Fatalf("a link to nothing: %v", err)
			}
			own := json.RawMessage(`{"name": "water-ransomware", "version": 1, "title": {"ja": "水道ランサムウェア"}, "tasks": []}`)
			if _, err := kanshi.PutCaseTemplate(ctx, "water-ransomware", own); err != nil {
				t.Fatal(err)
			}
			ts, err := kanshi.CaseTemplates(ctx)
			if err != nil || len(ts) != 6 {
				t.Fatalf("templates: %d %v", len(ts), err)
			}
			if _, err := mizu.CaseTemplates(ctx); status(err) != 403 {
				t.Fatalf("a member lists templates: %v", err)
			}
		})
	}
}
