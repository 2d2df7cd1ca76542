package stix

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

const (
	indicatorJSON = `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
 "created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z",
 "indicator_types":["malicious-activity"],"name":"C2 address","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix",
 "valid_from":"2016-01-01T00:00:00Z","valid_until":"2017-01-01T00:00:00Z",
 "kill_chain_phases":[{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"command-and-control"}],
 "object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],"confidence":80,"labels":["c2"],
 "external_references":[{"source_name":"capec","external_id":"CAPEC-163"}],
 "x_acme_score":7,"extensions":{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e":{"extension_type":"property-extension","rank":5}}}`
	sightingJSON = `{"type":"sighting","spec_version":"2.1","id":"sighting--ee20065d-2555-424f-ad9e-0f8428623c75",
 "created":"2016-04-06T20:08:31.000Z","modified":"2016-04-06T20:08:31.000Z","first_seen":"2015-12-21T19:00:00Z","last_seen":"2015-12-21T19:00:00Z",
 "count":50,"sighting_of_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
 "observed_data_refs":["observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"],
 "where_sighted_refs":["identity--b67d30ff-02ac-498a-92f9-32f845f448ff","location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64"]}`
	relationshipJSON = `{"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
 "created":"2016-04-06T20:06:37.000Z","modified":"2016-04-06T20:06:37.000Z","relationship_type":"indicates",
 "source_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","target_ref":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
 "start_time":"2016-01-01T00:00:00Z","stop_time":"2016-02-01T00:00:00Z"}`
	identityJSON = `{"type":"identity","spec_version":"2.1","id":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z","name":"ACME","identity_class":"organization","sectors":["energy"]}`
	reportJSON   = `{"type":"report","spec_version":"2.1","id":"report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3","created":"2015-12-21T19:59:11.000Z","modified":"2015-12-21T19:59:11.000Z","name":"The Black Vine Cyberespionage Group","published":"2016-01-20T17:00:00.000Z","object_refs":["indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2"]}`
	opinionJSON  = `{"type":"opinion","spec_version":"2.1","id":"opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7","created":"2016-05-12T08:17:27.000Z","modified":"2016-05-12T08:17:27.000Z","object_refs":["relationship--16d2358f-3b0d-4c88-b047-0da2f7ed4471"],"opinion":"strongly-disagree"}`
	malwareJSON  = `{"type":"malware","spec_version":"2.1","id":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b","created":"2016-04-06T20:07:09.000Z","modified":"2016-04-06T20:07:09.000Z","name":"Poison Ivy","is_family":true,"sample_refs":["file--6ce09d9c-0ad3-5ebf-900c-e3cb288955b5"]}`
	locationJSON = `{"type":"location","spec_version":"2.1","id":"location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64","created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z","latitude":35.68,"longitude":139.69}`
	observedJSON = `{"type":"observed-data","spec_version":"2.1","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf","created":"2016-04-06T19:58:16.000Z","modified":"2016-04-06T19:58:16.000Z","first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z","number_observed":50,"object_refs":["ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8"]}`
	groupingJSON = `{"type":"grouping","spec_version":"2.1","id":"grouping--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3","created":"2015-12-21T19:59:11.000Z","modified":"2015-12-21T19:59:11.000Z","context":"suspicious-activity","object_refs":["indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2"]}`
	noteJSON     = `{"type":"note","spec_version":"2.1","id":"note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2016-05-12T08:17:27.000Z","modified":"2016-05-12T08:17:27.000Z","content":"seen again","object_refs":["malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"]}`
	ipv4JSON     = `{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}`
	fileJSON     = `{"type":"file","spec_version":"2.1","id":"file--6ce09d9c-0ad3-5ebf-900c-e3cb288955b5","hashes":{"MD5":"cead3f77f6cda6ec00f57d76c9a6879f","SHA-256":"fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db"},"name":"foo.exe","size":25536}`
	netJSON      = `{"type":"network-traffic","spec_version":"2.1","id":"network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d","src_ref":"ipv4-addr--4d22aae0-2bf9-5427-8819-e4f6abf20a53","dst_port":443,"protocols":["ipv4","tcp"]}`
	emailJSON    = `{"type":"email-message","spec_version":"2.1","id":"email-message--72b7698f-10c2-565a-a2a6-b4996a2f2265","is_multipart":false,"body":"hello","from_ref":"email-addr--9b7e29b3-fd8d-562e-b3f0-8fc8134f5dda"}`
	artifactJSON = `{"type":"artifact","spec_version":"2.1","id":"artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641","mime_type":"application/zip","payload_bin":"UEsDBBQAAAAIAA=="}`
	processJSON  = `{"type":"process","spec_version":"2.1","id":"process--f52a906a-0dfc-40bd-92f1-e7778ead38a9","pid":1221,"command_line":"./gedit-bin --new-window"}`
	macJSON      = `{"type":"mac-addr","spec_version":"2.1","id":"mac-addr--65cfcf98-8a6e-5a1b-8f61-379ac4f92d00","value":"d2:fb:49:24:37:18"}`
	markingJSON  = `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:GREEN","definition":{"tlp":"green"}}`
	tlp2JSON     = `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}}}`
	langJSON     = `{"type":"language-content","spec_version":"2.1","id":"language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d","created":"2017-02-08T21:31:22.007Z","modified":"2017-02-08T21:31:22.007Z","object_ref":"campaign--12a111f0-b824-4baa-a86c-4e8e8aa0dd56","object_modified":"2017-02-08T21:31:22.007Z","contents":{"ja":{"name":"キャンペーン"}}}`
	extDefJSON   = `{"type":"extension-definition","spec_version":"2.1","id":"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e","created_by_ref":"identity--11b76a96-5d2b-45e0-8a5a-f6994f370731","created":"2014-02-20T09:16:08.989Z","modified":"2014-02-20T09:16:08.989Z","name":"New SDO 1","schema":"https://www.example.com/schema-newsdo-1/v1/","version":"1.2.1","extension_types":["new-sdo"]}`
	customSDO    = `{"type":"x-mitre-tactic","spec_version":"2.1","id":"x-mitre-tactic--69da72d2-f550-41c5-ab9e-e8255707f28a","created":"2018-10-17T00:14:20.652Z","modified":"2018-10-17T00:14:20.652Z","name":"Collection","x_mitre_shortname":"collection"}`
	newSDO       = `{"type":"my-favorite-sdo","spec_version":"2.1","id":"my-favorite-sdo--ac97aae4-83f1-46ca-a351-7aeb76678189","created":"2014-02-20T09:16:08.989Z","modified":"2014-02-20T09:16:08.989Z","name":"This is the name of my favorite","extensions":{"extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62":{"extension_type":"new-sdo"}}}`
	customSCO    = `{"type":"x-acme-widget","id":"x-acme-widget--ac97aae4-83f1-46ca-a351-7aeb76678189","serial":"A-1"}`
)

