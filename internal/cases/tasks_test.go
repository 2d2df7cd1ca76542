package cases_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/cases"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/incident"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/stix"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// submitIndicator stores an indicator of login's organization under marking
// and returns its id.
func submitIndicator(t *testing.T, h *hubtest.Hub, login, marking string) string {
	t.Helper()
	ctx := context.Background()
	coll, err := h.DB.Collection(ctx, hub.MembersCollection)
	if err != nil {
		t.Fatal(err)
	}
	c := h.Caller(login)
	id := stix.NewID("indicator")
	ind := map[string]any{"type": "indicator", "spec_version": "2.1", "id": id, "created": "2026-11-19T00:00:00.000Z", "modified": "2026-11-19T00:00:00.000Z",
		"name": "C2 of the intrusion", "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix", "valid_from": "2026-11-19T00:00:00.000Z",
		"indicator_types": []string{"malicious-activity"}, "object_marking_refs": []string{marking}, "created_by_ref": c.Org.ID}
	body, _ := json.Marshal(map[string]any{"type": "bundle", "id": stix.NewID("bundle"), "objects": []any{ind}})
	st, err := h.Submit(ctx, c, coll, bytes.NewReader(body))
	if err != nil || st.Success != 1 {
		t.Fatalf("%s submits an indicator: %+v %v", login, st, err)
	}
	return id
}

func fileReport(t *testing.T, h *hubtest.Hub, login, category string) string {
	t.Helper()
	r, err := h.App.Incidents.File(context.Background(), h.Caller(login), incident.Filing{Duties: []string{"art5"}, Type: "art5", Stage: "initial", Category: category,
		Title: "Encrypted file servers", WhatHappened: "files encrypted", DetectedAt: "2026-11-20T09:00:00+09:00", CurrentStatus: "ongoing"})
	if err != nil {
		t.Fatal(err)
	}
	return r.IncidentPublicID
}

func codes(err error) []string {
	var ps problem.Problems
	if !errors.As(err, &ps) {
		return nil
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

var publicID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestCaseTasksGoOnlyToOrganizationsOnTheCase: a task is assigned to a user
// of the center or of the organization the case came from, never of another
// member; its due date is read in JST and it is overdue once past; the
// reporting organization sees and marks done only its own users' tasks and
// changes nothing else; another member sees none.
func TestCaseTasksGoOnlyToOrganizationsOnTheCase(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			h, cs := setup(t, kind)
			ctx := context.Background()
			s := h.App.Cases
			k, err := s.Open(ctx, cs["kanshi"], cases.Case{Title: "Ransomware at Suido Water", Source: "report:" + fileReport(t, h, "mizu", "ransomware")})
			if err != nil {
				t.Fatal(err)
			}
			ours, err := s.AddTask(ctx, cs["kanshi"], k.PublicID, cases.NewTask{Title: "Send the VPN logs", Assignee: "mizu", Due: "2026-11-21"})
			if err != nil {
				t.Fatal(err)
			}
			if !publicID.MatchString(ours.PublicID) {
				t.Fatalf("task id %q is not a public id", ours.PublicID)
			}
			if want := time.Date(2026, 11, 21, 14, 59, 0, 0, time.UTC); !ours.Due.Equal(want) {
				t.Fatalf("due %v, want 23:59 JST that day (%v)", ours.Due, want)
			}
			center, err := s.AddTask(ctx, cs["kanshi"], k.PublicID, cases.NewTask{Title: "Check other water utilities", Assignee: "sato", Due: "2026-11-20 09:00"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddTask(ctx, cs["kanshi"], k.PublicID, cases.NewTask{Title: "x", Assignee: "denki"}); !slices.Equal(codes(err), []string{"assignee.not-allowed"}) {
				t.Fatalf("a task for another member's user: %v", err)
			}
			if _, err := s.AddTask(ctx, cs["kanshi"], k.PublicID, cases.NewTask{Title: " ", Due: "next week"}); !slices.Equal(codes(err), []string{"title.required", "due.invalid"}) {
				t.Fatalf("a task without title and with a bad date: %v", err)
			}
			if _, err := s.AddTask(ctx, cs["mizu"], k.PublicID, cases.NewTask{Title: "x"}); !errors.Is(err, problem.ErrForbidden) {
				t.Fatalf("the reporter adds a task: %v", err)
			}

			// Now (10:00 JST) the center's task, due at 09:00 JST, is overdue.
			whole, err := s.Get(ctx, viewer(h, cs["kanshi"]), k.PublicID)
			if err != nil {
				t.Fatal(err)
			}
			if len(whole.Tasks) != 2 || whole.Tasks[0].Overdue || !whole.Tasks[1].Overdue {
				t.Fatalf("center's tasks: %+v", whole.Tasks)
			}
			own, err := s.Get(ctx, viewer(h, cs["mizu"]), k.PublicID)
			if err != nil {
				t.Fatal(err)
			}
			if len(own.Tasks) != 1 || own.Tasks[0].PublicID != ours.PublicID {
				t.Fatalf("the reporter sees tasks %+v, want only its own", own.Tasks)
			}
			done := true
			if _, err := s.SetTask(ctx, cs["mizu"], k.PublicID, center.PublicID, cases.TaskChange{Done: &done}); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the reporter marks the center's task done: %v", err)
			}
			if _, err := s.SetTask(ctx, cs["mizu"], k.PublicID, ours.PublicID, cases.TaskChange{Due: "2026-12-31"}); !errors.Is(err, problem.ErrForbidden) {
				t.Fatalf("the reporter moves its due date: %v", err)
			}
			if _, err := s.SetTask(ctx, cs["denki"], k.PublicID, ours.PublicID, cases.TaskChange{Done: &done}); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("another member marks the task done: %v", err)
			}
			got, err := s.SetTask(ctx, cs["mizu"], k.PublicID, ours.PublicID, cases.TaskChange{Done: &done})
			if err != nil || got.Done.IsZero() {
				t.Fatalf("the reporter marks its task done: %+v %v", got, err)
			}
			if _, err := s.SetTask(ctx, cs["kanshi"], k.PublicID, "1", cases.TaskChange{Done: &done}); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a task by row id: %v", err)
			}
			own, _ = s.Get(ctx, viewer(h, cs["mizu"]), k.PublicID)
			var shared []string
			for _, a := range own.Actions {
				shared = append(shared, a.Kind)
			}
			if !slices.Contains(shared, "task") || !slices.Contains(shared, "task.done") || strings.Contains(strings.Join(shared, " "), "Check other") {
				t.Fatalf("the reporter's timeline: %q", shared)
			}
			for _, a := range own.Actions {
				if strings.Contains(a.Text, "Check other") {
					t.Fatalf("the reporter's timeline shows the center's task: %+v", a)
				}
			}
		})
	}
}

