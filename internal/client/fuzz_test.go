package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"renkei/internal/problem"
)

// FuzzRefusal: whatever a hub (or a proxy in front of it) answers with a
// status that is not 2xx, the client makes a refusal of it without
// panicking: it has a title, says the status, is of the problem kind the
// status names (and invalid when it lists problems), keeps at most 300 bytes of a body that is no problem body,
// and gives the problems of a problem body with fields.
func FuzzRefusal(f *testing.F) {
	f.Add(400, []byte(`{"title":"invalid report","description":"title: is required","http_status":"400","fields":[{"field":"title","code":"title.required","message":"title: is required"}]}`))
	f.Add(404, []byte(`{"title":"collection not found","description":"no collection x","http_status":"404"}`))
	f.Add(502, []byte("<html><body>Bad Gateway</body></html>"))
	f.Add(503, []byte(`{"title":""}`))
	f.Add(403, []byte(`{"title":"forbidden","fields":null,"details":{"a":[1,{"b":null}]}}`))
	f.Add(500, []byte{})
	f.Fuzz(func(t *testing.T, status int, data []byte) {
		ae := refusal(status, data)
		if ae.Body.Title == "" || ae.Error() == "" || ae.Status != status {
			t.Fatalf("refusal(%d, %q) = %+v: no title, sentence or status", status, data, ae)
		}
		kind := KindOf(status)
		for _, k := range problem.Kinds {
			// Fields say the request was invalid, whatever the status, as
			// on the hub (a problem.Problems wrapped in another refusal).
			want := k == kind || k == problem.ErrInvalid && len(ae.Body.Fields) > 0
			if got := errors.Is(ae, k); got != want {
				t.Fatalf("refusal(%d): errors.Is(%v) = %v, the status names %v", status, k, got, kind)
			}
		}
		var body problem.Body
		if json.Unmarshal(data, &body) != nil || body.Title == "" {
			if ae.Body.Title != statusTitle(status) || len(ae.Body.Description) > 300 {
				t.Fatalf("refusal(%d, %q): a body that is no problem body gives %+v", status, data, ae.Body)
			}
			return
		}
		if ae.Body.Title != body.Title || ae.Body.Description != body.Description {
			t.Fatalf("refusal(%d, %q) reads %+v, the body says %+v", status, data, ae.Body, body)
		}
		var ps problem.Problems
		if errors.As(ae, &ps) != (len(body.Fields) > 0) || len(ps) != len(body.Fields) {
			t.Fatalf("refusal(%d, %q): %d problems given, %d sent", status, data, len(ps), len(body.Fields))
		}
	})
}

// FuzzDecodeAnswer: every answer the client decodes — TAXII envelopes,
// manifests, statuses, discovery and collections, and a problem body —
// either is refused with an error or decodes to a value that encodes and
// decodes again to the same value, so that what a hub sent is neither lost
// nor changed by passing through the client's types (a page's objects stay
// the objects sent, its next token the one given).
func FuzzDecodeAnswer(f *testing.F) {
	f.Add([]byte(`{"more":true,"next":"abc","objects":[{"type":"indicator","id":"indicator--1"},{"type":"x"}]}`))
	f.Add([]byte(`{"more":false,"objects":[{"id":"indicator--1","date_added":"2026-01-01T00:00:00.000Z","version":"v","media_type":"application/stix+json;version=2.1"}]}`))
	f.Add([]byte(`{"id":"s","status":"complete","total_count":1,"success_count":1,"failure_count":0,"pending_count":0,"successes":[{"id":"a","version":"b"}]}`))
	f.Add([]byte(`{"title":"Renkei","default":"/taxii2/api/","api_roots":["/taxii2/api/"]}`))
	f.Add([]byte(`{"collections":[{"id":"c","title":"t","can_read":true,"can_write":false,"media_types":["application/stix+json;version=2.1"]}]}`))
	f.Add([]byte(`{"title":"t","description":"d","http_status":"400","error_code":"x","details":{"k":"v"},"fields":[{"field":"f","message":"f: m"}]}`))
	f.Add([]byte(`{"objects":[1,"\u00e9",null,{"a":1e400}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data, func() any { return new(Envelope) })
		roundTrip(t, data, func() any { return new(Manifest) })
		roundTrip(t, data, func() any { return new(Status) })
		roundTrip(t, data, func() any { return new(Discovery) })
		roundTrip(t, data, func() any { return new(APIRootInfo) })
		roundTrip(t, data, func() any { return new(struct{ Collections []Collection }) })
		roundTrip(t, data, func() any { return new(Problem) })
	})
}

// roundTrip decodes data into a new value; when that succeeds, the value
// must encode, and its encoding decode to a value that encodes the same.
func roundTrip(t *testing.T, data []byte, fresh func() any) {
	t.Helper()
	v := fresh()
	if decodeAnswer(data, v) != nil {
		return
	}
	enc, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%T decoded from %q does not encode: %v", v, data, err)
	}
	w := fresh()
	if err := decodeAnswer(enc, w); err != nil {
		t.Fatalf("%T encoded as %s does not decode: %v", v, enc, err)
	}
	again, err := json.Marshal(w)
	if err != nil || !bytes.Equal(enc, again) {
		t.Fatalf("%T changes passing through the client: %s, then %s (%v)", v, enc, again, err)
	}
}
