package cop_test

import (
	"context"
	"testing"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/cop"
	"renkei/internal/demo"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/incident"
	"renkei/internal/store/storetest"
)

// TestTowerDemo runs the tower's demo functions on the demo data, as the
// lead's demo will, and reads the result through the operating picture.
func TestTowerDemo(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	now := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	if _, err := hub.Bootstrap(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Fill(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	a := hubtest.App(t, db)
	h := a.Hub
	a.Now = func() time.Time { return now }
	incs, err := a.Incidents.Demo(ctx, "water-analyst", "kanto-analyst")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Cases.Demo(ctx, "center-analyst", incs[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Advisories.Demo(ctx, "center-analyst", []string{"water-analyst", "kanto-analyst"}, "総務省 / Ministry of Internal Affairs",
		advisory.DemoVulnerability{CVE: "CVE-2026-99001", Vendor: "Example Networks", Product: "SecureGate", Fixed: "7.0.2", Due: now.AddDate(0, 0, 21).Format("2006-01-02")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Consult.Demo(ctx, "kanto-analyst", "center-analyst"); err != nil {
		t.Fatal(err)
	}
	c, _ := incident.Caller(ctx, db, "center-analyst")
	v, _ := h.Viewer(ctx, c)
	f, err := cop.Compute(ctx, h.DB, h.Now(), v, cop.Window(now, 7))
	if err != nil {
		t.Fatal(err)
	}
	if f.OverdueReports != 1 || len(f.OpenAdvisories) != 2 || len(f.OpenCases) != 1 || f.OpenAdvisories[0].Completed+f.OpenAdvisories[1].Completed != 1 {
		t.Fatalf("picture after the demo: %+v", f)
	}
}