// TestCaseFromTemplateGetsItsTasks: a case opened from a shipped template
// gets the template's tasks in the opener's language, due from the
// opening, the case's assignee on the tasks the template gives it, and says
// which expected links it lacks; the center adds its own template but not
// under a shipped name, and a template with an unknown field is refused.
func TestCaseFromTemplateGetsItsTasks(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			h, cs := setup(t, kind)
			ctx := context.Background()
			s := h.App.Cases
			k, err := s.Open(ctx, cs["kanshi"], cases.Case{Template: "ransomware", Assignee: "sato", Source: "report:" + fileReport(t, h, "mizu", "ransomware")})
			if err != nil {
				t.Fatal(err)
			}
			k, _ = s.Get(ctx, viewer(h, cs["kanshi"]), k.PublicID)
			if k.Title != "ランサムウェア被害への対応" || k.Severity != "high" || k.Template != "ransomware" {
				t.Fatalf("case from the template: %q %q %q", k.Title, k.Severity, k.Template)
			}
			if len(k.Tasks) != 6 || k.Tasks[0].Title != "被害範囲（暗号化された端末・サーバ）の確認" || k.Tasks[0].Assignee != "sato" || k.Tasks[2].Assignee != "" {
				t.Fatalf("tasks: %+v", k.Tasks)
			}
			if want := h.Now.Add(4 * time.Hour); !k.Tasks[0].Due.Equal(want) {
				t.Fatalf("first task due %v, want %v", k.Tasks[0].Due, want)
			}
			ts, err := s.Templates(ctx, viewer(h, cs["kanshi"]))
			if err != nil {
				t.Fatal(err)
			}
			var tmpl cases.Template
			for _, x := range ts {
				if x.Name == "ransomware" {
					tmpl = x
				}
			}
			if got := cases.MissingLinks(tmpl, k); !slices.Equal(got, []string{"object", "hunting", "advisory"}) {
				t.Fatalf("missing links %q", got)
			}
			if _, err := s.Open(ctx, cs["kanshi"], cases.Case{Title: "x", Template: "earthquake"}); !slices.Equal(codes(err), []string{"template.unknown"}) {
				t.Fatalf("an unknown template: %v", err)
			}
			own := `{"name": "water-ransomware", "version": 1, "category": "ransomware", "title": {"ja": "水道ランサムウェア", "en": "Water ransomware"},
				"tasks": [{"title": {"ja": "浄水場の制御系の確認", "en": "Check the treatment plant's control systems"}, "due_hours": 2}], "links": ["report"]}`
			if _, err := s.PutTemplate(ctx, cs["mizu"], []byte(own)); !errors.Is(err, problem.ErrForbidden) {
				t.Fatalf("a member adds a template: %v", err)
			}
			if _, err := s.PutTemplate(ctx, cs["kanshi"], []byte(own)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.PutTemplate(ctx, cs["kanshi"], []byte(strings.Replace(own, "water-ransomware", "ransomware", 1))); !slices.Equal(codes(err), []string{"template.shipped"}) {
				t.Fatalf("a template under a shipped name: %v", err)
			}
			if _, err := s.PutTemplate(ctx, cs["kanshi"], []byte(strings.Replace(own, `"links"`, `"linkz"`, 1))); !slices.Equal(codes(err), []string{"template.invalid"}) {
				t.Fatalf("a template with an unknown field: %v", err)
			}
			en := cs["sato"]
			en.User.Lang = "en"
			k2, err := s.Open(ctx, en, cases.Case{Template: "water-ransomware"})
			if err != nil {
				t.Fatal(err)
			}
			if k2.Title != "Water ransomware" || len(k2.Tasks) != 1 || k2.Tasks[0].Title != "Check the treatment plant's control systems" {
				t.Fatalf("case from the center's template, in English: %+v", k2)
			}
		})
	}
}

