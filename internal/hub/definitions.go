package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store"
)

// Definitions the hub serves itself. Objects refer to the official TLP
// marking definitions, to the identities of the hub's organizations (as
// created_by_ref, where_sighted_refs, or the center's identity put there by
// submitter protection) and to Renkei's extension definition. A downstream
// platform must be able to resolve each of them, and no member may store an
// object under one of their ids: a member that stored TLP:RED's id with
// TLP:CLEAR content would have it served to every member.

// tlpDefinition is one official TLP marking definition.
type tlpDefinition struct {
	name  string // "TLP:RED"
	level string // TLP 2.0 tlp_2_0 value, or TLP 1.0 definition.tlp
	tlp1  bool
}

var tlpDefinitions = map[string]tlpDefinition{
	policy.MarkingClear:       {"TLP:CLEAR", "clear", false},
	policy.MarkingGreen:       {"TLP:GREEN", "green", false},
	policy.MarkingAmber:       {"TLP:AMBER", "amber", false},
	policy.MarkingAmberStrict: {"TLP:AMBER+STRICT", "amber+strict", false},
	policy.MarkingRed:         {"TLP:RED", "red", false},
	policy.MarkingTLP1White:   {"TLP:WHITE", "white", true},
	policy.MarkingTLP1Green:   {"TLP:GREEN", "green", true},
	policy.MarkingTLP1Amber:   {"TLP:AMBER", "amber", true},
	policy.MarkingTLP1Red:     {"TLP:RED", "red", true},
}

// raw is the official object: TLP 2.0 as published by OASIS
// (cti-stix-common-objects, extension-definition-specifications/tlp-2.0),
// TLP 1.0 as in STIX 2.1 §7.2.1.4.
func (d tlpDefinition) raw(id string) json.RawMessage {
	if d.tlp1 {
		return json.RawMessage(fmt.Sprintf(`{"type":"marking-definition","spec_version":"2.1","id":%q,"created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":%q,"definition":{"tlp":%q}}`, id, d.name, d.level))
	}
	return json.RawMessage(fmt.Sprintf(`{"type":"marking-definition","spec_version":"2.1","id":%q,"created":"2022-10-01T00:00:00.000Z","name":%q,"extensions":{%q:{"extension_type":"property-extension","tlp_2_0":%q}}}`, id, d.name, policy.TLP2Extension, d.level))
}

// sameAs reports whether a posted marking definition under this id says what
// the official one says: the same level (and name, when it has one). Clients
// often send the official definitions with their objects; those are accepted
// without being stored, anything else under the id is refused.
func (d tlpDefinition) sameAs(raw json.RawMessage) bool {
	var m struct {
		Name           string `json:"name"`
		DefinitionType string `json:"definition_type"`
		Definition     struct {
			TLP string `json:"tlp"`
		} `json:"definition"`
		Extensions map[string]struct {
			TLP string `json:"tlp_2_0"`
		} `json:"extensions"`
	}
	if json.Unmarshal(raw, &m) != nil || (m.Name != "" && m.Name != d.name) {
		return false
	}
	if d.tlp1 {
		return m.DefinitionType == "tlp" && m.Definition.TLP == d.level && len(m.Extensions) == 0
	}
	return m.DefinitionType == "" && m.Extensions[policy.TLP2Extension].TLP == d.level && len(m.Extensions) == 1
}

// tlp2Extension is the extension definition that every TLP 2.0 marking
// definition refers to, as OASIS publishes it (cti-stix-common-objects,
// objects/extension-definition/extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.json,
// the one object of that bundle, properties in the published order). Its
// created_by_ref is OASIS's identity, which the hub does not serve.
const tlp2Extension = `{"id":"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d","type":"extension-definition","spec_version":"2.1",` +
	`"name":"TLP 2.0","description":"This defines TLP 2.0 as a STIX extension","created":"2022-10-01T00:00:00.000Z","modified":"2022-10-01T00:00:00.000Z",` +
	`"created_by_ref":"identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01",` +
	`"schema":"https://github.com/oasis-open/cti-stix-common-objects/tree/master/extension-definition-specifications/tlp-2.0",` +
	`"version":"1.0.0","extension_types":["property-extension"]}`

// tlp2ExtensionCreated is the published definition's created and modified.
const tlp2ExtensionCreated = "2022-10-01T00:00:00.000Z"

