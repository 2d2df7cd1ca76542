package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"renkei/internal/approval"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/exportgate"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
)

// telemetryHub is a hub with a source under an approval in force, the
// indicators of three members at different TLPs, and one batch of selected
// records already matched by a real worker.
type telemetryHub struct {
	h       *hub.Hub
	url     string            // the API's, served over real HTTP
	tokens  map[string]string // full tokens by login
	ro      map[string]string // read-only tokens by login
	sighted string            // the indicator the batch matched
	skew    atomic.Int64      // how far the hub's clock is ahead of time.Now (see h.Now)
	callers map[string]auth.Caller
	exports *exportgate.Service
}

const (
	tlpGreen       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	tlpAmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	tlpRed         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
)

func newTelemetryHub(t *testing.T, kind string) *telemetryHub {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	th := hubtest.New(t, kind, hubtest.At(now), hubtest.WithAudit())
	h, db := th.Hub, th.DB
	e := &telemetryHub{h: h, tokens: map[string]string{}, ro: map[string]string{}}
	th.App.Now = func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }
	for _, o := range []string{"Power Co", "Water Co", "Other Co"} {
		th.Org(o, "operator", "energy")
	}
	callers := map[string]auth.Caller{}
	for _, u := range []struct{ login, org, role string }{
		{"admin2", h.Center().Name, "admin"}, {"handler", h.Center().Name, "handler"}, {"overseer", "", "overseer"},
		{"center", h.Center().Name, "analyst"}, {"power", "Power Co", "analyst"}, {"water", "Water Co", "analyst"},
		{"water2", "Water Co", "analyst"}, {"other", "Other Co", "analyst"},
	} {
		if u.role == "overseer" {
			th.Overseer(u.login)
		} else {
			th.User(u.login, u.org, u.role)
		}
		callers[u.login] = th.Caller(u.login)
		e.tokens[u.login] = th.Token(u.login)
		e.ro[u.login], _, _ = hub.CreateToken(ctx, db, u.login, "firewall", 0, true, now)
	}
	s := serve(t, th)
	e.url, e.callers, e.exports = s.URL, callers, s.App.Exports
	// These tests use documentation addresses (RFC 5737) as stand-ins for
	// public ones: the center switches the documentation warninglist off,
	// as TestHostileSubmissionsNeverReachAnExport shows it must be for them
	// to reach an export at all.
	if err := s.App.Exports.SetEnabled(ctx, callers["admin2"], "renkei-documentation", false); err != nil {
		t.Fatal(err)
	}
	as := s.App.Approvals
	a, err := as.File(ctx, callers["handler"], approval.Request{Kind: approval.KindCollectionAgreement, LegalBasis: "operator agreement 2026-7",
		Target: "Power Co border routers", Justification: "C2 detection", ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(30 * 24 * time.Hour)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as.Decide(ctx, callers["overseer"], a.ID, true, "proportionate"); err != nil {
		t.Fatal(err)
	}
	if err := telemetry.AddSource(ctx, db, telemetry.Source{ID: "power-border", LegalBasis: telemetry.BasisAgreement,
		ApprovalRef: fmt.Sprintf("approval-%d", a.ID), Retention: 24 * time.Hour, Created: now.Add(-100 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := telemetry.SaveRanges(ctx, db, "test-1", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}); err != nil {
		t.Fatal(err)
	}
	water, _ := db.Org(ctx, "Water Co")
	if err := telemetry.AddAddressSpace(ctx, db, water.ID, netip.MustParsePrefix("192.0.2.0/25")); err != nil {
		t.Fatal(err)
	}
	if err := telemetry.AddCounts(ctx, db, "power-border", telemetry.Counts{"kept": 700, "dropped:domestic-domestic": 300}); err != nil {
		t.Fatal(err)
	}
	ind := func(id, value, marking string, ext map[string]any) map[string]any {
		o := map[string]any{"type": "indicator", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
			"pattern": "[ipv4-addr:value = '" + value + "']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00.000Z",
			"object_marking_refs": []string{marking}}
		if ext != nil {
			ext["extension_type"] = "property-extension"
			o["extensions"] = map[string]any{hub.Extension: ext}
		}
		return o
	}
	e.sighted = "indicator--00000000-0000-4000-8000-000000000005"
	submit := func(who string, objs ...any) {
		t.Helper()
		col, err := db.Collection(ctx, hub.MembersCollection)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-00000000000" + fmt.Sprint(len(who)), "objects": objs})
		st, err := h.Submit(ctx, callers[who], col, bytes.NewReader(body))
		if err != nil || st.Failure > 0 {
			t.Fatalf("submit as %s: %v %+v", who, err, st)
		}
	}
	submit("power",
		ind(e.sighted, "203.0.113.5", tlpGreen, nil),
		ind("indicator--00000000-0000-4000-8000-000000000066", "203.0.113.66", tlpAmberStrict, nil))
	submit("other", ind("indicator--00000000-0000-4000-8000-000000000077", "203.0.113.77", tlpRed, map[string]any{"recipient_users": []string{"water"}}))

	// One batch through a real matcher: 203.0.113.5 talks to Water Co's space.
	w := &telemetry.Worker{Service: s.App.Telemetry}
	if err := w.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	batch, _ := json.Marshal([]telemetry.Selected{{Source: "power-border", Src: netip.MustParseAddr("203.0.113.5"), Dst: netip.MustParseAddr("192.0.2.10"),
		SrcPort: 443, DstPort: 51000, Proto: 6, Start: now, End: now.Add(time.Second), Bytes: 1200, Packets: 4, Direction: telemetry.ForeignToDomestic}})
	if err := w.Handle(ctx, batch); err != nil {
		t.Fatal(err)
	}
	return e
}

type reply struct {
	code int
	body []byte
	hdr  http.Header
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("%d: not JSON: %q", r.code, r.body)
	}
	return m
}

// do calls the API; auth is "Bearer <token>", "basic:<login>:<token>" or "".
func (e *telemetryHub) do(t *testing.T, method, path, authz string, body any, hdr ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	if login, tok, ok := strings.Cut(strings.TrimPrefix(authz, "basic:"), ":"); ok && strings.HasPrefix(authz, "basic:") {
		req.SetBasicAuth(login, tok)
	} else if authz != "" {
		req.Header.Set("Authorization", "Bearer "+authz)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, b, res.Header}
}

func TestTelemetrySourcesRoles(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			for _, c := range []struct {
				name, who string
				want      int
			}{
				{"member analyst", "power", 403}, {"anonymous", "", 401}, {"center analyst", "center", 200},
				{"handler", "handler", 200}, {"overseer", "overseer", 200}, {"admin", "admin2", 200},
			} {
				t.Run(c.name, func(t *testing.T) {
					r := e.do(t, "GET", "/api/v1/telemetry/sources", e.tokens[c.who], nil)
					if r.code != c.want {
						t.Fatalf("got %d, want %d: %s", r.code, c.want, r.body)
					}
					if c.want != 200 {
						return
					}
					srcs := r.json(t)["sources"].([]any)
					if len(srcs) != 1 {
						t.Fatalf("sources: %v", srcs)
					}
					s := srcs[0].(map[string]any)
					counts := s["counts"].(map[string]any)
					if s["in_force"] != true || s["approval"] == nil || counts["kept"] != 700.0 || counts["dropped:domestic-domestic"] != 300.0 ||
						counts["matched"] != 1.0 || s["received"] != 1000.0 || s["retention_seconds"] != 86400.0 {
						t.Fatalf("source: %v", s)
					}
					// 1000 records over the 100 s (or a little more) since registration.
					if rate := s["received_per_second_avg"].(float64); rate <= 5 || rate > 10 {
						t.Fatalf("throughput %v, want about 10/s", rate)
					}
				})
			}
			add := map[string]any{"id": "water-transit", "legal_basis": "committee", "approval_ref": "approval-999", "retention": "7d"}
			if r := e.do(t, "POST", "/api/v1/telemetry/sources", e.tokens["handler"], add); r.code != 403 {
				t.Fatalf("a handler registers a source: %d %s", r.code, r.body)
			}
			if r := e.do(t, "POST", "/api/v1/telemetry/sources", e.tokens["admin2"], map[string]any{"id": "x", "legal_basis": "committee",
				"approval_ref": "approval-1", "retention": "soon"}); r.code != 400 || !strings.Contains(string(r.body), "retention") {
				t.Fatalf("bad retention: %d %s", r.code, r.body)
			}
			if r := e.do(t, "POST", "/api/v1/telemetry/sources", e.tokens["admin2"], map[string]any{"id": "x", "legal_basis": "agreement",
				"approval_ref": "approval-1", "retention": "7d", "directions": []string{"foreign-foreign"}}); r.code != 400 || !strings.Contains(string(r.body), "not covered") {
				t.Fatalf("direction outside the legal basis: %d %s", r.code, r.body)
			}
			before, _ := e.h.Audit.Size(context.Background())
			r := e.do(t, "POST", "/api/v1/telemetry/sources", e.tokens["admin2"], add)
			if r.code != 201 {
				t.Fatalf("admin registers: %d %s", r.code, r.body)
			}
			if m := r.json(t); m["in_force"] != false || !strings.Contains(m["not_in_force_why"].(string), "approval-999") {
				t.Fatalf("a source without its approval must show it is not in force (C6): %v", m)
			}
			if waitSize(t, e.h.Audit, before+1) <= before {
				t.Fatal("registering a source must be in the audit log")
			}
			if r := e.do(t, "POST", "/api/v1/telemetry/sources", e.tokens["admin2"], add); r.code != 409 {
				t.Fatalf("twice: %d %s", r.code, r.body)
			}
		})
	}
}

