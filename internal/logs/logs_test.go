package logs

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

type kv struct{ K, V string }

func values(f ValuesFunc, line string) ([]kv, time.Time, error) {
	var out []kv
	ts, err := f(line, func(k, v string) { out = append(out, kv{k, v}) })
	return out, ts, err
}

func TestJSONValues(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    []kv
		wantTS  time.Time
		wantErr string
	}{
		{"flat", `{"src":"10.0.0.1","n":5,"ok":true,"x":null}`, []kv{{"src", "10.0.0.1"}}, time.Time{}, ""},
		{"nested and arrays", `{"a":{"b":"evil.example","c":["1.2.3.4","x"]},"d":[{"e":"f"}]}`,
			[]kv{{"b", "evil.example"}, {"c", "1.2.3.4"}, {"c", "x"}, {"e", "f"}}, time.Time{}, ""},
		{"escapes", `{"u":"http:\/\/a.example\/p","q":"say \"hi\"","j":"\u65e5\u672c"}`,
			[]kv{{"u", "http://a.example/p"}, {"q", `say "hi"`}, {"j", "日本"}}, time.Time{}, ""},
		{"surrogate pair", `{"e":"\ud83d\ude00"}`, []kv{{"e", "😀"}}, time.Time{}, ""},
		{"rfc3339 time", `{"@timestamp":"2026-11-01T00:00:00Z","h":"a.example"}`, []kv{{"@timestamp", "2026-11-01T00:00:00Z"}, {"h", "a.example"}},
			time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), ""},
		{"epoch time", `{"ts":1761955200.5}`, nil, time.Unix(1761955200, 5e8).UTC(), ""},
		{"port numbers", `{"dst_port":443,"bytes":443,"src_port":"x"}`, []kv{{"dst_port", "443"}, {"src_port", "x"}}, time.Time{}, ""},
		{"top-level array", `["a","b"]`, []kv{{"", "a"}, {"", "b"}}, time.Time{}, ""},
		{"spaces", ` { "k" : "v" } `, []kv{{"k", "v"}}, time.Time{}, ""},
		{"unterminated string", `{"k":"v}`, nil, time.Time{}, "offset 5: unterminated string"},
		{"unclosed object", `{"k":"v"`, []kv{{"k", "v"}}, time.Time{}, "offset 8: unexpected end of line (unclosed object or array)"},
		{"mismatched bracket", `{"k":["v"}`, []kv{{"k", "v"}}, time.Time{}, "offset 9: unexpected '}'"},
		{"bare word", `{"k":evil}`, nil, time.Time{}, `offset 5: invalid literal "evil"`},
		{"not json", `hello`, nil, time.Time{}, "offset 0: a JSON line must be an object or array"},
		{"trailing garbage", `{"k":"v"} x`, []kv{{"k", "v"}}, time.Time{}, "offset 10: text after the end of the JSON value"},
		{"missing comma", `{"a":"b" "c":"d"}`, []kv{{"a", "b"}}, time.Time{}, "offset 9: missing ',' before string"},
		{"empty", ``, nil, time.Time{}, "offset 0: empty line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ts, err := values(JSONValues, tt.line)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("values = %q, want %q", got, tt.want)
			}
			if !ts.Equal(tt.wantTS) {
				t.Errorf("time = %v, want %v", ts, tt.wantTS)
			}
		})
	}
}

func openFile(t *testing.T, path string) *File {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fh.Close() })
	f, err := Open(path, fh, Auto)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// readAll returns, per line number, the values found.
func readAll(t *testing.T, f *File, chunk int) map[int][]kv {
	t.Helper()
	ch := make(chan Chunk, 100)
	if err := f.Chunks(context.Background(), chunk, ch, nil); err != nil {
		t.Fatal(err)
	}
	close(ch)
	out := map[int][]kv{}
	for c := range ch {
		c.Lines(func(n int, l string) {
			if l == "" {
				return
			}
			vs, _, err := values(f.Values, l)
			if err != nil {
				t.Errorf("line %d: %v", n, err)
			}
			if vs != nil {
				out[n] = vs
			}
		})
	}
	return out
}

