package taxii_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/audit"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store/storetest"
	"renkei/internal/taxii"
)

type env struct {
	t      testing.TB
	srv    *httptest.Server
	h      *hub.Hub
	tokens map[string]string
}

func setup(t testing.TB, kind string) *env {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, kind)
	now := time.Now().UTC()
	if _, err := hub.Bootstrap(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	a := hubtest.App(t, db, hubtest.WithAudit())
	h := a.Hub
	e := &env{t: t, h: h, tokens: map[string]string{}}
	for _, o := range []struct{ name, kind string }{{"Power Co", "operator"}, {"Water Co", "operator"}} {
		if _, err := hub.AddOrg(ctx, db, o.name, o.kind, "energy", now); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []struct{ login, org, role string }{
		{"power", "Power Co", "analyst"}, {"water", "Water Co", "analyst"}, {"center", h.Center().Name, "analyst"},
		{"power-ro", "Power Co", "analyst"},
	} {
		if _, err := hub.AddUser(ctx, db, u.login, u.org, u.role, "", now); err != nil {
			t.Fatal(err)
		}
		tok, _, err := hub.CreateToken(ctx, db, u.login, "", 0, u.login == "power-ro", now)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[u.login] = tok
	}
	ts := &taxii.Server{Hub: h, MaxContentLength: 1 << 20}
	e.srv = httptest.NewServer(ts.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

type resp struct {
	code int
	hdr  http.Header
	body []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not JSON (%d): %s", r.code, r.body)
	}
	return m
}

func (e *env) do(method, path, user string, body []byte, hdr ...string) resp {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Accept", taxii.MediaTAXII)
	if body != nil {
		req.Header.Set("Content-Type", taxii.MediaTAXII)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

const objectsPath = "/taxii2/api/collections/" + hub.MembersCollection + "/objects/"

func ind(i int, tlp policy.TLP, modified time.Time) map[string]any {
	return map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i),
		"created": stix.FormatTime(modified.Add(-time.Hour)), "modified": stix.FormatTime(modified),
		"name": fmt.Sprintf("ind %d", i), "pattern": fmt.Sprintf("[ipv4-addr:value = '198.51.100.%d']", i%250),
		"pattern_type": "stix", "valid_from": stix.FormatTime(modified.Add(-time.Hour)), "object_marking_refs": []string{tlp.MarkingID()},
	}
}

func bundle(objs ...any) []byte {
	b, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": objs})
	return b
}

func TestTAXII(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) { testTAXII(t, setup(t, kind)) })
	}
}

