package sweep

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/match"
)

const amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"

func buildSet(t *testing.T, files map[string]string) *match.Set {
	t.Helper()
	b := match.NewBuilder()
	for name, text := range files {
		res, err := LoadIndicators(b, name, strings.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		if res.Bad != 0 {
			t.Fatalf("%s: %v", name, res.Errors)
		}
	}
	return b.Build()
}

func sweep(t *testing.T, set *match.Set, name, data string, opt Options) ([]Match, Stats) {
	t.Helper()
	sw := &Sweeper{Set: set, Opt: opt}
	var out []Match
	st, err := sw.File(context.Background(), name, strings.NewReader(data), func(m *Match) { out = append(out, *m) })
	if err != nil {
		t.Fatal(err)
	}
	return out, st
}

func TestSweepJSONL(t *testing.T) {
	set := buildSet(t, map[string]string{"ioc.txt": "10.0.0.0/8\nevil.example\n192.0.2.1\n"})
	var b strings.Builder
	for i := 1; i <= 2000; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, `{"src":"10.%d.0.1","dst":"192.0.2.1"}`+"\n", i%200)
		case 1:
			fmt.Fprintf(&b, `{"q":"host%d.www.evil.example"}`+"\n", i)
		case 2:
			b.WriteString(`{"ok":"nothing.example","n":1}` + "\n")
		case 3:
			if i == 3 {
				b.WriteString(`{"broken":` + "\n")
			} else {
				b.WriteString("\n")
			}
		}
	}
	for _, workers := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			got, st := sweep(t, set, "app.jsonl", b.String(), Options{Workers: workers, ChunkSize: 512})
			if st.Records != 1501 || st.Lines != 2000 || st.BadLines != 1 || st.Matches != 1500 {
				t.Fatalf("stats %+v", st)
			}
			if st.Bad[0].Line != 3 || !strings.Contains(st.Bad[0].Error(), "app.jsonl line 3: offset 10: unexpected end of line") {
				t.Errorf("bad line %v", st.Bad[0])
			}
			if len(got) != 1500 || !slices.IsSortedFunc(got, func(a, b Match) int { return a.Line - b.Line }) {
				t.Fatalf("%d matches, sorted %v", len(got), slices.IsSortedFunc(got, func(a, b Match) int { return a.Line - b.Line }))
			}
			want := []Match{
				{File: "app.jsonl", Line: 1, Field: "q", Value: "host1.www.evil.example", Kind: "domain", Indicator: "evil.example", Matched: "evil.example", IndicatorKind: "domain", Source: "ioc.txt"},
				{File: "app.jsonl", Line: 4, Field: "src", Value: "10.4.0.1", Kind: "ip", Indicator: "10.0.0.0/8", Matched: "10.0.0.0/8", IndicatorKind: "cidr", Source: "ioc.txt"},
				{File: "app.jsonl", Line: 4, Field: "dst", Value: "192.0.2.1", Kind: "ip", Indicator: "192.0.2.1", Matched: "192.0.2.1", IndicatorKind: "ip", Source: "ioc.txt"},
			}
			for i, w := range want {
				g := got[i]
				g.ind = nil
				if g != w {
					t.Errorf("match %d = %+v\nwant %+v", i, g, w)
				}
			}
		})
	}
}