func TestTelemetryRecordsC7Receipt(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			path := "/api/v1/telemetry/sources/power-border/records?purpose=" + "C2%20investigation%20case%2012"
			for _, who := range []string{"center", "admin2", "overseer", "power"} {
				if r := e.do(t, "GET", path, e.tokens[who], nil); r.code != 403 {
					t.Fatalf("%s reads communications information: %d %s", who, r.code, r.body)
				}
			}
			if r := e.do(t, "GET", "/api/v1/telemetry/sources/power-border/records", e.tokens["handler"], nil); r.code != 400 || !strings.Contains(string(r.body), "purpose") {
				t.Fatalf("no purpose: %d %s", r.code, r.body)
			}
			if r := e.do(t, "GET", "/api/v1/telemetry/sources/nowhere/records?purpose=x", e.tokens["handler"], nil); r.code != 404 {
				t.Fatalf("unknown source: %d %s", r.code, r.body)
			}
			before, _ := e.h.Audit.Size(context.Background())
			r := e.do(t, "GET", path, e.tokens["handler"], nil)
			if r.code != 200 {
				t.Fatalf("handler: %d %s", r.code, r.body)
			}
			m := r.json(t)
			recs := m["records"].([]any)
			if len(recs) != 1 || recs[0].(map[string]any)["src"] != "203.0.113.5" || fmt.Sprint(recs[0].(map[string]any)["indicators"]) != fmt.Sprint([]any{e.sighted}) {
				t.Fatalf("records: %v", recs)
			}
			receipt := r.hdr.Get(audit.HeaderIndex)
			if receipt == "" || receipt != fmt.Sprint(m["audit_index"]) {
				t.Fatalf("receipt header %q, body %v", receipt, m["audit_index"])
			}
			if idx := uint64(m["audit_index"].(float64)); idx < before {
				t.Fatalf("receipt %d is older than the log before the access (%d)", idx, before)
			}
			if waitSize(t, e.h.Audit, before+1) <= before {
				t.Fatal("the access is not in the log")
			}
		})
	}
}

