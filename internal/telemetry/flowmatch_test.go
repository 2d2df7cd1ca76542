package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/alert"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
)

// submitIndicator stores an indicator of Power Co's with the given marking
// and, when given, a STIX confidence.
func (e *env) submitIndicator(t *testing.T, id, pattern string, tlp policy.TLP, confidence int) {
	t.Helper()
	o := map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
		"pattern": pattern, "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": []string{tlp.MarkingID()},
	}
	if confidence >= 0 {
		o["confidence"] = confidence
	}
	body, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-0000000000f1", "objects": []any{o}})
	col, _ := e.h.DB.Collection(context.Background(), hub.MembersCollection)
	if st, err := e.h.Submit(context.Background(), e.callers["power"], col, bytes.NewReader(body)); err != nil || st.Success != 1 {
		t.Fatalf("indicator %s: %+v %v", id, st, err)
	}
}

// TestFlowMatchingTwoIndicatorsIsOneRecord: a flow whose address matches two
// indicators is kept as one record with two matches — in the store and in
// what a handler reads — and handling its batch again (the bus redelivers)
// adds no record, no match and no count. Before, it was two records, one per
// indicator.
func TestFlowMatchingTwoIndicatorsIsOneRecord(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			host := "indicator--00000000-0000-4000-8000-0000000000a1"
			rng := "indicator--00000000-0000-4000-8000-0000000000a2"
			e.submitIndicator(t, host, "[ipv4-addr:value = '203.0.113.66']", policy.Amber, -1)
			e.submitIndicator(t, rng, "[ipv4-addr:value = '203.0.113.0/24']", policy.Green, 85)
			at := *e.now
			batch := []telemetry.Selected{
				selected("203.0.113.66", "192.0.2.20", 443, 50000, at), // both indicators
				selected("203.0.113.9", "192.0.2.30", 443, 50001, at),  // the range only
			}
			data, _ := json.Marshal(batch)
			if err := e.w.Prepare(ctx); err != nil {
				t.Fatal(err)
			}
			for delivery := 1; delivery <= 2; delivery++ {
				if err := e.w.Handle(ctx, data); err != nil {
					t.Fatalf("delivery %d: %v", delivery, err)
				}
				recs, _, err := e.svc.Access(ctx, e.callers["handler"], "power-border", "check the shape of matched records", 10)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string][]string{}
				for _, r := range recs {
					got[r.Src] = r.Indicators
				}
				want := map[string][]string{"203.0.113.66": {host, rng}, "203.0.113.9": {rng}}
				if len(recs) != 2 || !slices.Equal(got["203.0.113.66"], want["203.0.113.66"]) || !slices.Equal(got["203.0.113.9"], want["203.0.113.9"]) {
					t.Fatalf("delivery %d: records %+v, want one record per flow with its matches %v", delivery, recs, want)
				}
				var matches int
				if err := e.h.DB.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM telemetry_record_matches").Scan(&matches); err != nil {
					t.Fatal(err)
				}
				c, _ := telemetry.GetCounts(ctx, e.h.DB, "power-border")
				if matches != 3 || c["matched"] != 2 {
					t.Fatalf("delivery %d: %d matches and %d matched records counted, want 3 and 2", delivery, matches, c["matched"])
				}
				j, _ := json.Marshal(recs[0])
				if !strings.Contains(string(j), `"indicators":[`) {
					t.Fatalf("a record as the API gives it: %s", j)
				}
			}
		})
	}
}

