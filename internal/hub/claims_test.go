package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestFirstAuthorClaimsNewID posts the same new id from two organizations at
// once, many times over: each time exactly one of them becomes the object's
// author, the other gets the per-object refusal, and every stored version is
// the winner's.
func TestFirstAuthorClaimsNewID(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w := newVersionWorld(t, kind, rand.New(rand.NewPCG(11, 12)))
			now := time.Now().UTC()
			var callers [2]auth.Caller
			for i := range callers {
				u, err := hub.AddUser(ctx, w.h.DB, fmt.Sprintf("racer-%d", i), w.orgs[1+i].ID, string(policy.RoleAnalyst), "", now)
				if err != nil {
					t.Fatal(err)
				}
				callers[i] = auth.Caller{User: u, Org: w.orgs[1+i]}
			}
			for round := range 20 {
				id := stix.NewID("indicator")
				var sts [2]store.Status
				var errs [2]error
				var start, done sync.WaitGroup
				start.Add(1)
				for i, c := range callers {
					done.Add(1)
					go func() {
						defer done.Done()
						p := versionPost{id: id, hour: i, tlp: policy.Green, createdBy: -1}
						body, _ := json.Marshal(map[string]any{"type": "bundle", "id": stix.NewID("bundle"), "objects": []any{w.raw(p)}})
						start.Wait()
						sts[i], errs[i] = w.h.Submit(ctx, c, w.colls[0], bytes.NewReader(body))
					}()
				}
				start.Done()
				done.Wait()
				winner := -1
				for i, st := range sts {
					if errs[i] != nil {
						t.Fatal(errs[i])
					}
					switch {
					case st.Success == 1 && st.Failure == 0:
						if winner >= 0 {
							t.Fatalf("round %d: both organizations were accepted as the author of %s", round, id)
						}
						winner = i
					case st.Failure == 1 && st.Success == 0 && len(st.Details) == 1 && strings.Contains(st.Details[0].Message, "only its author adds versions"):
					default:
						t.Fatalf("round %d: %s's status %+v, want one success or the refusal", round, callers[i].Org.Name, st)
					}
				}
				if winner < 0 {
					t.Fatalf("round %d: neither organization was accepted as the author of %s", round, id)
				}
				objs, _, err := w.h.DB.Objects(ctx, store.ObjectQuery{Viewer: w.viewers[0], IDs: []string{id}, Versions: "all", Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				if len(objs) != 1 || objs[0].ACL.AuthorOrg != callers[winner].Org.ID {
					t.Fatalf("round %d: stored %d versions of %s, want one by %s", round, len(objs), id, callers[winner].Org.Name)
				}
			}
		})
	}
}