func TestTelemetryMatches(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			for _, c := range []struct {
				name, who         string
				sightings, alerts int
			}{
				{"author sees the sighting of its indicator and its alert", "power", 1, 1},
				{"member whose space was involved gets the sighting and the flow-match alert", "water", 1, 1},
				{"unrelated member sees nothing", "other", 0, 0},
			} {
				t.Run(c.name, func(t *testing.T) {
					r := e.do(t, "GET", "/api/v1/telemetry/matches", e.tokens[c.who], nil)
					if r.code != 200 {
						t.Fatalf("%d %s", r.code, r.body)
					}
					m := r.json(t)
					ss, as := m["sightings"].([]any), m["alerts"].([]any)
					if len(ss) != c.sightings || len(as) != c.alerts {
						t.Fatalf("sightings %d alerts %d, want %d %d: %s", len(ss), len(as), c.sightings, c.alerts, r.body)
					}
					for _, s := range ss {
						if s.(map[string]any)["sighting_of_ref"] != e.sighted {
							t.Fatalf("sighting: %v", s)
						}
					}
					for _, a := range as {
						if k := a.(map[string]any)["kind"]; k != telemetry.MatchAlertKind && k != "sighting" {
							t.Fatalf("alert of kind %v", k)
						}
					}
				})
			}
		})
	}
}

