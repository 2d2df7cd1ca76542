package incident_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the test reads times in zones other than JST

	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/incident"
	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// env is a hub with the center, a water utility and a power company.
type env struct {
	h      *hubtest.Hub
	s      *incident.Service
	center auth.Caller // analyst of the center
	water  auth.Caller // analyst of the water utility
	power  auth.Caller // analyst of the power company
	now    time.Time
}

func newEnv(t *testing.T, kind string) *env { return newEnvTB(t, kind) }

func newEnvB(b *testing.B) *env { return newEnvTB(b, "sqlite") }

func newEnvTB(t testing.TB, kind string) *env {
	t.Helper()
	now := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC) // 10:00 JST
	h := hubtest.New(t, kind, hubtest.At(now))
	e := &env{h: h, now: now}
	h.App.Now = func() time.Time { return e.now }
	e.s = h.App.Incidents
	for _, o := range []struct{ name, kind, sector, login string }{
		{"Suido Water", "operator", "water", "mizu"},
		{"Kanto Electric", "operator", "energy", "denki"},
	} {
		h.Org(o.name, o.kind, o.sector)
		h.User(o.login, o.name, "analyst")
	}
	h.User("kanshi", h.Center().ID, "analyst")
	e.center, e.water, e.power = h.Caller("kanshi"), h.Caller("mizu"), h.Caller("denki")
	return e
}

func (e *env) viewer(t *testing.T, c auth.Caller) policy.Viewer { return e.h.ViewerOf(c.User.Login) }

func ransomware() incident.Filing {
	yes := true
	return incident.Filing{
		Duties: []string{"art5", "personal-data"}, Type: "art5", Stage: "initial", Category: "ransomware",
		Title: "Ransomware on the SCADA historian", WhatHappened: "Files on the historian were encrypted; a ransom note was left.",
		SystemsAffected: "historian, two engineering workstations", ServiceImpact: "none to water supply",
		DetectedAt: "2026-11-20T08:30:00+09:00", CurrentStatus: "contained", Indicators: []string{"203.0.113.7", "evil.example"},
		TLP: "amber+strict", Consent: "center",
		Details: incident.Details{Family: "LockBit", EncryptedHosts: 3, RansomDemanded: &yes},
	}
}

// TestDeadlineAcrossZones checks deadlines computed in JST, whatever zone the
// start was given in, for both kinds of clock.
func TestDeadlineAcrossZones(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	la, _ := time.LoadLocation("America/Los_Angeles")
	tests := []struct {
		name  string
		stage incident.Stage
		start time.Time
		want  string // in JST
	}{
		{"72 hours from JST morning", incident.Stage{Within: 72 * time.Hour}, time.Date(2026, 11, 20, 8, 30, 0, 0, jst.Zone), "2026-11-23 08:30"},
		{"72 hours is elapsed time, zone does not matter", incident.Stage{Within: 72 * time.Hour}, time.Date(2026, 11, 19, 18, 30, 0, 0, ny), "2026-11-23 08:30"},
		{"30 days: first day not counted, ends 24:00 JST", incident.Stage{Days: 30}, time.Date(2026, 11, 20, 8, 30, 0, 0, jst.Zone), "2026-12-21 00:00"},
		{"days count the JST date, not the UTC date", incident.Stage{Days: 5}, time.Date(2026, 11, 19, 16, 0, 0, 0, time.UTC), "2026-11-26 00:00"},          // 01:00 JST on the 20th
		{"same instant given in UTC on the previous UTC day", incident.Stage{Days: 5}, time.Date(2026, 11, 19, 14, 59, 0, 0, time.UTC), "2026-11-25 00:00"}, // 23:59 JST on the 19th
		{"a US DST change does not move a JST deadline", incident.Stage{Days: 1}, time.Date(2026, 3, 8, 1, 30, 0, 0, ny), "2026-03-10 00:00"},               // 15:30 JST on the 8th
		{"across a US fall-back night", incident.Stage{Within: 48 * time.Hour}, time.Date(2026, 10, 31, 23, 0, 0, 0, la), "2026-11-03 15:00"},
		{"over a year end", incident.Stage{Days: 5}, time.Date(2026, 12, 29, 23, 59, 0, 0, jst.Zone), "2027-01-04 00:00"},
		{"no deadline for updates", incident.Stage{}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.stage.Due(tt.start)
			s := ""
			if !got.IsZero() {
				s = got.In(jst.Zone).Format("2006-01-02 15:04")
			}
			if s != tt.want {
				t.Errorf("Due(%s) = %q, want %q", tt.start, s, tt.want)
			}
		})
	}
}

