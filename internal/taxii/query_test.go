package taxii

import (
	"net/url"
	"testing"
	"time"

	"renkei/internal/store"
)

func TestParseQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		query   string
		wantErr string
		check   func(Query) bool
	}{
		{"defaults", "", "", func(q Query) bool { return q.Limit == DefaultLimit && q.Versions == "last" }},
		{"limit capped", "limit=5000", "", func(q Query) bool { return q.Limit == MaxLimit }},
		{"limit zero", "limit=0", "limit", nil},
		{"added_after", "added_after=2026-01-02T03:04:05.123456Z", "", func(q Query) bool {
			return q.AddedAfter.Equal(time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC))
		}},
		{"added_after without Z", "added_after=2026-01-02T03:04:05+09:00", "added_after", nil},
		{"types", "match[type]=indicator,sighting", "", func(q Query) bool { return len(q.Types) == 2 }},
		{"bad type", "match[type]=Indicator", "match[type]", nil},
		{"ids", "match[id]=indicator--00000000-0000-4000-8000-000000000001", "", func(q Query) bool { return len(q.IDs) == 1 }},
		{"bad id", "match[id]=foo", "match[id]", nil},
		{"all versions", "match[version]=all", "", func(q Query) bool { return q.Versions == "all" }},
		{"specific versions", "match[version]=2026-01-01T00:00:00.000Z,2026-01-02T00:00:00.000Z", "", func(q Query) bool {
			return q.Versions == "specific" && len(q.VersionTimes) == 2
		}},
		{"bad version", "match[version]=yesterday", "match[version]", nil},
		{"spec version", "match[spec_version]=2.1", "", func(q Query) bool { return q.SpecVersions[0] == "2.1" }},
		{"bad spec version", "match[spec_version]=3.0", "match[spec_version]", nil},
		{"unsupported match", "match[foo]=x", "match[foo]", nil},
		{"next", "next=c2VhbGVkLWJ5LWh1Yg", "", func(q Query) bool {
			return q.NextToken == "c2VhbGVkLWJ5LWh1Yg" && q.Next == store.Cursor{} // the server opens it
		}},
		{"bad next", "next=!!", "next", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			q, err := ParseQuery(v)
			if tt.wantErr != "" {
				if err == nil || len(err.Error()) < len(tt.wantErr) || err.Error()[:len(tt.wantErr)] != tt.wantErr {
					t.Fatalf("want an error naming %s, got %v", tt.wantErr, err)
				}
				return
			}
			if err != nil || !tt.check(q) {
				t.Fatalf("got %+v, %v", q, err)
			}
		})
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"limit=10&next=abc", "match[version]=first,2026-01-01T00:00:00Z", "added_after=2026-01-01T00:00:00.1Z&match[type]=x-a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseQuery(v)
		if err != nil {
			return
		}
		if q.Limit < 1 || q.Limit > MaxLimit {
			t.Fatalf("limit %d out of range", q.Limit)
		}
		if q.Next != (store.Cursor{}) {
			t.Fatalf("ParseQuery opened a cursor itself: %+v", q.Next)
		}
	})
}
