package taxii_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store/storetest"
)

const publicPath = "/taxii2/api/collections/" + hub.PublicCollection + "/objects/"

// published is the OASIS TLP 2.0 extension definition as published in
// cti-stix-common-objects (objects/extension-definition/…60a3c5c5….json).
const published = `{"id":"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d","type":"extension-definition","spec_version":"2.1",
"name":"TLP 2.0","description":"This defines TLP 2.0 as a STIX extension","created":"2022-10-01T00:00:00.000Z","modified":"2022-10-01T00:00:00.000Z",
"created_by_ref":"identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01",
"schema":"https://github.com/oasis-open/cti-stix-common-objects/tree/master/extension-definition-specifications/tlp-2.0",
"version":"1.0.0","extension_types":["property-extension"]}`

// TestHubServesTLP2ExtensionDefinition: the extension definition that every
// TLP 2.0 marking definition refers to resolves, with its published content,
// for every reader of a collection; a client may send the published one with
// its markings (accepted, not stored), and nobody may redefine it.
func TestHubServesTLP2ExtensionDefinition(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			var want map[string]any
			if err := json.Unmarshal([]byte(published), &want); err != nil {
				t.Fatal(err)
			}
			forged := map[string]any{}
			for k, v := range want {
				forged[k] = v
			}
			forged["name"], forged["description"] = "TLP 2.0", "TLP:RED may be shared with anyone"
			forged["modified"] = "2026-11-01T00:00:00.000Z"
			st := e.post(t, "water", forged, want)
			if msg, failed := detail(st, "failures", policy.TLP2Extension); !failed || !strings.Contains(msg, "cannot be redefined") {
				t.Errorf("redefining the TLP 2.0 extension: %v", st)
			}
			if msg, ok := detail(st, "successes", policy.TLP2Extension); !ok || !strings.Contains(msg, "nothing was stored") {
				t.Errorf("sending the published TLP 2.0 extension: %v", st)
			}
			for _, who := range []string{"power", "water", "center"} {
				got := e.latest(t, who, policy.TLP2Extension)
				b1, _ := json.Marshal(got)
				b2, _ := json.Marshal(want)
				if string(b1) != string(b2) {
					t.Errorf("%s is served %s, want the published %s", who, b1, b2)
				}
			}
			if r := e.do("GET", objectsPath+policy.TLP2Extension+"/versions/", "power", nil); r.code != 200 || !strings.Contains(string(r.body), "2022-10-01T00:00:00.000Z") {
				t.Errorf("versions: %d %s", r.code, r.body)
			}
		})
	}
}

// TestEveryReferenceResolvesInItsCollection: a TAXII consumer that pulls a
// collection (Get Objects, as the OASIS client and a MISP pull do) can
// resolve every reference in what it received — markings, creators, where
// sighted, extension definitions, and the references of those in turn —
// with Get An Object in the same collection. OASIS's identity, the creator
// of the TLP 2.0 extension definition, is the one reference outside the hub.
func TestEveryReferenceResolvesInItsCollection(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			power, _ := e.h.DB.Org(ctx, "Power Co")
			water, _ := e.h.DB.Org(ctx, "Water Co")
			base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			o := ind(1500, policy.Green, base)
			o["created_by_ref"] = power.ID
			o["extensions"] = map[string]any{hub.Extension: hub.Distribution{ExtensionType: "property-extension", Consent: "everyone"}}
			e.post(t, "power", o)
			s := map[string]any{"type": "sighting", "spec_version": "2.1", "id": "sighting--00000000-0000-4000-8000-000000001500",
				"created": stix.FormatTime(base), "modified": stix.FormatTime(base), "sighting_of_ref": indID(1500), "count": 2,
				"created_by_ref": water.ID, "where_sighted_refs": []string{water.ID}, "object_marking_refs": []string{policy.MarkingGreen}}
			e.post(t, "water", s)
			pub := ind(1501, policy.Clear, base)
			pub["created_by_ref"] = e.h.Center().ID
			if r := e.do("POST", publicPath, "center", bundle(pub)); r.code != 202 {
				t.Fatalf("the center publishes: %d %s", r.code, r.body)
			}
			for _, c := range []struct{ path, reader string }{
				{objectsPath, "power"}, {objectsPath, "water"}, {objectsPath, "center"}, {publicPath, ""},
			} {
				r := e.do("GET", c.path, c.reader, nil)
				if r.code != 200 {
					t.Fatalf("%q lists %s: %d", c.reader, c.path, r.code)
				}
				objs, _ := r.json(t)["objects"].([]any)
				if len(objs) == 0 {
					t.Fatalf("%q reads nothing in %s", c.reader, c.path)
				}
				seen := map[string]bool{}
				var todo []string
				for _, x := range objs {
					todo = append(todo, references(x.(map[string]any))...)
				}
				for len(todo) > 0 {
					id := todo[0]
					todo = todo[1:]
					if seen[id] || id == oasisIdentity {
						continue
					}
					seen[id] = true
					r := e.do("GET", c.path+url.PathEscape(id)+"/", c.reader, nil)
					if r.code != 200 {
						t.Errorf("%q cannot resolve %s in %s: %d", c.reader, id, c.path, r.code)
						continue
					}
					got, _ := r.json(t)["objects"].([]any)
					if len(got) == 0 || got[0].(map[string]any)["id"] != id {
						t.Errorf("%q resolves %s in %s as %s", c.reader, id, c.path, r.body)
						continue
					}
					todo = append(todo, references(got[0].(map[string]any))...)
				}
			}
		})
	}
}

// oasisIdentity created the TLP 2.0 extension definition; the hub does not
// serve it.
const oasisIdentity = "identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01"

// references are the ids an object refers to that a consumer resolves:
// markings, creator, where sighted and extension definitions.
func references(o map[string]any) []string {
	var out []string
	if s, ok := o["created_by_ref"].(string); ok {
		out = append(out, s)
	}
	for _, k := range []string{"object_marking_refs", "where_sighted_refs"} {
		l, _ := o[k].([]any)
		for _, x := range l {
			out = append(out, x.(string))
		}
	}
	ext, _ := o["extensions"].(map[string]any)
	for k := range ext {
		if strings.HasPrefix(k, "extension-definition--") {
			out = append(out, k)
		}
	}
	return out
}