func testTAXII(t *testing.T, e *env) {
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

	t.Run("discovery is public, collections need a login except the public one", func(t *testing.T) {
		if r := e.do("GET", "/taxii2/", "", nil); r.code != 200 || r.json(t)["default"] != "/taxii2/api/" {
			t.Fatalf("discovery: %d %s", r.code, r.body)
		}
		r := e.do("GET", "/taxii2/api/collections/", "", nil)
		cols := r.json(t)["collections"].([]any)
		if len(cols) != 1 || cols[0].(map[string]any)["id"] != hub.PublicCollection {
			t.Fatalf("anonymous sees only the public collection: %s", r.body)
		}
		if r := e.do("GET", objectsPath, "", nil); r.code != 401 || r.hdr.Get("WWW-Authenticate") == "" {
			t.Fatalf("anonymous read of the members collection: %d", r.code)
		}
		r = e.do("GET", "/taxii2/api/collections/"+hub.MembersCollection+"/", "power-ro", nil)
		m := r.json(t)
		if m["can_read"] != true || m["can_write"] != false {
			t.Fatalf("read-only token: %s", r.body)
		}
	})

	t.Run("negotiation and limits", func(t *testing.T) {
		if r := e.do("GET", "/taxii2/", "", nil, "Accept", "application/xml"); r.code != 406 {
			t.Errorf("Accept xml: %d", r.code)
		}
		if r := e.do("GET", "/taxii2/", "", nil, "Accept", "application/taxii+json;version=2.0"); r.code != 406 {
			t.Errorf("Accept TAXII 2.0: %d", r.code)
		}
		if r := e.do("POST", objectsPath, "power", bundle(), "Content-Type", "application/json"); r.code != 415 {
			t.Errorf("Content-Type json: %d", r.code)
		}
		big := bundle(map[string]any{"type": "note", "x": strings.Repeat("a", 2<<20)})
		if r := e.do("POST", objectsPath, "power", big); r.code != 413 {
			t.Errorf("over max_content_length: %d %s", r.code, r.body)
		}
		if r := e.do("POST", objectsPath, "power-ro", bundle(ind(1, policy.Green, base))); r.code != 403 {
			t.Errorf("read-only token POST: %d", r.code)
		}
		if r := e.do("POST", objectsPath, "power", []byte("{not json")); r.code != 400 || r.json(t)["http_status"] != "400" {
			t.Errorf("invalid JSON: %d %s", r.code, r.body)
		}
		if r := e.do("GET", objectsPath+"?limit=abc", "power", nil); r.code != 400 || !strings.Contains(string(r.body), "limit") {
			t.Errorf("bad limit: %d %s", r.code, r.body)
		}
	})

	t.Run("a bundle with invalid objects stores the valid ones and lists the failures", func(t *testing.T) {
		bad := ind(900, policy.Green, base)
		bad["pattern"] = "[ipv4-addr:value = '1.2.3.4'"
		unknownMarking := ind(901, policy.Green, base)
		unknownMarking["object_marking_refs"] = []string{"marking-definition--11111111-1111-4111-8111-111111111111"}
		r := e.do("POST", objectsPath, "power", bundle(ind(1, policy.Green, base), bad, unknownMarking, ind(2, policy.Amber, base)))
		if r.code != 202 {
			t.Fatalf("POST: %d %s", r.code, r.body)
		}
		st := r.json(t)
		if st["total_count"].(float64) != 4 || st["success_count"].(float64) != 2 || st["failure_count"].(float64) != 2 || st["status"] != "complete" {
			t.Fatalf("status counts: %s", r.body)
		}
		fails := fmt.Sprint(st["failures"])
		if !strings.Contains(fails, "indicator--00000000-0000-4000-8000-000000000900") || !strings.Contains(fails, "pattern") || !strings.Contains(fails, "unknown marking") {
			t.Fatalf("failures must name the object and the problem: %s", fails)
		}
		got := e.do("GET", "/taxii2/api/status/"+st["id"].(string)+"/", "power", nil)
		if got.code != 200 || got.json(t)["success_count"].(float64) != 2 {
			t.Fatalf("GET status: %d %s", got.code, got.body)
		}
		if other := e.do("GET", "/taxii2/api/status/"+st["id"].(string)+"/", "water", nil); other.code != 404 {
			t.Fatalf("another member's status: %d", other.code)
		}
		// Posting the same versions again is idempotent.
		again := e.do("POST", objectsPath, "power", bundle(ind(1, policy.Green, base))).json(t)
		if again["success_count"].(float64) != 1 {
			t.Fatalf("repost: %v", again)
		}
		if n := len(e.do("GET", objectsPath+"?match[id]=indicator--00000000-0000-4000-8000-000000000001&match[version]=all", "power", nil).json(t)["objects"].([]any)); n != 1 {
			t.Fatalf("the same id and modified posted twice is stored once, got %d versions", n)
		}
	})

	t.Run("paging never skips or repeats", func(t *testing.T) {
		var objs []any
		for i := 10; i < 75; i++ {
			objs = append(objs, ind(i, policy.Green, base))
		}
		if r := e.do("POST", objectsPath, "water", bundle(objs...)); r.code != 202 {
			t.Fatal(r.code)
		}
		seen := map[string]bool{}
		next := ""
		pages := 0
		var lastAdded string
		for {
			q := url.Values{"limit": {"7"}, "match[type]": {"indicator"}}
			if next != "" {
				q.Set("next", next)
			}
			r := e.do("GET", objectsPath+"?"+q.Encode(), "water", nil)
			if r.code != 200 {
				t.Fatalf("page: %d %s", r.code, r.body)
			}
			env := r.json(t)
			for _, o := range env["objects"].([]any) {
				id := o.(map[string]any)["id"].(string)
				if seen[id] {
					t.Fatalf("object %s repeated on page %d", id, pages)
				}
				seen[id] = true
			}
			if first := r.hdr.Get("X-TAXII-Date-Added-First"); first == "" || first < lastAdded {
				t.Fatalf("X-TAXII-Date-Added-First %q after %q", first, lastAdded)
			}
			lastAdded = r.hdr.Get("X-TAXII-Date-Added-Last")
			pages++
			if env["more"] != true {
				break
			}
			next = env["next"].(string)
		}
		// water sees its own 65, and power's GREEN one; not power's AMBER one.
		if len(seen) != 66 || seen["indicator--00000000-0000-4000-8000-000000000002"] {
			t.Fatalf("water saw %d objects over %d pages", len(seen), pages)
		}
		r := e.do("GET", objectsPath+"?added_after="+url.QueryEscape(lastAdded), "water", nil)
		if m := r.json(t); m["more"] != false || m["objects"] != nil {
			if m["objects"] == nil {
				m["objects"] = []any{}
			}
			t.Fatalf("added_after the last date gives %d objects, more=%v", len(m["objects"].([]any)), m["more"])
		}
		if r := e.do("GET", objectsPath+"?next=garbage", "water", nil); r.code != 400 {
			t.Fatalf("bad next: %d", r.code)
		}
	})

	t.Run("versions, manifest, object get and delete", func(t *testing.T) {
		id := "indicator--00000000-0000-4000-8000-000000000500"
		v1 := ind(500, policy.Green, base)
		v2 := ind(500, policy.Green, base.Add(time.Hour))
		if r := e.do("POST", objectsPath, "power", bundle(v1, v2)); r.code != 202 {
			t.Fatal(r.code)
		}
		vs := e.do("GET", objectsPath+id+"/versions/", "water", nil).json(t)["versions"].([]any)
		if len(vs) != 2 || vs[0] != stix.FormatTime(base) {
			t.Fatalf("versions: %v", vs)
		}
		last := e.do("GET", objectsPath+id+"/", "water", nil).json(t)["objects"].([]any)
		if len(last) != 1 || last[0].(map[string]any)["modified"] != stix.FormatTime(base.Add(time.Hour)) {
			t.Fatalf("default is the last version: %v", last)
		}
		first := e.do("GET", objectsPath+id+"/?match[version]=first", "water", nil).json(t)["objects"].([]any)
		if first[0].(map[string]any)["modified"] != stix.FormatTime(base) {
			t.Fatalf("match[version]=first: %v", first)
		}
		man := e.do("GET", "/taxii2/api/collections/"+hub.MembersCollection+"/manifest/?match[id]="+id+"&match[version]=all", "water", nil).json(t)
		if recs := man["objects"].([]any); len(recs) != 2 || recs[0].(map[string]any)["media_type"] != taxii.MediaSTIX {
			t.Fatalf("manifest: %v", man)
		}
		if r := e.do("DELETE", objectsPath+id+"/", "water", nil); r.code != 403 {
			t.Fatalf("another org deleting: %d", r.code)
		}
		if r := e.do("DELETE", objectsPath+id+"/", "power", nil); r.code != 200 {
			t.Fatalf("author deleting: %d %s", r.code, r.body)
		}
		if r := e.do("GET", objectsPath+id+"/", "power", nil); r.code != 404 {
			t.Fatalf("after delete: %d", r.code)
		}
	})

	t.Run("AMBER+STRICT and RED never reach others", func(t *testing.T) {
		strict := ind(600, policy.AmberStrict, base)
		red := ind(601, policy.Red, base)
		if r := e.do("POST", objectsPath, "power", bundle(strict, red)); r.json(t)["success_count"].(float64) != 2 {
			t.Fatal(string(r.body))
		}
		for _, who := range []string{"water", "center"} {
			for _, id := range []string{"indicator--00000000-0000-4000-8000-000000000600", "indicator--00000000-0000-4000-8000-000000000601"} {
				if r := e.do("GET", objectsPath+id+"/", who, nil); r.code != 404 {
					t.Errorf("%s reads %s: %d", who, id, r.code)
				}
			}
		}
		r := e.do("GET", objectsPath+"indicator--00000000-0000-4000-8000-000000000601/", "power", nil)
		if r.code != 200 {
			t.Errorf("the submitter always sees its RED object: %d", r.code)
		}
		// Rule C7: the read was logged before release; the receipt names the entry.
		if r.hdr.Get(audit.HeaderIndex) == "" {
			t.Errorf("reading a RED object must carry %s", audit.HeaderIndex)
		}
		if r := e.do("GET", objectsPath+"indicator--00000000-0000-4000-8000-000000000001/", "power", nil); r.hdr.Get(audit.HeaderIndex) != "" {
			t.Errorf("a GREEN read is not logged, yet has a receipt")
		}
	})

	t.Run("C7: when the audit log cannot be written, nothing logged is released", func(t *testing.T) {
		e.h.Audit.Close()
		r := e.do("GET", objectsPath+"indicator--00000000-0000-4000-8000-000000000601/", "power", nil)
		if r.code != 503 || strings.Contains(string(r.body), "198.51.100") {
			t.Fatalf("with the log closed: %d %s", r.code, r.body)
		}
		if r := e.do("GET", objectsPath+"indicator--00000000-0000-4000-8000-000000000001/", "power", nil); r.code != 200 {
			t.Fatalf("objects that need no logging are still served: %d", r.code)
		}
	})
}

