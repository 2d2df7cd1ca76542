package web

import (
	"context"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"renkei/internal/i18n"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

var inboxRow = regexp.MustCompile(`<tr class="(unread)?"`)

// raiseInbox raises, for Power, three alerts of one vulnerability (1, 2
// and 3 November), one of another (3 November) and an advisory (5
// November), and one alert for Water; it returns the group key of the
// three duplicates.
func raiseInbox(t *testing.T, e *env) string {
	t.Helper()
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 3, 0, 0, 0, time.UTC) }
	var key string
	for _, a := range []struct {
		org                     store.Org
		kind, severity, subject string
		at                      time.Time
	}{
		{e.power, "vulnerability", "critical", "CVE-2026-1", day(1)},
		{e.power, "vulnerability", "critical", "CVE-2026-1", day(2)},
		{e.power, "vulnerability", "critical", "CVE-2026-1", day(3)},
		{e.power, "vulnerability", "high", "CVE-2026-2", day(3)},
		{e.power, "advisory", "medium", "advisory 7", day(5)},
		{e.water, "vulnerability", "critical", "CVE-2026-1", day(3)},
	} {
		title := i18n.M("alert.case.source.alert", a.subject)
		x := store.Alert{OrgID: a.org.ID, Kind: a.kind, Severity: a.severity, TitleKey: title.Key, TitleParams: title.Params, Subject: a.subject, Created: a.at,
			BodyMsgs: []store.AlertMessage{{Key: "alert.flow.body.todo"}}}
		if _, err := e.h.Alerts.Raise(ctx, x); err != nil {
			t.Fatal(err)
		}
		if a.org.ID == e.power.ID && a.subject == "CVE-2026-1" {
			key = store.AlertGroupKey(x)
		}
	}
	return key
}

// TestInboxFiltersAndGroupsDuplicates: on each store, the console's inbox
// shows the duplicates of one event as one row with their count, linking to
// the event's alerts; it filters by kind, severity, read state and dates
// (days in JST), keeps the filters when paging, tells when a filter cannot
// be read (400), and marking a group read marks each of its alerts.
func TestInboxFiltersAndGroupsDuplicates(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			key := raiseInbox(t, e)
			power := e.as("power-analyst")
			power.lang = "en"
			rows := func(path string, want int) string {
				t.Helper()
				st, page := power.get(path)
				if st != http.StatusOK {
					t.Fatalf("%s: %d", path, st)
				}
				if n := len(inboxRow.FindAllString(page, -1)); n != want {
					t.Fatalf("%s: %d rows, want %d\n%s", path, n, want, page)
				}
				return page
			}
			page := rows("/alerts", 3)
			if !strings.Contains(page, `href="/alerts?group=`+key+`"`) || !strings.Contains(page, "3 alerts") {
				t.Fatal("the inbox does not show the three duplicates as one row with their count and a link to them")
			}
			if !strings.Contains(page, `name="group" value="`+key+`"`) {
				t.Fatal("the group's row cannot be chosen to mark read")
			}
			rows("/alerts?group="+key, 3)
			rows("/alerts?kind=advisory", 1)
			rows("/alerts?kind=vulnerability&severity=high", 1)
			rows("/alerts?state=read", 0)
			if page := rows("/alerts?since=2026-11-02&until=2026-11-03", 2); !strings.Contains(page, "2 alerts") {
				t.Fatal("the dated inbox does not count the two duplicates of those days")
			}
			rows("/alerts?until=2026-11-01", 1)
			if st, page := power.get("/alerts?severity=urgent"); st != http.StatusBadRequest || !strings.Contains(page, `id="filter-err"`) {
				t.Fatalf("severity urgent: %d, want 400 with the filter's error", st)
			}

			st, loc, _ := power.post("/alerts/read", url.Values{"group": {key}})
			if st != http.StatusSeeOther || loc != "/alerts?done=read" {
				t.Fatalf("mark the group read: %d %s", st, loc)
			}
			rows("/alerts?state=read", 1)
			rows("/alerts?state=unread", 2)
			if page := rows("/alerts?group="+key+"&state=read", 3); strings.Contains(page, `class="unread"`) {
				t.Fatal("an alert of the group marked read is still unread")
			}
			if st, page := e.as("water-analyst").get("/alerts?state=unread"); st != http.StatusOK || len(inboxRow.FindAllString(page, -1)) != 1 {
				t.Fatal("marking Power's group read touched Water's alert")
			}
		})
	}
}

// TestInboxPagesKeepTheirFilters: the link to older alerts keeps the
// inbox's filters.
func TestInboxPagesKeepTheirFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	for i := range 60 {
		title := i18n.M("alert.case.source.alert", "x")
		if _, err := e.h.Alerts.Raise(ctx, store.Alert{OrgID: e.power.ID, Kind: "advisory", Severity: "high", TitleKey: title.Key, TitleParams: title.Params,
			Subject: strings.Repeat("s", i+1), BodyMsgs: []store.AlertMessage{{Key: "alert.flow.body.todo"}}}); err != nil {
			t.Fatal(err)
		}
	}
	_, page := e.as("power-analyst").get("/alerts?kind=advisory&severity=high")
	if !regexp.MustCompile(`href="/alerts\?after=[^"]+&amp;kind=advisory&amp;severity=high"`).MatchString(page) {
		t.Fatal("the link to older alerts loses the filters")
	}
}

