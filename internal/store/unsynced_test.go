package store_test

import (
	"context"
	"testing"

	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestStoreSyncsUnlessATestAsks: a store opened as every process opens it
// waits for the disk on each commit (SQLite synchronous=FULL, PostgreSQL's
// synchronous_commit on); only a test that asks for it (fuzz targets,
// store.Options.Unsynced) gets commits that return before they are on disk.
func TestStoreSyncsUnlessATestAsks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			setting := func(db *store.DB) string {
				q := "PRAGMA synchronous" // 2 is FULL, 0 OFF
				if db.Postgres() {
					q = "SHOW synchronous_commit"
				}
				var s string
				if err := db.QueryRow(ctx, q).Scan(&s); err != nil {
					t.Fatal(err)
				}
				return s
			}
			want := map[bool]map[string]string{false: {"sqlite": "2", "postgres": "on"}, true: {"sqlite": "0", "postgres": "off"}}
			for _, unsynced := range []bool{false, true} {
				var db *store.DB
				if unsynced {
					db = storetest.OpenUnsynced(t, kind)
				} else {
					db = storetest.Open(t, kind)
				}
				if got := setting(db); got != want[unsynced][kind] {
					t.Errorf("unsynced %v: %s, want %s", unsynced, got, want[unsynced][kind])
				}
			}
		})
	}
}
