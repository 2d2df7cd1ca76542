package hunt

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/logs"
)

// TestZeekTSVAndJSONReadAlike: a Zeek log reads the same whether Zeek wrote
// it as TSV or as JSON, for both readers of package logs: the hunt sees the
// same events (every field, sets element by element, unset fields absent)
// and the sweep the same values, and every value the sweep checks is a
// field of the event the hunt sees. The JSON files are what Zeek's JSON
// writer gives for the same records (with _path, as json-streaming logs have
// it; _path names the channel and is not compared).
func TestZeekTSVAndJSONReadAlike(t *testing.T) {
	e, err := LoadEngine([]string{"testdata/rules/zeek_dns.yml"}, EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dns", "http"} {
		t.Run(name, func(t *testing.T) {
			tsv, json := "../logs/testdata/"+name+".log", "../logs/testdata/"+name+".json"
			hTSV, hJSON := huntEvents(t, e, tsv), huntEvents(t, e, json)
			if !slices.Equal(hTSV, hJSON) || len(hTSV) != 2 {
				t.Errorf("hunt events differ:\nTSV  %q\nJSON %q", hTSV, hJSON)
			}
			sTSV, sJSON := sweepValues(t, tsv), sweepValues(t, json)
			if !slices.Equal(sTSV, sJSON) || len(sTSV) != 2 {
				t.Errorf("sweep values differ:\nTSV  %q\nJSON %q", sTSV, sJSON)
			}
			for i := range min(len(hTSV), len(sTSV)) {
				for v := range strings.SplitSeq(sTSV[i], "\n") {
					if !strings.HasPrefix(v, "url=") && !strings.HasPrefix(v, "time=") && !strings.Contains("\n"+hTSV[i]+"\n", "\n"+v+"\n") {
						t.Errorf("record %d: the sweep checks %s, which the hunt's event lacks: %q", i+1, v, hTSV[i])
					}
				}
			}
		})
	}
}

// huntEvents returns each event the hunt reads from a file as its channel
// and its sorted field=value lines.
func huntEvents(t *testing.T, e *Engine, path string) []string {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	errs := e.ReadEvents(context.Background(), []Input{{Path: path, Size: st.Size()}}, func(m *Meta, names, values []string) {
		var kv []string
		for i, n := range names {
			if n != "_path" {
				kv = append(kv, n+"="+values[i])
			}
		}
		slices.Sort(kv)
		out = append(out, "channel="+m.Channel+"\n"+strings.Join(kv, "\n"))
	})
	if len(errs) > 0 {
		t.Fatalf("%s: %v", path, errs)
	}
	return out
}

// sweepValues returns the values a sweep checks in each record of a file,
// sorted, after the record's time.
func sweepValues(t *testing.T, path string) []string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := logs.Open(path, fh, logs.Auto)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan logs.Chunk, 1)
	go func() { _ = f.Chunks(context.Background(), 1<<20, ch, nil); close(ch) }()
	var out []string
	for c := range ch {
		c.Lines(func(n int, line string) {
			if line == "" || strings.HasPrefix(line, "#") {
				return
			}
			var kv []string
			ts, err := f.Values(line, func(k, v string) { kv = append(kv, k+"="+v) })
			if err != nil {
				t.Fatalf("%s line %d: %v", path, n, err)
			}
			slices.Sort(kv)
			out = append(out, strings.Join(append([]string{"time=" + ts.Format(time.RFC3339Nano)}, kv...), "\n"))
		})
	}
	return out
}
