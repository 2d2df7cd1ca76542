package taxii_test

import (
	"encoding/json"
	"strings"
	"testing"

	"renkei/internal/policy"
	"renkei/internal/store/storetest"
)

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
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
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
