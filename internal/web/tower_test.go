package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/auth"
	"renkei/internal/incident"
	"renkei/internal/jst"
)

// TestTowerPages walks the tower's pages as an operator, the center and
// another member, in both languages: a report filed with the form (and one
// refused field by field), a case the operator then sees, an advisory
// acknowledged, a consultation, and the operating picture.
func TestTowerPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	water, center, power := e.as("water-analyst"), e.as("center-analyst"), e.as("power-analyst")
	noMissing := func(who *client, path string, want int) string {
		t.Helper()
		st, body := who.get(path)
		if st != want {
			t.Fatalf("GET %s: %d, want %d\n%s", path, st, want, body)
		}
		if strings.Contains(body, missingMark) {
			t.Fatalf("GET %s (%s) shows a missing key: %s", path, who.lang, body[strings.Index(body, missingMark):][:80])
		}
		return body
	}
	noMissing(water, "/reports", 200)
	st, _, body := water.post("/reports", url.Values{"duties": {"art5"}, "type": {"art5"}, "stage": {"initial"}, "current_status": {"ongoing"}, "tlp": {"amber"}})
	if st != http.StatusBadRequest || !strings.Contains(body, "入力してください") || !strings.Contains(body, `aria-invalid="true"`) {
		t.Fatalf("bad report: %d\n%s", st, body)
	}
	detected := time.Now().In(jst.Zone).Add(-2 * time.Hour).Format("2006-01-02T15:04")
	st, loc, body := water.post("/reports", url.Values{"duties": {"art5", "personal-data"}, "type": {"art5"}, "stage": {"initial"}, "category": {"ransomware"},
		"title": {"Encrypted historian"}, "what_happened": {"Ransom note found"}, "detected_at": {detected}, "current_status": {"contained"},
		"tlp": {"amber"}, "consent": {"center"}, "indicators": {"198.51.100.9\nbad.example"}})
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/reports/") {
		t.Fatalf("file report: %d %q\n%s", st, loc, body)
	}
	page := strings.TrimSuffix(loc, "?ok=filed")
	body = noMissing(water, loc, 200)
	if !strings.Contains(body, "Encrypted historian") || !strings.Contains(body, `id="no-case"`) {
		t.Fatalf("report page:\n%s", body)
	}
	noMissing(power, page, 404)
	noMissing(center, page, 200)
	st, loc, _ = center.post("/cases", url.Values{"title": {"Ransomware at Minato Water"}, "severity": {"high"}, "source": {"report:" + strings.TrimPrefix(page, "/reports/")}})
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/cases/") {
		t.Fatalf("open case: %d %q", st, loc)
	}
	casePage := strings.TrimSuffix(loc, "?ok=opened")
	if st, _, b := center.post(casePage+"/act", url.Values{"status": {"investigating"}, "severity": {"high"}, "note": {"secret internal note"}}); st != http.StatusSeeOther {
		t.Fatalf("act: %d\n%s", st, b)
	}
	body = noMissing(water, page, 200)
	if !strings.Contains(body, "調査中") {
		t.Fatalf("the operator does not see the case status:\n%s", body)
	}
	body = noMissing(water, casePage, 200)
	if strings.Contains(body, "secret internal note") || strings.Contains(body, "center-analyst") {
		t.Fatal("the operator sees the center's internal note or who acted")
	}
	noMissing(power, casePage, 404)
	noMissing(center, "/cases", 200)
	noMissing(water, "/computers", 200)
	if st, _, _ := water.post("/computers", url.Values{"name": {"SCADA"}, "function": {"control"}, "ministry": {"国土交通省"}}); st != http.StatusSeeOther {
		t.Fatalf("register computer: %d", st)
	}
	if st, _, b := water.post("/computers", url.Values{"name": {"x"}}); st != http.StatusBadRequest || !strings.Contains(b, "入力してください") {
		t.Fatalf("register without function: %d", st)
	}
	noMissing(center, "/computers", 200)

	noMissing(center, "/advisories", 200)
	past := time.Now().In(jst.Zone).Add(-time.Hour).Format("2006-01-02T15:04")
	st, _, body = center.post("/advisories", url.Values{"kind": {"advisory"}, "title": {"Patch VPN"}, "actions": {"apply 7.2.11"}, "sectors": {"water"}, "due": {past}, "severity": {"high"}})
	if st != http.StatusBadRequest || !strings.Contains(body, "過去の日付は指定できません") {
		t.Fatalf("advisory due in the past: %d", st)
	}
	due := time.Now().In(jst.Zone).Add(72 * time.Hour).Format("2006-01-02T15:04")
	if st, _, b := center.post("/advisories", url.Values{"kind": {"advisory"}, "title": {"Patch VPN"}, "actions": {"apply 7.2.11"}, "sectors": {"water"}, "due": {due}, "severity": {"high"}}); st != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", st, b)
	}
	advisoryPage := e.newestAdvisory()
	noMissing(water, "/advisories", 200)
	noMissing(water, advisoryPage, 200)
	noMissing(power, advisoryPage, 404)
	if st, _, _ := water.post(advisoryPage+"/ack", nil); st != http.StatusSeeOther {
		t.Fatalf("ack: %d", st)
	}
	if body := noMissing(center, advisoryPage, 200); !strings.Contains(body, "対象 1 ・確認 1 ・完了 0") {
		t.Fatalf("counts on the center's page:\n%s", body)
	}

	noMissing(water, "/consult", 200)
	if st, loc, _ := water.post("/consult", url.Values{"kind": {"support"}, "subject": {"Help"}, "body": {"How do we check the VPN?"}}); st != http.StatusSeeOther {
		t.Fatalf("ask: %d", st)
	} else {
		noMissing(center, strings.TrimSuffix(loc, "?ok=asked"), 200)
	}

	noMissing(center, "/cop", 200)
	if body := noMissing(power, "/cop.csv", 200); strings.Contains(body, "water") {
		t.Fatalf("another member's picture shows the water utility's figures:\n%s", body)
	}
	for _, c := range []string{"timeline", "sectors", "kinds", "advisories"} {
		body := noMissing(center, "/cop/chart/"+c+".svg", 200)
		if !strings.HasPrefix(body, "<svg") {
			t.Fatalf("%s chart: %s", c, body[:60])
		}
	}
	if body := noMissing(center, "/cop.csv", 200); !strings.HasPrefix(body, "figure,date,group,value") || !strings.Contains(body, "incidents_by_sector,,water,1") {
		t.Fatalf("CSV:\n%s", body)
	}
	// The same pages in English.
	for _, c := range []*client{water, center} {
		c.lang = "en"
		for _, p := range []string{"/reports", page, "/computers", "/cases", casePage, "/advisories", advisoryPage, "/consult"} {
			noMissing(c, p, 200)
		}
	}
	noMissing(center, "/cop", 200)
}

