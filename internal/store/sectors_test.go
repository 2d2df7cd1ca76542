package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestSectorsStoredAsKeys: a sector is stored as its key (store.SectorKey),
// so that the hunting scope's SQL compares sectors exactly and gives the same
// answer on both stores for sectors outside ASCII, which SQLite's LOWER does
// not fold; sectors stored before are turned into their keys by migration
// 00030.
func TestSectorsStoredAsKeys(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			for _, c := range []struct{ typed, key string }{
				{" Ｅｎｅｒｇｙ ", "energy"}, {"ÉNERGIE", "énergie"}, {"ｽｲﾄﾞｳ", "スイドウ"}, {"電力", "電力"}, {"", ""},
			} {
				if got := store.SectorKey(c.typed); got != c.key {
					t.Errorf("SectorKey(%q) = %q, want %q", c.typed, got, c.key)
				}
			}
			if err := db.AddOrg(ctx, store.Org{ID: "identity--typed", Name: "typed", Kind: "operator", Sector: "ÉNERGIE", Created: now}); err != nil {
				t.Fatal(err)
			}
			if o, err := db.Org(ctx, "typed"); err != nil || o.Sector != "énergie" {
				t.Fatalf("stored sector %q (%v), want its key énergie", o.Sector, err)
			}
			// Rows written before sectors were keys, as 00030 finds them.
			if _, err := db.Exec(ctx, "INSERT INTO orgs(id, name, kind, sector, created_at) VALUES('identity--old', 'old', 'operator', 'Énergie', 0)"); err != nil {
				t.Fatal(err)
			}
			for i, sector := range []string{"ÉNERGIE", "Water"} {
				id := []string{"hunt-package--old-1", "hunt-package--old-2"}[i]
				if err := db.PublishHuntPackage(ctx, store.HuntPackage{ID: id, Title: "t", PublisherOrg: "identity--typed", PublisherUser: 1, TLP: 1,
					Rules: "[]", Indicators: "[]", Created: now, Signed: "x", KeyName: "k"}, nil); err != nil {
					t.Fatal(err)
				}
				if _, err := db.Exec(ctx, "INSERT INTO hunt_package_scope(package_id, kind, value) VALUES(?, 'sector', ?)", id, sector); err != nil {
					t.Fatal(err)
				}
			}
			tx, err := db.SQL().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := store.SectorKeys(db, ctx, tx); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if o, err := db.Org(ctx, "old"); err != nil || o.Sector != "énergie" {
				t.Fatalf("after 00030 the old sector is %q (%v), want its key énergie", o.Sector, err)
			}
			v := policy.Person(1, "identity--old", policy.RoleAnalyst, false, nil, false)
			ids, err := db.HuntPackageIDs(ctx, v, 10)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids, []string{"hunt-package--old-1"}) {
				t.Errorf("an organization of sector énergie is addressed by %v, want only the package to sector ÉNERGIE", ids)
			}
		})
	}
}
