package web

import (
	"context"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"renkei/internal/match"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestTemplateKeysExist checks every literal key the templates and handlers
// name, and every key built from a vocabulary, against both catalogs.
func TestTemplateKeysExist(t *testing.T) {
	t.Parallel()
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	lit := regexp.MustCompile(`\bt "([a-z_.+-]+)"`)
	files, _ := fs.Glob(templateFS, "templates/*.html")
	for _, f := range files {
		b, _ := fs.ReadFile(templateFS, f)
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	for _, r := range policy.Roles {
		keys = append(keys, "role."+string(r))
	}
	for _, k := range store.OrgKinds {
		keys = append(keys, "kind.org."+k)
	}
	for _, k := range match.ValueKinds {
		keys = append(keys, "kind."+k)
	}
	for _, k := range indicatorTypes {
		keys = append(keys, "itype."+k)
	}
	for _, k := range []string{"everyone", "center", "none"} {
		keys = append(keys, "consent."+k)
	}
	for _, k := range []policy.TLP{policy.Clear, policy.Green, policy.Amber, policy.AmberStrict, policy.Red} {
		keys = append(keys, "tlp."+k.String())
	}
	for _, k := range []string{"critical", "high", "medium", "low", "info"} {
		keys = append(keys, "severity."+k)
	}
	for _, k := range []string{"success", "failure", "pending"} {
		keys = append(keys, "submit.kind."+k)
	}
	for _, f := range flashes {
		keys = append(keys, "flash."+f)
	}
	for _, h := range []string{"exact", "within", "contains", "substring", "regex", "homograph"} {
		keys = append(keys, "object.warninglists.how."+h)
	}
	if len(keys) < 150 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
	}
	for _, l := range Languages {
		for _, k := range keys {
			if _, ok := cats[l][k]; !ok {
				t.Errorf("%s: missing key %q", l, k)
			}
		}
	}
}

// TestNoPageRendersAMissingKey renders every page, in every state worth
// showing, in both languages, and looks for the missing-key mark.
func TestNoPageRendersAMissingKey(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) { testNoPageRendersAMissingKey(t, newEnvOn(t, kind, Options{})) })
	}
}

func testNoPageRendersAMissingKey(t *testing.T, e *env) {
	ctx := context.Background()
	power := e.as("power-analyst")
	id := submitIndicator(t, power, "Beacon", "198.51.100.9", "green", nil)
	rel := "relationship--" + uuidFor("rel")
	power.get("/submit")
	power.post("/submit/bundle", url.Values{"bundle": {`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{"type":"relationship","spec_version":"2.1","id":"` + rel +
		`","created":"2026-01-02T03:04:05.000Z","modified":"2026-01-02T03:04:05.000Z","relationship_type":"indicates","source_ref":"` + id +
		`","target_ref":"malware--` + uuidFor("mw") + `","object_marking_refs":["` + policy.MarkingGreen + `"]}]}`}})
	water := e.as("water-analyst")
	water.post("/objects/"+id+"/sighting", url.Values{"count": {"2"}, "tlp": {"green"}, "consent": {"everyone"}})
	for _, sev := range []string{"critical", "high", "medium", "low", "info"} {
		e.h.Alerts.Raise(ctx, store.Alert{OrgID: e.center.ID, Kind: "test", Severity: sev, Title: "alert " + sev})
	}
	admin := e.as("admin")
	admin.post("/admin/groups", url.Values{"name": {"ISAC"}, "member_orgs": {e.power.ID}})

	for _, lang := range Languages {
		admin.do("GET", "/?lang="+lang, nil)
		power.do("GET", "/?lang="+lang, nil)
		type step struct {
			name string
			c    *client
			do   func(c *client) (int, string)
		}
		get := func(p string) func(c *client) (int, string) {
			return func(c *client) (int, string) { return c.get(p) }
		}
		post := func(p string, f url.Values) func(c *client) (int, string) {
			return func(c *client) (int, string) { st, _, b := c.post(p, f); return st, b }
		}
		for _, s := range []step{
			{"login", e.client(), get("/login")},
			{"login failed", e.client(), func(c *client) (int, string) {
				c.get("/login")
				st, _, b := c.post("/login", url.Values{"login": {"x"}, "password": {"y"}})
				return st, b
			}},
			{"dashboard", power, get("/")},
			{"dashboard admin", admin, get("/?done=read")},
			{"objects", admin, get("/objects?type=indicator&tlp=green&q=Beacon")},
			{"objects bad filters", admin, get("/objects?tlp=purple&after=xx")},
			{"object", power, get("/objects/" + id + "?done=sighting")},
			{"relationship", admin, get("/objects/" + rel)},
			{"object bad sighting", water, post("/objects/"+id+"/sighting", url.Values{"count": {"x"}, "tlp": {"nope"}, "consent": {"nope"}})},
			{"submit", power, get("/submit")},
			{"submit errors", power, post("/submit/indicator", url.Values{"values": {"%%%"}, "valid_from": {"x"}, "tlp": {"x"}, "consent": {"x"}, "indicator_type": {"x"}})},
			{"submit status", power, post("/submit/bundle", url.Values{"bundle": {`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{"type":"nonsense"}]}`}})},
			{"alerts", admin, get("/alerts")},
			{"webhook secret", admin, post("/alerts/webhooks", url.Values{"url": {"https://soc.example/x"}})},
			{"webhook error", admin, post("/alerts/webhooks", url.Values{"url": {"x"}})},
			{"admin", admin, get("/admin?done=org")},
			{"admin token", admin, post("/admin/tokens", url.Values{"login": {"power-analyst"}, "expires": {"never"}})},
			{"admin errors", admin, post("/admin/tokens", url.Values{"login": {"power-analyst"}, "expires": {"soon"}})},
			{"admin org error", admin, post("/admin/orgs", url.Values{"name": {""}, "kind": {"sme"}})},
			{"account", power, get("/account")},
			{"account errors", power, post("/account/password", url.Values{"current": {"x"}})},
			{"not found", power, get("/nowhere")},
			{"forbidden", power, get("/admin")},
		} {
			if s.c.csrf == "" || strings.HasPrefix(s.name, "login") {
				s.c.get("/")
			}
			s.c.lang = lang
			st, body := s.do(s.c)
			if st >= 500 {
				t.Errorf("%s/%s: status %d", lang, s.name, st)
			}
			if i := strings.Index(body, missingMark); i >= 0 {
				t.Errorf("%s/%s: %s", lang, s.name, body[i:min(len(body), i+60)])
			}
			if !strings.Contains(body, `<html lang="`+lang+`">`) {
				t.Errorf("%s/%s: page is not in %s", lang, s.name, lang)
			}
		}
	}
	if st, body := admin.get("/objects/" + rel); st != http.StatusOK || !strings.Contains(body, `<a href="/objects/`+id+`">`) {
		t.Errorf("relationship page: %d, or no link to its source", st)
	}
}