// TestCaseLinksFromTheConsoleNameOrganizations (issue 18 point 7): the
// center links a case to an indicator, a hunting package and an
// organization from the case page's form, not only through the API; the
// timeline and the links name the organization, never its identity id.
func TestCaseLinksFromTheConsoleNameOrganizations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	center := e.as("center-analyst")
	st, loc, _ := center.post("/cases", url.Values{"title": {"C2 seen at Minato Water"}, "severity": {"high"}})
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/cases/") {
		t.Fatalf("open a case: %d %s", st, loc)
	}
	casePage := strings.SplitN(loc, "?", 2)[0]
	indicator := submitIndicator(t, center, "C2 seen at Minato Water", "198.51.100.7", "green", nil)
	ctx := context.Background()
	u, _ := e.h.DB.UserByLogin(ctx, "center-analyst")
	adv, err := e.app.Advisories.Publish(ctx, auth.Caller{User: u, Org: e.center}, advisory.Advisory{Title: "SecureGate SSL-VPN: update to 7.0.3", Actions: []string{"update"},
		Audience: advisory.Audience{All: true}, Due: e.app.Now().Add(72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct{ kind, ref string }{
		{"object", indicator},
		{"advisory", adv.PublicID},
		{"org", e.water.ID},
	} {
		center.get(casePage)
		if st, loc, page := center.post(casePage+"/act", url.Values{"link_kind": {l.kind}, "link_ref": {l.ref}}); st != http.StatusSeeOther {
			t.Fatalf("link %s from the console: %d %s %.300s", l.kind, st, loc, page)
		}
	}
	_, page := center.get(casePage)
	timeline := page[strings.Index(page, `id="timeline"`):]
	timeline = timeline[:strings.Index(timeline, "</ol>")]
	if strings.Contains(timeline, e.water.ID) || !strings.Contains(timeline, "Minato Water Works") {
		t.Errorf("the timeline names the organization by its id, or not at all:\n%s", timeline)
	}
	if !strings.Contains(page, `href="/objects/`+indicator+`"`) || !strings.Contains(page, `href="/advisories/`+adv.PublicID+`"`) {
		t.Error("the case page does not link the indicator and the advisory it was linked to")
	}
	if strings.Contains(page, ">"+e.water.ID+"<") {
		t.Error("the case page shows the organization's identity id")
	}
}

// TestCaseLinkFormChecksTheRecord: the console's link form refuses a record
// that does not exist and one the analyst may not read with one message in
// the reader's language, as the API does, and links nothing.
func TestCaseLinkFormChecksTheRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	center := e.as("center-analyst")
	center.lang = "ja"
	_, loc, _ := center.post("/cases", url.Values{"title": {"C2 seen at Minato Water"}, "severity": {"high"}})
	casePage := strings.SplitN(loc, "?", 2)[0]
	secret := submitIndicator(t, e.as("water-analyst"), "Internal C2", "203.0.113.9", "amber+strict", nil)
	for _, ref := range []string{"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", secret} {
		center.get(casePage)
		st, _, page := center.post(casePage+"/act", url.Values{"link_kind": {"object"}, "link_ref": {ref}})
		if st != http.StatusBadRequest || !strings.Contains(page, "閲覧できる object:"+ref+" はありません。") {
			t.Fatalf("link %s: %d, want 400 with the refusal in Japanese\n%.2000s", ref, st, page)
		}
	}
	if _, page := center.get(casePage); strings.Contains(page, secret) {
		t.Error("the case page shows a link that was refused")
	}
}

// TestCaseTasksOnTheConsole: the center adds a task with a JST due date for
// a user of the reporting organization; that organization's analyst sees it
// on the case page, marks it done, and sees no task of the center's.
func TestCaseTasksOnTheConsole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	u, _ := e.h.DB.UserByLogin(ctx, "water-analyst")
	r, err := e.app.Incidents.File(ctx, auth.Caller{User: u, Org: e.water}, incident.Filing{Duties: []string{"art5"}, Type: "art5", Stage: "initial",
		Category: "ransomware", Title: "Ransomware at the plant", WhatHappened: "Encrypted.", DetectedAt: e.app.Now().Add(-time.Hour).Format(time.RFC3339), CurrentStatus: "ongoing"})
	if err != nil {
		t.Fatal(err)
	}
	center := e.as("center-analyst")
	center.get("/reports/" + r.IncidentPublicID)
	st, loc, page := center.post("/cases", url.Values{"title": {"Ransomware at Minato"}, "severity": {"high"}, "source": {"report:" + r.IncidentPublicID}, "template": {"ransomware"}})
	if st != http.StatusSeeOther {
		t.Fatalf("open from the template: %d %.500s", st, page)
	}
	casePage := strings.SplitN(loc, "?", 2)[0]
	center.get(casePage)
	if st, _, page := center.post(casePage+"/tasks", url.Values{"title": {"Send the VPN logs"}, "assignee": {"water-analyst"}, "due": {"2020-01-01"}}); st != http.StatusSeeOther {
		t.Fatalf("add a task: %d %.1000s", st, page)
	}
	center.get(casePage)
	if st, _, page := center.post(casePage+"/tasks", url.Values{"title": {"x"}, "assignee": {"power-analyst"}}); st != http.StatusBadRequest || !strings.Contains(page, "power-analyst") {
		t.Fatalf("a task for another member: %d %.1000s", st, page)
	}
	_, page = center.get(casePage)
	if n := strings.Count(page, `<tr id="task-`); n != 7 {
		t.Fatalf("the center sees %d tasks, want the template's 6 and its own", n)
	}
	if !strings.Contains(page, `class="overdue"`) || !strings.Contains(page, "2020-01-01 23:59") {
		t.Fatalf("the overdue task is not shown as such, with its JST due time:\n%s", page)
	}
	water := e.as("water-analyst")
	_, page = water.get(casePage)
	if n := strings.Count(page, `<tr id="task-`); n != 1 || !strings.Contains(page, "Send the VPN logs") {
		t.Fatalf("the reporter sees %d tasks:\n%s", n, page)
	}
	m := regexp.MustCompile(`action="(/cases/[0-9a-f]+/tasks/[0-9a-f]{32})"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no form to mark the task done")
	}
	if st, _, page := water.post(m[1], url.Values{"done": {"1"}}); st != http.StatusSeeOther {
		t.Fatalf("mark done: %d %.500s", st, page)
	}
	if _, page = water.get(casePage); !strings.Contains(page, `name="done" value="0"`) {
		t.Fatal("the task is not shown done")
	}
}
