package stix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

type element struct {
	raw   string
	index int
	err   error
}

func readElements(t testing.TB, body string, max int) ([]element, *BundleReader, error) {
	t.Helper()
	br := NewBundleReader(strings.NewReader(body), max)
	var out []element
	for i := 0; i < 1000; i++ {
		raw, idx, err := br.Next()
		if errors.Is(err, io.EOF) {
			return out, br, nil
		}
		var ee *ElementError
		if err != nil && !errors.As(err, &ee) {
			return out, br, err
		}
		out = append(out, element{string(raw), idx, err})
	}
	t.Fatal("reader did not stop")
	return nil, nil, nil
}

func TestBundleReaderNamesOversizeElement(t *testing.T) {
	body := `{"objects":[{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","description":"` + strings.Repeat("x", 200000) + `"}]}`
	br := NewBundleReader(strings.NewReader(body), 1000)
	_, _, err := br.Next()
	var ee *ElementError
	if !errors.As(err, &ee) || ee.ID != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" || !strings.Contains(err.Error(), "over the limit of 1000") {
		t.Fatalf("got %v", err)
	}
	if _, _, err := br.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the oversize element: %v", err)
	}
}

func TestBundleReader(t *testing.T) {
	bigString := strings.Repeat(`ab\"c\\`, 20000) // crosses the 64 KiB read buffer with escapes
	tests := []struct {
		name     string
		body     string
		max      int
		wantRaw  []string // "" for an element error
		wantID   string
		wantMore bool
		wantNext string
		fatal    string
	}{
		{name: "bundle, id first", body: `{"type":"bundle","id":"bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33","objects":[{"a":1},{"b":[1,{"c":"]}"}]}]}`,
			wantRaw: []string{`{"a":1}`, `{"b":[1,{"c":"]}"}]}`}, wantID: "bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33"},
		{name: "bundle, id after objects, white space", body: "\n{ \"objects\" : [ {\"a\" : \"x\\\"}\"} ,\n {} ] , \"type\":\"bundle\", \"id\": \"bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33\" }\n",
			wantRaw: []string{`{"a" : "x\"}"}`, `{}`}, wantID: "bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33"},
		{name: "byte order mark", body: "\xef\xbb\xbf{\"objects\":[{}]}", wantRaw: []string{"{}"}},
		{name: "TAXII envelope", body: `{"more":true,"next":"abc","objects":[{"x":1}]}`, wantRaw: []string{`{"x":1}`}, wantMore: true, wantNext: "abc"},
		{name: "empty objects", body: `{"type":"bundle","id":"bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33","objects":[]}`, wantID: "bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33"},
		{name: "no objects at all", body: `{"type":"bundle","id":"bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33"}`, wantID: "bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33"},
		{name: "empty object", body: `{}`},
		{name: "element over the limit is skipped", body: `{"objects":[{"a":"` + strings.Repeat("x", 100) + `"},{"b":2}]}`, max: 50,
			wantRaw: []string{"", `{"b":2}`}},
		{name: "element that is not an object", body: `{"objects":[5,"s",{"ok":true},null]}`, wantRaw: []string{"", "", `{"ok":true}`, ""}},
		{name: "long string with escapes", body: `{"objects":[{"s":"` + bigString + `"},{"t":1}]}`, max: 1 << 20,
			wantRaw: []string{`{"s":"` + bigString + `"}`, `{"t":1}`}},
		{name: "not an object", body: `[1,2]`, fatal: "must be a JSON object"},
		{name: "STIX 2.0 bundle", body: `{"type":"bundle","id":"bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33","spec_version":"2.0","objects":[]}`, fatal: "only STIX 2.1"},
		{name: "empty body", body: "  ", fatal: "empty body"},
		{name: "type is not bundle", body: `{"type":"indicator","objects":[]}`, fatal: `type must be "bundle"`},
		{name: "bad bundle id", body: `{"type":"bundle","id":"bundle--x","objects":[]}`, fatal: "id must be"},
		{name: "objects not a list", body: `{"objects":{}}`, fatal: "objects must be a list"},
		{name: "objects twice", body: `{"objects":[],"objects":[]}`, fatal: "objects appears twice"},
		{name: "unbalanced element", body: `{"objects":[{"a":[1}]}`, wantRaw: nil, fatal: "unexpected '}'"},
		{name: "missing comma", body: `{"objects":[{} {}]}`, wantRaw: []string{"{}"}, fatal: "expected ',' or ']'"},
		{name: "truncated", body: `{"objects":[{"a":"b`, fatal: "unterminated string"},
		{name: "trailing data", body: `{"objects":[]} x`, fatal: "unexpected data after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			els, br, err := readElements(t, tt.body, tt.max)
			if tt.fatal != "" {
				if err == nil || !strings.Contains(err.Error(), tt.fatal) {
					t.Fatalf("error %v, want one containing %q", err, tt.fatal)
				}
				// A fatal error sticks.
				if _, _, err2 := br.Next(); err2 == nil || err2.Error() != err.Error() {
					t.Errorf("second Next: %v", err2)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(els) != len(tt.wantRaw) {
				t.Fatalf("%d elements, want %d: %+v", len(els), len(tt.wantRaw), els)
			}
			for i, e := range els {
				if e.index != i {
					t.Errorf("element %d has index %d", i, e.index)
				}
				if tt.wantRaw[i] == "" {
					var ee *ElementError
					if !errors.As(e.err, &ee) || ee.Index != i {
						t.Errorf("element %d: error %v, want an ElementError", i, e.err)
					}
					continue
				}
				if e.err != nil || e.raw != tt.wantRaw[i] {
					t.Errorf("element %d: %q (%v), want %q", i, e.raw, e.err, tt.wantRaw[i])
				}
			}
			if tt.fatal == "" {
				if br.BundleID() != tt.wantID || br.More() != tt.wantMore || br.NextCursor() != tt.wantNext {
					t.Errorf("id %q more %v next %q", br.BundleID(), br.More(), br.NextCursor())
				}
			}
		})
	}
}

// bundleSource generates a bundle of n indicators on the fly, without holding it.
type bundleSource struct {
	n, i int
	buf  bytes.Buffer
	done bool
}

func (s *bundleSource) Read(p []byte) (int, error) {
	for s.buf.Len() < len(p) && !s.done {
		switch {
		case s.i == 0:
			s.buf.WriteString(`{"type":"bundle","id":"bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33","objects":[`)
		case s.i > s.n:
			s.buf.WriteString("]}")
			s.done = true
			continue
		default:
			if s.i > 1 {
				s.buf.WriteByte(',')
			}
		}
		if s.i >= 1 && s.i <= s.n {
			fmt.Fprintf(&s.buf, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","indicator_types":["malicious-activity"],"name":"generated %d","description":"%s","pattern":"[ipv4-addr:value = '10.%d.%d.%d']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z"}`,
				s.i, s.i, strings.Repeat("padding ", 20), s.i>>16&255, s.i>>8&255, s.i&255)
		}
		s.i++
	}
	return s.buf.Read(p)
}

// TestBundleReaderBoundedMemory streams a generated bundle of about 200 MB and checks
// that the heap never holds more than a small, fixed amount, whatever the body size.
func TestBundleReaderBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 200 MB; skipped with -short")
	}
	const n = 420000 // ≈ 490 bytes each ≈ 205 MB
	src := &bundleSource{n: n}
	br := NewBundleReader(src, 1<<20)
	runtime.GC()
	var ms runtime.MemStats
	var peak uint64
	var bytesSeen int64
	count := 0
	for {
		raw, _, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(raw, Options{}); err != nil {
			t.Fatalf("element %d: %v", count, err)
		}
		bytesSeen += int64(len(raw))
		count++
		if count%20000 == 0 {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak {
				peak = ms.HeapInuse
			}
		}
	}
	if count != n {
		t.Fatalf("read %d objects, want %d", count, n)
	}
	if bytesSeen < 200<<20 {
		t.Fatalf("only %d bytes streamed; the test must cover 200 MB", bytesSeen)
	}
	t.Logf("streamed %d objects, %d MB; peak heap in use %.1f MB", count, bytesSeen>>20, float64(peak)/(1<<20))
	if peak > 32<<20 {
		t.Errorf("peak heap in use %d MB: memory is not bounded", peak>>20)
	}
}
