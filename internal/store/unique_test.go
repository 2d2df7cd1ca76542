package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestUniqueViolationByDriverCode: a repeated primary key and a repeated
// unique column are duplicates on both stores, however wrapped; another
// constraint refused, and an error that merely says "UNIQUE", are not.
func TestUniqueViolationByDriverCode(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := storetest.Open(t, kind)
			if _, err := db.Exec(ctx, "INSERT INTO settings(key, value) VALUES('k', 'v')"); err != nil {
				t.Fatal(err)
			}
			_, err := db.Exec(ctx, "INSERT INTO settings(key, value) VALUES('k', 'w')")
			if !store.IsUniqueViolation(err) {
				t.Errorf("a repeated primary key: %v (%T), want a unique violation", err, err)
			}
			if !store.IsUniqueViolation(fmt.Errorf("add setting: %w", err)) {
				t.Errorf("a wrapped repeated primary key: want a unique violation")
			}
			if err := db.AddOrg(ctx, store.Org{ID: "identity--one", Name: "Power Co", Kind: "operator"}); err != nil {
				t.Fatal(err)
			}
			err = db.AddOrg(ctx, store.Org{ID: "identity--another", Name: "Power Co", Kind: "operator"})
			if !store.IsUniqueViolation(err) {
				t.Errorf("a repeated unique name: %v (%T), want a unique violation", err, err)
			}
			_, err = db.Exec(ctx, "INSERT INTO orgs(id, name, kind, created_at) VALUES('identity--x', NULL, 'operator', 0)")
			if err == nil || store.IsUniqueViolation(err) {
				t.Errorf("a NOT NULL refusal: %v, want an error that is no unique violation", err)
			}
			for _, e := range []error{nil, errors.New("UNIQUE constraint failed: settings.key"), errors.New(`duplicate key value violates unique constraint "settings_pkey"`)} {
				if store.IsUniqueViolation(e) {
					t.Errorf("%v: is no driver's unique violation", e)
				}
			}
		})
	}
}
