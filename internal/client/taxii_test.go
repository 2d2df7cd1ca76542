package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/problem"
	"renkei/internal/store/storetest"
	"renkei/internal/taxii"
)

// TestCollectionPagesAndRefusals reads a collection of a real hub over
// TAXII 2.1 through the client, on each store: discovery gives the API root,
// the listing names the members' collection, paging follows next until the
// last page without skipping or repeating, the manifest lists the same
// objects, a post comes back as a status; a wrong token and an unknown
// collection come back as refusals of their problem kind with the hub's title.
func TestCollectionPagesAndRefusals(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			h := hubtest.New(t, kind)
			h.Org("Minato Water Works", "operator", "water")
			h.User("water", "Minato Water Works", "analyst")
			srv := httptest.NewServer((&taxii.Server{Hub: h.Hub, MaxContentLength: 1 << 20}).Handler())
			defer srv.Close()
			c := &client.Client{Hub: srv.URL, Token: h.Token("water")}

			d, err := c.Discovery(ctx)
			if err != nil || d.Default != "/taxii2/api/" {
				t.Fatalf("discovery: %v %+v", err, d)
			}
			cols, err := c.Collections(ctx)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, col := range cols {
				found = found || (col.ID == hub.MembersCollection && col.CanRead && col.CanWrite)
			}
			if !found {
				t.Fatalf("collections: %+v, want the members' collection, readable and writable", cols)
			}
			col, err := c.Collection(ctx, hub.MembersCollection)
			if err != nil {
				t.Fatal(err)
			}
			var objs []any
			for i := range 3 {
				objs = append(objs, map[string]any{"type": "indicator", "spec_version": "2.1", "id": fmt.Sprintf("indicator--0000000%d-0000-4000-8000-000000000000", i),
					"created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "pattern_type": "stix",
					"pattern": fmt.Sprintf("[ipv4-addr:value = '192.0.2.%d']", i), "valid_from": "2026-01-01T00:00:00Z"})
			}
			st, err := col.AddObjects(ctx, objs)
			if err != nil || st.SuccessCount != 3 || st.FailureCount != 0 {
				t.Fatalf("post: %v %+v", err, st)
			}
			seen := map[string]bool{}
			pages := 0
			err = col.EachPage(ctx, client.Query{Types: []string{"indicator"}, Limit: 1}, func(page int, env client.Envelope) error {
				pages = page
				for _, raw := range env.Objects {
					var o struct{ ID string }
					if err := json.Unmarshal(raw, &o); err != nil {
						return err
					}
					id := o.ID
					if seen[id] {
						return fmt.Errorf("page %d repeats %s", page, id)
					}
					seen[id] = true
				}
				return nil
			})
			if err != nil || pages != 3 || len(seen) != 3 {
				t.Fatalf("paging: %v, %d pages, %d objects; want 3 and 3", err, pages, len(seen))
			}
			m, err := col.Manifest(ctx, client.Query{Types: []string{"indicator"}})
			if err != nil || len(m.Objects) != 3 || m.More || !seen[m.Objects[0].ID] {
				t.Fatalf("manifest: %v %+v", err, m)
			}

			wrong := &client.Client{Hub: srv.URL, Token: "rk_wrong"}
			_, err = wrong.Collections(ctx)
			var ae *client.APIError
			if !errors.Is(err, problem.ErrForbidden) || !errors.As(err, &ae) || ae.Status != 401 || problem.Title(err) != "authentication required" {
				t.Errorf("a wrong token: %v, want a refusal (401, authentication required)", err)
			}
			none, _ := c.Collection(ctx, "no-such-collection")
			if _, err := none.Objects(ctx, client.Query{}); !errors.Is(err, problem.ErrNotFound) || problem.Title(err) == "" {
				t.Errorf("an unknown collection: %v, want not found with the hub's title", err)
			}
		})
	}
}
