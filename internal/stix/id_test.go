package stix

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// The expected ids were computed independently with Python:
// uuid.uuid5(UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"),
//
//	json.dumps(props, sort_keys=True, separators=(",", ":"), ensure_ascii=False)).
func TestDeterministicSCOID(t *testing.T) {
	tests := []struct {
		name  string
		typ   string
		props map[string]any
		want  string
	}{
		{"ipv4-addr", "ipv4-addr", map[string]any{"value": "198.51.100.3", "resolves_to_refs": []string{"mac-addr--x"}}, "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"},
		{"domain-name", "domain-name", map[string]any{"value": "example.com"}, "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"},
		{"file keeps one hash and the name", "file", map[string]any{"name": "foo.exe", "size": 25536,
			"hashes": map[string]any{"SHA-256": "fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db"}}, "file--741019a6-c339-5e5d-ad1e-6fa3dec47bb4"},
		{"file prefers MD5 among several hashes", "file", map[string]any{"name": "foo.exe",
			"hashes": map[string]string{"SHA-256": "fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db", "MD5": "cead3f77f6cda6ec00f57d76c9a6879f"}}, "file--1910ca30-1dd9-57f3-9d48-0c64b19f0d5c"},
		{"network-traffic", "network-traffic", map[string]any{"dst_port": 443, "protocols": []string{"ipv4", "tcp"},
			"src_ref": "ipv4-addr--4d22aae0-2bf9-5427-8819-e4f6abf20a53", "src_byte_count": 10}, "network-traffic--30b63df7-ca91-5dac-996c-b857bae20ccd"},
		{"url with non-ASCII", "url", map[string]any{"value": "https://例え.jp/パス"}, "url--b4204cf6-054a-54e1-b468-beaa7d74becb"},
		{"url with HTML characters", "url", map[string]any{"value": "https://e.com/?a=1&b=<x>"}, "url--8ca05f7f-f61e-567b-99f6-c64c0f022952"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DeterministicSCOID(tt.typ, tt.props); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	// No contributing property: a random v4 id, different each time.
	a, b := DeterministicSCOID("process", map[string]any{"pid": 1}), DeterministicSCOID("process", map[string]any{"pid": 1})
	if a == b || !strings.HasPrefix(a, "process--") || a[len("process--")+14] != '4' {
		t.Errorf("process ids %s %s", a, b)
	}
}

func TestNewIDAndFormatTime(t *testing.T) {
	re := regexp.MustCompile(`^indicator--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id := NewID("indicator")
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("bad or repeated id %s", id)
		}
		if _, ok := validIdentifier(id); !ok {
			t.Fatalf("NewID result %s does not validate", id)
		}
		seen[id] = true
	}
	jst := time.FixedZone("JST", 9*3600)
	tm := time.Date(2026, 4, 1, 9, 30, 0, 123987654, jst)
	if got := FormatTime(tm); got != "2026-04-01T00:30:00.123Z" {
		t.Errorf("FormatTime = %s", got)
	}
	back, err := parseTimestamp(FormatTime(tm), true)
	if err != nil || !back.Equal(tm.Truncate(time.Millisecond)) {
		t.Errorf("round trip: %v %v", back, err)
	}
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		millis bool
		ok     bool
		want   time.Time
	}{
		{"seconds", "2016-01-01T00:00:00Z", false, true, time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"milliseconds", "2016-01-01T00:00:00.123Z", true, true, time.Date(2016, 1, 1, 0, 0, 0, 123e6, time.UTC)},
		{"nanoseconds and beyond", "2016-01-01T00:00:00.1234567891Z", true, true, time.Date(2016, 1, 1, 0, 0, 0, 123456789, time.UTC)},
		{"leap second", "2016-12-31T23:59:60Z", false, true, time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"29 February in a leap year", "2024-02-29T00:00:00Z", false, true, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"29 February in 2100", "2100-02-29T00:00:00Z", false, false, time.Time{}},
		{"seconds where millis are required", "2016-01-01T00:00:00Z", true, false, time.Time{}},
		{"two fractional digits where millis are required", "2016-01-01T00:00:00.12Z", true, false, time.Time{}},
		{"offset", "2016-01-01T00:00:00+09:00", false, false, time.Time{}},
		{"lower-case z", "2016-01-01T00:00:00z", false, false, time.Time{}},
		{"space instead of T", "2016-01-01 00:00:00Z", false, false, time.Time{}},
		{"hour 24", "2016-01-01T24:00:00Z", false, false, time.Time{}},
		{"dot without digits", "2016-01-01T00:00:00.Z", false, false, time.Time{}},
		{"month 13", "2016-13-01T00:00:00Z", false, false, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTimestamp(tt.in, tt.millis)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSetProperty(t *testing.T) {
	in := `{"type":"indicator", "x_custom":{"deep":[1,2]},"created_by_ref":"identity--a","z":"é\u00e9"}`
	out, err := SetProperty(raw(in), "created_by_ref", "identity--b")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"indicator","x_custom":{"deep":[1,2]},"created_by_ref":"identity--b","z":"é\u00e9"}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	out, err = SetProperty(out, "modified", FormatTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
	if err != nil || !strings.HasSuffix(string(out), `,"modified":"2026-01-02T03:04:05.000Z"}`) {
		t.Errorf("append: %s %v", out, err)
	}
	out, err = SetProperty(out, "x_raw", raw(`[ 1 , 2 ]`))
	if err != nil || !strings.HasSuffix(string(out), `"x_raw":[1,2]}`) {
		t.Errorf("raw value: %s %v", out, err)
	}
	out, err = DeleteProperty(out, "x_custom")
	if err != nil || strings.Contains(string(out), "x_custom") {
		t.Errorf("delete: %s %v", out, err)
	}
	if _, err := SetProperty(raw(`[1]`), "a", 1); err == nil {
		t.Error("SetProperty on a non-object succeeded")
	}
}

func TestNewVersion(t *testing.T) {
	later := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	out, err := NewVersion(raw(indicatorJSON), later, map[string]any{"created_by_ref": "identity--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64", "labels": nil})
	if err != nil {
		t.Fatal(err)
	}
	o, err := Parse(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Modified.Equal(later) || o.CreatedByRef != "identity--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64" || o.Labels != nil || strings.Contains(string(out), "x_acme_score") == false {
		t.Errorf("new version: %s", out)
	}
	// A clock behind the current modified still yields a strictly later version.
	old := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	out, err = NewVersion(raw(indicatorJSON), old, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, _ = Parse(out, Options{})
	if want := time.Date(2016, 4, 6, 20, 3, 48, 1e6, time.UTC); !o.Modified.Equal(want) {
		t.Errorf("modified %v, want %v", o.Modified, want)
	}
	if _, err := NewVersion(raw(indicatorJSON), later, map[string]any{"id": "x"}); err == nil {
		t.Error("changing id accepted")
	}
	if _, err := NewVersion(raw(ipv4JSON), later, nil); err == nil {
		t.Error("versioning an SCO accepted")
	}
}