// BenchmarkLoggedRead measures what the audit log adds to a read: one client
// reads a RED object (logged durably before it is released, rule C7) and a
// GREEN one (not logged) in turn over loopback HTTP; the difference of their
// latencies is the cost of logging.
func BenchmarkLoggedRead(b *testing.B) {
	e := setup(b, "sqlite")
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if r := e.do("POST", objectsPath, "power", bundle(ind(1, policy.Green, base), ind(2, policy.Red, base))); r.code != 202 {
		b.Fatal(string(r.body))
	}
	paths := map[string]string{
		"green": objectsPath + "indicator--00000000-0000-4000-8000-000000000001/",
		"red":   objectsPath + "indicator--00000000-0000-4000-8000-000000000002/",
	}
	lat := map[string][]time.Duration{}
	b.ResetTimer()
	for range b.N {
		for _, k := range []string{"green", "red"} {
			t0 := time.Now()
			r := e.do("GET", paths[k], "power", nil)
			lat[k] = append(lat[k], time.Since(t0))
			if r.code != 200 || (k == "red") != (r.hdr.Get(audit.HeaderIndex) != "") {
				b.Fatalf("%s read: %d, receipt %q", k, r.code, r.hdr.Get(audit.HeaderIndex))
			}
		}
	}
	b.StopTimer()
	pct := func(k string, p float64) time.Duration {
		l := lat[k]
		slices.Sort(l)
		return l[min(len(l)-1, int(p*float64(len(l))))]
	}
	for _, p := range []float64{0.50, 0.99} {
		name := fmt.Sprintf("p%02.0f", p*100)
		b.ReportMetric(float64(pct("red", p).Microseconds()), "logged-"+name+"-µs")
		b.ReportMetric(float64((pct("red", p) - pct("green", p)).Microseconds()), "added-"+name+"-µs")
	}
}