// TestFlowMatchAlertNamesTheHostAndWhatToDo: the alert a member receives for
// a flow match names its own host involved (the member-side address) and
// the external network connection point it registered there, and says what
// to do, from the catalog in the reader's language: for a reader of the
// indicator, the advice for its kind and confidence (a high-confidence range:
// block it) with the other side of the records; for a member that may not
// read the indicator, only its own host and to check it — neither the
// indicator, its value nor a link to it.
func TestFlowMatchAlertNamesTheHostAndWhatToDo(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			water, _ := e.h.DB.Org(ctx, "Water Co")
			if err := e.h.DB.AddConnectionPoints(ctx, []store.ConnectionPoint{{OrgID: water.ID, Kind: "vpn", Vendor: "Fortinet", Product: "FortiOS",
				Version: "7.2.3", Address: "192.0.2.20", Created: *e.now, Updated: *e.now, LastConfirmed: *e.now}}); err != nil {
				t.Fatal(err)
			}
			hidden := "indicator--00000000-0000-4000-8000-0000000000b1"
			shown := "indicator--00000000-0000-4000-8000-0000000000b2"
			e.submitIndicator(t, hidden, "[ipv4-addr:value = '203.0.113.66']", policy.Amber, -1) // Power Co's AMBER: Water Co may not read it
			e.submitIndicator(t, shown, "[ipv4-addr:value = '203.0.113.0/24']", policy.Green, 85)
			data, _ := json.Marshal([]telemetry.Selected{selected("203.0.113.66", "192.0.2.20", 443, 50000, *e.now)})
			if err := e.w.Prepare(ctx); err != nil {
				t.Fatal(err)
			}
			if err := e.w.Handle(ctx, data); err != nil {
				t.Fatal(err)
			}
			as, _, err := e.h.DB.Alerts(ctx, policy.Viewer{UserID: 999, OrgID: water.ID, Role: policy.RoleAnalyst}, "", 10, false)
			if err != nil {
				t.Fatal(err)
			}
			var readable, other *store.Alert
			for i := range as {
				switch {
				case as[i].Kind != "flow-match":
				case as[i].ObjectRef == shown:
					readable = &as[i]
				case as[i].ObjectRef == "":
					other = &as[i]
				}
			}
			if readable == nil || other == nil {
				t.Fatalf("Water Co's alerts %+v: want one naming the GREEN indicator and one without the AMBER one", as)
			}
			for _, c := range []struct {
				lang      string
				a         *store.Alert
				want, not []string
			}{
				{"en", readable, []string{"192.0.2.20", "external network connection point: VPN appliance Fortinet FortiOS", "203.0.113.66", "block the range 203.0.113.0/24", "confidence is high"}, nil},
				{"ja", readable, []string{"192.0.2.20", "外部ネットワーク接続点: VPN装置 Fortinet FortiOS", "203.0.113.66", "アドレス範囲 203.0.113.0/24", "遮断", "確度: 高"}, nil},
				{"en", other, []string{"192.0.2.20", "external network connection point: VPN appliance Fortinet FortiOS", "check what the hosts above did"}, []string{"203.0.113.66", hidden, "block"}},
				{"ja", other, []string{"192.0.2.20", "外部ネットワーク接続点", "侵害の痕跡"}, []string{"203.0.113.66", hidden, "遮断"}},
			} {
				body := alert.Body(*c.a, c.lang) + "\n" + alert.Title(*c.a, c.lang)
				for _, w := range c.want {
					if !strings.Contains(body, w) {
						t.Errorf("%s alert (object %q) lacks %q:\n%s", c.lang, c.a.ObjectRef, w, body)
					}
				}
				for _, n := range c.not {
					if strings.Contains(body+c.a.Data, n) {
						t.Errorf("%s alert of an indicator Water Co may not read tells %q:\n%s\n%s", c.lang, n, body, c.a.Data)
					}
				}
			}
			var d struct {
				Hosts []struct {
					Address         string
					Remote          []string
					ConnectionPoint *struct{ Product string } `json:"connection_point"`
				}
			}
			if err := json.Unmarshal([]byte(readable.Data), &d); err != nil || len(d.Hosts) != 1 || d.Hosts[0].Address != "192.0.2.20" ||
				d.Hosts[0].ConnectionPoint == nil || d.Hosts[0].ConnectionPoint.Product != "FortiOS" || !slices.Equal(d.Hosts[0].Remote, []string{"203.0.113.66"}) {
				t.Errorf("the alert's data (what a webhook receives) %s: want the host, its connection point and the other side", readable.Data)
			}
		})
	}
}

// selected is a selected record of power-border, as the pipeline puts it on
// the stream.
func selected(src, dst string, sport, dport uint16, at time.Time) telemetry.Selected {
	return telemetry.Selected{Source: "power-border", Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), SrcPort: sport, DstPort: dport,
		Proto: 6, Start: at, End: at.Add(time.Second), Bytes: 1200, Packets: 4, Direction: telemetry.ForeignToDomestic, Exporter: "192.0.2.254"}
}
