package cop_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"renkei/internal/cop"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/incident"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// BenchmarkComputePicture10kIncidents100kAlerts computes the 30-day picture
// over 10,000 incidents of 50 organizations and 100,000 alerts on SQLite.
func BenchmarkComputePicture10kIncidents100kAlerts(b *testing.B) {
	ctx := context.Background()
	db := storetest.Open(b, "sqlite")
	now := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	hub.Bootstrap(ctx, db, now)
	a := hubtest.App(b, db)
	h := a.Hub
	a.Now = func() time.Time { return now }
	var orgs []string
	for i := range 50 {
		o, err := hub.AddOrg(ctx, db, fmt.Sprintf("Org %d", i), []string{"operator", "medical", "local-government"}[i%3], []string{"energy", "water", "medical", "finance"}[i%4], now)
		if err != nil {
			b.Fatal(err)
		}
		orgs = append(orgs, o.ID)
	}
	hub.AddUser(ctx, db, "kanshi", h.Center().ID, "analyst", "", now)
	span := int64(30 * 24 * time.Hour / time.Microsecond)
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for i := range 10000 {
			at := store.Micros(now) - int64(i)*span/10000
			if _, err := tx.Exec(ctx, "INSERT INTO incidents(org_id, title, category, detected_at, aware_at, tlp, created_by, created_at, public_id) VALUES(?, 't', ?, ?, ?, 2, 1, ?, ?)",
				orgs[i%50], []string{"ddos", "ransomware", "intrusion"}[i%3], at, at, at, store.NewPublicID()); err != nil {
				return err
			}
		}
		for i := range 100000 {
			at := store.Micros(now) - int64(i)*span/100000
			if _, err := tx.Exec(ctx, "INSERT INTO alerts(public_id, org_id, kind, title, created_at) VALUES(?, ?, 'x', 't', ?)", store.NewAlertPublicID(), orgs[i%50], at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	c, _ := incident.Caller(ctx, db, "kanshi")
	v, _ := h.Viewer(ctx, c)
	b.ResetTimer()
	for b.Loop() {
		f, err := cop.Compute(ctx, h.DB, h.Now(), v, cop.Window(now, 30))
		if err != nil || len(f.IncidentsBySector) != 4 {
			b.Fatalf("%v %+v", err, f.IncidentsBySector)
		}
	}
}