func TestParseDeadlinesRejects(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"both within and days", "types: [{id: x, stages: [{stage: initial, within: 1h, days: 2}]}]", "either within"},
		{"no initial stage", "types: [{id: x, stages: [{stage: final, days: 2}]}]", "no initial stage"},
		{"unknown field", "types: [{id: x, hours: 3, stages: [{stage: initial}]}]", "hours"},
		{"repeated id", "types: [{id: x, stages: [{stage: initial}]}, {id: x, stages: [{stage: initial}]}]", "repeated"},
		{"unknown stage", "types: [{id: x, stages: [{stage: initial}, {stage: later}]}]", "unknown stage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := incident.ParseDeadlines([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	d := incident.DefaultDeadlines()
	if st := d.Type("art5").Stage("initial"); st == nil || st.Within != 72*time.Hour {
		t.Fatalf("embedded art5 initial = %+v", st)
	}
}

// TestReportJourney files an initial report with STIX objects and an
// attachment, follows it up, and checks deadlines, visibility, the hub
// objects' TLP, and the center's alert.
func TestReportJourney(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind)
			ctx := context.Background()
			f := ransomware()
			f.STIX = []byte(`{"type":"bundle","id":"bundle--6f1f3a5e-3c7e-4a7b-9a4e-1c2d3e4f5a6b","objects":[{"type":"indicator","spec_version":"2.1",
				"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-11-20T00:00:00.000Z","modified":"2026-11-20T00:00:00.000Z",
				"pattern":"[ipv4-addr:value = '203.0.113.7']","pattern_type":"stix","valid_from":"2026-11-20T00:00:00.000Z",
				"object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}]}`)
			pdf := append([]byte("%PDF-1.7\n"), make([]byte, 100)...)
			f.Attachments = []incident.AttachmentIn{{Name: "note.pdf", Content: base64.StdEncoding.EncodeToString(pdf)}}
			r, err := e.s.File(ctx, e.water, f)
			if err != nil {
				t.Fatal(err)
			}
			if r.STIXStored != 1 || r.STIXFailed != 0 {
				t.Fatalf("STIX: stored %d failed %d: %v", r.STIXStored, r.STIXFailed, r.STIXErrors)
			}
			// The indicator is in the hub at the report's TLP, not the CLEAR it came with.
			o, err := e.h.DB.ObjectByID(ctx, e.viewer(t, e.center), "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
			if err != nil {
				t.Fatalf("the center must read the report's AMBER+STRICT indicator: %v", err)
			}
			if o.ACL.TLP != policy.AmberStrict {
				t.Fatalf("indicator TLP = %v, want amber+strict", o.ACL.TLP)
			}
			if _, err := e.h.DB.ObjectByID(ctx, e.viewer(t, e.power), o.ID); err == nil {
				t.Fatal("another member must not read the report's AMBER+STRICT indicator")
			}

			inc, err := e.s.Get(ctx, e.viewer(t, e.water), r.IncidentPublicID)
			if err != nil {
				t.Fatal(err)
			}
			due := map[string]string{}
			for _, d := range inc.Deadlines {
				due[d.Type+"/"+d.Stage] = d.Due.In(jst.Zone).Format("01-02 15:04")
			}
			want := map[string]string{"art5/initial": "11-23 08:30", "art5/final": "12-21 00:00", "personal-data/initial": "11-26 00:00", "personal-data/final": "12-21 00:00"}
			for k, v := range want {
				if due[k] != v {
					t.Errorf("deadline %s = %q, want %q (all: %v)", k, due[k], v, due)
				}
			}
			if len(due) != len(want) {
				t.Errorf("deadlines %v, want %v", due, want)
			}
			if len(inc.Reports) != 1 || len(inc.Reports[0].Attachments) != 1 || inc.Reports[0].Attachments[0].ContentType != "application/pdf" {
				t.Fatalf("reports %+v", inc.Reports)
			}
			if inc.Reports[0].Details.Family != "LockBit" || *inc.Reports[0].Details.RansomDemanded != true {
				t.Fatalf("details lost: %+v", inc.Reports[0].Details)
			}
			a, err := e.s.Attachment(ctx, e.viewer(t, e.center), inc.Reports[0].Attachments[0].PublicID)
			if err != nil || len(a.Data) != len(pdf) {
				t.Fatalf("center reads attachment: %v (%d bytes)", err, len(a.Data))
			}
			if _, err := e.s.Attachment(ctx, e.viewer(t, e.power), a.PublicID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("another member reads the attachment: %v", err)
			}

			// Visibility: the reporter and the center, nobody else.
			if _, err := e.s.Get(ctx, e.viewer(t, e.power), inc.PublicID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("another member gets the incident: %v", err)
			}
			if l, _ := e.s.List(ctx, e.viewer(t, e.power), incident.Query{}); len(l) != 0 {
				t.Fatalf("another member lists %d incidents", len(l))
			}
			if l, _ := e.s.List(ctx, e.viewer(t, e.center), incident.Query{}); len(l) != 1 {
				t.Fatalf("the center lists %d incidents, want 1", len(l))
			}
			alerts, _, _ := e.h.DB.Alerts(ctx, policy.OrgAudience(e.h.Center().ID, false, nil), "", 10, false)
			if len(alerts) != 1 || alerts[0].Kind != "incident-report" {
				t.Fatalf("center alerts %+v", alerts)
			}

			// Four days later the personal-data report is still owed: overdue.
			e.now = e.now.Add(6 * 24 * time.Hour)
			od, err := e.s.Overdue(ctx, e.viewer(t, e.water), e.now)
			if err != nil || len(od) != 1 || od[0].Type != "personal-data" || od[0].Stage != "initial" {
				t.Fatalf("overdue = %+v, %v", od, err)
			}
			if n, err := e.s.AlertOverdue(ctx, e.now); err != nil || n != 1 {
				t.Fatalf("AlertOverdue = %d, %v", n, err)
			}
			if n, _ := e.s.AlertOverdue(ctx, e.now); n != 0 {
				t.Fatalf("a second AlertOverdue alerted %d again", n)
			}
			if l, _ := e.s.List(ctx, e.viewer(t, e.center), incident.Query{OverdueOnly: true}); len(l) != 1 {
				t.Fatalf("overdue listing has %d incidents", len(l))
			}
			// A late follow-up meets it, and is marked late.
			fu := incident.Filing{Incident: inc.PublicID, Type: "personal-data", Stage: "initial", WhatHappened: "Customer e-mail addresses may have been read.", CurrentStatus: "under-investigation"}
			if _, err := e.s.File(ctx, e.water, fu); err != nil {
				t.Fatal(err)
			}
			again, _ := e.s.Get(ctx, e.viewer(t, e.water), inc.PublicID)
			for _, d := range again.Deadlines {
				if d.Type == "personal-data" && d.Stage == "initial" && (!d.Late() || d.Overdue(e.now)) {
					t.Fatalf("the late report: %+v", d)
				}
			}
			if _, err := e.s.File(ctx, e.water, fu); err == nil || !strings.Contains(err.Error(), "filed already") {
				t.Fatalf("filing the same stage twice: %v", err)
			}
			if _, err := e.s.File(ctx, e.power, incident.Filing{Incident: inc.PublicID, Type: "art5", Stage: "update", WhatHappened: "x", CurrentStatus: "ongoing"}); err == nil {
				t.Fatal("another member filed a follow-up to someone else's incident")
			}
		})
	}
}

