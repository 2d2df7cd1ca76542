package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"renkei/internal/flow"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store/storetest"
)

// TestMatcherSightingsReachAuthorAndInvolvedMembers plays step 3 of the
// design's story: a flow match produces a sighting that reaches the
// indicator's author and the member whose registered address space was
// involved — when that member may read the indicator — and the center, but
// not every member, even at TLP:GREEN. A member involved that may not read
// the indicator gets no sighting (its alert says only that its space matched).
func TestMatcherSightingsReachAuthorAndInvolvedMembers(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			gas, err := hub.AddOrg(ctx, e.h.DB, "Gas Co", "operator", "energy", *e.now)
			if err != nil {
				t.Fatal(err)
			}
			green := "indicator--00000000-0000-4000-8000-0000000000e1"
			body, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-0000000000e1", "objects": []any{map[string]any{
				"type": "indicator", "spec_version": "2.1", "id": green, "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
				"pattern": "[ipv4-addr:value = '203.0.113.77']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
				"object_marking_refs": []string{policy.Green.MarkingID()},
			}}})
			col, _ := e.h.DB.Collection(ctx, hub.MembersCollection)
			if st, err := e.h.Submit(ctx, e.callers["power"], col, bytes.NewReader(body)); err != nil || st.Success != 1 {
				t.Fatalf("GREEN indicator: %+v %v", st, err)
			}
			amber := e.indicator(t, "power", "[ipv4-addr:value = '203.0.113.78']") // Power Co's AMBER, not addressed to Water Co
			at := *e.now
			if _, err := e.p.Ingest(ctx, "power-border", []flow.Record{
				rec("203.0.113.77", "192.0.2.20", 443, 50000, at), rec("203.0.113.78", "192.0.2.21", 443, 50001, at),
			}); err != nil {
				t.Fatal(err)
			}
			e.drain(t)
			water, _ := e.h.DB.Org(ctx, "Water Co")
			power, _ := e.h.Viewer(ctx, e.callers["power"])
			center, _ := e.h.Viewer(ctx, e.callers["center"])
			for _, c := range []struct {
				who  string
				v    policy.Viewer
				of   string
				want int64
			}{
				{"the author", power, green, 1},
				{"the center", center, green, 1},
				{"the member whose space matched", policy.Viewer{UserID: 999, OrgID: water.ID, Role: policy.RoleAnalyst}, green, 1},
				{"a member not involved", policy.Viewer{UserID: 998, OrgID: gas.ID, Role: policy.RoleAnalyst}, green, 0},
				{"the author", power, amber, 1},
				{"the member whose space matched, not a reader of the indicator", policy.Viewer{UserID: 999, OrgID: water.ID, Role: policy.RoleAnalyst}, amber, 0},
			} {
				sum, err := e.h.DB.Sightings(ctx, c.v, c.of)
				if err != nil {
					t.Fatal(err)
				}
				if sum.Sightings != c.want {
					t.Errorf("%s reads %d sightings of %s, want %d", c.who, sum.Sightings, c.of, c.want)
				}
			}
		})
	}
}
