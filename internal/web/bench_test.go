package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// benchObjects is how many indicators the page benchmarks hold: a busy
// member's view of a national hub.
const benchObjects = 20_000

// benchConsole fills a SQLite store with indicators from two organizations at
// mixed TLPs and returns the console and a session cookie of a third
// organization's analyst, who may see about half of them.
func benchConsole(b *testing.B) (http.Handler, *http.Cookie, string) {
	db := storetest.Open(b, "sqlite")
	a, cookie, id := fillBench(b, db)
	handler, err := New(a, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return handler, cookie, id
}

func fillBench(b testing.TB, db *store.DB) (*app.App, *http.Cookie, string) {
	ctx := context.Background()
	if _, err := hub.Bootstrap(ctx, db, time.Now()); err != nil {
		b.Fatal(err)
	}
	a := hubtest.App(b, db)
	h := a.Hub
	var orgs []store.Org
	for _, n := range []string{"A Power", "B Water", "C Rail"} {
		o, err := hub.AddOrg(ctx, db, n, "operator", "", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		orgs = append(orgs, o)
	}
	u, err := hub.AddUser(ctx, db, "bench", orgs[2].ID, "analyst", "", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	tlps := []policy.TLP{policy.Clear, policy.Green, policy.Amber, policy.AmberStrict}
	now := time.Now().UTC()
	var batch []store.Object
	var someID string
	for i := 0; i < benchObjects; i++ {
		id := stix.NewID("indicator")
		ts := stix.FormatTime(now)
		pat := fmt.Sprintf("[ipv4-addr:value = '10.%d.%d.%d']", i>>16&255, i>>8&255, i&255)
		raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":"bench indicator %d","pattern":%q,"pattern_type":"stix","valid_from":%q}`,
			id, ts, ts, i, pat, ts)
		o := store.Object{CollectionID: hub.MembersCollection, ID: id, Type: "indicator", SpecVersion: "2.1", Created: now, Modified: now,
			Name: fmt.Sprintf("bench indicator %d", i), Pattern: pat, ValidFrom: now, Raw: []byte(raw),
			ACL: policy.ACL{TLP: tlps[i%len(tlps)], AuthorOrg: orgs[i%2].ID, SubmitterUser: 1}}
		if i == benchObjects/2 && o.ACL.TLP <= policy.Green {
			someID = id
		}
		batch = append(batch, o)
		if len(batch) == 500 {
			if _, err := db.InsertObjects(ctx, batch, now, "", store.StatusProgress{}); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	cookie, _, err := h.Auth.NewSession(ctx, u.ID, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	return a, &http.Cookie{Name: "renkei_session", Value: cookie}, someID
}

// BenchmarkConsolePages measures whole requests (session lookup, policy-
// filtered queries, presentation, template) against 20,000 indicators.
func BenchmarkConsolePages(b *testing.B) {
	handler, cookie, id := benchConsole(b)
	for _, p := range []struct{ name, path string }{
		{"dashboard", "/"},
		{"objects", "/objects"},
		{"objects-type-tlp", "/objects?type=indicator&tlp=green"},
		{"objects-search", "/objects?q=10.0.1.1"},
		{"object", "/objects/" + id},
	} {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", p.path, nil)
				req.AddCookie(cookie)
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, rec.Code)
				}
			}
		})
	}
}
