package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/client"
	"renkei/internal/exportgate"
	"renkei/internal/hub"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/warninglist"
)

// hostile are what a member may submit to make every other member block
// what they must not: each must stay out of every export.
var hostile = []struct{ name, pattern, never string }{
	{"a whole /8", "[ipv4-addr:value = '45.0.0.0/8']", "45.0.0.0"},
	{"every IPv4 address", "[ipv4-addr:value = '0.0.0.0/0']", "0.0.0.0/0"},
	{"every IPv6 address", "[ipv6-addr:value = '::/0']", "::/0"},
	{"a public resolver", "[ipv4-addr:value = '8.8.8.8']", "8.8.8.8"},
	{"a private range", "[ipv4-addr:value = '10.0.0.0/16']", "10.0.0.0"},
	{"a top domain", "[domain-name:value = 'google.com']", "google.com"},
	{"a public suffix", "[domain-name:value = 'co.jp']", "co.jp"},
	{"an IDN homograph of a top domain", "[domain-name:value = 'gооgle.com']", "xn--ggle-55da.com"},
	{"a URL on a top domain", "[url:value = 'https://google.com/search']", "google.com/search"},
}

// submitIndicators stores indicators of member who, TLP:GREEN.
func (e *telemetryHub) submitIndicators(t *testing.T, who string, patterns map[string]string) {
	t.Helper()
	ctx := context.Background()
	var objs []any
	for id, p := range patterns {
		objs = append(objs, map[string]any{"type": "indicator", "spec_version": "2.1", "id": id, "created": "2026-01-03T00:00:00.000Z",
			"modified": "2026-01-03T00:00:00.000Z", "pattern": p, "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00.000Z",
			"confidence": 80, "object_marking_refs": []string{tlpGreen}})
	}
	body, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-0000000000b1", "objects": objs})
	col, err := e.h.DB.Collection(ctx, hub.MembersCollection)
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.h.Submit(ctx, e.callers[who], col, bytes.NewReader(body))
	if err != nil || st.Failure > 0 {
		t.Fatalf("submit as %s: %v %+v", who, err, st)
	}
}

func hostileID(i int) string {
	return "indicator--00000000-0000-4000-8000-0000000001" + string(rune('a'+i/10)) + string(rune('0'+i%10))
}

func TestHostileSubmissionsNeverReachAnExport(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			ctx := context.Background()
			// google.com is in no list shipped with Renkei (top sites are
			// imported, see TestImportedCorpusListsKeepTopSitesOut): the
			// center keeps it in a list of its own.
			if _, err := e.exports.Edit(ctx, e.callers["center"], "center-top-sites", "hostname", []string{"google.com"}, false); err != nil {
				t.Fatal(err)
			}
			pats := map[string]string{
				"indicator--00000000-0000-4000-8000-0000000001f0": "[ipv4-addr:value = '203.0.113.9']",
				"indicator--00000000-0000-4000-8000-0000000001f1": "[domain-name:value = 'c2.renkei-test.jp']",
			}
			for i, h := range hostile {
				pats[hostileID(i)] = h.pattern
			}
			e.submitIndicators(t, "power", pats)
			for _, format := range []string{"edl", "edl-domains", "edl-urls", "rpz", "suricata", "zeek", "csv"} {
				for _, who := range []string{"other", "center", "power"} {
					r := e.do(t, "GET", "/api/v1/exports/"+format, e.ro[who], nil)
					if r.code != 200 {
						t.Fatalf("%s for %s: %d %s", format, who, r.code, r.body)
					}
					body := string(r.body)
					for _, h := range hostile {
						if strings.Contains(body, h.never) {
							t.Errorf("%s: %s (%s) reached %s's export:\n%s", format, h.name, h.never, who, body)
						}
					}
					want := map[string]string{"edl": "203.0.113.9", "edl-domains": "c2.renkei-test.jp", "rpz": "c2.renkei-test.jp",
						"suricata": "c2.renkei-test.jp", "zeek": "c2.renkei-test.jp", "csv": "c2.renkei-test.jp"}[format]
					if want != "" && !strings.Contains(body, want) {
						t.Errorf("%s: the ordinary indicator %s is missing from %s's export", format, want, who)
					}
				}
			}
			// The homograph waits for the center's review; released, it is exported.
			if err := e.exports.Review(ctx, e.callers["center"], hostileID(7), true, "phishing look-alike, confirmed"); err != nil {
				t.Fatal(err)
			}
			r := e.do(t, "GET", "/api/v1/exports/rpz", e.ro["other"], nil)
			if !strings.Contains(string(r.body), "xn--ggle-55da.com") {
				t.Errorf("a reviewed homograph is still held back:\n%s", r.body)
			}
			if err := e.exports.Review(ctx, e.callers["power"], hostileID(0), true, ""); err == nil {
				t.Error("a member released its own indicator")
			}
		})
	}
}

