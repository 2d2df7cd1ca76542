package cop_test

import (
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/auth"
	"renkei/internal/cop"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/incident"
	"renkei/internal/policy"
	"renkei/internal/store/storetest"
)

// TestPicture files incidents on two JST days (one just before midnight JST,
// which is the previous UTC day's afternoon) and checks the figures, the CSV
// and that the SVG charts are well-formed and escape text.
func TestPicture(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 11, 20, 14, 30, 0, 0, time.UTC) // 23:30 JST on the 20th
			th := hubtest.New(t, kind, hubtest.At(now))
			h, db := th.Hub, th.DB
			th.App.Now = func() time.Time { return now }
			th.Org("Suido Water", "operator", "water")
			th.Org("Kanto Electric", "operator", "energy")
			th.Org("Minato City", "local-government", "")
			for _, u := range [][2]string{{"kanshi", h.Center().ID}, {"mizu", "Suido Water"}, {"denki", "Kanto Electric"}} {
				th.User(u[0], u[1], "analyst")
			}
			call := func(l string) auth.Caller { c, _ := incident.Caller(ctx, db, l); return c }
			inc := th.App.Incidents
			file := func(login, cat string) {
				_, err := inc.File(ctx, call(login), incident.Filing{Duties: []string{"art5"}, Type: "art5", Stage: "initial", Category: cat,
					Title: "t", WhatHappened: "w", DetectedAt: "2026-11-18T09:00:00+09:00", CurrentStatus: "ongoing"})
				if err != nil {
					t.Fatal(err)
				}
			}
			file("mizu", "ddos")
			now = now.Add(time.Hour) // 00:30 JST on the 21st
			file("mizu", "ransomware")
			file("denki", "ransomware")
			adv := th.App.Advisories
			a, err := adv.Publish(ctx, call("kanshi"), advisory.Advisory{Title: `=HYPERLINK("x") <b>`, Actions: []string{"patch"}, Audience: advisory.Audience{All: true}, Due: now.Add(48 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			adv.Acknowledge(ctx, call("mizu"), a.PublicID)
			now = now.Add(73 * time.Hour)
			v, _ := h.Viewer(ctx, call("kanshi"))
			f, err := cop.Compute(ctx, h.DB, h.Now(), v, cop.Window(now, 7))
			if err != nil {
				t.Fatal(err)
			}
			day := map[string]int{}
			for _, c := range f.IncidentsPerDay {
				day[c.Key] = c.Value
			}
			if len(f.IncidentsPerDay) != 7 || day["2026-11-20"] != 1 || day["2026-11-21"] != 2 {
				t.Fatalf("incidents per JST day: %v", f.IncidentsPerDay)
			}
			if len(f.IncidentsBySector) != 2 || f.IncidentsBySector[0] != (cop.Count{Key: "water", Value: 2}) {
				t.Fatalf("by sector %v", f.IncidentsBySector)
			}
			if len(f.OpenAdvisories) != 1 || f.OpenAdvisories[0].Targets != 3 || f.OpenAdvisories[0].Acknowledged != 1 {
				t.Fatalf("advisories %+v", f.OpenAdvisories)
			}
			if f.OverdueReports != 0 {
				t.Fatalf("overdue %d: every initial report was filed with its incident", f.OverdueReports)
			}
			var buf strings.Builder
			if err := f.WriteCSV(&buf); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range recs {
				if r[0] == "incidents_by_sector" && r[2] == "energy" && r[3] == "1" {
					found = true
				}
				if strings.HasPrefix(r[2], "=") {
					t.Errorf("formula in CSV: %q", r)
				}
			}
			if !found || recs[0][0] != "figure" {
				t.Fatalf("CSV:\n%s", buf.String())
			}
			for name, svg := range map[string]string{
				"time":     cop.TimeChart("Incidents & alerts", cop.Series{Name: "incidents", Counts: f.IncidentsPerDay}, cop.Series{Name: "alerts", Counts: f.AlertsPerDay}),
				"sector":   cop.BarChart("By sector <x>", f.IncidentsBySector, "none"),
				"empty":    cop.BarChart("Empty", nil, "none"),
				"progress": cop.ProgressChart("Advisories", f.OpenAdvisories, [3]string{"done", "acked", "addressed"}, "none"),
			} {
				if err := wellFormed(svg); err != nil {
					t.Errorf("%s chart is not well-formed XML: %v\n%s", name, err, svg)
				}
				if strings.Contains(svg, "<b>") || strings.Contains(svg, "<x>") {
					t.Errorf("%s chart does not escape text", name)
				}
			}
			// A member's picture is its own organization's only.
			for _, tt := range []struct {
				login           string
				sectors, acked  int
				targets, totalI int
			}{{"mizu", 1, 1, 1, 2}, {"denki", 1, 0, 1, 1}} {
				mv, _ := h.Viewer(ctx, call(tt.login))
				mf, err := cop.Compute(ctx, h.DB, h.Now(), mv, cop.Window(now, 7))
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, c := range mf.IncidentsPerDay {
					n += c.Value
				}
				if mf.Whole || n != tt.totalI || len(mf.IncidentsBySector) != tt.sectors || len(mf.OpenAdvisories) != 1 ||
					mf.OpenAdvisories[0].Targets != tt.targets || mf.OpenAdvisories[0].Acknowledged != tt.acked {
					t.Fatalf("%s's picture: %d incidents, %+v, %+v", tt.login, n, mf.IncidentsBySector, mf.OpenAdvisories)
				}
			}
			if _, err := cop.Compute(ctx, h.DB, h.Now(), policy.Viewer{}, cop.Window(now, 7)); !errors.Is(err, hub.ErrForbidden) {
				t.Fatalf("an anonymous reader computed the picture: %v", err)
			}
		})
	}
}

func wellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