// TestFilingRejected checks bad filings are refused field by field and
// leave nothing behind.
func TestFilingRejected(t *testing.T) {
	e := newEnv(t, "sqlite")
	ctx := context.Background()
	big := make([]byte, incident.MaxAttachmentBytes+1)
	copy(big, "%PDF-1.7\n")
	exe := append([]byte("MZ\x90\x00"), make([]byte, 64)...)
	tests := []struct {
		name   string
		mutate func(*incident.Filing)
		field  string
		want   string
	}{
		{"missing what happened", func(f *incident.Filing) { f.WhatHappened = " " }, "what_happened", "required"},
		{"missing title", func(f *incident.Filing) { f.Title = "" }, "title", "required"},
		{"unknown type", func(f *incident.Filing) { f.Type = "art99" }, "type", "not a report type"},
		{"unknown duty", func(f *incident.Filing) { f.Duties = []string{"art5", "gossip"} }, "duties[1]", "not a report type"},
		{"no duties", func(f *incident.Filing) { f.Duties = nil }, "duties", "name the reports"},
		{"detected in the future", func(f *incident.Filing) { f.DetectedAt = "2026-12-01T00:00:00+09:00" }, "detected_at", "in the future"},
		{"detected unreadable", func(f *incident.Filing) { f.DetectedAt = "yesterday" }, "detected_at", "not a time"},
		{"aware before detected", func(f *incident.Filing) { f.AwareAt = "2026-11-19T00:00:00+09:00" }, "aware_at", "before detected_at"},
		{"bad status", func(f *incident.Filing) { f.CurrentStatus = "fine" }, "current_status", "not a status"},
		{"bad TLP", func(f *incident.Filing) { f.TLP = "purple" }, "tlp", "unknown TLP"},
		{"attachment too large", func(f *incident.Filing) {
			f.Attachments = []incident.AttachmentIn{{Name: "big.pdf", Content: base64.StdEncoding.EncodeToString(big)}}
		}, "attachments[0]", "larger than the limit"},
		{"attachment of a refused type", func(f *incident.Filing) {
			f.Attachments = []incident.AttachmentIn{{Name: "report.pdf", Content: base64.StdEncoding.EncodeToString(exe)}}
		}, "attachments[0]", "not accepted"},
		{"attachment not base64", func(f *incident.Filing) { f.Attachments = []incident.AttachmentIn{{Name: "a.txt", Content: "!!"}} }, "attachments[0]", "not base64"},
		{"stix not a bundle", func(f *incident.Filing) { f.STIX = []byte(`{"type":"indicator"}`) }, "stix", "bundle"},
		{"unknown critical computer", func(f *incident.Filing) { f.CriticalComputer = "999" }, "critical_computer", "no registered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ransomware()
			tt.mutate(&f)
			_, err := e.s.File(ctx, e.water, f)
			var fe problem.Problems
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want field errors", err)
			}
			found := false
			for _, x := range fe {
				found = found || (x.Field == tt.field && strings.Contains(x.Msg, tt.want))
			}
			if !found {
				t.Fatalf("errors %v lack %s: …%s…", fe, tt.field, tt.want)
			}
		})
	}
	var n int
	for _, tbl := range []string{"incidents", "incident_reports", "incident_deadlines", "report_attachments"} {
		if err := e.h.DB.QueryRow(ctx, "SELECT COUNT(*) FROM "+tbl).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s has %d rows after rejected filings (%v)", tbl, n, err)
		}
	}
	viewerRole := e.water
	viewerRole.User.Role = "viewer"
	if _, err := e.s.File(ctx, viewerRole, ransomware()); !errors.Is(err, hub.ErrForbidden) {
		t.Fatalf("a viewer filed a report: %v", err)
	}
}