func TestSweepSTIXBundleAndRules(t *testing.T) {
	bundle := `{"type":"bundle","id":"bundle--0b5e7a3c-1d2f-4c3b-9a8e-7f6d5c4b3a21","objects":[
	 {"type":"indicator","spec_version":"2.1","id":"indicator--11111111-1111-4111-8111-111111111111","pattern_type":"stix",
	  "pattern":"[ipv4-addr:value = '198.51.100.7']","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["` + amber + `"]},
	 {"type":"indicator","spec_version":"2.1","id":"indicator--22222222-2222-4222-8222-222222222222","pattern_type":"stix",
	  "pattern":"[ipv4-addr:value = '198.51.100.8']","valid_from":"2026-01-01T00:00:00Z","valid_until":"2026-02-01T00:00:00Z"},
	 {"type":"indicator","spec_version":"2.1","id":"indicator--33333333-3333-4333-8333-333333333333","pattern_type":"stix",
	  "pattern":"([domain-name:value = 'stage1.example'] FOLLOWEDBY [domain-name:value = 'stage2.example']) WITHIN 300 SECONDS","valid_from":"2026-01-01T00:00:00Z"},
	 {"type":"indicator","id":"indicator--44444444-4444-4444-8444-444444444444","pattern_type":"sigma","pattern":"title: x","valid_from":"2026-01-01T00:00:00Z"},
	 {"type":"malware","id":"malware--1","name":"x"}]}`
	set := buildSet(t, map[string]string{"bundle.json": bundle})
	logData := `{"ts":"2026-03-01T00:00:00Z","dst":"198.51.100.7"}
{"ts":"2026-03-01T00:00:01Z","dst":"198.51.100.8"}
{"ts":"2026-03-01T00:01:00Z","query":"stage2.example"}
{"ts":"2026-03-01T00:02:00Z","query":"stage1.example"}
{"ts":"2026-03-01T00:03:00Z","query":"stage2.example"}
`
	got, _ := sweep(t, set, "dns.jsonl", logData, Options{Workers: 2, ChunkSize: 64})
	var lines []string
	for _, m := range got {
		lines = append(lines, fmt.Sprintf("%d %s %s %s %s", m.Line, m.Value, m.Indicator, m.IndicatorKind, m.TLP))
	}
	want := []string{
		"1 198.51.100.7 indicator--11111111-1111-4111-8111-111111111111 ip amber",   // line 2: expired by then
		"5 stage2.example indicator--33333333-3333-4333-8333-333333333333 pattern ", // stage1 at :02 then stage2 at :03
	}
	if !slices.Equal(lines, want) {
		t.Errorf("matches\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestSweepZeekRuleWithPort(t *testing.T) {
	bundle := `[{"type":"indicator","id":"indicator--55555555-5555-4555-8555-555555555555","pattern":"[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 80]"},
	{"type":"indicator","id":"indicator--66666666-6666-4666-8666-666666666666","pattern":"[network-traffic:dst_port = 53 AND network-traffic:protocols[*] = 'udp' AND network-traffic:src_port = 5353]"}]`
	set := buildSet(t, map[string]string{"b.json": bundle})
	for _, f := range []string{"../../logs/testdata/http.log", "../../logs/testdata/dns.log"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := sweep(t, set, f, string(data), Options{})
		if len(got) != 1 || got[0].IndicatorKind != "pattern" {
			t.Errorf("%s: %+v", f, got)
		}
	}
}

func TestSweepJSONRuleWithPort(t *testing.T) {
	set := buildSet(t, map[string]string{"b.json": `[{"type":"indicator","id":"indicator--77777777-7777-4777-8777-777777777777","pattern":"[network-traffic:dst_ref.value = '203.0.113.9' AND network-traffic:dst_port = 8443]"}]`})
	got, _ := sweep(t, set, "p.jsonl", `{"dst_ip":"203.0.113.9","dst_port":443}`+"\n"+`{"dst_ip":"203.0.113.9","dst_port":8443}`+"\n", Options{})
	if len(got) != 1 || got[0].Line != 2 || got[0].Value != "203.0.113.9" {
		t.Errorf("%+v", got)
	}
}

// TestSightingsOfCollectionIndicators: the indicators of two TAXII pages
// are added, matches gathered into one sighting per STIX indicator, each
// marked with its indicator's own markings (so the hub shares it under the
// indicator's TLP) and counted. Reading and posting the pages is the
// client's (internal/client, TestCollectionPagesAndRefusals).
func TestSightingsOfCollectionIndicators(t *testing.T) {
	pages := [][]json.RawMessage{
		{json.RawMessage(`{"type":"indicator","id":"indicator--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa","pattern_type":"stix","pattern":"[domain-name:value = 'evil.example']","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["` + amber + `"]}`)},
		{json.RawMessage(`{"type":"indicator","id":"indicator--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb","pattern_type":"stix","pattern":"[ipv4-addr:value = '203.0.113.0/24']","valid_from":"2026-01-01T00:00:00Z"}`),
			json.RawMessage(`{"type":"malware","id":"malware--cccccccc-cccc-4ccc-8ccc-cccccccccccc"}`),
			json.RawMessage(`{"type":"indicator","id":"indicator--dddddddd-dddd-4ddd-8ddd-dddddddddddd","pattern_type":"stix","pattern":"[ipv4-addr:value = '1.2.3.4/33']"}`)},
	}
	b := match.NewBuilder()
	res := LoadResult{Format: "taxii"}
	for i, p := range pages {
		AddObjects(b, &res, fmt.Sprintf("collection coll-1 page %d", i+1), p)
	}
	if res.Values != 2 || res.Bad != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "collection coll-1 page 2 object 2") {
		t.Fatalf("added %d indicators, %d bad (%v), want 2 and 1 (page 2 object 2)", res.Values, res.Bad, res.Errors)
	}
	set := b.Build()
	got, _ := sweep(t, set, "x.jsonl", `{"h":"a.evil.example","ip":"203.0.113.9"}`+"\n"+`{"h":"b.evil.example"}`+"\n", Options{})
	if len(got) != 3 {
		t.Fatalf("%d matches, want 3: %+v", len(got), got)
	}
	var s Sightings
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range got {
		s.Add(&got[i], now)
	}
	objs := s.Objects(now)
	if s.Len() != 2 || len(objs) != 2 {
		t.Fatalf("%d sightings, want 2", len(objs))
	}
	byRef := map[string]map[string]any{}
	for _, o := range objs {
		byRef[o["sighting_of_ref"].(string)] = o
	}
	a := byRef["indicator--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"]
	if a == nil || a["count"] != 2 || a["type"] != "sighting" || fmt.Sprint(a["object_marking_refs"]) != "["+amber+"]" {
		t.Errorf("sighting of the AMBER indicator: %v", a)
	}
	if c := byRef["indicator--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"]; c == nil || c["object_marking_refs"] != nil {
		t.Errorf("sighting of the unmarked indicator: %v", c)
	}
}

func TestSweepCanceled(t *testing.T) {
	set := buildSet(t, map[string]string{"ioc.txt": "192.0.2.1\n"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sw := &Sweeper{Set: set, Opt: Options{ChunkSize: 16}}
	_, err := sw.File(ctx, "x.jsonl", strings.NewReader(strings.Repeat(`{"a":"192.0.2.1"}`+"\n", 10000)), func(*Match) {})
	if err == nil {
		t.Fatal("canceled sweep returned no error")
	}
}
