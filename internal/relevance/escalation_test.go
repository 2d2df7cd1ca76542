package relevance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"renkei/internal/alert"
	"renkei/internal/relevance"
	"renkei/internal/store/storetest"
)

// sentRow reads an organization's claim of CVE-2026-99001 in vuln_alerts_sent.
func sentRow(t *testing.T, e *env, org string) (exploited, alertID int64) {
	t.Helper()
	err := e.h.DB.QueryRow(context.Background(), "SELECT exploited, alert_id FROM vuln_alerts_sent WHERE org_id = ? AND vulnerability = ?", org, "CVE-2026-99001").Scan(&exploited, &alertID)
	if err != nil {
		t.Fatalf("claim of %s: %v", org, err)
	}
	return exploited, alertID
}

// TestKEVEscalatesAnEarlierAlert: an organization alerted to a vendor's
// advisory gets exactly one more alert, saying so in both languages, when the
// KEV catalog lists the same CVE; the catalog again raises nothing. An
// organization whose first alert already said "known exploited" gets no
// escalation.
func TestKEVEscalatesAnEarlierAlert(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, kind)
			if _, _, err := e.s.AddConnectionPoint(ctx, e.as(e.town.ID), relevance.ConnectionPoint{OrgID: e.town.ID, Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1", Address: "203.0.113.7"}); err != nil {
				t.Fatal(err)
			}
			kev, csaf := relevance.StoryDocuments(now)
			res, err := e.s.ImportDocuments(ctx, []relevance.Input{{Source: "vendor.csaf.json", Data: csaf}})
			if err != nil || res.Alerts != 1 {
				t.Fatalf("vendor advisory: %+v %v", res, err)
			}
			first := alertsOf(t, e, e.town.ID)
			if len(first) != 1 || strings.Contains(first[0].Title, "悪用") || strings.Contains(first[0].Title, "exploited") {
				t.Fatalf("first alert = %+v", first)
			}
			if x, id := sentRow(t, e, e.town.ID); x != 0 || id != first[0].ID {
				t.Fatalf("claim after the first alert: exploited %d, alert %d; want 0, %d", x, id, first[0].ID)
			}

			res, err = e.s.ImportDocuments(ctx, []relevance.Input{{Source: "kev.json", Data: kev}})
			if err != nil || res.Alerts != 1 || len(res.Orgs) != 1 || res.Orgs[0] != e.town.ID {
				t.Fatalf("KEV after the first alert: %+v %v; want one escalation for the town hall", res, err)
			}
			as := alertsOf(t, e, e.town.ID)
			if len(as) != 2 {
				t.Fatalf("town hall has %d alerts, want 2", len(as))
			}
			a := as[0] // newest first
			for _, want := range []string{
				"既知の悪用に追加: VPN装置 SecureGate (203.0.113.7) に悪用が確認された脆弱性 CVE-2026-99001",
				"Now known exploited: Your SecureGate at 203.0.113.7 has a known exploited vulnerability, CVE-2026-99001",
			} {
				if !strings.Contains(a.Title, want) {
					t.Errorf("title %q lacks %q", a.Title, want)
				}
			}
			due := now.AddDate(0, 0, 21).Format("2006-01-02")
			for _, want := range []string{"既知の悪用に追加: 以前にお知らせした", "対応期限: " + due, "修正版: 7.0.2", "Now known exploited: you were alerted", "Due date: " + due, "Fixed in: 7.0.2"} {
				if !strings.Contains(a.Body, want) {
					t.Errorf("body lacks %q:\n%s", want, a.Body)
				}
			}
			if a.Kind != relevance.KindAlert || a.Severity != "critical" || a.ObjectRef != "CVE-2026-99001" {
				t.Errorf("alert kind/severity/ref = %s/%s/%s", a.Kind, a.Severity, a.ObjectRef)
			}
			if x, id := sentRow(t, e, e.town.ID); x != 1 || id != a.ID {
				t.Fatalf("claim after the escalation: exploited %d, alert %d; want 1, %d", x, id, a.ID)
			}

			// The hospital registers the device now: its first alert says
			// known exploited already, and is not an escalation.
			_, out, err := e.s.AddConnectionPoint(ctx, e.as(e.hosp.ID), relevance.ConnectionPoint{OrgID: e.hosp.ID, Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1"})
			if err != nil || out.Alerts != 1 {
				t.Fatalf("hospital registration: %+v %v", out, err)
			}
			h := alertsOf(t, e, e.hosp.ID)
			if len(h) != 1 || !strings.Contains(h[0].Title, "known exploited vulnerability") || strings.Contains(h[0].Title+h[0].Body, "既知の悪用に追加") || strings.Contains(h[0].Title+h[0].Body, "Now known exploited") {
				t.Fatalf("hospital alert = %+v", h)
			}
			if x, _ := sentRow(t, e, e.hosp.ID); x != 1 {
				t.Fatalf("hospital claim exploited = %d, want 1", x)
			}

			// The same catalog again, and a modified one with the vendor's
			// advisory revised: nothing new for anyone.
			res, err = e.s.ImportDocuments(ctx, []relevance.Input{{Source: "kev.json", Data: kev}})
			if err != nil || res.Alerts != 0 {
				t.Fatalf("KEV again: %+v %v", res, err)
			}
			kev2, csaf2 := relevance.StoryDocuments(now.Add(time.Hour))
			res, err = e.s.ImportDocuments(ctx, []relevance.Input{{Source: "kev.json", Data: kev2}, {Source: "vendor.csaf.json", Data: csaf2}})
			if err != nil || res.Alerts != 0 {
				t.Fatalf("modified KEV and advisory: %+v %v; want no alert", res, err)
			}
			if n, m := len(alertsOf(t, e, e.town.ID)), len(alertsOf(t, e, e.hosp.ID)); n != 2 || m != 1 {
				t.Fatalf("alerts: town hall %d, hospital %d; want 2 and 1", n, m)
			}
		})
	}
}