// TestCaseLinksOnlyWhatItsWorkerMayRead: a link names a record that exists
// and that the worker may read; a record that does not exist and one the
// worker may not read are refused alike, and nothing is linked.
func TestCaseLinksOnlyWhatItsWorkerMayRead(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			h, cs := setup(t, kind)
			ctx := context.Background()
			s := h.App.Cases
			k, err := s.Open(ctx, cs["kanshi"], cases.Case{Title: "C2 at Suido Water"})
			if err != nil {
				t.Fatal(err)
			}
			secret := submitIndicator(t, h, "mizu", policy.MarkingAmberStrict)                                                       // not addressed to the center
			report := fileReport(t, h, "mizu", "ddos")                                                                               // the center reads every report
			green := submitIndicator(t, h, "mizu", policy.MarkingGreen)                                                              // every member reads it
			otherAlert := store.Alert{OrgID: cs["mizu"].Org.ID, Kind: "sighting", Severity: "high", Title: "beacon", Created: h.Now} // the member's own
			if _, err := h.DB.AddAlert(ctx, otherAlert, policy.OrgAudience(cs["mizu"].Org.ID, false, nil)); err != nil {
				t.Fatal(err)
			}
			var alertID string
			if err := h.DB.QueryRow(ctx, "SELECT public_id FROM alerts WHERE org_id = ?", cs["mizu"].Org.ID).Scan(&alertID); err != nil {
				t.Fatal(err)
			}
			for _, l := range []cases.Link{
				{Kind: "object", Ref: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"},
				{Kind: "object", Ref: secret},
				{Kind: "report", Ref: "0123456789abcdef0123456789abcdef"},
				{Kind: "alert", Ref: alertID},
				{Kind: "hunting", Ref: "hunt-package--6f652a43-4229-4e2f-bd2b-c14c03073290"},
				{Kind: "advisory", Ref: "0123456789abcdef0123456789abcdef"},
				{Kind: "consult", Ref: "0123456789abcdef0123456789abcdef"},
				{Kind: "org", Ref: "identity--00000000-0000-4000-8000-000000000000"},
			} {
				_, err := s.Do(ctx, cs["kanshi"], k.PublicID, cases.Act{Link: &l})
				if !slices.Equal(codes(err), []string{"link.unknown"}) {
					t.Errorf("link %s %s: %v, want link.unknown", l.Kind, l.Ref, err)
				}
			}
			for _, l := range []cases.Link{{Kind: "object", Ref: green}, {Kind: "report", Ref: report}, {Kind: "org", Ref: "Suido Water"}} {
				if _, err := s.Do(ctx, cs["kanshi"], k.PublicID, cases.Act{Link: &l}); err != nil {
					t.Errorf("link %s %s: %v", l.Kind, l.Ref, err)
				}
			}
			k, _ = s.Get(ctx, viewer(h, cs["kanshi"]), k.PublicID)
			want := []cases.Link{{Kind: "object", Ref: green}, {Kind: "org", Ref: cs["mizu"].Org.ID}, {Kind: "report", Ref: report}}
			if !slices.Equal(k.Links, want) {
				t.Fatalf("links %+v, want %+v", k.Links, want)
			}
		})
	}
}

// TestReaderForEveryLinkKind: each kind of link has its reader.
func TestReaderForEveryLinkKind(t *testing.T) {
	h, _ := setup(t, "sqlite")
	for _, k := range cases.LinkKinds {
		if h.App.Cases.Readers[k] == nil {
			t.Errorf("no reader for links of kind %s", k)
		}
	}
}