// set rewrites one top-level property of a JSON object (nil deletes it).
func set(t *testing.T, base, key string, value any) string {
	t.Helper()
	var out json.RawMessage
	var err error
	if value == nil {
		out, err = DeleteProperty(json.RawMessage(base), key)
	} else {
		out, err = SetProperty(json.RawMessage(base), key, value)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

type raw = json.RawMessage

func TestParseValidObjects(t *testing.T) {
	for name, s := range map[string]string{
		"indicator": indicatorJSON, "sighting": sightingJSON, "relationship": relationshipJSON, "identity": identityJSON,
		"report": reportJSON, "opinion": opinionJSON, "malware": malwareJSON, "location": locationJSON, "observed-data": observedJSON,
		"grouping": groupingJSON, "note": noteJSON, "ipv4-addr": ipv4JSON, "file": fileJSON, "network-traffic": netJSON,
		"email-message": emailJSON, "artifact": artifactJSON, "process": processJSON, "mac-addr": macJSON,
		"marking TLP1": markingJSON, "marking TLP2": tlp2JSON, "language-content": langJSON, "extension-definition": extDefJSON,
		"file with archive-ext and ntfs-ext":                   `{"type":"file","spec_version":"2.1","id":"file--9a1f834d-2506-5367-baec-7aa63996ac43","name":"foo.zip","extensions":{"archive-ext":{"contains_refs":["file--019fde1c-94ab-5d5d-a50a-0ff3e49c6e2b"]},"ntfs-ext":{"alternate_data_streams":[{"name":"second.stream","size":25536}]}}}`,
		"network-traffic with http-request-ext and socket-ext": `{"type":"network-traffic","spec_version":"2.1","id":"network-traffic--f8ae967a-3dc3-5cdf-8f94-8505abff00c2","dst_ref":"ipv4-addr--6da8dad3-4de3-5f8e-ab23-45d0b8f12f16","protocols":["tcp","http"],"extensions":{"http-request-ext":{"request_method":"get","request_value":"/download.html","request_header":{"Host":"www.example.com"}},"socket-ext":{"address_family":"AF_INET","socket_type":"SOCK_STREAM"},"tcp-ext":{"src_flags_hex":"00000002"}}}`,
		"process with windows-process-ext":                     `{"type":"process","spec_version":"2.1","id":"process--07bc30ca-ebc2-4579-881d-b9cdc7f2b33c","pid":314,"extensions":{"windows-process-ext":{"aslr_enabled":true,"integrity_level":"high"}}}`,
		"url value":                                            `{"type":"url","id":"url--c1477287-23ac-5971-a010-5c287877fa60","value":"https://example.com/index.html?a=1"}`,
		"internationalized domain":                             `{"type":"domain-name","id":"domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5","value":"例え.jp"}`,
		"defanged url":                                         `{"type":"url","id":"url--c1477287-23ac-5971-a010-5c287877fa60","value":"hxxp[:]//evil[.]com","defanged":true}`,
		"email-addr":                                           `{"type":"email-addr","id":"email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3","value":"john@example.com","display_name":"John Doe"}`,
		"ipv6-addr CIDR":                                       `{"type":"ipv6-addr","id":"ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1","value":"2001:db8::/32"}`,
		"multipart e-mail":                                     `{"type":"email-message","id":"email-message--cf9b4b7f-14c8-5955-8065-020e0316b559","is_multipart":true,"body_multipart":[{"content_type":"text/plain","body":"hi"},{"body_raw_ref":"artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641"}]}`,
		"windows-registry-key":                                 `{"type":"windows-registry-key","spec_version":"2.1","id":"windows-registry-key--2ba37ae7-2745-5082-9dfd-9486dad41016","key":"hkey_local_machine\\system\\bar\\foo","values":[{"name":"Foo","data":"qwerty","data_type":"REG_SZ"}]}`,
		"granular markings with nested selectors": set(t, indicatorJSON, "granular_markings", []any{
			map[string]any{"selectors": []string{"pattern", "kill_chain_phases.[0].phase_name", "external_references.[0]", "extensions.extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e.rank"}, "marking_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"},
			map[string]any{"selectors": []string{"name"}, "lang": "ja"}}),
		"custom x- SDO": customSDO, "new-sdo by extension": newSDO, "custom x- SCO": customSCO,
	} {
		t.Run(name, func(t *testing.T) {
			o, err := Parse([]byte(s), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(o.ID, o.Type+"--") || o.SpecVersion != "2.1" {
				t.Errorf("id %q type %q spec_version %q", o.ID, o.Type, o.SpecVersion)
			}
			var back map[string]any
			if err := json.Unmarshal(o.Raw, &back); err != nil || back["id"] != o.ID {
				t.Errorf("Raw does not round-trip: %v", err)
			}
			if strings.ContainsAny(string(o.Raw), "\n") {
				t.Error("Raw is not compact")
			}
		})
	}
}

func TestParseIndexesFields(t *testing.T) {
	o, err := Parse([]byte(indicatorJSON), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if o.Kind != KindSDO || o.Name != "C2 address" || o.PatternType != "stix" || o.Pattern != "[ipv4-addr:value = '198.51.100.1']" {
		t.Errorf("indicator fields: %+v", o)
	}
	if !o.ValidFrom.Equal(time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)) || !o.ValidUntil.Equal(time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("valid_from %v valid_until %v", o.ValidFrom, o.ValidUntil)
	}
	if o.Confidence == nil || *o.Confidence != 80 || o.CreatedByRef != "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff" ||
		len(o.ObjectMarkingRefs) != 1 || len(o.Labels) != 1 || len(o.Extensions) != 1 {
		t.Errorf("common fields: %+v", o)
	}
	if want := time.Date(2016, 4, 6, 20, 3, 48, 0, time.UTC); !o.Created.Equal(want) || !o.Modified.Equal(want) {
		t.Errorf("created %v modified %v", o.Created, o.Modified)
	}

	s, err := Parse([]byte(sightingJSON), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind != KindSRO || s.SightingOfRef != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" || s.Count != 50 ||
		len(s.WhereSightedRefs) != 2 || s.FirstSeen.IsZero() || !s.LastSeen.Equal(s.FirstSeen) {
		t.Errorf("sighting fields: %+v", s)
	}
	r, err := Parse([]byte(relationshipJSON), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.RelationshipType != "indicates" || r.SourceRef == "" || r.TargetRef != "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b" {
		t.Errorf("relationship fields: %+v", r)
	}
	m, err := Parse([]byte(markingJSON), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Modified.Equal(m.Created) || m.Kind != KindMeta || m.Name != "TLP:GREEN" {
		t.Errorf("marking: modified %v created %v kind %s", m.Modified, m.Created, m.Kind)
	}
	sco, err := Parse([]byte(ipv4JSON), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sco.Kind != KindSCO || !sco.Created.IsZero() || sco.Name != "198.51.100.3" || sco.SpecVersion != "2.1" {
		t.Errorf("SCO: %+v", sco)
	}
	for _, c := range []struct {
		s    string
		kind Kind
	}{{customSDO, KindSDO}, {newSDO, KindSDO}, {customSCO, KindSCO}} {
		o, err := Parse([]byte(c.s), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !o.Custom || o.Kind != c.kind {
			t.Errorf("%s: custom %v kind %s, want custom %s", o.Type, o.Custom, o.Kind, c.kind)
		}
	}
}

func TestParsePatternValidator(t *testing.T) {
	var seen string
	opt := Options{ValidatePattern: func(p string) error { seen = p; return errors.New("expected ']' at offset 27") }}
	_, err := Parse([]byte(indicatorJSON), opt)
	ve, ok := AsValidationError(err)
	if !ok || ve.Field != "pattern" || !strings.Contains(ve.Msg, "offset 27") || seen != "[ipv4-addr:value = '198.51.100.1']" {
		t.Fatalf("got %v (pattern seen %q)", err, seen)
	}
	// Other pattern languages are not handed to the STIX pattern validator.
	if _, err := Parse([]byte(set(t, indicatorJSON, "pattern_type", "sigma")), opt); err != nil {
		t.Fatalf("sigma indicator: %v", err)
	}
}

func TestParseInvalid(t *testing.T) {
	ind, sig, rel := indicatorJSON, sightingJSON, relationshipJSON
	tests := []struct {
		name      string
		json      string
		opt       Options
		wantField string
	}{
		{"type missing", set(t, ind, "type", nil), Options{}, "type"},
		{"type not a string", set(t, ind, "type", 5), Options{}, "type"},
		{"type bad characters", set(t, ind, "type", "Indicator"), Options{}, "type"},
		{"id missing", set(t, ind, "id", nil), Options{}, "id"},
		{"id prefix differs from type", set(t, ind, "id", "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"), Options{}, "id"},
		{"id not a UUID", set(t, ind, "id", "indicator--1234"), Options{}, "id"},
		{"id UUID variant wrong", set(t, ind, "id", "indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f"), Options{}, "id"},
		{"spec_version 2.0", set(t, ind, "spec_version", "2.0"), Options{}, "spec_version"},
		{"spec_version missing", set(t, ind, "spec_version", nil), Options{}, "spec_version"},
		{"created missing", set(t, ind, "created", nil), Options{}, "created"},
		{"modified missing", set(t, ind, "modified", nil), Options{}, "modified"},
		{"created with offset", set(t, ind, "created", "2016-04-06T20:03:48.000+00:00"), Options{}, "created"},
		{"created without milliseconds", set(t, ind, "created", "2016-04-06T20:03:48Z"), Options{}, "created"},
		{"created on 30 February", set(t, ind, "created", "2016-02-30T20:03:48.000Z"), Options{}, "created"},
		{"modified before created", set(t, ind, "modified", "2016-04-06T20:03:47.999Z"), Options{}, "modified"},
		{"confidence over 100", set(t, ind, "confidence", 101), Options{}, "confidence"},
		{"confidence not an integer", set(t, ind, "confidence", "high"), Options{}, "confidence"},
		{"revoked not a boolean", set(t, ind, "revoked", "yes"), Options{}, "revoked"},
		{"labels empty", set(t, ind, "labels", []string{}), Options{}, "labels"},
		{"created_by_ref not an identity", set(t, ind, "created_by_ref", "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"), Options{}, "created_by_ref"},
		{"object_marking_refs not a marking", set(t, ind, "object_marking_refs", []string{"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"}), Options{}, "object_marking_refs[0]"},
		{"granular marking_ref not a marking", set(t, ind, "granular_markings", []any{map[string]any{"selectors": []string{"name"}, "marking_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"}}), Options{}, "granular_markings[0].marking_ref"},
		{"granular marking selector selects nothing", set(t, ind, "granular_markings", []any{map[string]any{"selectors": []string{"name", "kill_chain_phases.[1].phase_name"}, "marking_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"}}), Options{}, "granular_markings[0].selectors[1]"},
		{"granular marking selector into a string", set(t, ind, "granular_markings", []any{map[string]any{"selectors": []string{"name.x"}, "lang": "ja"}}), Options{}, "granular_markings[0].selectors[0]"},
		{"granular marking without selectors", set(t, ind, "granular_markings", []any{map[string]any{"marking_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"}}), Options{}, "granular_markings[0].selectors"},
		{"external reference without source_name", set(t, ind, "external_references", []any{map[string]any{"url": "https://example.com"}}), Options{}, "external_references[0].source_name"},
		{"external reference with source_name only", set(t, ind, "external_references", []any{map[string]any{"source_name": "x"}}), Options{}, "external_references[0]"},
		{"external reference bad SHA-256", set(t, ind, "external_references", []any{map[string]any{"source_name": "x", "url": "https://e.com", "hashes": map[string]string{"SHA-256": "abc"}}}), Options{}, "external_references[0].hashes.SHA-256"},
		{"indicator without pattern", set(t, ind, "pattern", nil), Options{}, "pattern"},
		{"indicator without pattern_type", set(t, ind, "pattern_type", nil), Options{}, "pattern_type"},
		{"indicator without valid_from", set(t, ind, "valid_from", nil), Options{}, "valid_from"},
		{"valid_until equal to valid_from", set(t, ind, "valid_until", "2016-01-01T00:00:00Z"), Options{}, "valid_until"},
		{"valid_until before valid_from", set(t, ind, "valid_until", "2015-01-01T00:00:00Z"), Options{}, "valid_until"},
		{"pattern rejected by validator", ind, Options{ValidatePattern: func(string) error { return errors.New("bad") }}, "pattern"},
		{"kill chain phase without phase_name", set(t, ind, "kill_chain_phases", []any{map[string]any{"kill_chain_name": "x"}}), Options{}, "kill_chain_phases[0].phase_name"},
		{"reserved property severity", set(t, ind, "severity", "high"), Options{}, "severity"},
		{"property name too short", set(t, ind, "xy", 1), Options{}, "xy"},
		{"property name with hyphen", set(t, ind, "x-acme", 1), Options{}, "x-acme"},
		{"custom _ref not an identifier", set(t, ind, "x_acme_ref", "nope"), Options{}, "x_acme_ref"},
		{"custom _refs not identifiers", set(t, ind, "x_acme_refs", []string{"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", ""}), Options{}, "x_acme_refs[1]"},
		{"extension name invalid", set(t, ind, "extensions", map[string]any{"acme": map[string]any{"a": 1}}), Options{}, "extensions.acme"},
		{"extension-definition extension without extension_type", set(t, ind, "extensions", map[string]any{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": map[string]any{"rank": 5}}), Options{}, "extensions.extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e.extension_type"},
		{"extension with bad nested ref", set(t, fileJSON, "extensions", map[string]any{"archive-ext": map[string]any{"contains_refs": []string{"file"}}}), Options{}, "extensions.archive-ext.contains_refs[0]"},
		{"archive-ext without contains_refs", set(t, fileJSON, "extensions", map[string]any{"archive-ext": map[string]any{"comment": "x"}}), Options{}, "extensions.archive-ext.contains_refs"},
		{"socket-ext address family outside the enum", set(t, netJSON, "extensions", map[string]any{"socket-ext": map[string]any{"address_family": "AF_MAGIC"}}), Options{}, "extensions.socket-ext.address_family"},
		{"http-request-ext on a file", set(t, fileJSON, "extensions", map[string]any{"http-request-ext": map[string]any{"request_method": "get", "request_value": "/"}}), Options{}, "extensions.http-request-ext"},
		{"tcp-ext with none of its properties", set(t, netJSON, "extensions", map[string]any{"tcp-ext": map[string]any{"x_other": 1}}), Options{}, "extensions.tcp-ext"},
		{"icmp-ext type not hex", set(t, netJSON, "extensions", map[string]any{"icmp-ext": map[string]any{"icmp_type_hex": "zz", "icmp_code_hex": "00"}}), Options{}, "extensions.icmp-ext.icmp_type_hex"},
		{"registry value data_type outside the enum", `{"type":"windows-registry-key","id":"windows-registry-key--2ba37ae7-2745-5082-9dfd-9486dad41016","key":"HKEY_LOCAL_MACHINE\\System","values":[{"name":"Foo","data":"qwerty","data_type":"REG_STRING"}]}`, Options{}, "values[0].data_type"},
		{"lang not a language tag", set(t, ind, "lang", "english!"), Options{}, "lang"},
		{"granular marking lang not a language tag", set(t, ind, "granular_markings", []any{map[string]any{"selectors": []string{"name"}, "lang": "??"}}), Options{}, "granular_markings[0].lang"},
		{"language-content key not a language tag", set(t, langJSON, "contents", map[string]any{"japanese please": map[string]any{"name": "x"}}), Options{}, "contents.japanese please"},
		{"url without scheme", `{"type":"url","id":"url--c1477287-23ac-5971-a010-5c287877fa60","value":"www.example.com/index.html"}`, Options{}, "value"},
		{"domain-name with a space", `{"type":"domain-name","id":"domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5","value":"exa mple.com"}`, Options{}, "value"},
		{"domain-name with an empty label", `{"type":"domain-name","id":"domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5","value":"a..com"}`, Options{}, "value"},
		{"email-addr with display name", `{"type":"email-addr","id":"email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3","value":"John <john@example.com>"}`, Options{}, "value"},
		{"ipv6-addr value is IPv4", `{"type":"ipv6-addr","id":"ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1","value":"198.51.100.3"}`, Options{}, "value"},
		{"email-message mime part with neither body nor body_raw_ref", `{"type":"email-message","id":"email-message--cf9b4b7f-14c8-5955-8065-020e0316b559","is_multipart":true,"body_multipart":[{"content_type":"text/plain"}]}`, Options{}, "body_multipart[0]"},
		{"email-message mime part body_raw_ref a url", `{"type":"email-message","id":"email-message--cf9b4b7f-14c8-5955-8065-020e0316b559","is_multipart":true,"body_multipart":[{"body_raw_ref":"url--c1477287-23ac-5971-a010-5c287877fa60"}]}`, Options{}, "body_multipart[0].body_raw_ref"},
		{"email-message not multipart with body_multipart", `{"type":"email-message","id":"email-message--cf9b4b7f-14c8-5955-8065-020e0316b559","is_multipart":false,"body_multipart":[{"body":"x"}]}`, Options{}, "body_multipart"},
		{"artifact payload_bin and url", set(t, set(t, artifactJSON, "url", "https://e.com/a"), "hashes", map[string]string{"MD5": "cead3f77f6cda6ec00f57d76c9a6879f"}), Options{}, "url"},
		{"artifact decryption_key without algorithm", set(t, artifactJSON, "decryption_key", "secret"), Options{}, "encryption_algorithm"},
		{"location precision without coordinates", set(t, set(t, set(t, locationJSON, "longitude", nil), "latitude", nil), "precision", 10.0), Options{}, "precision"},
		{"network-traffic active with end", set(t, set(t, netJSON, "is_active", true), "end", "2016-01-01T00:00:00Z"), Options{}, "end"},
		{"network-traffic end before start", set(t, set(t, netJSON, "start", "2016-01-02T00:00:00Z"), "end", "2016-01-01T00:00:00Z"), Options{}, "end"},
		{"nested ref in extension list not an identifier", set(t, ind, "extensions", map[string]any{"x-acme-ext": map[string]any{"items": []any{map[string]any{"owner_ref": "nobody"}}}}), Options{}, "extensions.x-acme-ext.items[0].owner_ref"},
		{"relationship without source_ref", set(t, rel, "source_ref", nil), Options{}, "source_ref"},
		{"relationship source is a sighting", set(t, rel, "source_ref", "sighting--ee20065d-2555-424f-ad9e-0f8428623c75"), Options{}, "source_ref"},
		{"relationship target is a marking", set(t, rel, "target_ref", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"), Options{}, "target_ref"},
		{"relationship_type upper case", set(t, rel, "relationship_type", "Indicates"), Options{}, "relationship_type"},
		{"stop_time not after start_time", set(t, rel, "stop_time", "2016-01-01T00:00:00Z"), Options{}, "stop_time"},
		{"sighting_of_ref is an SRO", set(t, sig, "sighting_of_ref", "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad"), Options{}, "sighting_of_ref"},
		{"sighting_of_ref is an SCO", set(t, sig, "sighting_of_ref", "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"), Options{}, "sighting_of_ref"},
		{"sighting without sighting_of_ref", set(t, sig, "sighting_of_ref", nil), Options{}, "sighting_of_ref"},
		{"where_sighted_refs a malware", set(t, sig, "where_sighted_refs", []string{"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"}), Options{}, "where_sighted_refs[0]"},
		{"observed_data_refs an indicator", set(t, sig, "observed_data_refs", []string{"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}), Options{}, "observed_data_refs[0]"},
		{"sighting count negative", set(t, sig, "count", -1), Options{}, "count"},
		{"sighting last_seen before first_seen", set(t, sig, "last_seen", "2015-12-21T18:59:59Z"), Options{}, "last_seen"},
		{"report without published", set(t, reportJSON, "published", nil), Options{}, "published"},
		{"report without object_refs", set(t, reportJSON, "object_refs", nil), Options{}, "object_refs"},
		{"opinion outside the enum", set(t, opinionJSON, "opinion", "maybe"), Options{}, "opinion"},
		{"malware family without name", set(t, malwareJSON, "name", nil), Options{}, "name"},
		{"malware without is_family", set(t, malwareJSON, "is_family", nil), Options{}, "is_family"},
		{"malware sample_refs an ipv4-addr", set(t, malwareJSON, "sample_refs", []string{"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"}), Options{}, "sample_refs[0]"},
		{"location latitude without longitude", set(t, locationJSON, "longitude", nil), Options{}, "longitude"},
		{"location latitude out of range", set(t, locationJSON, "latitude", 91), Options{}, "latitude"},
		{"location with nothing", set(t, set(t, locationJSON, "longitude", nil), "latitude", nil), Options{}, "region"},
		{"observed-data objects and object_refs", set(t, observedJSON, "objects", map[string]any{"0": map[string]any{"type": "file"}}), Options{}, "object_refs"},
		{"observed-data number_observed 0", set(t, observedJSON, "number_observed", 0), Options{}, "number_observed"},
		{"observed-data refers to an SDO", set(t, observedJSON, "object_refs", []string{"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"}), Options{}, "object_refs[0]"},
		{"grouping without context", set(t, groupingJSON, "context", nil), Options{}, "context"},
		{"note without content", set(t, noteJSON, "content", nil), Options{}, "content"},
		{"identity without name", set(t, identityJSON, "name", nil), Options{}, "name"},
		{"unknown type without x- prefix", set(t, set(t, customSCO, "type", "acme-widget"), "id", "acme-widget--ac97aae4-83f1-46ca-a351-7aeb76678189"), Options{}, "type"},
		{"ipv4-addr value not an address", set(t, ipv4JSON, "value", "198.51.100.300"), Options{}, "value"},
		{"ipv4-addr value is IPv6", set(t, ipv4JSON, "value", "2001:db8::1"), Options{}, "value"},
		{"mac-addr upper case", set(t, macJSON, "value", "D2:FB:49:24:37:18"), Options{}, "value"},
		{"SCO spec_version 2.0", set(t, ipv4JSON, "spec_version", "2.0"), Options{}, "spec_version"},
		{"file without hashes or name", set(t, set(t, fileJSON, "name", nil), "hashes", nil), Options{}, "hashes"},
		{"file MD5 wrong length", set(t, fileJSON, "hashes", map[string]string{"MD5": "cead"}), Options{}, "hashes.MD5"},
		{"file size negative", set(t, fileJSON, "size", -5), Options{}, "size"},
		{"network-traffic without src_ref and dst_ref", set(t, netJSON, "src_ref", nil), Options{}, "src_ref"},
		{"network-traffic port over 65535", set(t, netJSON, "dst_port", 70000), Options{}, "dst_port"},
		{"network-traffic without protocols", set(t, netJSON, "protocols", nil), Options{}, "protocols"},
		{"network-traffic src_ref a file", set(t, netJSON, "src_ref", "file--6ce09d9c-0ad3-5ebf-900c-e3cb288955b5"), Options{}, "src_ref"},
		{"email-message multipart with body", set(t, emailJSON, "is_multipart", true), Options{}, "body"},
		{"email-message from_ref a url", set(t, emailJSON, "from_ref", "url--6ce09d9c-0ad3-5ebf-900c-e3cb288955b5"), Options{}, "from_ref"},
		{"artifact url without hashes", set(t, set(t, artifactJSON, "payload_bin", nil), "url", "https://e.com/x.zip"), Options{}, "hashes"},
		{"artifact payload_bin not base64", set(t, artifactJSON, "payload_bin", "%%%"), Options{}, "payload_bin"},
		{"artifact encryption_algorithm outside the enum", set(t, artifactJSON, "encryption_algorithm", "rot13"), Options{}, "encryption_algorithm"},
		{"process with no property", set(t, set(t, processJSON, "pid", nil), "command_line", nil), Options{}, ""},
		{"marking tlp colour unknown", set(t, markingJSON, "definition", map[string]string{"tlp": "purple"}), Options{}, "definition.tlp"},
		{"marking predefined TLP id with another colour", set(t, markingJSON, "definition", map[string]string{"tlp": "red"}), Options{}, "definition.tlp"},
		{"marking definition_type without definition", set(t, markingJSON, "definition", nil), Options{}, "definition"},
		{"marking with neither definition nor extension", set(t, set(t, markingJSON, "definition", nil), "definition_type", nil), Options{}, "definition_type"},
		{"language-content refers to a bundle", set(t, langJSON, "object_ref", "bundle--b86bd89f-98bb-4fa9-8cb2-9ad421da981d"), Options{}, "object_ref"},
		{"language-content without contents", set(t, langJSON, "contents", nil), Options{}, "contents"},
		{"extension-definition without created_by_ref", set(t, extDefJSON, "created_by_ref", nil), Options{}, "created_by_ref"},
		{"extension-definition unknown extension type", set(t, extDefJSON, "extension_types", []string{"new-thing"}), Options{}, "extension_types[0]"},
		{"extension-definition properties without toplevel", set(t, extDefJSON, "extension_properties", []string{"rank"}), Options{}, "extension_properties"},
		{"not JSON", `{"type":`, Options{}, ""},
		{"duplicate property", `{"type":"identity","type":"identity"}`, Options{}, ""},
		{"trailing data", identityJSON + `{}`, Options{}, ""},
		{"an array, not an object", `[1]`, Options{}, ""},
		{"over MaxObjectBytes", ind, Options{MaxObjectBytes: 100}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Parse([]byte(tt.json), tt.opt)
			if err == nil {
				t.Fatalf("accepted: %+v", o)
			}
			ve, ok := AsValidationError(err)
			if !ok {
				t.Fatalf("error %T is not a *ValidationError: %v", err, err)
			}
			if ve.Field != tt.wantField {
				t.Errorf("field %q, want %q (error: %v)", ve.Field, tt.wantField, err)
			}
			if ve.Msg == "" || !strings.HasPrefix(err.Error(), "object ") {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestInvalidJSONStillNamesTheObject(t *testing.T) {
	_, err := Parse([]byte(`{"type":"indicator", "id" : "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "name": }`), Options{})
	ve, ok := AsValidationError(err)
	if !ok || ve.ID != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" || ve.Type != "indicator" || !strings.Contains(ve.Msg, "invalid JSON") {
		t.Fatalf("got %#v", err)
	}
	_, err = Parse([]byte(indicatorJSON), Options{MaxObjectBytes: 10})
	if ve, ok := AsValidationError(err); !ok || ve.ID != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" {
		t.Fatalf("oversize: %v", err)
	}
}

func TestValidationErrorText(t *testing.T) {
	_, err := Parse([]byte(set(t, indicatorJSON, "valid_until", "2015-01-01T00:00:00Z")), Options{})
	want := "object indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: valid_until: must be later than valid_from"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestKindTablesAgree(t *testing.T) {
	if len(specs) != len(typeKinds) {
		t.Fatalf("specs has %d types, typeKinds %d", len(specs), len(typeKinds))
	}
	n := map[Kind]int{}
	for typ, s := range specs {
		if typeKinds[typ] != s.kind {
			t.Errorf("%s: specs says %s, typeKinds %s", typ, s.kind, typeKinds[typ])
		}
		n[s.kind]++
	}
	if n[KindSDO] != 19 || n[KindSRO] != 2 || n[KindSCO] != 18 || n[KindMeta] != 3 {
		t.Errorf("kind counts %v, want 19 SDO, 2 SRO, 18 SCO, 3 meta", n)
	}
	if !IsMeta("language-content") || !KnownType("bundle") || KnownType("x-foo") || len(Types()) != 42 {
		t.Error("IsMeta, KnownType or Types disagree with the spec")
	}
	if !IsSDO("indicator") || IsSDO("ipv4-addr") || !IsSCO("ipv4-addr") || !IsSRO("sighting") || IsSRO("x-foo") {
		t.Error("Is* disagree with the spec")
	}
}

// TestParseConcurrent runs Parse from many goroutines, as the TAXII server does; run it
// with -race (Parse shares only a sync.Pool of decoders).
func TestParseConcurrent(t *testing.T) {
	inputs := []string{indicatorJSON, sightingJSON, relationshipJSON, fileJSON, netJSON, tlp2JSON, set(t, indicatorJSON, "confidence", 101)}
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 300; i++ {
				s := inputs[(g+i)%len(inputs)]
				o, err := Parse([]byte(s), Options{})
				bad := s == inputs[len(inputs)-1]
				if (err != nil) != bad || (err == nil && !strings.HasPrefix(o.ID, o.Type+"--")) {
					done <- fmt.Errorf("goroutine %d: %v", g, err)
					return
				}
			}
			done <- nil
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
