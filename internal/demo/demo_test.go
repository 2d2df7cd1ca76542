package demo_test

import (
	"context"
	"testing"

	"renkei/internal/demo"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
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
		})
	}
}
