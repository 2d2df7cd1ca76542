package api_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"renkei/internal/client"
	"renkei/internal/hubtest"
	"renkei/internal/i18n"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestAlertListingFiltersGroupsAndMarksAtOnce: through the typed client,
// the alert listing filters by kind, severity, read state and date, groups
// duplicates of one event into one alert with its counts, lists a group's
// members, refuses a filter it cannot read (400), and POST
// /api/v1/alerts/read marks chosen alerts and whole groups read at once,
// passing over another organization's alert, and is logged (alert.read)
// first.
func TestAlertListingFiltersGroupsAndMarksAtOnce(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := hubtest.New(t, kind, hubtest.WithAudit())
			power := h.Org("Power Co", "operator", "energy")
			water := h.Org("Water Co", "operator", "water")
			h.User("power-analyst", "Power Co", "analyst")
			h.User("water-analyst", "Water Co", "analyst")
			day := func(d int) time.Time { return time.Date(2026, 11, d, 3, 0, 0, 0, time.UTC) }
			raise := func(org store.Org, kind, severity, subject string, at time.Time) {
				title := i18n.M("alert.case.source.alert", subject)
				if _, err := h.Alerts.Raise(ctx, store.Alert{OrgID: org.ID, Kind: kind, Severity: severity, TitleKey: title.Key, TitleParams: title.Params,
					Subject: subject, Created: at}); err != nil {
					t.Fatal(err)
				}
			}
			raise(power, "vulnerability", "critical", "CVE-2026-1", day(1))
			raise(power, "vulnerability", "critical", "CVE-2026-1", day(2))
			raise(power, "vulnerability", "critical", "CVE-2026-1", day(3))
			raise(power, "vulnerability", "high", "CVE-2026-2", day(3))
			raise(power, "advisory", "medium", "advisory 7", day(5))
			raise(water, "vulnerability", "critical", "CVE-2026-1", day(3))
			c := serve(t, h).as("power-analyst")

			list := func(q client.AlertQuery) []client.Alert {
				t.Helper()
				p, err := c.Alerts(ctx, q)
				if err != nil {
					t.Fatalf("alerts %+v: %v", q, err)
				}
				return p.Alerts
			}
			count := func(q client.AlertQuery, want int) []client.Alert {
				t.Helper()
				as := list(q)
				if len(as) != want {
					t.Fatalf("alerts %+v: %d, want %d: %+v", q, len(as), want, as)
				}
				return as
			}
			count(client.AlertQuery{}, 5)
			count(client.AlertQuery{Kind: "vulnerability"}, 4)
			count(client.AlertQuery{Kind: "vulnerability", Severity: "high"}, 1)
			count(client.AlertQuery{Since: day(2), Until: day(4)}, 3)
			count(client.AlertQuery{Severity: "critical", Until: day(2)}, 1)

			groups := count(client.AlertQuery{Grouped: true}, 3)
			if g := groups[2]; g.Kind != "vulnerability" || g.Count != 3 || g.Unread != 3 || !g.Created.Equal(day(3)) {
				t.Fatalf("group of CVE-2026-1: %+v, want 3 alerts, 3 unread, the latest of 3 November", g)
			}
			if n := count(client.AlertQuery{Grouped: true, Since: day(2)}, 3)[2].Count; n != 2 {
				t.Fatalf("group of CVE-2026-1 since 2 November counts %d, want 2", n)
			}
			members := count(client.AlertQuery{Group: groups[2].Group}, 3)

			if _, err := c.Alerts(ctx, client.AlertQuery{Severity: "urgent"}); status(err) != 400 {
				t.Fatalf("severity urgent: %v, want 400", err)
			}
			if _, err := c.Alerts(ctx, client.AlertQuery{Group: "1"}); status(err) != 400 {
				t.Fatalf("group 1: %v, want 400", err)
			}

			waterAlerts, err := serve(t, h).as("water-analyst").Alerts(ctx, client.AlertQuery{})
			if err != nil || len(waterAlerts.Alerts) != 1 {
				t.Fatalf("water's alerts: %v %+v", err, waterAlerts)
			}
			before, _ := h.Audit.Size(ctx)
			n, err := c.ReadAlertsAtOnce(ctx, client.ReadAlerts{IDs: []string{groups[0].ID, waterAlerts.Alerts[0].ID}, Groups: []string{groups[2].Group}})
			if err != nil || n != 4 {
				t.Fatalf("marked %d read (%v), want the advisory and the 3 alerts of the group", n, err)
			}
			if after := waitSize(t, h.Audit, before+1); after != before+1 {
				t.Fatalf("audit log grew by %d entries, want 1 (alert.read)", after-before)
			}
			unread := count(client.AlertQuery{Unread: true}, 1)
			if unread[0].Severity != "high" {
				t.Fatalf("unread after marking: %+v, want the CVE-2026-2 alert", unread)
			}
			read := count(client.AlertQuery{Read: true}, 4)
			if !slices.ContainsFunc(read, func(a client.Alert) bool { return a.ID == members[2].ID }) {
				t.Fatalf("the group's first alert is not read: %+v", read)
			}
			if w, _ := serve(t, h).as("water-analyst").Alerts(ctx, client.AlertQuery{Unread: true}); len(w.Alerts) != 1 {
				t.Fatalf("power marked water's alert read: %+v", w)
			}
		})
	}
}