func TestZeekTSV(t *testing.T) {
	tests := []struct {
		name string
		file string
		want map[int][]kv
	}{
		{"http combines host and uri", "testdata/http.log", map[int][]kv{
			9:  {{"id.orig_h", "10.0.0.5"}, {"id.orig_p", "51000"}, {"id.resp_h", "198.51.100.7"}, {"id.resp_p", "80"}, {"host", "www.evil.example"}, {"url", "http://www.evil.example/payload.bin"}},
			10: {{"id.orig_h", "10.0.0.6"}, {"id.orig_p", "51001"}, {"id.resp_h", "203.0.113.9"}, {"id.resp_p", "80"}, {"host", "good.example"}, {"referrer", "http://ref.example/"}, {"url", "http://good.example/index.html"}},
		}},
		{"dns splits answers", "testdata/dns.log", map[int][]kv{
			8: {{"id.orig_h", "10.0.0.5"}, {"id.orig_p", "5353"}, {"id.resp_h", "10.0.0.1"}, {"id.resp_p", "53"}, {"proto", "udp"}, {"query", "c2.bad.example"}, {"answers", "192.0.2.44"}, {"answers", "cname.example"}},
			9: {{"id.orig_h", "10.0.0.5"}, {"id.orig_p", "5354"}, {"id.resp_h", "10.0.0.1"}, {"id.resp_p", "53"}, {"proto", "udp"}, {"query", "ok.example"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFile(t, tt.file)
			if f.Format != ZeekTSV {
				t.Fatalf("format = %v", f.Format)
			}
			for _, size := range []int{16, 1 << 20} {
				got := readAll(t, openFile(t, tt.file), size)
				for line, want := range tt.want {
					if !slices.Equal(got[line], want) {
						t.Errorf("chunk %d: line %d = %q, want %q", size, line, got[line], want)
					}
				}
				if len(got) != len(tt.want) {
					t.Errorf("chunk %d: lines with values %v", size, got)
				}
			}
		})
	}
	h, _, err := ParseZeekHeader(strings.Split("#separator \\x09\n#fields\ta\tb\n", "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Values("x\ty\tz", func(string, string) {}); err == nil || err.Error() != "3 fields, the header has 2" {
		t.Errorf("too many fields: %v", err)
	}
	if _, err := h.Values("x", func(string, string) {}); err == nil || err.Error() != "1 fields, the header has 2" {
		t.Errorf("too few fields: %v", err)
	}
}

func TestZeekJSONAndCSV(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		format Format
		want   map[int][]kv
	}{
		{"zeek json http", `{"ts":1761955200.1,"uid":"C1","id.orig_h":"10.0.0.5","id.orig_p":5,"id.resp_h":"192.0.2.1","host":"a.example","uri":"/x","user_agent":"Mozilla 1.2.3.4"}` + "\n",
			ZeekJSON, map[int][]kv{1: {{"id.orig_h", "10.0.0.5"}, {"id.orig_p", "5"}, {"id.resp_h", "192.0.2.1"}, {"host", "a.example"}, {"url", "http://a.example/x"}}}},
		{"plain jsonl keeps everything", `{"client":"10.0.0.5","ua":"Mozilla"}` + "\n\n" + `{"q":"x.example"}`,
			JSONL, map[int][]kv{1: {{"client", "10.0.0.5"}, {"ua", "Mozilla"}}, 3: {{"q", "x.example"}}}},
		{"byte order mark", "\ufeff" + `{"q":"x.example"}` + "\n", JSONL, map[int][]kv{1: {{"q", "x.example"}}}},
		{"csv header names fields", "time,src,dst,note\n2026-11-01T00:00:00Z,10.0.0.1,192.0.2.1,\"a, \"\"quoted\"\" note\"\n",
			CSV, map[int][]kv{2: {{"time", "2026-11-01T00:00:00Z"}, {"src", "10.0.0.1"}, {"dst", "192.0.2.1"}, {"note", `a, "quoted" note`}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Open("x.log", strings.NewReader(tt.data), Auto)
			if err != nil {
				t.Fatal(err)
			}
			if f.Format != tt.format {
				t.Fatalf("format = %v, want %v", f.Format, tt.format)
			}
			got := readAll(t, f, 1<<16)
			for line, want := range tt.want {
				if !slices.Equal(got[line], want) {
					t.Errorf("line %d = %q, want %q", line, got[line], want)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("lines with values: %v", got)
			}
		})
	}
}

func TestGzipLog(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	data, err := os.ReadFile("testdata/dns.log")
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(data)
	zw.Close()
	f, err := Open("dns.log.gz", &buf, Auto)
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != ZeekTSV {
		t.Fatalf("format %v", f.Format)
	}
	got := readAll(t, f, 1<<20)
	if len(got) != 2 || got[8][4].V != "udp" {
		t.Errorf("values %v", got)
	}
	if _, err := Open("bad.gz", bytes.NewReader([]byte{0x1f, 0x8b, 1, 2}), Auto); err == nil {
		t.Error("truncated gzip accepted")
	}
}

func TestChunksLineNumbers(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 1000; i++ {
		b.WriteString(`{"n":"`)
		b.WriteString(strings.Repeat("x", i%50))
		b.WriteString("\"}\n")
	}
	b.WriteString(`{"last":"no newline"}`)
	for _, size := range []int{7, 100, 4096, 1 << 20} {
		f, err := Open("x.jsonl", strings.NewReader(b.String()), JSONL)
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan Chunk, 10000)
		if err := f.Chunks(context.Background(), size, ch, nil); err != nil {
			t.Fatal(err)
		}
		close(ch)
		want, seq := 1, 0
		for c := range ch {
			if c.Seq != seq {
				t.Fatalf("size %d: seq %d, want %d", size, c.Seq, seq)
			}
			seq++
			c.Lines(func(n int, l string) {
				if n != want {
					t.Fatalf("size %d: line %d, want %d", size, n, want)
				}
				if n <= 1000 && len(l) != 8+n%50 {
					t.Fatalf("size %d: line %d has %d bytes", size, n, len(l))
				}
				want++
			})
		}
		if want != 1002 {
			t.Errorf("size %d: %d lines, want 1001", size, want-1)
		}
	}
}

func TestChunksStopsOnCancel(t *testing.T) {
	f, _ := Open("x.jsonl", strings.NewReader(strings.Repeat("{}\n", 10000)), JSONL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := f.Chunks(ctx, 16, make(chan Chunk), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// FuzzJSONLValues checks the tokenizer against encoding/json: on any line
// encoding/json accepts as an object or array, JSONValues must succeed and
// yield exactly the string values (not the keys), in order.
func FuzzJSONLValues(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":{"b":["c",1,null]}}`, `{"u":"\u00e9\/"}`, `[1,"x",{"y":"z"}]`, `{"k":"v"`, `{"a":1e5,"b":-0.5}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, _, err := values(JSONValues, line)
		if strings.ContainsAny(line, "\n") || !json.Valid([]byte(line)) {
			return
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || trimmed[0] != '{' && trimmed[0] != '[' {
			return
		}
		if err != nil {
			t.Fatalf("valid JSON %q rejected: %v", line, err)
		}
		var doc any
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Skip()
		}
		var want []string
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				want = append(want, v)
			case []any:
				for _, e := range v {
					walk(e)
				}
			case map[string]any:
				// Order of a map is lost; compare as sorted multisets below.
				for _, e := range v {
					walk(e)
				}
			}
		}
		walk(doc)
		var gotVals []string
		for _, e := range got {
			// encoding/json turns each invalid UTF-8 byte into U+FFFD; the
			// tokenizer passes bytes through (they can never be indicators).
			gotVals = append(gotVals, jsonUTF8(e.V))
		}
		slices.Sort(want)
		slices.Sort(gotVals)
		// encoding/json keeps the last of duplicate keys; allow extra values then.
		if len(gotVals) < len(want) {
			t.Fatalf("values %q, want %q", gotVals, want)
		}
		for _, w := range want {
			if _, found := slices.BinarySearch(gotVals, w); !found {
				t.Fatalf("value %q missing from %q", w, gotVals)
			}
		}
	})
}

func jsonUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// FuzzZeekReader feeds arbitrary text as a Zeek log; it must never panic, and
// every value reported must be a field of the line (or the synthesized URL).
func FuzzZeekReader(f *testing.F) {
	data, _ := os.ReadFile("testdata/http.log")
	f.Add(string(data))
	dns, _ := os.ReadFile("testdata/dns.log")
	f.Add(string(dns))
	f.Add("#fields\ta\n#types\tset[string]\nx,y\n")
	f.Fuzz(func(t *testing.T, text string) {
		file, err := Open("f.log", strings.NewReader(text), ZeekTSV)
		if err != nil {
			return
		}
		ch := make(chan Chunk, 1000)
		go func() {
			file.Chunks(context.Background(), 64, ch, nil)
			close(ch)
		}()
		for c := range ch {
			c.Lines(func(n int, l string) {
				file.Values(l, func(k, v string) {
					if k != "url" && !strings.Contains(l, v) {
						t.Fatalf("line %d: value %q not in line %q", n, v, l)
					}
				})
			})
		}
	})
}

// FuzzCSVValues: any CSV line either fails with a SyntaxError or yields
// cells that encoding/csv reads the same way.
func FuzzCSVValues(f *testing.F) {
	for _, s := range []string{`a,b,c`, `"a,b",c`, `"say ""hi""",x`, `"open`, `a,"b"c`, `,,`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\r\n") {
			return
		}
		var got []string
		err := splitCSV(line, func(_ int, v string) { got = append(got, v) })
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a SyntaxError", err)
			}
			return
		}
		r := csv.NewReader(strings.NewReader(line))
		r.FieldsPerRecord = -1
		want, werr := r.Read()
		if werr != nil || line == "" {
			return // encoding/csv is stricter about bare quotes
		}
		if !slices.Equal(got, want) {
			t.Fatalf("splitCSV(%q) = %q, encoding/csv %q", line, got, want)
		}
	})
}