func TestTelemetryMatchesNotForOverseers(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			if r := e.do(t, "GET", "/api/v1/telemetry/matches", e.tokens["overseer"], nil); r.code != 403 {
				t.Fatalf("overseer: %d %s", r.code, r.body)
			}
		})
	}
}

func TestExportOnlyWhatTheCallerMaySee(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			basic := func(who string) string { return "basic:" + who + ":" + e.ro[who] }
			for _, c := range []struct {
				name, who       string
				present, absent []string
				logged          bool
			}{
				{"AMBER+STRICT of another org is absent; RED named to the caller is present and logged", "water",
					[]string{"203.0.113.5", "203.0.113.77"}, []string{"203.0.113.66"}, true},
				{"RED is absent for a colleague who is not named", "water2",
					[]string{"203.0.113.5"}, []string{"203.0.113.66", "203.0.113.77"}, false},
				{"the author's AMBER+STRICT is present for the author and logged", "power",
					[]string{"203.0.113.5", "203.0.113.66"}, []string{"203.0.113.77"}, true},
				{"the center does not see AMBER+STRICT not addressed to it", "center",
					[]string{"203.0.113.5"}, []string{"203.0.113.66", "203.0.113.77"}, false},
			} {
				t.Run(c.name, func(t *testing.T) {
					before, _ := e.h.Audit.Size(context.Background())
					r := e.do(t, "GET", "/api/v1/exports/edl", basic(c.who), nil)
					if r.code != 200 {
						t.Fatalf("%d %s", r.code, r.body)
					}
					lines := strings.Split(strings.TrimSpace(string(r.body)), "\n")
					for _, v := range c.present {
						if !slices.Contains(lines, v) {
							t.Errorf("%s missing from %q", v, lines)
						}
					}
					for _, v := range c.absent {
						if slices.Contains(lines, v) {
							t.Errorf("%s must not be exported to %s: %q", v, c.who, lines)
						}
					}
					receipt := r.hdr.Get(audit.HeaderIndex)
					if c.logged != (receipt != "") {
						t.Fatalf("logged %v, receipt %q", c.logged, receipt)
					}
					if c.logged {
						if waitSize(t, e.h.Audit, before+1) <= before {
							t.Fatal("a logged export is not in the log")
						}
						if r.hdr.Get("Cache-Control") != "no-store" {
							t.Fatalf("Cache-Control %q for logged content", r.hdr.Get("Cache-Control"))
						}
					}
				})
			}
		})
	}
}