func TestExportPolicyConfidenceAgeAndReview(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			ctx := context.Background()
			const id = "indicator--00000000-0000-4000-8000-0000000002a0"
			e.submitIndicators(t, "power", map[string]string{id: "[ipv4-addr:value = '203.0.113.120']"})
			has := func() bool {
				r := e.do(t, "GET", "/api/v1/exports/edl", e.ro["other"], nil)
				return strings.Contains(string(r.body), "203.0.113.120")
			}
			if !has() {
				t.Fatal("no policy: the indicator must be exported")
			}
			set := func(p store.ExportPolicy) {
				t.Helper()
				if err := e.exports.SetPolicy(ctx, e.callers["center"], p); err != nil {
					t.Fatal(err)
				}
			}
			set(store.ExportPolicy{Scope: "hub", MinConfidence: 90})
			if has() {
				t.Error("confidence 80 passed a minimum of 90")
			}
			set(store.ExportPolicy{Scope: "hub", MaxAge: time.Hour})
			if has() {
				t.Error("an indicator last modified in January passed a maximum age of an hour")
			}
			set(store.ExportPolicy{Scope: "hub", RequireReview: true})
			if has() {
				t.Error("an indicator waiting for review was exported")
			}
			if err := e.exports.Review(ctx, e.callers["center"], id, true, ""); err != nil {
				t.Fatal(err)
			}
			if !has() {
				t.Error("a released indicator is not exported")
			}
			// A member may make its own exports stricter, not another's.
			if err := e.exports.SetPolicy(ctx, e.callers["water"], store.ExportPolicy{Scope: "org", ScopeID: e.callers["other"].Org.ID, MinConfidence: 99}); err == nil {
				t.Error("a member's analyst set another member's export policy")
			}
		})
	}
}

func TestImportedCorpusListsKeepTopSitesOut(t *testing.T) {
	t.Parallel()
	dir := "../../../shared/corpora/misp-warninglists/lists"
	lists, errs, err := warninglist.ReadPath(dir)
	if err != nil {
		t.Skipf("MISP warninglists corpus missing (%v): needs ../shared/corpora/misp-warninglists/lists", err)
	}
	if len(errs) > 0 {
		t.Fatalf("corpus lists refused: %v", errs)
	}
	e := newTelemetryHub(t, "sqlite")
	ctx := context.Background()
	if err := e.exports.Import(ctx, e.callers["power"], lists, "refuse"); err == nil {
		t.Fatal("a member imported warninglists")
	}
	if err := e.exports.Import(ctx, e.callers["center"], lists, "refuse"); err != nil {
		t.Fatal(err)
	}
	e.submitIndicators(t, "power", map[string]string{
		"indicator--00000000-0000-4000-8000-0000000003a0": "[domain-name:value = 'www.google.de']",
		"indicator--00000000-0000-4000-8000-0000000003a1": "[domain-name:value = 'c2.renkei-test.jp']",
	})
	r := e.do(t, "GET", "/api/v1/exports/rpz", e.ro["other"], nil)
	if strings.Contains(string(r.body), "google.de") || !strings.Contains(string(r.body), "c2.renkei-test.jp") {
		t.Fatalf("rpz after importing the corpus:\n%s", r.body)
	}
}

func TestExplainTracesAnExportLine(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			e.submitIndicators(t, "power", map[string]string{
				"indicator--00000000-0000-4000-8000-0000000004a0": "[ipv4-addr:value = '203.0.113.0/24']",
				"indicator--00000000-0000-4000-8000-0000000004a1": "[ipv4-addr:value = '8.8.8.8']",
			})
			var ex exportgate.Explanation
			r := e.do(t, "GET", "/api/v1/exports/explain?value=203.0.113.44", e.tokens["other"], nil)
			if r.code != 200 || json.Unmarshal(r.body, &ex) != nil {
				t.Fatalf("%d %s", r.code, r.body)
			}
			if len(ex.Lines) != 1 || ex.Lines[0].IndicatorID != "indicator--00000000-0000-4000-8000-0000000004a0" ||
				ex.Lines[0].IndicatorValue != "203.0.113.0/24" || !ex.Lines[0].Exported {
				t.Fatalf("explain 203.0.113.44: %s", r.body)
			}
			r = e.do(t, "GET", "/api/v1/exports/explain?value=8.8.8.8", e.tokens["other"], nil)
			if r.code != 200 || json.Unmarshal(r.body, &ex) != nil || len(ex.Lines) != 1 || ex.Lines[0].Exported ||
				!strings.Contains(string(r.body), "renkei-public-resolvers") {
				t.Fatalf("explain 8.8.8.8: %d %s", r.code, r.body)
			}
			// The author is shown as the reader may see it: Power Co did not
			// consent to showing its identity, so Other Co sees the center.
			if strings.Contains(string(ex.Lines[0].Object), e.callers["power"].Org.ID) {
				t.Fatalf("the author's identity reached another member: %s", ex.Lines[0].Object)
			}
		})
	}
}

