package taxii_test

import (
	"encoding/json"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store/storetest"
)

// TestServedIndicatorsCarryTheirWarninglistHits: an indicator whose values
// a warninglist holds is served with the hits under Renkei's extension
// (warninglist_hits: value, list, version, action, entry, how), to every
// reader, as valid STIX whose extension resolves; an indicator without hits
// is served as posted; hits a submitter wrote itself are dropped.
func TestServedIndicatorsCarryTheirWarninglistHits(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			resolver := ind(1500, policy.Green, base)
			resolver["pattern"] = "[ipv4-addr:value = '8.8.8.8'] OR [ipv4-addr:value = '10.1.0.0/16']"
			plain := ind(1501, policy.Green, base)
			plain["pattern"] = "[domain-name:value = 'c2.renkei-test.jp']"
			forged := ind(1502, policy.Green, base)
			forged["pattern"] = "[domain-name:value = 'c3.renkei-test.jp']"
			forged["extensions"] = map[string]any{hub.Extension: map[string]any{"extension_type": "property-extension", "consent": "everyone",
				"warninglist_hits": []map[string]any{{"value": "c3.renkei-test.jp", "list": "renkei-public-resolvers", "action": "refuse"}}}}
			e.post(t, "power", resolver, plain, forged)

			hitsOf := func(o map[string]any) []any {
				ext, _ := o["extensions"].(map[string]any)
				r, _ := ext[hub.Extension].(map[string]any)
				h, _ := r["warninglist_hits"].([]any)
				return h
			}
			for _, who := range []string{"water", "center", "power"} {
				got := e.latest(t, who, indID(1500))
				hits := hitsOf(got)
				lists := map[string]string{}
				for _, h := range hits {
					m := h.(map[string]any)
					lists[m["list"].(string)] = m["value"].(string) + " " + m["how"].(string) + " " + m["entry"].(string) + " " + m["action"].(string)
				}
				if lists["renkei-public-resolvers"] != "8.8.8.8 exact 8.8.8.8/32 refuse" || lists["renkei-special-ipv4"] != "10.1.0.0/16 within 10.0.0.0/8 refuse" {
					t.Errorf("%s is served the hits %v", who, hits)
				}
				ext := got["extensions"].(map[string]any)[hub.Extension].(map[string]any)
				if ext["extension_type"] != "property-extension" {
					t.Errorf("the extension lacks its type: %v", ext)
				}
				if h := hitsOf(e.latest(t, who, indID(1501))); h != nil {
					t.Errorf("%s: an indicator in no list carries hits %v", who, h)
				}
				if h := hitsOf(e.latest(t, who, indID(1502))); h != nil {
					t.Errorf("%s: the submitter's own warninglist_hits are served: %v", who, h)
				}
			}
			// The page a TAXII client pulls: every object valid STIX, the
			// extension definition resolvable and describing the property.
			r := e.do("GET", objectsPath, "water", nil)
			var env struct{ Objects []json.RawMessage }
			if r.code != 200 || json.Unmarshal(r.body, &env) != nil {
				t.Fatalf("%d %s", r.code, r.body)
			}
			found := false
			for _, raw := range env.Objects {
				if _, err := stix.Parse(raw, stix.Options{}); err != nil {
					t.Errorf("served as invalid STIX: %v\n%s", err, raw)
				}
				var o map[string]any
				_ = json.Unmarshal(raw, &o)
				if o["id"] == indID(1500) && len(hitsOf(o)) == 2 {
					found = true
				}
			}
			if !found {
				t.Errorf("the page does not carry the hits: %s", r.body)
			}
			def := e.latest(t, "water", hub.Extension)
			raw, _ := json.Marshal(def)
			if _, err := stix.Parse(raw, stix.Options{}); err != nil || def["version"] != "1.1.0" {
				t.Errorf("the extension definition: %v %s", err, raw)
			}
		})
	}
}
