package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestSCOCopiesKeptPerSubmitter: an SCO's id derives from its value, so two
// organizations that post the same address into one collection post the
// same id. Each keeps its own copy, with its own markings and creator: each
// reads back its own, the other's copy neither overwrites nor hides it,
// and posting its own again is a duplicate of its own.
func TestSCOCopiesKeptPerSubmitter(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := hubtest.New(t, kind)
			first, second := h.Org("First Power", "operator", "energy"), h.Org("Second Water", "operator", "water")
			h.User("first", first.ID, "analyst")
			h.User("second", second.ID, "analyst")
			coll, err := h.DB.Collection(ctx, hub.MembersCollection)
			if err != nil {
				t.Fatal(err)
			}
			id := stix.DeterministicSCOID("ipv4-addr", map[string]any{"value": "203.0.113.7"})
			post := func(login string, org store.Org, marking string) store.Status {
				t.Helper()
				sco := map[string]any{"type": "ipv4-addr", "spec_version": "2.1", "id": id, "value": "203.0.113.7",
					"object_marking_refs": []string{marking}, "created_by_ref": org.ID}
				body, _ := json.Marshal(map[string]any{"type": "bundle", "id": stix.NewID("bundle"), "objects": []any{sco}})
				st, err := h.Submit(ctx, h.Caller(login), coll, bytes.NewReader(body))
				if err != nil || st.Success != 1 {
					t.Fatalf("%s posts the address: %+v %v", login, st, err)
				}
				return st
			}
			// The first organization's copy is AMBER+STRICT: the second may
			// not read it. The second's is GREEN: every member reads it.
			post("first", first, policy.MarkingAmberStrict)
			post("second", second, policy.MarkingGreen)
			post("first", first, policy.MarkingAmberStrict) // again: a duplicate of its own

			copies := func(login string) map[string]string { // creator → marking
				t.Helper()
				objs, _, err := h.DB.Objects(ctx, store.ObjectQuery{Viewer: h.ViewerOf(login), CollectionID: coll.ID, IDs: []string{id}, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]string{}
				for _, o := range objs {
					var raw struct {
						CreatedBy string   `json:"created_by_ref"`
						Markings  []string `json:"object_marking_refs"`
					}
					if err := json.Unmarshal(o.Raw, &raw); err != nil || len(raw.Markings) != 1 {
						t.Fatalf("stored copy %s: %v", o.Raw, err)
					}
					if _, twice := out[raw.CreatedBy]; twice {
						t.Errorf("%s reads two copies by %s", login, raw.CreatedBy)
					}
					out[raw.CreatedBy] = raw.Markings[0]
					if o.ACL.AuthorOrg != raw.CreatedBy {
						t.Errorf("a copy created by %s is stored as %s's", raw.CreatedBy, o.ACL.AuthorOrg)
					}
				}
				return out
			}
			if got := copies("second"); len(got) != 1 || got[second.ID] != policy.MarkingGreen {
				t.Errorf("the second organization reads back %v, want only its own GREEN copy", got)
			}
			if got := copies("first"); len(got) != 2 || got[first.ID] != policy.MarkingAmberStrict || got[second.ID] != policy.MarkingGreen {
				t.Errorf("the first organization reads back %v, want its own AMBER+STRICT copy and the second's GREEN one", got)
			}

		})
	}
}