// TestGateThresholdsAreConfigurable: the hostile-scope thresholds are the
// hub's setting, not constants. With the defaults a /12 is exported and a
// private public suffix (github.io) is not; set to /12 and ICANN suffixes
// only, the /12 stays out and github.io is exported. Only the center sets
// them.
func TestGateThresholdsAreConfigurable(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			ctx := context.Background()
			e.submitIndicators(t, "power", map[string]string{
				"indicator--00000000-0000-4000-8000-0000000005a0": "[ipv4-addr:value = '61.0.0.0/12']",
				"indicator--00000000-0000-4000-8000-0000000005a1": "[domain-name:value = 'github.io']",
			})
			exported := func(format, v string) bool {
				r := e.do(t, "GET", "/api/v1/exports/"+format, e.ro["other"], nil)
				if r.code != 200 {
					t.Fatalf("%s: %d %s", format, r.code, r.body)
				}
				return strings.Contains(string(r.body), v)
			}
			if !exported("edl", "61.0.0.0/12") || exported("edl-domains", "github.io") {
				t.Fatal("defaults: a /12 must pass and github.io (a private public suffix) must not")
			}
			th := exportgate.Thresholds{WidestIPv4: 12, WidestIPv6: 32, PublicSuffixes: exportgate.SuffixesICANN}
			if err := e.exports.SetThresholds(ctx, e.callers["power"], th); err == nil {
				t.Fatal("a member set the hub's thresholds")
			}
			if err := e.exports.SetThresholds(ctx, e.callers["center"], exportgate.Thresholds{WidestIPv4: 32, PublicSuffixes: "all"}); err == nil {
				t.Fatal("a threshold refusing single addresses was accepted")
			}
			if err := e.exports.SetThresholds(ctx, e.callers["center"], th); err != nil {
				t.Fatal(err)
			}
			if exported("edl", "61.0.0.0/12") || !exported("edl-domains", "github.io") {
				t.Error("thresholds /12 and icann: the /12 must stay out and github.io pass")
			}
			got, err := e.exports.Thresholds(ctx)
			if err != nil || got != th {
				t.Errorf("thresholds read back %+v %v, want %+v", got, err, th)
			}
		})
	}
}

// TestObjectJSONCarriesWarninglistHits: GET /api/v1/objects/{id} gives the
// warninglist hits of an indicator's values beside the object and inside it
// (Renkei's extension), and none for an indicator in no list.
func TestObjectJSONCarriesWarninglistHits(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			const listed, plain = "indicator--00000000-0000-4000-8000-0000000006a0", "indicator--00000000-0000-4000-8000-0000000006a1"
			e.submitIndicators(t, "power", map[string]string{listed: "[ipv4-addr:value = '1.1.1.1']", plain: "[ipv4-addr:value = '203.0.113.66']"})
			var got struct {
				Object json.RawMessage
				Hits   []warninglist.ValueHit `json:"warninglist_hits"`
			}
			r := e.do(t, "GET", "/api/v1/objects/"+listed, e.tokens["other"], nil)
			if r.code != 200 || json.Unmarshal(r.body, &got) != nil {
				t.Fatalf("%d %s", r.code, r.body)
			}
			if len(got.Hits) != 1 || got.Hits[0].List != "renkei-public-resolvers" || got.Hits[0].Value != "1.1.1.1" || !got.Hits[0].Refuses() {
				t.Errorf("hits beside the object: %+v", got.Hits)
			}
			if !strings.Contains(string(got.Object), `"warninglist_hits":[{"value":"1.1.1.1"`) || !strings.Contains(string(got.Object), hub.Extension) {
				t.Errorf("the object does not carry its hits in Renkei's extension: %s", got.Object)
			}
			got.Hits = nil
			r = e.do(t, "GET", "/api/v1/objects/"+plain, e.tokens["other"], nil)
			if r.code != 200 || json.Unmarshal(r.body, &got) != nil || got.Hits != nil || strings.Contains(string(got.Object), "warninglist_hits") {
				t.Errorf("an indicator in no list: %d %s", r.code, r.body)
			}
		})
	}
}