func TestCriticalComputerRegister(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind)
			ctx := context.Background()
			cc, err := e.s.Register(ctx, e.water, incident.Computer{Name: "SCADA master", Function: "purification plant control", Ministry: "国土交通省", Vendor: "Yokogawa", Product: "CENTUM VP"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.Register(ctx, e.power, incident.Computer{Name: "EMS", Function: "grid control", Ministry: "経済産業省"}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.Register(ctx, e.power, incident.Computer{Name: "x"}); err == nil || !strings.Contains(err.Error(), "ministry: is required") {
				t.Fatalf("register without ministry: %v", err)
			}
			if _, err := e.s.Change(ctx, e.water, cc.PublicID, incident.Computer{Product: "CENTUM VP R6"}, "upgraded to R6", false); err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.Change(ctx, e.power, cc.PublicID, incident.Computer{}, "steal", false); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("another operator changed the computer: %v", err)
			}
			got, err := e.s.Computer(ctx, e.viewer(t, e.center), cc.PublicID)
			if err != nil || got.Product != "CENTUM VP R6" || len(got.Notices) != 2 || got.Notices[1].Ministry != "国土交通省" {
				t.Fatalf("computer %+v, %v", got, err)
			}
			all, _ := e.s.Computers(ctx, e.viewer(t, e.center), "", false)
			if len(all) != 2 || all[0].Sector != "energy" || all[1].Sector != "water" {
				t.Fatalf("center register by sector: %+v", all)
			}
			water, _ := e.s.Computers(ctx, e.viewer(t, e.center), "water", false)
			own, _ := e.s.Computers(ctx, e.viewer(t, e.power), "", false)
			if len(water) != 1 || len(own) != 1 || own[0].Name != "EMS" {
				t.Fatalf("by sector %d, own %+v", len(water), own)
			}
			if _, err := e.s.Change(ctx, e.water, cc.PublicID, incident.Computer{}, "decommissioned", true); err != nil {
				t.Fatal(err)
			}
			if l, _ := e.s.Computers(ctx, e.viewer(t, e.water), "", false); len(l) != 0 {
				t.Fatalf("a retired computer is still listed: %+v", l)
			}
		})
	}
}
