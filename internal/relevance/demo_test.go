package relevance_test

import (
	"context"
	"strings"
	"testing"

	"renkei/internal/alert/alerttest"
	"renkei/internal/demo"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/relevance"
	"renkei/internal/store/storetest"
)

// TestStory5OnDemoData runs step 5 on the hub the demo fills, as the demo
// calls it: the demo's town hall and hospital each get one alert.
func TestStory5OnDemoData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	if _, err := hub.Bootstrap(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Fill(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	a := hubtest.App(t, db)
	orgs, _ := db.Orgs(ctx)
	var town, hosp string
	for _, o := range orgs {
		switch o.Kind {
		case "local-government":
			town = o.ID
		case "medical":
			hosp = o.ID
		}
	}
	if town == "" || hosp == "" {
		t.Skip("the demo has no town hall or hospital")
	}
	if _, err := a.Relevance.Story5(ctx, town, hosp, now); err != nil {
		t.Fatal(err)
	}
	for _, org := range []string{town, hosp} {
		as, _, _ := db.Alerts(ctx, policy.OrgAudience(org, false, nil), "", 100, false)
		as = alerttest.InEveryLanguage(t, as)
		n := 0
		for _, a := range as {
			if a.Kind == relevance.KindAlert {
				n++
				if !strings.Contains(a.Title, "CVE-2026-99001") || !strings.Contains(a.Body, "7.0.2") {
					t.Errorf("alert: %s", a.Title)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s has %d vulnerability alerts, want 1", org, n)
		}
	}
}
