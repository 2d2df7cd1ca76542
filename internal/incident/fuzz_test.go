package incident

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/policy"
)

// FuzzFilingJSON feeds arbitrary JSON to the report import as the API and
// `renkei report file` read it, and checks that validation never panics and
// that what it accepts is complete; and that marking a carried bundle leaves
// each object with exactly the report's TLP.
func FuzzFilingJSON(f *testing.F) {
	for _, seed := range []string{
		`{"duties":["art5"],"type":"art5","stage":"initial","category":"ddos","title":"t","what_happened":"w","detected_at":"2026-11-20T09:00:00+09:00","current_status":"ongoing"}`,
		`{"incident":3,"type":"art5","stage":"update","what_happened":"w","current_status":"contained"}`,
		`{"duties":["art5","personal-data"],"type":"art5","stage":"initial","category":"ransomware","title":"t","what_happened":"w","detected_at":"2026-11-20 09:00","aware_at":"2026-11-20 10:00","current_status":"ongoing","tlp":"amber+strict","consent":"none","details":{"family":"x","encrypted_hosts":3,"ransom_demanded":true},"indicators":["1.2.3.4"],"stix":{"type":"bundle","objects":[{"type":"indicator","id":"indicator--1","object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}]},"attachments":[{"name":"a.txt","content_base64":"aGVsbG8="}]}`,
		`{"stix":{"type":"bundle","objects":[{"type":"marking-definition"},{"type":"x","extensions":{"extension-definition--7c0e3f1a-2d4b-4e5f-8a6b-72656e6b6569":{"recipient_orgs":["a"]}}}]}}`,
		`{"attachments":[{"name":"../x","content_base64":"!!"}]}`,
		`{"detected_at":"2026-13-45T99:00:00Z","details":{"peak_bps":-1}}`,
		`null`, `[]`, `{"stix":null}`,
	} {
		f.Add([]byte(seed))
	}
	s := &Service{Deadlines: DefaultDeadlines()}
	now := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		var fl Filing
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if dec.Decode(&fl) != nil {
			return
		}
		c, errs := s.check(fl, now)
		if len(errs) == 0 {
			if strings.TrimSpace(fl.WhatHappened) == "" || s.Deadlines.Type(fl.Type) == nil || !slices.Contains(Statuses, fl.CurrentStatus) {
				t.Fatalf("accepted an incomplete filing: %+v", fl)
			}
			if fl.Incident == "" && (c.detected.IsZero() || c.aware.Before(c.detected) || c.detected.After(now.Add(5*time.Minute)) || len(fl.Duties) == 0) {
				t.Fatalf("accepted a new incident with bad times or no duties: %+v", fl)
			}
			for _, a := range c.attachments {
				if a.Size > MaxAttachmentBytes || !slices.Contains(AllowedTypes, a.ContentType) {
					t.Fatalf("accepted attachment %+v", a)
				}
			}
		}
		for _, e := range errs {
			if e.Field == "" || e.Msg == "" {
				t.Fatalf("an error without field or message: %+v", e)
			}
		}
		if len(fl.STIX) == 0 {
			return
		}
		out, err := markBundle(fl.STIX, policy.AmberStrict, policy.ConsentCenter, "identity--center")
		if err != nil {
			return
		}
		var b struct {
			Objects []map[string]json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatalf("markBundle wrote invalid JSON: %v", err)
		}
		for _, o := range b.Objects {
			var typ string
			var markings []string
			json.Unmarshal(o["type"], &typ)
			if typ == "marking-definition" || typ == "extension-definition" {
				continue
			}
			if err := json.Unmarshal(o["object_marking_refs"], &markings); err != nil {
				t.Fatalf("object_marking_refs is not a list of ids: %s", o["object_marking_refs"])
			}
			n := 0
			for _, m := range markings {
				if policy.IsTLPMarking(m) {
					n++
					if m != policy.MarkingAmberStrict {
						t.Fatalf("object keeps TLP marking %s", m)
					}
				}
			}
			if n != 1 {
				t.Fatalf("object has %d TLP markings: %s", n, out)
			}
		}
	})
}
