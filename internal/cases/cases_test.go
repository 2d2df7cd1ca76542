package cases_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/alert/alerttest"
	"renkei/internal/auth"
	"renkei/internal/cases"
	"renkei/internal/hubtest"
	"renkei/internal/incident"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

func setup(t *testing.T, kind string) (*hubtest.Hub, map[string]auth.Caller) {
	t.Helper()
	now := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	h := hubtest.New(t, kind, hubtest.At(now))
	h.App.Now = func() time.Time { return now }
	h.Org("Suido Water", "operator", "water")
	h.Org("Kanto Electric", "operator", "energy")
	cs := map[string]auth.Caller{}
	for _, u := range [][3]string{{"kanshi", h.Center().ID, "analyst"}, {"sato", h.Center().ID, "analyst"}, {"mizu", "Suido Water", "analyst"}, {"denki", "Kanto Electric", "analyst"}} {
		h.User(u[0], u[1], u[2])
		cs[u[0]] = h.Caller(u[0])
	}
	return h, cs
}

func viewer(h *hubtest.Hub, c auth.Caller) policy.Viewer { return h.ViewerOf(c.User.Login) }

// TestCaseFromReport: the water utility files, the center opens a case from
// the report and works it; the utility sees the status and the shared actions
// only; another member sees nothing.
func TestCaseFromReport(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			h, cs := setup(t, kind)
			ctx := context.Background()
			inc := h.App.Incidents
			r, err := inc.File(ctx, cs["mizu"], incident.Filing{Duties: []string{"art5"}, Type: "art5", Stage: "initial", Category: "ddos",
				Title: "DDoS on the billing portal", WhatHappened: "40 Gbps UDP flood", DetectedAt: "2026-11-20T09:00:00+09:00", CurrentStatus: "ongoing"})
			if err != nil {
				t.Fatal(err)
			}
			s := h.App.Cases
			src := "report:" + r.IncidentPublicID
			k, err := s.Open(ctx, cs["kanshi"], cases.Case{Title: "DDoS on Suido Water", Severity: "high", Source: src})
			if err != nil {
				t.Fatal(err)
			}
			if k.OrgID != cs["mizu"].Org.ID {
				t.Fatalf("case org %q, want the reporter", k.OrgID)
			}
			if _, err := s.Do(ctx, cs["kanshi"], k.PublicID, cases.Act{Assignee: "sato", Status: "investigating", Note: "internal: upstream ISP contacted"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Do(ctx, cs["sato"], k.PublicID, cases.Act{Note: "Mitigation advice sent; filter UDP/123 at the edge.", Shared: true,
				Link: &cases.Link{Kind: "object", Ref: submitIndicator(t, h, "kanshi", policy.MarkingGreen)}}); err != nil {
				t.Fatal(err)
			}
			full, err := s.Get(ctx, viewer(h, cs["kanshi"]), k.PublicID)
			if err != nil {
				t.Fatal(err)
			}
			if full.Assignee != "sato" || full.Status != "investigating" || len(full.Actions) != 6 || len(full.Links) != 3 {
				t.Fatalf("center view: %+v", full)
			}
			own, err := s.Get(ctx, viewer(h, cs["mizu"]), k.PublicID)
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, a := range own.Actions {
				texts = append(texts, a.Text)
				if a.User != "" {
					t.Errorf("the reporter sees who acted: %+v", a)
				}
			}
			if own.Status != "investigating" || own.Assignee != "" || own.Links != nil || len(own.Actions) != 3 || strings.Contains(strings.Join(texts, "|"), "internal") {
				t.Fatalf("reporter view: %+v (actions %q)", own, texts)
			}
			if _, err := s.Get(ctx, viewer(h, cs["denki"]), k.PublicID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("another member reads the case: %v", err)
			}
			if l, _ := s.List(ctx, viewer(h, cs["denki"]), cases.Query{}); len(l) != 0 {
				t.Fatalf("another member lists %d cases", len(l))
			}
			if l, _ := s.List(ctx, viewer(h, cs["mizu"]), cases.Query{Source: src}); len(l) != 1 {
				t.Fatalf("reporter lists %d cases of its report", len(l))
			}
			alerts, _, _ := h.DB.Alerts(ctx, policy.OrgAudience(cs["mizu"].Org.ID, false, nil), "", 10, false)
			alerts = alerttest.InEveryLanguage(t, alerts)
			if len(alerts) != 2 || alerts[0].Kind != "case" || !strings.Contains(alerts[0].Title, "investigating") {
				t.Fatalf("reporter alerts: %+v", alerts)
			}
		})
	}
}

func TestCaseRejects(t *testing.T) {
	h, cs := setup(t, "sqlite")
	ctx := context.Background()
	s := h.App.Cases
	tests := []struct {
		name string
		c    cases.Case
		by   string
		want string
	}{
		{"a member may not open cases", cases.Case{Title: "x"}, "mizu", "forbidden"},
		{"title required", cases.Case{}, "kanshi", "title: is required"},
		{"bad severity", cases.Case{Title: "x", Severity: "apocalyptic"}, "kanshi", "severity"},
		{"assignee outside the center", cases.Case{Title: "x", Assignee: "mizu"}, "kanshi", "not a center user"},
		{"unknown source", cases.Case{Title: "x", Source: "report:999"}, "kanshi", "no report 999"},
		{"bad source kind", cases.Case{Title: "x", Source: "rumour:1"}, "kanshi", "is not report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Open(ctx, cs[tt.by], tt.c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	k, _ := s.Open(ctx, cs["kanshi"], cases.Case{Title: "x"})
	if _, err := s.Do(ctx, cs["kanshi"], k.PublicID, cases.Act{Status: "done"}); err == nil || !strings.Contains(err.Error(), "status") {
		t.Fatalf("bad status: %v", err)
	}
	if _, err := s.Do(ctx, cs["kanshi"], k.PublicID, cases.Act{}); err == nil || !strings.Contains(err.Error(), "nothing to do") {
		t.Fatalf("empty act: %v", err)
	}
}

// TestCaseFromAlertByPublicID: a case opened from an alert names the alert
// by the public id its readers know; the row id, a sequence over every
// organization's alerts, names nothing, so it never travels in a case's
// source or in the alert telling the member about the case.
func TestCaseFromAlertByPublicID(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			h, cs := setup(t, kind)
			ctx := context.Background()
			mizu := cs["mizu"].Org.ID
			row, err := h.DB.AddAlert(ctx, store.Alert{OrgID: mizu, Kind: "sighting", Severity: "high", Title: "beacon seen", Created: h.Now}, policy.OrgAudience(mizu, false, nil))
			if err != nil {
				t.Fatal(err)
			}
			var public string
			if err := h.DB.QueryRow(ctx, "SELECT public_id FROM alerts WHERE id = ?", row).Scan(&public); err != nil {
				t.Fatal(err)
			}
			s := h.App.Cases
			if _, err := s.Open(ctx, cs["kanshi"], cases.Case{Title: "by row id", Source: "alert:" + itoa(row)}); err == nil || !strings.Contains(err.Error(), "no alert") {
				t.Fatalf("opened from the alert's row id: err = %v", err)
			}
			k, err := s.Open(ctx, cs["kanshi"], cases.Case{Title: "beacon at Suido Water", Source: "alert:" + public})
			if err != nil {
				t.Fatal(err)
			}
			if k.OrgID != mizu {
				t.Fatalf("case org %q, want the alerted member %q", k.OrgID, mizu)
			}
		})
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
