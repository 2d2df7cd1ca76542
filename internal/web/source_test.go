package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestSourceColumnShowsOnlySubmitter: the console's source column names the
// organization that submitted an object (or the center, when its consent
// hides it), never an organization that created_by_ref names otherwise — not
// even for an object stored before the intake replaced such a reference.
func TestSourceColumnShowsOnlySubmitter(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			e := newEnvOn(t, kind, Options{})
			ctx := context.Background()
			now := time.Now().UTC()
			id := "indicator--00000000-0000-4000-8000-00000000c0de"
			ts := now.Format("2006-01-02T15:04:05.000Z")
			raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":"Legacy forged source","pattern":"[ipv4-addr:value = '203.0.113.9']","pattern_type":"stix","valid_from":%q,"created_by_ref":%q,"object_marking_refs":[%q]}`,
				id, ts, ts, ts, e.power.ID, policy.MarkingGreen)
			water, err := e.h.DB.UserByLogin(ctx, "water-analyst")
			if err != nil {
				t.Fatal(err)
			}
			legacy := store.Object{CollectionID: hub.MembersCollection, ID: id, Type: "indicator", SpecVersion: "2.1", Created: now, Modified: now,
				Name: "Legacy forged source", ACL: policy.ACL{TLP: policy.Green, AuthorOrg: e.water.ID, SubmitterUser: water.ID}, Raw: []byte(raw)}
			if _, err := e.h.DB.InsertObjects(ctx, []store.Object{legacy}, now, "", store.StatusProgress{}); err != nil {
				t.Fatal(err)
			}
			for _, who := range []string{"center-analyst", "power-analyst", "water-analyst"} {
				_, body := e.as(who).get("/objects/" + id)
				if !strings.Contains(body, "Legacy forged source") {
					t.Fatalf("%s does not see the object", who)
				}
				// power's own pages name power in the header; the others
				// must not name it at all.
				if (who != "power-analyst" && strings.Contains(body, e.power.Name)) || !strings.Contains(body, e.water.Name) {
					t.Errorf("%s: the source shown is not the submitter %q", who, e.water.Name)
				}
			}
		})
	}
}