// TestFailedEscalationIsReleased: when the escalation alert cannot be
// raised, the claim goes back to "not yet known exploited", so that the next
// addition escalates.
func TestFailedEscalationIsReleased(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, kind)
			if _, _, err := e.s.AddConnectionPoint(ctx, e.as(e.town.ID), relevance.ConnectionPoint{OrgID: e.town.ID, Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1"}); err != nil {
				t.Fatal(err)
			}
			kev, csaf := relevance.StoryDocuments(now)
			if res, err := e.s.ImportDocuments(ctx, []relevance.Input{{Source: "vendor.csaf.json", Data: csaf}}); err != nil || res.Alerts != 1 {
				t.Fatalf("vendor advisory: %+v %v", res, err)
			}
			_, firstID := sentRow(t, e, e.town.ID)

			// A second node whose alerts cannot be stored.
			broken := storetest.Open(t, "sqlite")
			broken.Close()
			s2 := relevance.New(e.h.DB, &alert.Service{DB: broken}, nil)
			res, err := s2.ImportDocuments(ctx, []relevance.Input{{Source: "kev.json", Data: kev}})
			if err == nil || res.Alerts != 0 {
				t.Fatalf("escalation with a broken alert store: %+v %v; want an error", res, err)
			}
			if x, id := sentRow(t, e, e.town.ID); x != 0 || id != firstID {
				t.Fatalf("claim after the failed escalation: exploited %d, alert %d; want 0, %d (released, first alert kept)", x, id, firstID)
			}

			// The next addition of the catalog, on the working node, escalates.
			kev2, _ := relevance.StoryDocuments(now.Add(time.Hour))
			res, err = e.s.ImportDocuments(ctx, []relevance.Input{{Source: "kev.json", Data: kev2}})
			if err != nil || res.Alerts != 1 {
				t.Fatalf("KEV after the failed escalation: %+v %v; want one alert", res, err)
			}
			if a := alertsOf(t, e, e.town.ID)[0]; !strings.HasPrefix(a.Title, "既知の悪用に追加: ") {
				t.Fatalf("title %q", a.Title)
			}
			if x, _ := sentRow(t, e, e.town.ID); x != 1 {
				t.Fatalf("claim exploited = %d, want 1", x)
			}
		})
	}
}
