package hub

import (
	"bytes"
	"encoding/json"
	"testing"

	"renkei/internal/warninglist"
)

// TestAnnotateFastPathWritesWhatTheGeneralPathWrites: an indicator without
// extensions gets its warninglist hits appended without being decoded and
// written again (the TAXII page's common case), and what it gets is exactly
// what the general path, which decodes its extensions, writes: the same
// bytes, a valid object, nothing of the object lost.
func TestAnnotateFastPathWritesWhatTheGeneralPathWrites(t *testing.T) {
	t.Parallel()
	hits, _ := json.Marshal([]warninglist.ValueHit{
		{Value: "198.51.100.7", Hit: warninglist.Hit{List: "rfc5737", Title: "TEST-NET <doc> & \"ranges\"", Version: 3, Origin: "builtin", Action: "refuse", Entry: "198.51.100.0/24"}},
		{Value: "example.com", Hit: warninglist.Hit{List: "rfc2606", Title: "Example domains", Version: 1, Origin: "misp", Action: "flag", Entry: "example.com"}},
	})
	for _, raw := range []string{
		`{"type":"indicator","spec_version":"2.1","id":"indicator--1","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","x_custom":{"a":[1,2,{"b":"}"}]}}`,
		`{"type":"indicator","id":"indicator--2","name":"ünïcode \u003c \"quoted\" }"}`,
		`{"id":"indicator--3"}`,
	} {
		fast, ok := appendHitsExtension(json.RawMessage(raw), hits)
		if !ok {
			t.Fatalf("%s: the fast path refused", raw)
		}
		general := annotateExtensions(json.RawMessage(raw), hits)
		if !bytes.Equal(fast, general) {
			t.Errorf("%s:\nfast    %s\ngeneral %s", raw, fast, general)
		}
		if !json.Valid(fast) {
			t.Errorf("%s: %s is not JSON", raw, fast)
		}
	}
	for _, raw := range []string{`{}`, `[]`, ``, `{"a":1`} {
		if out, ok := appendHitsExtension(json.RawMessage(raw), hits); ok {
			t.Errorf("%q: the fast path wrote %s", raw, out)
		}
	}
}