// sameAsTLP2Extension reports whether a posted object under the TLP 2.0
// extension definition's id is the published one (same name, version and
// modified): clients send it with TLP 2.0 markings; it is accepted without
// being stored, anything else under the id is refused.
func sameAsTLP2Extension(raw json.RawMessage) bool {
	var m, want struct {
		Type, Name, Version, Modified string
	}
	json.Unmarshal([]byte(tlp2Extension), &want)
	return json.Unmarshal(raw, &m) == nil && m == want
}

// extensionCreated is the date of version 1.0.0 of Renkei's extension;
// extensionModified that of the version served (1.1.0: warninglist_hits).
const (
	extensionCreated  = "2026-01-01T00:00:00.000Z"
	extensionModified = "2026-12-07T00:00:00.000Z"
)

// extensionDefinition is Renkei's extension definition, created by the center.
func (h *Hub) extensionDefinition() json.RawMessage {
	schema := "Renkei distribution (property extension). recipient_orgs: organizations (STIX identity ids or names) that may read the object; " +
		"recipient_groups: sharing groups (ids or names, nested groups included); recipient_users: logins of the users who may read a TLP:RED object; " +
		"consent: whose eyes may see the submitter's identity: \"everyone\", \"center\" (the national center only) or \"none\". " +
		"Readers are decided by TLP 2.0 and these recipients as documented in Renkei's docs/access.md. " +
		"warninglist_hits (set by the hub when it serves an indicator, never by a submitter): for each value of the pattern held by a warninglist, " +
		"value, list (id), title, version, origin, action (\"refuse\": the value never reaches an export; \"warn\"), entry and how it matched " +
		"(exact, within, contains, substring, regex, homograph), as documented in Renkei's docs/warninglists.md."
	b, _ := json.Marshal(map[string]any{
		"type": "extension-definition", "spec_version": "2.1", "id": Extension,
		"created": extensionCreated, "modified": extensionModified, "created_by_ref": h.center.ID,
		"name": "Renkei distribution", "description": "Recipients and submitter consent of an object shared through a Renkei hub.",
		"schema": schema, "version": "1.1.0", "extension_types": []string{"property-extension"},
		"object_marking_refs": []string{policy.MarkingClear},
	})
	return b
}

// orgIdentity is the STIX identity of one of the hub's organizations.
func (h *Hub) orgIdentity(o store.Org) json.RawMessage {
	ts := stix.FormatTime(o.Created)
	m := map[string]any{
		"type": "identity", "spec_version": "2.1", "id": o.ID, "created": ts, "modified": ts,
		"name": o.Name, "identity_class": "organization", "object_marking_refs": []string{policy.MarkingGreen},
	}
	if o.Sector != "" {
		m["sectors"] = []string{o.Sector}
	}
	if o.IsCenter() {
		m["object_marking_refs"] = []string{policy.MarkingClear}
	} else {
		m["created_by_ref"] = h.center.ID
	}
	b, _ := json.Marshal(m)
	return b
}

// Served is an object the hub serves itself, with its TAXII version.
type Served struct {
	Raw     json.RawMessage
	Version string
}

// MayServe reports whether id could be one of the hub's own definitions, so
// that callers ask Served only then.
func MayServe(id string) bool {
	_, tlp := tlpDefinitions[id]
	return tlp || id == Extension || id == policy.TLP2Extension || strings.HasPrefix(id, "identity--")
}

// Served returns the hub's own definition with this id, when there is one
// that v may read: an official TLP marking definition, the OASIS TLP 2.0
// extension definition they refer to, Renkei's extension definition, or the
// identity of one of the hub's organizations. These
// answer for the id in every collection, whatever may be stored under it.
func (h *Hub) Served(ctx context.Context, v policy.Viewer, id string) (Served, bool, error) {
	if d, ok := tlpDefinitions[id]; ok {
		created := "2022-10-01T00:00:00.000Z"
		if d.tlp1 {
			created = "2017-01-20T00:00:00.000Z"
		}
		return Served{d.raw(id), created}, true, nil
	}
	if id == Extension {
		return Served{h.extensionDefinition(), extensionModified}, true, nil
	}
	if id == policy.TLP2Extension {
		return Served{json.RawMessage(tlp2Extension), tlp2ExtensionCreated}, true, nil
	}
	if !strings.HasPrefix(id, "identity--") {
		return Served{}, false, nil
	}
	o, err := h.DB.Org(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (o.ID != id || !policy.SeesOrgIdentity(v, o.IsCenter()))) {
		return Served{}, false, nil
	}
	if err != nil {
		return Served{}, false, fmt.Errorf("identity %s: %w", id, err)
	}
	return Served{h.orgIdentity(o), stix.FormatTime(o.Created)}, true, nil
}