var timeElement = regexp.MustCompile(`<time datetime="2026-11-03T03:00:00Z" title="2026-11-03 03:00:00 UTC">([^<]+)</time>`)

// TestTimesShownInTheReadersZone: the console shows a time in Japan
// Standard Time with the zone named and UTC on hover; a user who chooses
// another zone on the account page (logged as preference.change) sees it
// there; a zone the tz database does not know is refused (400).
func TestTimesShownInTheReadersZone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	title := i18n.M("alert.case.source.alert", "x")
	if _, err := e.h.Alerts.Raise(context.Background(), store.Alert{OrgID: e.power.ID, Kind: "advisory", Severity: "high", TitleKey: title.Key, TitleParams: title.Params,
		BodyMsgs: []store.AlertMessage{{Key: "alert.flow.body.todo"}}, Created: time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	power := e.as("power-analyst")
	shown := func() string {
		t.Helper()
		_, page := power.get("/alerts")
		m := timeElement.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("the inbox shows the alert's time without its UTC on hover:\n%s", page)
		}
		return m[1]
	}
	if got := shown(); got != "2026-11-03 12:00 JST" {
		t.Fatalf("time shown %q, want 2026-11-03 12:00 JST", got)
	}
	if st, page := power.get("/account"); st != http.StatusOK || !strings.Contains(page, `action="/account/zone"`) {
		t.Fatal("the account page offers no choice of time zone")
	}
	if st, loc, _ := power.post("/account/zone", url.Values{"zone": {"Europe/Paris"}}); st != http.StatusSeeOther || loc != "/account?done=zone" {
		t.Fatalf("choose Europe/Paris: %d %s", st, loc)
	}
	if got := shown(); got != "2026-11-03 04:00 CET" {
		t.Fatalf("time shown %q after choosing Europe/Paris, want 2026-11-03 04:00 CET", got)
	}
	if st, _, page := power.post("/account/zone", url.Values{"zone": {"Mars/Olympus_Mons"}}); st != http.StatusBadRequest || !strings.Contains(page, `id="zone-err"`) {
		t.Fatalf("an unknown zone: %d, want 400 with the field's error", st)
	}
	if st, _, _ := power.post("/account/zone", url.Values{"zone": {"Asia/Tokyo"}}); st != http.StatusSeeOther {
		t.Fatalf("back to Asia/Tokyo: %d", st)
	}
	if got := shown(); got != "2026-11-03 12:00 JST" {
		t.Fatalf("time shown %q back in Japan, want 2026-11-03 12:00 JST", got)
	}
	if u, _ := e.h.DB.UserByLogin(context.Background(), "power-analyst"); u.TimeZone != "" {
		t.Fatalf("Japan's zone stored as %q, want the default (empty)", u.TimeZone)
	}
}

// TestTemplatesFormatTimesInOnePlace: no page formats a time itself; each
// goes through the time, date or timeText function (zonedTime), so every
// time is in the reader's zone with the zone named.
func TestTemplatesFormatTimesInOnePlace(t *testing.T) {
	t.Parallel()
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	own := regexp.MustCompile(`\.In \$|\.In \.|\.Format "|\.UTC\b`)
	for _, n := range names {
		b, _ := fs.ReadFile(templateFS, n)
		for i, line := range strings.Split(string(b), "\n") {
			if own.MatchString(line) {
				t.Errorf("%s:%d formats a time itself: %s", n, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// TestHomeGroupsAlertsAsTheInboxDoes: the home page's unread alerts show the
// duplicates of one event as one row with their count and a link to them,
// as the inbox does, and marking the row read from the home page marks the
// group's alerts read and comes back home.
func TestHomeGroupsAlertsAsTheInboxDoes(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			key := raiseInbox(t, e)
			power := e.as("power-analyst")
			power.lang = "en"
			_, page := power.get("/")
			panel := page[strings.Index(page, `id="today-alerts"`):]
			panel = panel[:strings.Index(panel, "</section>")]
			if n := strings.Count(panel, "<tr"); n != 1+3 { // the head and three rows, as the inbox
				t.Errorf("the home page's alerts have %d rows, want 3 and the head:\n%s", n-1, panel)
			}
			if !strings.Contains(panel, `href="/alerts?group=`+key+`"`) || !strings.Contains(panel, "3 alerts") {
				t.Fatalf("the home page does not show the three duplicates as one row with their count:\n%s", panel)
			}
			st, loc, _ := power.post("/alerts/read", url.Values{"group": {key}, "back": {"dashboard"}})
			if st != http.StatusSeeOther || loc != "/?done=read" {
				t.Fatalf("mark the group read from home: %d %s", st, loc)
			}
			if _, page := power.get("/"); strings.Contains(page, `href="/alerts?group=`+key+`"`) {
				t.Error("the group marked read is still among the home page's unread alerts")
			}
		})
	}
}