// TestExplainShowsTheAuthorAsEachReaderMaySee: the indicator behind an
// export line is shown to each reader as that reader may see it. Power Co
// consented to showing its identity to the center only: the center's
// explanation names Power Co as the author, another member's names the
// center; where Power Co consented to everyone, both name Power Co.
func TestExplainShowsTheAuthorAsEachReaderMaySee(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			ctx := context.Background()
			power := e.callers["power"].Org.ID
			center := e.h.Center().ID
			const shy, open = "indicator--00000000-0000-4000-8000-0000000007a0", "indicator--00000000-0000-4000-8000-0000000007a1"
			var objs []any
			for id, c := range map[string]struct{ value, consent string }{shy: {"203.0.113.171", "center"}, open: {"203.0.113.172", "everyone"}} {
				objs = append(objs, map[string]any{"type": "indicator", "spec_version": "2.1", "id": id, "created": "2026-01-03T00:00:00.000Z",
					"modified": "2026-01-03T00:00:00.000Z", "pattern": "[ipv4-addr:value = '" + c.value + "']", "pattern_type": "stix",
					"valid_from": "2026-01-01T00:00:00.000Z", "created_by_ref": power, "object_marking_refs": []string{tlpGreen},
					"extensions": map[string]any{hub.Extension: map[string]any{"extension_type": "property-extension", "consent": c.consent}}})
			}
			body, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-0000000000b7", "objects": objs})
			col, err := e.h.DB.Collection(ctx, hub.MembersCollection)
			if err != nil {
				t.Fatal(err)
			}
			if st, err := e.h.Submit(ctx, e.callers["power"], col, bytes.NewReader(body)); err != nil || st.Failure > 0 {
				t.Fatalf("submit: %v %+v", err, st)
			}
			author := func(who, value string) string {
				t.Helper()
				var ex exportgate.Explanation
				r := e.do(t, "GET", "/api/v1/exports/explain?value="+value, e.tokens[who], nil)
				if r.code != 200 || json.Unmarshal(r.body, &ex) != nil || len(ex.Lines) != 1 || !ex.Lines[0].Exported {
					t.Fatalf("explain %s as %s: %d %s", value, who, r.code, r.body)
				}
				var o struct {
					CreatedByRef string `json:"created_by_ref"`
				}
				_ = json.Unmarshal(ex.Lines[0].Object, &o)
				return o.CreatedByRef
			}
			for _, c := range []struct{ who, value, want, why string }{
				{"center", "203.0.113.171", power, "the center may see the author who consented to it"},
				{"other", "203.0.113.171", center, "another member is shown the center in the author's place"},
				{"center", "203.0.113.172", power, "consent to everyone"},
				{"other", "203.0.113.172", power, "consent to everyone"},
			} {
				if got := author(c.who, c.value); got != c.want {
					t.Errorf("%s explaining %s is shown author %s, want %s (%s)", c.who, c.value, got, c.want, c.why)
				}
			}
		})
	}
}

// TestThresholdsThroughTheAPI: GET and PUT /api/v1/export-thresholds read
// and set the hub's thresholds through the client; a member reads them and
// may not set them, and a change is logged before it takes effect.
func TestThresholdsThroughTheAPI(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			ctx := context.Background()
			center := &client.Client{Hub: e.url, Token: e.tokens["center"]}
			member := &client.Client{Hub: e.url, Token: e.tokens["power"]}
			got, err := member.ExportThresholds(ctx)
			if err != nil || got != exportgate.DefaultThresholds() {
				t.Fatalf("a member reads %+v %v, want the defaults", got, err)
			}
			th := exportgate.Thresholds{WidestIPv4: 12, WidestIPv6: 40, PublicSuffixes: exportgate.SuffixesICANN}
			if err := member.SetExportThresholds(ctx, th); !errors.Is(err, problem.ErrForbidden) {
				t.Fatalf("a member set the thresholds: %v", err)
			}
			if err := center.SetExportThresholds(ctx, exportgate.Thresholds{WidestIPv4: 40, PublicSuffixes: "all"}); err == nil {
				t.Fatal("an IPv4 prefix length of 40 was accepted")
			}
			before, _ := e.h.Audit.Size(ctx)
			if err := center.SetExportThresholds(ctx, th); err != nil {
				t.Fatal(err)
			}
			if after, _ := e.h.Audit.Size(ctx); after != before+1 {
				t.Errorf("setting the thresholds appended %d audit entries, want 1", after-before)
			}
			if got, err := member.ExportThresholds(ctx); err != nil || got != th {
				t.Errorf("read back %+v %v, want %+v", got, err, th)
			}
		})
	}
}

