package demo_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"renkei/internal/advisory"
	"renkei/internal/alert"
	"renkei/internal/demo"
	"renkei/internal/hubtest"
	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/relevance"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestStory plays the demo's story on each store and checks what each step
// must leave behind for a newcomer to see.
func TestStory(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			h := hubtest.New(t, kind)
			db, now := h.DB, h.Now.UTC()
			if _, err := demo.Fill(ctx, db, now); err != nil {
				t.Fatal(err)
			}
			st, err := demo.FillStory(ctx, db, t.TempDir(), now)
			if err != nil {
				t.Fatal(err)
			}
			if st.FlowsKept != 12 || st.HuntRuns != 3 || st.KEVAlerts != 2 {
				t.Fatalf("story: %+v", st)
			}
			water, _ := db.Org(ctx, "湾岸水道 / Bayside Water Utility")
			alerts, _, _ := db.Alerts(ctx, policy.OrgAudience(water.ID, false, nil), "", 50, false)
			found := false
			for _, a := range alerts {
				if a.Kind == "flow-match" {
					found = true
				}
			}
			if !found {
				t.Fatalf("step 3: the water utility must be alerted of the flow match: %+v", alerts)
			}
			// The power company is a designated operator with its critical
			// computers registered; the transmission company is designated
			// and has registered none, which the picture shows.
			power, _ := db.Org(ctx, "関東電力 / Kanto Electric Power")
			if !power.Designated || power.BusinessType != "electricity" || power.Ministry != "meti" {
				t.Fatalf("the power company's designation: %+v", power)
			}
			if cs, _ := db.Computers(ctx, policy.System(), "", false); !slices.ContainsFunc(cs, func(c store.Computer) bool { return c.OrgID == power.ID }) {
				t.Fatal("the power company has no critical computer registered")
			}
			if un, _ := db.DesignatedWithoutRegister(ctx); len(un) != 1 || un[0].Name != "中部送電 / Chubu Transmission" {
				t.Fatalf("designated operators without a register: %+v", un)
			}
		})
	}
}

// TestDemoAlertsAgree: the hospital's KEV alert for its VPN appliance and the
// center's advisory on the same appliance name the same fixed version and
// the same due date (they once said 7.0.2 in three weeks and 7.2.11 in
// one), in both languages.
func TestDemoAlertsAgree(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			h := hubtest.New(t, kind)
			db, now := h.DB, h.Now.UTC()
			if _, err := demo.Fill(ctx, db, now); err != nil {
				t.Fatal(err)
			}
			if _, err := demo.FillStory(ctx, db, t.TempDir(), now); err != nil {
				t.Fatal(err)
			}
			vpn := relevance.StoryVuln(now)
			reader := h.ViewerOf("hospital-it")
			alerts, _, err := db.Alerts(ctx, reader, "", 50, false)
			if err != nil {
				t.Fatal(err)
			}
			var kev []string
			for _, a := range alerts {
				if strings.Contains(alert.Body(a, "en"), vpn.CVE) && strings.Contains(a.Kind, "vuln") {
					kev = append(kev, alert.Body(a, "ja"), alert.Body(a, "en"))
				}
			}
			if len(kev) == 0 {
				t.Fatalf("no KEV alert for %s among the hospital's %d alerts", vpn.CVE, len(alerts))
			}
			for _, body := range kev {
				if !strings.Contains(body, vpn.Fixed) || !strings.Contains(body, vpn.Due) {
					t.Errorf("the KEV alert does not name fixed version %s and due date %s:\n%s", vpn.Fixed, vpn.Due, body)
				}
			}
			advs, err := h.App.Advisories.List(ctx, reader, advisory.ListQuery{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, a := range advs {
				if !strings.Contains(a.Title, "VPN") {
					continue
				}
				found = true
				if due := a.Due.In(jst.Zone).Format("2006-01-02"); due != vpn.Due {
					t.Errorf("the advisory is due %s (JST), the KEV entry %s", due, vpn.Due)
				}
				text := a.Body + " " + strings.Join(a.Actions, " ")
				if !strings.Contains(text, vpn.Fixed) || !strings.Contains(text, vpn.CVE) {
					t.Errorf("the advisory does not name %s and fixed version %s: %s", vpn.CVE, vpn.Fixed, text)
				}
				for _, other := range []string{"7.2.11"} {
					if strings.Contains(text, other) {
						t.Errorf("the advisory names another version %s: %s", other, text)
					}
				}
			}
			if !found {
				t.Fatal("the hospital sees no advisory on the VPN appliance")
			}
		})
	}
}