// BenchmarkZeekTSVValues times the sweep's reading of a Zeek TSV conn log
// (100,000 records): header, lines and the values worth matching.
func BenchmarkZeekTSVValues(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n" +
		"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\thistory\ttunnel_parents\n" +
		"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tstring\tset[string]\n")
	for i := range 100_000 {
		fmt.Fprintf(&sb, "1761955%03d.%06d\tC%08x\t10.0.%d.%d\t%d\t192.0.2.%d\t443\ttcp\tssl\t0.%06d\t%d\t%d\tSF\t-\tShADadFf\t(empty)\n",
			i%1000, i, i, i%256, i%200, 40000+i%20000, i%250, i, i%5000, i%90000)
	}
	data := sb.String()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f, err := Open("conn.log", strings.NewReader(data), Auto)
		if err != nil {
			b.Fatal(err)
		}
		ch := make(chan Chunk, 4)
		go func() { _ = f.Chunks(context.Background(), 4<<20, ch, nil); close(ch) }()
		n := 0
		for c := range ch {
			c.Lines(func(_ int, l string) {
				if _, err := f.Values(l, func(string, string) {}); err == nil && !strings.HasPrefix(l, "#") {
					n++
				}
			})
		}
		if n != 100_000 {
			b.Fatal(n)
		}
	}
}