func TestExportAuthAndCaching(t *testing.T) {
	t.Parallel()
	e := newTelemetryHub(t, "sqlite")
	r := e.do(t, "GET", "/api/v1/exports/edl", "", nil)
	if r.code != 401 || !strings.Contains(strings.Join(r.hdr.Values("WWW-Authenticate"), " "), "Basic") {
		t.Fatalf("anonymous: %d %v", r.code, r.hdr)
	}
	if r := e.do(t, "GET", "/api/v1/exports/edl", e.tokens["power"], nil); r.code != 403 || !strings.Contains(string(r.body), "read-only") {
		t.Fatalf("a full token: %d %s", r.code, r.body)
	}
	if r := e.do(t, "GET", "/api/v1/exports/edl", "basic:water:"+e.ro["power"], nil); r.code != 401 {
		t.Fatalf("another user's token: %d %s", r.code, r.body)
	}
	if r := e.do(t, "GET", "/api/v1/exports/pdf", e.ro["power"], nil); r.code != 404 || !strings.Contains(string(r.body), "edl-domains") {
		t.Fatalf("unknown format: %d %s", r.code, r.body)
	}
	for _, c := range []struct{ format, ctype, want string }{
		{"edl", "text/plain", "203.0.113.5\n"},
		{"suricata", "text/plain", "203.0.113.5"},
		{"zeek", "text/plain", "203.0.113.5\tIntel::ADDR"},
		{"rpz", "text/dns", "32.5.113.0.203.rpz-ip"},
		{"csv", "text/csv", e.sighted},
	} {
		t.Run(c.format, func(t *testing.T) {
			r := e.do(t, "GET", "/api/v1/exports/"+c.format, e.ro["other"], nil)
			if r.code != 200 || !strings.HasPrefix(r.hdr.Get("Content-Type"), c.ctype) || !strings.Contains(string(r.body), c.want) {
				t.Fatalf("%d %s: %q", r.code, r.hdr.Get("Content-Type"), r.body)
			}
			etag := r.hdr.Get("ETag")
			if etag == "" || r.hdr.Get("Cache-Control") == "" {
				t.Fatalf("no ETag or Cache-Control: %v", r.hdr)
			}
			if c.format == "rpz" {
				e.skew.Add(int64(2 * time.Second)) // the SOA serial is the time of the export: it must not change the ETag
			}
			again := e.do(t, "GET", "/api/v1/exports/"+c.format, e.ro["other"], nil, "If-None-Match", etag)
			if again.code != 304 || len(again.body) != 0 || again.hdr.Get("ETag") != etag {
				t.Fatalf("If-None-Match: %d %q", again.code, again.body)
			}
		})
	}
	// Water's export holds a RED indicator: a 304 releases nothing and logs nothing.
	// The release is logged before the response (C7), and Size waits until
	// every entry appended so far is integrated: it is the barrier, here and
	// after the 304.
	r = e.do(t, "GET", "/api/v1/exports/edl", e.ro["water"], nil)
	before, _ := e.h.Audit.Size(context.Background())
	again := e.do(t, "GET", "/api/v1/exports/edl", e.ro["water"], nil, "If-None-Match", r.hdr.Get("ETag"))
	if again.code != 304 || again.hdr.Get(audit.HeaderIndex) != "" {
		t.Fatalf("304 with receipt: %d %v", again.code, again.hdr)
	}
	if after, _ := e.h.Audit.Size(context.Background()); after != before {
		t.Fatalf("a 304 was logged: %d -> %d", before, after)
	}
	// A new indicator the caller may see changes the ETag.
	col, _ := e.h.DB.Collection(context.Background(), hub.MembersCollection)
	u, _ := e.h.DB.UserByLogin(context.Background(), "water")
	o, _ := e.h.DB.Org(context.Background(), u.OrgID)
	body := `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-0000000000f1","objects":[{"type":"indicator","spec_version":"2.1",
		"id":"indicator--00000000-0000-4000-8000-0000000000f1","created":"2026-01-02T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z",
		"pattern":"[ipv4-addr:value = '198.51.100.9']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00.000Z","object_marking_refs":["` + tlpGreen + `"]}]}`
	if st, err := e.h.Submit(context.Background(), auth.Caller{User: u, Org: o}, col, strings.NewReader(body)); err != nil || st.Failure > 0 {
		t.Fatal(err, st)
	}
	changed := e.do(t, "GET", "/api/v1/exports/edl", e.ro["water"], nil, "If-None-Match", r.hdr.Get("ETag"))
	if changed.code != 200 || !strings.Contains(string(changed.body), "198.51.100.9") {
		t.Fatalf("after a new indicator: %d %q", changed.code, changed.body)
	}
}