// TestReviewQueueListsWhatWaits: GET /api/v1/export-reviews lists the
// indicators the hub's policy holds for the center's review and the IDN
// homographs of listed names (which wait whatever the policies), and counts
// those waiting that the reader may not read without showing them; an
// indicator leaves the queue once released or held; the center's own
// indicators, revoked ones and those under no review policy never wait.
// Members may not read the queue.
func TestReviewQueueListsWhatWaits(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			ctx := context.Background()
			const a, b, own = "indicator--00000000-0000-4000-8000-0000000007a0", "indicator--00000000-0000-4000-8000-0000000007a1",
				"indicator--00000000-0000-4000-8000-0000000007a2"
			e.submitIndicators(t, "power", map[string]string{a: "[ipv4-addr:value = '203.0.113.70']", b: "[domain-name:value = 'c2.review-test.jp']"})
			e.submitIndicators(t, "center", map[string]string{own: "[ipv4-addr:value = '203.0.113.71']"})
			center := &client.Client{Hub: e.url, Token: e.tokens["center"]}
			queue := func() []string {
				t.Helper()
				q, err := center.ExportReviewQueue(ctx, 0)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, i := range q.Indicators {
					if strings.HasPrefix(i.ID, "indicator--00000000-0000-4000-8000-0000000007") { // the fixture's own wait too
						ids = append(ids, i.ID)
					}
				}
				slices.Sort(ids)
				return ids
			}
			if q := queue(); len(q) != 0 {
				t.Fatalf("no policy asks for review, yet the queue holds %v", q)
			}
			if q, err := center.ExportReviewQueue(ctx, 0); err != nil || q.Hidden != 0 {
				t.Fatalf("no policy asks for review, yet %d hidden indicators wait (%v)", q.Hidden, err)
			}
			// An IDN homograph of a listed name waits whatever the policies
			// (dns.google is a public resolver's name; the о are Cyrillic).
			const homograph = "indicator--00000000-0000-4000-8000-0000000007a3"
			e.submitIndicators(t, "power", map[string]string{homograph: "[domain-name:value = 'dns.gооgle']"})
			if q := queue(); !slices.Equal(q, []string{homograph}) {
				t.Fatalf("queue %v, want the homograph %s though no policy asks for review", q, homograph)
			}
			if err := e.exports.SetPolicy(ctx, e.callers["center"], store.ExportPolicy{Scope: "hub", RequireReview: true}); err != nil {
				t.Fatal(err)
			}
			if q := queue(); !slices.Equal(q, []string{a, b, homograph}) {
				t.Fatalf("queue %v, want the member's three indicators %v", q, []string{a, b, homograph})
			}
			// The fixture's TLP:AMBER+STRICT indicator of Power Co and its
			// TLP:RED one for Water Co wait too: the center may read neither,
			// and they are counted, not shown.
			full, err := center.ExportReviewQueue(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if full.Hidden != 2 {
				t.Errorf("%d hidden indicators counted, want 2 (the AMBER+STRICT and the RED one)", full.Hidden)
			}
			for _, i := range full.Indicators {
				if i.ID == "indicator--00000000-0000-4000-8000-000000000066" || i.ID == "indicator--00000000-0000-4000-8000-000000000077" {
					t.Errorf("the center is shown an indicator it may not read: %+v", i)
				}
			}
			if err := center.ReviewExport(ctx, client.ExportReview{ID: homograph, Release: false, Note: "phishing look-alike"}); err != nil {
				t.Fatal(err)
			}
			if err := center.ReviewExport(ctx, client.ExportReview{ID: a, Release: true}); err != nil {
				t.Fatal(err)
			}
			if err := center.ReviewExport(ctx, client.ExportReview{ID: b, Release: false, Note: "not yet confirmed"}); err != nil {
				t.Fatal(err)
			}
			if q := queue(); len(q) != 0 {
				t.Errorf("reviewed indicators still wait: %v", q)
			}
			member := &client.Client{Hub: e.url, Token: e.tokens["power"]}
			if _, err := member.ExportReviewQueue(ctx, 0); !errors.Is(err, problem.ErrForbidden) {
				t.Errorf("a member read the review queue: %v", err)
			}
		})
	}
}
