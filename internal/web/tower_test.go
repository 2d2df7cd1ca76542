package web

import (
	"net/http"
	"net/url"
	"renkei/internal/jst"
	"strings"
	"testing"
	"time"
)

// TestTowerPages walks the tower's pages as an operator, the center and
// another member, in both languages: a report filed with the form (and one
// refused field by field), a case the operator then sees, an advisory
// acknowledged, a consultation, and the operating picture.
func TestTowerPages(t *testing.T) {
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
	for _, l := range []struct{ kind, ref string }{
		{"object", "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"},
		{"hunting", "hunt-package--6f652a43-4229-4e2f-bd2b-c14c03073290"},
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
	if !strings.Contains(page, `href="/objects/indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"`) || !strings.Contains(page, `href="/hunting/hunt-package--6f652a43-4229-4e2f-bd2b-c14c03073290"`) {
		t.Error("the case page does not link the indicator and the hunting package it was linked to")
	}
	if strings.Contains(page, ">"+e.water.ID+"<") {
		t.Error("the case page shows the organization's identity id")
	}
}
